import { ActionIcon, Badge, Button, Card, FileButton, Group, Loader, Menu, Modal, Progress, Stack, Table, Text, TextInput, Title, Tooltip } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useRef, useState } from "react";
import type { DatasetJson } from "../api/gen/v1/datasets_pb.js";
import { ErrorNote, isRefusal } from "../app/ErrorNote";
import { canEdit, useProject } from "../projects/api";
import { formatBytes, useDeleteDataset, useDatasets, useRenameDataset } from "./api";
import { DatasetPreview } from "./DatasetPreview";
import { datasetName, uploadDataset, wasCancelled } from "./upload";
import type { UploadProgress } from "./upload";

type Upload = {
  id: number;
  file: File;
  name: string;
  progress: UploadProgress;
  error?: unknown;
  done?: boolean;
  abort: AbortController;
};

const ACCEPT = ".csv,.tsv,.json,.ndjson,.jsonl,.parquet,.txt,text/csv,application/json";
let uploads = 0;

/**
 * A project's datasets: the catalog (name, versions, rows, size, who, when), uploads by drag and drop
 * or a file picker with a progress bar (resumable: a dropped connection goes on from what the
 * server has), rename and delete for editors and owners, and a preview of any version.
 */
export function DatasetsPanel({ projectId, compact = false }: { projectId: string; compact?: boolean }) {
  const project = useProject(projectId);
  const datasets = useDatasets(projectId);
  const client = useQueryClient();
  const rename = useRenameDataset(projectId);
  const remove = useDeleteDataset(projectId);
  const [active, setActive] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [previewing, setPreviewing] = useState<DatasetJson | null>(null);
  const [renaming, setRenaming] = useState<{ name: string; newName: string } | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const depth = useRef(0);

  const writable = canEdit(project.data?.role) && project.data?.archived !== true;
  const names = new Map((project.data?.members ?? []).map((m) => [m.userId ?? "", m.displayName || m.email || ""]));

  const change = (id: number, update: Partial<Upload>) =>
    setActive((all) => all.map((u) => (u.id === id ? { ...u, ...update } : u)));

  const start = useCallback(
    (files: File[]) => {
      for (const file of files) {
        const upload: Upload = {
          id: ++uploads,
          file,
          name: datasetName(file.name),
          progress: { sent: 0, total: file.size, phase: "uploading", resumes: 0 },
          abort: new AbortController(),
        };
        setActive((all) => [...all, upload]);
        uploadDataset(projectId, upload.name, file, (progress) => change(upload.id, { progress: { ...progress } }), upload.abort.signal).then(
          () => {
            change(upload.id, { done: true });
            void client.invalidateQueries({ queryKey: ["datasets", projectId] });
            setTimeout(() => setActive((all) => all.filter((u) => u.id !== upload.id)), 4000);
          },
          (error: unknown) => {
            if (wasCancelled(error)) setActive((all) => all.filter((u) => u.id !== upload.id));
            else change(upload.id, { error });
            // Refused: the role may have changed since the page was read; read it again.
            if (isRefusal(error)) {
              void client.invalidateQueries({ queryKey: ["project", projectId] });
            }
          },
        );
      }
    },
    [projectId, client],
  );

  if (project.isPending || datasets.isPending) return <Loader />;
  if (project.error) return <ErrorNote error={project.error} />;
  const list = datasets.data ?? [];

  const dropProps = writable
    ? {
        onDragEnter: (event: React.DragEvent) => {
          event.preventDefault();
          depth.current++;
          setDragging(true);
        },
        onDragOver: (event: React.DragEvent) => event.preventDefault(),
        onDragLeave: () => {
          depth.current = Math.max(0, depth.current - 1);
          if (depth.current === 0) setDragging(false);
        },
        onDrop: (event: React.DragEvent) => {
          event.preventDefault();
          depth.current = 0;
          setDragging(false);
          start([...event.dataTransfer.files]);
        },
      }
    : {};

  return (
    <Card withBorder className={`datasets-panel${dragging ? " dragging" : ""}`} data-testid="datasets-panel" {...dropProps}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={4}>Datasets</Title>
          {writable && (
            <FileButton onChange={start} accept={ACCEPT} multiple>
              {(props) => (
                <Button size="xs" {...props}>
                  Upload files
                </Button>
              )}
            </FileButton>
          )}
        </Group>
        {writable && (
          <div className="datasets-drop" aria-hidden>
            {dragging ? "Drop to upload" : "Drag CSV, TSV, JSON, NDJSON or Parquet files here"}
          </div>
        )}
        {active.map((upload) => (
          <UploadRow
            key={upload.id}
            upload={upload}
            onCancel={() => upload.abort.abort()}
            onDismiss={() => setActive((all) => all.filter((u) => u.id !== upload.id))}
          />
        ))}
        <ErrorNote error={datasets.error ?? rename.error ?? remove.error} />
        {list.length === 0 ? (
          <Text c="dimmed" size="sm">
            No datasets yet.{writable ? " Upload a file: its name becomes its table name in SQL." : ""}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={compact ? 360 : 560}>
            <Table verticalSpacing={4} highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th ta="right">Rows</Table.Th>
                  {!compact && <Table.Th ta="right">Size</Table.Th>}
                  <Table.Th>Version</Table.Th>
                  {!compact && <Table.Th>By</Table.Th>}
                  <Table.Th>When</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((dataset) => {
                  const latest = dataset.versions?.[dataset.versions.length - 1];
                  const name = dataset.name ?? "";
                  return (
                    <Table.Tr key={dataset.datasetId} data-dataset={name}>
                      <Table.Td>
                        <Button variant="subtle" size="compact-sm" px={4} onClick={() => setPreviewing(dataset)} aria-label={`Preview ${name}`}>
                          <Text ff="monospace" size="sm">{name}</Text>
                        </Button>
                      </Table.Td>
                      <Table.Td ta="right">{Number(latest?.rowCount ?? 0).toLocaleString("en-US")}</Table.Td>
                      {!compact && <Table.Td ta="right">{formatBytes(Number(latest?.byteSize ?? 0))}</Table.Td>}
                      <Table.Td>
                        <Badge variant="light" size="sm">
                          v{String(dataset.latestVersion ?? latest?.version ?? 1)}
                          {(dataset.versions?.length ?? 0) > 1 ? ` of ${dataset.versions?.length}` : ""}
                        </Badge>
                      </Table.Td>
                      {!compact && <Table.Td><Text size="sm" truncate maw={160}>{names.get(latest?.uploadedBy ?? "") || "someone"}</Text></Table.Td>}
                      <Table.Td>
                        <Tooltip label={latest?.uploadedAt ? new Date(latest.uploadedAt).toLocaleString() : ""}>
                          <Text size="sm" c="dimmed">{latest?.uploadedAt ? ago(latest.uploadedAt) : ""}</Text>
                        </Tooltip>
                      </Table.Td>
                      <Table.Td>
                        {writable && (
                          <Menu position="bottom-end" withinPortal>
                            <Menu.Target>
                              <ActionIcon variant="subtle" color="gray" aria-label={`More for ${name}`}>⋯</ActionIcon>
                            </Menu.Target>
                            <Menu.Dropdown>
                              <Menu.Item onClick={() => setPreviewing(dataset)}>Preview</Menu.Item>
                              <Menu.Item onClick={() => setRenaming({ name, newName: name })}>Rename</Menu.Item>
                              <Menu.Item color="red" onClick={() => setDeleting(name)}>Delete</Menu.Item>
                            </Menu.Dropdown>
                          </Menu>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      <Modal opened={previewing !== null} onClose={() => setPreviewing(null)} title={previewing?.name} size="min(1100px, 96vw)">
        {previewing && <DatasetPreview projectId={projectId} dataset={previewing} />}
      </Modal>
      <Modal opened={renaming !== null} onClose={() => setRenaming(null)} title={`Rename ${renaming?.name ?? ""}`}>
        {renaming && (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              rename.mutate({ name: renaming.name, newName: renaming.newName.trim() }, { onSuccess: () => setRenaming(null) });
            }}
          >
            <Stack>
              <TextInput
                label="New name"
                description="Its table name in SQL: lowercase letters, digits and _"
                value={renaming.newName}
                onChange={(e) => setRenaming({ ...renaming, newName: e.currentTarget.value })}
                error={rename.error instanceof Error ? rename.error.message : undefined}
                data-autofocus
              />
              <Group justify="flex-end">
                <Button variant="default" onClick={() => setRenaming(null)}>Cancel</Button>
                <Button type="submit" loading={rename.isPending}>Rename</Button>
              </Group>
            </Stack>
          </form>
        )}
      </Modal>
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title={`Delete ${deleting ?? ""}?`}>
        <Stack>
          <Text size="sm">Every version of this dataset is deleted; SQL cells that read it will fail.</Text>
          <ErrorNote error={remove.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>Cancel</Button>
            <Button color="red" loading={remove.isPending} onClick={() => deleting && remove.mutate(deleting, { onSuccess: () => setDeleting(null) })}>
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}

function UploadRow({ upload, onCancel, onDismiss }: { upload: Upload; onCancel: () => void; onDismiss: () => void }) {
  const { progress } = upload;
  const percent = progress.total ? Math.min(100, (progress.sent / progress.total) * 100) : 100;
  const state = upload.error
    ? "failed"
    : upload.done
      ? "uploaded"
      : progress.phase === "importing"
        ? "reading the file…"
        : progress.phase === "resuming"
          ? "connection lost: resuming…"
          : `${formatBytes(progress.sent)} of ${formatBytes(progress.total)}`;
  return (
    <Stack gap={4} className="upload-row" data-upload={upload.name} data-upload-state={upload.error ? "failed" : upload.done ? "done" : "running"}>
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="sm" truncate>
          <Text span ff="monospace">{upload.name}</Text> <Text span c="dimmed">from {upload.file.name} · {state}</Text>
        </Text>
        {upload.error || upload.done ? (
          <ActionIcon size="sm" variant="subtle" color="gray" aria-label="Dismiss" onClick={onDismiss}>×</ActionIcon>
        ) : (
          <Button size="compact-xs" variant="subtle" color="gray" onClick={onCancel}>Cancel</Button>
        )}
      </Group>
      <Progress
        value={percent}
        color={upload.error ? "red" : upload.done ? "green" : progress.phase === "resuming" ? "yellow" : "blue"}
        animated={!upload.done && !upload.error && progress.phase === "importing"}
        aria-label={`Upload of ${upload.file.name}`}
      />
      {upload.error != null && <ErrorNote error={upload.error} />}
    </Stack>
  );
}

/** How long ago an instant was, for people: "just now", "5 min ago", "3 h ago", else the date. */
function ago(instant: string): string {
  const seconds = (Date.now() - Date.parse(instant)) / 1000;
  if (Number.isNaN(seconds)) return "";
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(instant).toLocaleDateString();
}
