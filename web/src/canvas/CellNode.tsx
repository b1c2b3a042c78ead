import type { SQLNamespace } from "@codemirror/lang-sql";
import { withoutCell } from "./sqlSchema";
import { ActionIcon, Badge, Button, Group, Text, Tooltip } from "@mantine/core";
import { Handle, NodeResizer, Position } from "@xyflow/react";
import type { Node, NodeProps } from "@xyflow/react";
import { useCallback, useEffect, useState } from "react";
import type { Doc } from "sharedb/lib/sharedb";
import { ApiError } from "../api/http";
import { FullResultButton } from "../results/FullResultButton";
import { CellEditor } from "./CellEditor";
import { ChartCell } from "./ChartCell";
import type { ChartSource } from "./ChartCell";
import { GRID } from "./cells";
import type { CanvasData, Cell } from "./cells";
import type { Here, RemoteCaret } from "./presence";
import { colorVar } from "./presenceColors";
import { RunProgress } from "./RunProgress";
import { cellText, runBadge } from "./runs";
import type { CellRun } from "./runs";

export type CellNodeData = {
  cellId: string;
  cell: Cell;
  doc: Doc<CanvasData>;
  readOnly: boolean;
  /** The collaborators in this cell (its editor has their focus). */
  others: Here[];
  /** The others' carets in this cell's editor (where they were last, focused or not). */
  carets: RemoteCaret[];
  onFocus: (cellId: string, focused: boolean) => void;
  /** This browser's caret or selection in the cell's editor moved. */
  onCaret: (cellId: string, selection: { anchor: number; head: number }) => void;
  /** Who is dragging the cell right now, when someone else is. */
  draggedBy?: Here | undefined;
  onDelete: (cellId: string) => void;
  /** The SQL cell's run state (canvas-runs), when it has one. */
  run?: CellRun | undefined;
  /** Asks the server to run the cell now (RunCell). */
  onRun: (cellId: string) => Promise<unknown>;
  projectId: string;
  /** The cells a chart may draw. */
  sources: ChartSource[];
  /** The tables (datasets, named cells) and columns SQL completes. */
  sqlSchema: SQLNamespace;
  /** Adds a chart cell of this cell's result. */
  onChart: (cellId: string) => void;
};
export type CellNodeType = Node<CellNodeData, "cell">;

const KIND_COLORS: Record<string, string> = { sql: "blue", markdown: "grape", chart: "teal", input: "orange", ai: "pink" };

/** The current time, renewed every second while `ticking`. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

/** A refused RunCell, said for people. */
function refusal(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError && error.status === 403) return `Not allowed to run this cell: ${message}`;
  return `Could not run the cell: ${message}`;
}

/**
 * One cell on the board: its kind and name (the handle to drag it by), and its source; a SQL cell
 * also its run state (badge; while it runs, the seconds since it started, ticking, and a progress
 * bar when DuckDB estimates how far it has come), a Run button (Shift+Enter in the editor too), and
 * below the editor its result's first rows or why it failed.
 */
