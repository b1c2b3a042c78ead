import { describe, expect, it } from "vitest";
import { readEdges } from "./dag";

describe("readEdges", () => {
  it("draws an arrow from each cell read to its reader", () => {
    const cells = { a: {}, b: {}, c: {}, limit: {} };
    const runs = { b: { reads: ["a", "limit"] }, c: { reads: ["b"] }, a: { reads: [] } };
    expect(readEdges(runs, cells)).toEqual([
      { id: "a->b", source: "a", target: "b" },
      { id: "limit->b", source: "limit", target: "b" },
      { id: "b->c", source: "b", target: "c" },
    ]);
  });
  it("draws none to or from a cell that is gone, nor from a run state without reads", () => {
    const runs = { b: { reads: ["gone"] }, gone: { reads: ["b"] }, c: {} };
    expect(readEdges(runs, { b: {}, c: {} })).toEqual([]);
    expect(readEdges(undefined, { b: {} })).toEqual([]);
  });
});
