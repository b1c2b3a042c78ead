import { ActionIcon, Badge, Group, Text, Tooltip } from "@mantine/core";
import { NodeResizer } from "@xyflow/react";
import type { Node, NodeProps } from "@xyflow/react";
import type { Doc } from "sharedb/lib/sharedb";
import { CellEditor } from "./CellEditor";
import { GRID } from "./cells";
import type { CanvasData, Cell } from "./cells";
import type { Here } from "./liveCanvas";
import { colorVar } from "./presenceColors";

export type CellNodeData = {
  cellId: string;
  cell: Cell;
  doc: Doc<CanvasData>;
  readOnly: boolean;
  /** The collaborators whose caret is in this cell. */
  others: Here[];
  onFocus: (cellId: string, focused: boolean) => void;
  onDelete: (cellId: string) => void;
};
export type CellNodeType = Node<CellNodeData, "cell">;

const KIND_COLORS: Record<string, string> = { sql: "blue", markdown: "grape", chart: "teal", input: "orange", ai: "pink" };

/** One cell on the board: its kind and name (the handle to drag it by), and its source. */
export function CellNode({ data, selected }: NodeProps<CellNodeType>) {
  const { cellId, cell, doc, readOnly, others } = data;
  const ring = others[0] && colorVar(others[0].color);
  return (
    <div
      className="cell"
      data-cell={cellId}
      style={{ borderColor: ring ?? (selected ? "var(--mantine-color-blue-5)" : undefined) }}
    >
      {!readOnly && <NodeResizer minWidth={4 * GRID} minHeight={4 * GRID} isVisible={selected} />}
      <Group className="cell-header" justify="space-between" gap={6} wrap="nowrap">
        <Group gap={6} wrap="nowrap">
          <Badge size="xs" color={KIND_COLORS[cell.kind] ?? "gray"}>{cell.kind}</Badge>
          <Text size="xs" fw={600} truncate>{cell.name ?? cellId}</Text>
        </Group>
        <Group gap={4} wrap="nowrap">
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
      <CellEditor doc={doc} cellId={cellId} kind={cell.kind} readOnly={readOnly} onFocus={(focused) => data.onFocus(cellId, focused)} />
    </div>
  );
}
