// The dataset calls of DatasetService over REST, as TanStack Query queries and mutations (uploads
// are in upload.ts).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { DatasetJson, DatasetPreviewJson, ListDatasetsResponseJson } from "../api/gen/v1/datasets_pb.js";
import { call } from "../api/http";

const datasetsPath = (projectId: string) => `/v1/projects/${encodeURIComponent(projectId)}/datasets`;
const datasetPath = (projectId: string, name: string) => `${datasetsPath(projectId)}/${encodeURIComponent(name)}`;

/** The project's catalog, every page of it, by name. */
export function useDatasets(projectId: string) {
  return useQuery({
    queryKey: ["datasets", projectId],
    queryFn: async () => {
      const datasets: DatasetJson[] = [];
      let pageToken = "";
      do {
        const page = await call<ListDatasetsResponseJson>(
          "GET",
          `${datasetsPath(projectId)}?pageSize=200${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ""}`,
        );
        datasets.push(...(page.datasets ?? []));
        pageToken = page.nextPageToken ?? "";
      } while (pageToken);
      return datasets.sort((a, b) => (a.name ?? "").localeCompare(b.name ?? ""));
    },
  });
}

/** The first rows of one version (0: the latest) with its columns. */
export function useDatasetPreview(projectId: string, name: string, version: number) {
  return useQuery({
    queryKey: ["dataset-preview", projectId, name, version],
    queryFn: () => call<DatasetPreviewJson>("GET", `${datasetPath(projectId, name)}/preview?version=${version}`),
  });
}

/** A change to the catalog: the call, then the catalog read again. */
function useCatalogChange<A, R>(projectId: string, change: (args: A) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: change,
    onSuccess: () => client.invalidateQueries({ queryKey: ["datasets", projectId] }),
  });
}

export const useRenameDataset = (projectId: string) =>
  useCatalogChange(projectId, ({ name, newName }: { name: string; newName: string }) =>
    call<DatasetJson>("POST", `${datasetPath(projectId, name)}:rename`, { newName }),
  );

export const useDeleteDataset = (projectId: string) =>
  useCatalogChange(projectId, (name: string) => call("DELETE", datasetPath(projectId, name)));

/** A byte count for people: 512 B, 1.5 KB, 12.3 MB. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
