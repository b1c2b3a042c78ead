import { types } from "sharedb/lib/client";
import { describe, expect, it } from "vitest";
import { addCellOp, layoutOp, newCellId } from "./cells";
import type { CanvasData, Cell } from "./cells";
import type { Json0Component } from "./textOps";

const json0 = types.defaultType as unknown as { apply(snapshot: unknown, op: Json0Component[]): unknown };
const sql = (layout?: Cell["layout"]): Cell => (layout ? { kind: "sql", source: "", layout } : { kind: "sql", source: "" });

describe("layout ops", () => {
  it("replaces only the fields that changed, naming their old values", () => {
    const cell = sql({ x: 1, y: 2, w: 24, h: 12 });
    expect(layoutOp("c1", cell, { x: 3, y: 2, w: 24, h: 12 })).toEqual([{ p: ["cells", "c1", "layout", "x"], od: 1, oi: 3 }]);
    expect(layoutOp("c1", cell, { x: 1, y: 2, w: 24, h: 12 })).toEqual([]);
  });

  it("inserts a whole layout for a cell that had none, and keeps sizes at least 4 units", () => {
    const doc: CanvasData = { title: "t", cells: { c1: sql() } };
    const op = layoutOp("c1", doc.cells.c1 as Cell, { x: 2, y: 3, w: 1, h: 0 });
    const after = json0.apply(doc, op) as CanvasData;
    expect(after.cells.c1?.layout).toEqual({ x: 2, y: 3, w: 4, h: 4 });
  });

  it("adds a cell below the lowest one, with a valid id and its kind's next name", () => {
    const doc: CanvasData = { title: "t", cells: { a: sql({ x: 0, y: 5, w: 10, h: 10 }) } };
    const id = newCellId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    const after = json0.apply(doc, addCellOp(doc, "sql", id)) as CanvasData;
    expect(after.cells[id]).toMatchObject({ kind: "sql", name: "sql_2", source: "", layout: { x: 0, y: 17 } });
  });
});
