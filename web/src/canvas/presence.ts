// What a collaborator shares about themselves on a canvas (sharedb doc presence on the canvas
// document), and how it follows the document's ops. The server broadcasts presence as it was sent
// and never transforms it; json0 has no transformPresence. So every browser transforms the
// presence it holds through the ops it applies itself (sharedb calls the type's transformPresence
// for each op, and for the ops between a presence's version and the document's): a caret moves
// with the text inserted or deleted before it, and disappears when its cell or its source is
// replaced or deleted.
import type { Json0Component } from "./textOps";

/** A selection in one cell's source: offsets in UTF-16 code units; anchor = head is a caret. */
export type Caret = { cellId: string; anchor: number; head: number };

/** A cell being dragged, where it is now on the board (pixels at zoom 1). */
export type Drag = { cellId: string; x: number; y: number };

/** What a collaborator shares while on a canvas. */
export type Here = {
  userId: string;
  name: string;
  color: string;
  /** The cell they are in (its editor has the focus), if any. */
  cellId: string | null;
  caret?: Caret | null;
  drag?: Drag | null;
};

/** Where offset `at` goes when `length` characters are inserted at `from` (after them when `after`). */
function afterInsert(at: number, from: number, length: number, after: boolean): number {
  return at > from || (at === from && after) ? at + length : at;
}

/** Where offset `at` goes when the `length` characters at `from` are deleted. */
function afterDelete(at: number, from: number, length: number): number {
  if (at <= from) return at;
  return at >= from + length ? at - length : from;
}

function moved(caret: Caret, map: (at: number) => number): Caret {
  return { cellId: caret.cellId, anchor: map(caret.anchor), head: map(caret.head) };
}

/** Whether component path `p` is `path` itself or a container of it. */
function covers(p: readonly (string | number)[], path: readonly (string | number)[]): boolean {
  return p.length <= path.length && p.every((part, i) => path[i] === part);
}

/**
 * The caret after one json0 op (its components in order). Text inserted right at the caret goes
 * before it when the caret's owner made the op (`ownOp`: they typed there), after it otherwise.
 * Null when the op replaces or removes the cell's source, the cell, or the document's cells.
 */
export function transformCaret(caret: Caret, op: readonly Json0Component[], ownOp: boolean): Caret | null {
  const path = ["cells", caret.cellId, "source"];
  let current: Caret = caret;
  for (const c of op) {
    if (!Array.isArray(c.p)) continue;
    if (c.p.length === path.length + 1 && covers(c.p.slice(0, path.length), path)) {
      const at = c.p[path.length];
      if (typeof at !== "number") continue;
      if (typeof c.sd === "string") {
        const length = c.sd.length;
        current = moved(current, (x) => afterDelete(x, at, length));
      }
      if (typeof c.si === "string") {
        const length = c.si.length;
        current = moved(current, (x) => afterInsert(x, at, length, ownOp));
      }
    } else if (covers(c.p, path)) {
      if (c.p.length === path.length && c.t === "text0" && Array.isArray(c.o)) {
        for (const t of c.o) {
          const from = t.p;
          if (typeof t.i === "string") {
            const length = t.i.length;
            current = moved(current, (x) => afterInsert(x, from, length, ownOp));
          }
          if (typeof t.d === "string") {
            const length = t.d.length;
            current = moved(current, (x) => afterDelete(x, from, length));
          }
        }
      } else if ("oi" in c || "od" in c || "li" in c || "ld" in c) {
        return null;
      }
    }
  }
  return current;
}

/**
 * A collaborator's presence after one op: their caret moved with it (or gone with its cell); a
 * drag ends when the dragged cell is deleted.
 */
export function transformHere(here: Here | null, op: readonly Json0Component[], ownOp: boolean): Here | null {
  if (!here) return here;
  let next = here;
  if (here.caret) {
    const caret = transformCaret(here.caret, op, ownOp);
    next = { ...next, caret, cellId: caret || here.cellId !== here.caret.cellId ? here.cellId : null };
  }
  const drag = here.drag;
  if (drag && op.some((c) => Array.isArray(c.p) && covers(c.p, ["cells", drag.cellId]) && ("od" in c || "oi" in c))) {
    next = { ...next, drag: null };
  }
  return next;
}

/** The carets of `others` in cell `cellId`, with the name and colour to draw them in. */
export function caretsIn(others: readonly Here[], cellId: string): RemoteCaret[] {
  const carets: RemoteCaret[] = [];
  for (const here of others) {
    if (here.caret && here.caret.cellId === cellId) {
      carets.push({ name: here.name, color: here.color, anchor: here.caret.anchor, head: here.caret.head });
    }
  }
  return carets;
}

/** One other person's caret or selection in a cell's editor. */
export type RemoteCaret = { name: string; color: string; anchor: number; head: number };
