// What a SQL cell's editor completes: the project's datasets (the columns of their latest version)
// and the canvas's named cells (the columns of their latest result), as the tables a query may
// name. The server reads the same names (datasets at their latest version, cells by `name`).
import type { SQLNamespace } from "@codemirror/lang-sql";
import type { DatasetJson } from "../api/gen/v1/datasets_pb.js";
import type { Cell } from "./cells";
import type { CellRun } from "./runs";

/** Tables and their columns for completion; a cell does not complete itself. */
export function sqlSchema(
  datasets: DatasetJson[],
  cells: Record<string, Cell>,
  runs: Record<string, CellRun> | undefined,
): SQLNamespace {
  const schema: Record<string, string[]> = {};
  for (const dataset of datasets) {
    if (!dataset.name) continue;
    const latest = [...(dataset.versions ?? [])].sort((a, b) => Number(b.version ?? 0) - Number(a.version ?? 0))[0];
    schema[dataset.name] = (latest?.columns ?? []).flatMap((column) => (column.name ? [column.name] : []));
  }
  for (const [cellId, cell] of Object.entries(cells)) {
    if ((cell.kind !== "sql" && cell.kind !== "chart") || !cell.name) continue;
    schema[cell.name] = (runs?.[cellId]?.columns ?? []).map((column) => column.name);
  }
  return schema;
}

/** The schema without the table of cell `name` (a cell cannot read itself). */
export function withoutCell(schema: SQLNamespace, name: string | undefined): SQLNamespace {
  if (!name || typeof schema !== "object" || Array.isArray(schema) || !(name in schema)) return schema;
  const rest: Record<string, SQLNamespace> = { ...(schema as Record<string, SQLNamespace>) };
  delete rest[name];
  return rest;
}
