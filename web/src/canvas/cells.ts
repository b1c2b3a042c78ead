// The canvas document as the board reads it (CanvasSchema on the server:
// {title, cells: {cellId: {kind, source, name?, layout?: {x, y, w, h}, config?}}}) and the json0
// ops that change its cells' places and sizes or add one.
import type { Json0Component } from "./textOps";

export const KINDS = ["sql", "markdown", "chart", "input"] as const;
export type Kind = (typeof KINDS)[number] | "ai";

export type Layout = { x: number; y: number; w: number; h: number };
export type Cell = { kind: Kind; source: string; name?: string; layout?: Layout; config?: Record<string, unknown> };
export type CanvasData = { title: string; cells: Record<string, Cell> };

/** One layout unit on the board, in pixels at zoom 1: layouts are whole numbers of these. */
export const GRID = 20;
/** Where a cell without a layout is drawn, and the size a new cell gets. */
export const DEFAULT_LAYOUT: Layout = { x: 0, y: 0, w: 24, h: 12 };
const MIN_SIZE = 4;

export function layoutOf(cell: Cell): Layout {
  return { ...DEFAULT_LAYOUT, ...cell.layout };
}

/** A board position or size in pixels, in layout units (rounded to the grid). */
export function toUnits(pixels: number): number {
  return Math.round(pixels / GRID);
}

/**
 * The op that gives cell `cellId` the layout `next`: a replacement of each field that changed (or
 * of the whole layout when the cell had none); empty when nothing changed. Sizes stay at least
 * a few units.
 */
export function layoutOp(cellId: string, cell: Cell, next: Layout): Json0Component[] {
  const wanted: Layout = { ...next, w: Math.max(MIN_SIZE, next.w), h: Math.max(MIN_SIZE, next.h) };
  if (!cell.layout) return [{ p: ["cells", cellId, "layout"], oi: wanted }];
  const op: Json0Component[] = [];
  for (const key of ["x", "y", "w", "h"] as const) {
    const before = cell.layout[key];
    if (before !== wanted[key]) {
      op.push(
        before === undefined
          ? { p: ["cells", cellId, "layout", key], oi: wanted[key] }
          : { p: ["cells", cellId, "layout", key], od: before, oi: wanted[key] },
      );
    }
  }
  return op;
}

/** A fresh cell id: 12 letters and digits (CanvasSchema allows 1 to 64 of [A-Za-z0-9_-]). */
export function newCellId(random: () => number = Math.random): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let id = "c";
  for (let i = 0; i < 11; i++) id += alphabet[Math.floor(random() * alphabet.length)];
  return id;
}

/** The op that adds a cell of `kind` below every cell there is. */
export function addCellOp(data: CanvasData, kind: Kind, cellId: string): Json0Component[] {
  let bottom = 0;
  for (const cell of Object.values(data.cells)) {
    const layout = layoutOf(cell);
    bottom = Math.max(bottom, layout.y + layout.h);
  }
  const count = Object.values(data.cells).filter((cell) => cell.kind === kind).length;
  const cell: Cell = {
    kind,
    name: `${kind}_${count + 1}`,
    source: "",
    layout: { ...DEFAULT_LAYOUT, y: bottom === 0 ? 0 : bottom + 2 },
    config: {},
  };
  return [{ p: ["cells", cellId], oi: cell }];
}