export function CellNode({ data, selected }: NodeProps<CellNodeType>) {
  const { cellId, cell, doc, readOnly, others, run, onRun } = data;
  const ring = (data.draggedBy && colorVar(data.draggedBy.color)) ?? (others[0] && colorVar(others[0].color));
  const sql = cell.kind === "sql";
  const chart = cell.kind === "chart";
  const now = useNow(run?.state === "running");
  const badge = sql || chart ? runBadge(run, now) : null;
  const [refused, setRefused] = useState<string | null>(null);
  const runNow = useCallback(() => {
    setRefused(null);
    onRun(cellId).catch((error: unknown) => setRefused(refusal(error)));
  }, [cellId, onRun]);
  return (
    <div
      className="cell"
      data-cell={cellId}
      style={{ borderColor: ring ?? (selected ? "var(--mantine-color-blue-5)" : undefined) }}
    >
      {data.draggedBy && (
        <span className="cell-dragged-by" style={{ background: colorVar(data.draggedBy.color) }} data-dragged-by={data.draggedBy.name}>
          {data.draggedBy.name} is moving this cell
        </span>
      )}
      {!readOnly && <NodeResizer minWidth={4 * GRID} minHeight={4 * GRID} isVisible={selected} />}
      <Handle type="target" position={Position.Left} isConnectable={false} className="cell-handle" />
      <Handle type="source" position={Position.Right} isConnectable={false} className="cell-handle" />
      <Group className="cell-header" justify="space-between" gap={6} wrap="nowrap">
        <Group gap={6} wrap="nowrap">
          <Badge size="xs" color={KIND_COLORS[cell.kind] ?? "gray"}>{cell.kind}</Badge>
          <Text size="xs" fw={600} truncate>{cell.name ?? cellId}</Text>
        </Group>
        <Group gap={4} wrap="nowrap">
          {badge && (
            <Badge size="xs" variant="light" color={badge.color} data-run-state={run?.state}>
              {badge.label}
            </Badge>
          )}
          {sql && !readOnly && run?.state === "done" && (
            <Tooltip label="Add a chart of this cell's result">
              <Button size="compact-xs" variant="subtle" color="teal" onClick={() => data.onChart(cellId)} aria-label={`Chart ${cell.name ?? cellId}`}>
                Chart
              </Button>
            </Tooltip>
          )}
          {sql && (
            <Tooltip label="Run (Shift+Enter)">
              <Button size="compact-xs" variant="subtle" onClick={runNow} aria-label={`Run ${cell.name ?? cellId}`}>
                Run
              </Button>
            </Tooltip>
          )}
          {others.map((here) => (
            <Tooltip key={here.userId + here.color} label={`${here.name} is editing`}>
              <span className="cell-presence" style={{ background: colorVar(here.color) }} />
            </Tooltip>
          ))}
          {!readOnly && (
            <ActionIcon size="xs" variant="subtle" color="gray" aria-label={`Delete ${cell.name ?? cellId}`} onClick={() => data.onDelete(cellId)}>
              ×
            </ActionIcon>
          )}
        </Group>
      </Group>
      {sql && <RunProgress run={run} label={cell.name ?? cellId} />}
      {chart ? (
        <ChartCell cellId={cellId} cell={cell} doc={doc} readOnly={readOnly} run={run} projectId={data.projectId} sources={data.sources} />
      ) : (
        <CellEditor
          doc={doc}
          cellId={cellId}
          kind={cell.kind}
          readOnly={readOnly}
          onFocus={(focused) => data.onFocus(cellId, focused)}
          carets={data.carets}
          schema={sql ? withoutCell(data.sqlSchema, cell.name) : undefined}
          onCaret={(selection) => data.onCaret(cellId, selection)}
          onRun={sql ? runNow : undefined}
          error={run?.state === "failed" ? run.error : undefined}
        />
      )}
      {refused && (
        <Text className="cell-run-error nodrag" size="xs" c="red" role="alert">
          {refused}
        </Text>
      )}
      {sql && run?.state === "failed" && run.error && (
        <Text className="cell-run-error nodrag" size="xs" c="red" data-run-error>
          {run.error.message}
        </Text>
      )}
      {sql && run?.columns && run.preview && <Preview run={run} />}
      {sql && run?.state === "done" && run.resultId && (
        <FullResultButton resultId={run.resultId} name={cell.name ?? cellId} rowCount={run.rowCount} />
      )}
    </div>
  );
}

/** The first rows of a cell's result, under a header of column names and types. */
function Preview({ run }: { run: CellRun }) {
  const columns = run.columns ?? [];
  const preview = run.preview ?? [];
  const more = (run.rowCount ?? preview.length) - preview.length;
  return (
    <div className="cell-preview nodrag nowheel" data-preview>
      <table>
        <thead>
          <tr>
            {columns.map((column, i) => (
              <th key={i}>
                {column.name} <span className="cell-preview-type">{column.type}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {preview.map((row, r) => (
            <tr key={r}>
              {columns.map((_, i) => (
                <td key={i}>{cellText(row[i])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {more > 0 && (
        <Text size="xs" c="dimmed" px={6}>
          {more.toLocaleString("en-US")} more rows not shown
        </Text>
      )}
    </div>
  );
}
