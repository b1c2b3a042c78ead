import { Badge, Group, Loader, Select, Stack, Table, Text } from "@mantine/core";
import { useState } from "react";
import type { DatasetJson } from "../api/gen/v1/datasets_pb.js";
import { ErrorNote } from "../app/ErrorNote";
import { cellText } from "../canvas/runs";
import { isNumeric } from "../results/ResultGrid";
import { formatBytes, useDatasetPreview } from "./api";

/** One version of a dataset: its schema (column names and DuckDB types) and its first rows. */
export function DatasetPreview({ projectId, dataset }: { projectId: string; dataset: DatasetJson }) {
  const versions = dataset.versions ?? [];
  const [version, setVersion] = useState(String(dataset.latestVersion ?? versions[versions.length - 1]?.version ?? 1));
  const preview = useDatasetPreview(projectId, dataset.name ?? "", Number(version));
  const meta = versions.find((v) => String(v.version) === version);
  const columns = preview.data?.columns ?? [];
  const rows = preview.data?.rows ?? [];
  return (
    <Stack gap="sm" data-testid="dataset-preview">
      <Group justify="space-between">
        <Group gap="xs">
          {meta && <Badge variant="light">{meta.format}</Badge>}
          <Text size="sm" c="dimmed">
            {Number(preview.data?.rowCount ?? meta?.rowCount ?? 0).toLocaleString("en-US")} rows · {columns.length} columns
            {meta ? ` · ${formatBytes(Number(meta.byteSize ?? 0))} as Parquet` : ""}
          </Text>
        </Group>
        {versions.length > 1 && (
          <Select
            size="xs"
            w={180}
            aria-label="Version"
            value={version}
            onChange={(value) => value && setVersion(value)}
            data={[...versions].reverse().map((v) => ({ value: String(v.version), label: `Version ${v.version}${v.uploadedAt ? ` · ${new Date(v.uploadedAt).toLocaleDateString()}` : ""}` }))}
          />
        )}
      </Group>
      {preview.isPending && <Loader size="sm" />}
      <ErrorNote error={preview.error} />
      {preview.data && (
        <>
          <Text size="xs" fw={600} tt="uppercase" c="dimmed">Schema</Text>
          <Group gap={6} data-testid="dataset-schema">
            {columns.map((column) => (
              <Badge key={column.name} variant="default" tt="none" size="lg" radius="sm" fw={500}>
                {column.name} <Text span size="xs" c="dimmed">{column.type}</Text>
              </Badge>
            ))}
          </Group>
          <Text size="xs" fw={600} tt="uppercase" c="dimmed">First {rows.length} rows</Text>
          <Table.ScrollContainer minWidth={300} mah={420} type="native">
            <Table striped withTableBorder withColumnBorders verticalSpacing={2} fz="sm" stickyHeader>
              <Table.Thead>
                <Table.Tr>
                  {columns.map((column) => (
                    <Table.Th key={column.name} ta={isNumeric(column.type) ? "right" : "left"}>
                      {column.name}
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row, r) => (
                  <Table.Tr key={r}>
                    {columns.map((column, c) => {
                      const value = (row as unknown[])[c];
                      return (
                        <Table.Td key={c} ta={isNumeric(column.type) ? "right" : "left"} style={{ whiteSpace: "nowrap", color: value === null ? "var(--mantine-color-dimmed)" : undefined }}>
                          {cellText(value)}
                        </Table.Td>
                      );
                    })}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}
    </Stack>
  );
}
