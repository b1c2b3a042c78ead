import { ChangeSet, EditorState, Text } from "@codemirror/state";
import { types } from "sharedb/lib/client";
import { describe, expect, it } from "vitest";
import { changesToJson0, json0ToChanges } from "./textOps";
import type { Json0Component } from "./textOps";

// The json0 type the sharedb client applies ops with (ot-json0), not a copy of it.
const json0 = types.defaultType as unknown as {
  apply(snapshot: unknown, op: Json0Component[]): unknown;
  transform(op: Json0Component[], other: Json0Component[], side: "left" | "right"): Json0Component[];
};
const PATH = ["cells", "c1", "source"] as const;
const docWith = (source: string) => ({ title: "t", cells: { c1: { kind: "sql", source } } });
const sourceOf = (doc: unknown) => (doc as ReturnType<typeof docWith>).cells.c1.source;

/** A small seeded generator, so a failure can be replayed (the seed is in the test's name). */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomChanges(text: string, next: () => number): ChangeSet {
  const specs: { from: number; to: number; insert: string }[] = [];
  let at = 0;
  const count = 1 + Math.floor(next() * 3);
  for (let i = 0; i < count && at <= text.length; i++) {
    const from = at + Math.floor(next() * (text.length - at + 1));
    const to = Math.min(text.length, from + Math.floor(next() * 4));
    const insert = ["", "x", "é😀", "SELECT 1\n"][Math.floor(next() * 4)] ?? "";
    specs.push({ from, to, insert });
    at = to + 1;
  }
  return ChangeSet.of(specs, text.length);
}

describe("editor changes to json0", () => {
  it("turns one typed character into an si at its offset", () => {
    const before = Text.of(["SELECT 1"]);
    const changes = ChangeSet.of({ from: 6, insert: "*" }, before.length);
    expect(changesToJson0(changes, before, PATH)).toEqual([{ p: ["cells", "c1", "source", 6], si: "*" }]);
  });

  it("turns a replaced selection into an sd carrying the removed text, then an si", () => {
    const before = Text.of(["SELECT a FROM t"]);
    const changes = ChangeSet.of({ from: 7, to: 8, insert: "b, c" }, before.length);
    expect(changesToJson0(changes, before, PATH)).toEqual([
      { p: ["cells", "c1", "source", 7], sd: "a" },
      { p: ["cells", "c1", "source", 7], si: "b, c" },
    ]);
  });

  for (const seed of [1, 2, 3, 42, 1234, 99_999]) {
    it(`gives ot-json0 the editor's own text for random multi-range edits (seed ${seed})`, () => {
      const next = random(seed);
      let state = EditorState.create({ doc: "SELECT *\nFROM orders\nWHERE x > 1" });
      let doc: unknown = docWith(state.doc.toString());
      for (let round = 0; round < 200; round++) {
        const changes = randomChanges(state.doc.toString(), next);
        const op = changesToJson0(changes, state.doc, PATH);
        state = state.update({ changes }).state;
        doc = json0.apply(doc, op);
        expect(sourceOf(doc)).toBe(state.doc.toString());
      }
    });
  }
});

describe("json0 to editor changes", () => {
  it("applies si and sd components in order", () => {
    const text = "SELECT 1";
    const op: Json0Component[] = [
      { p: ["cells", "c1", "source", 7], sd: "1" },
      { p: ["cells", "c1", "source", 7], si: "42" },
      { p: ["cells", "c1", "source", 0], si: "-- q\n" },
    ];
    const { changes, replaced } = json0ToChanges(op, PATH, text.length);
    expect(replaced).toBe(false);
    expect(changes?.apply(Text.of([text])).toString()).toBe("-- q\nSELECT 42");
  });

  it("reads the text0 subtype", () => {
    const op: Json0Component[] = [{ p: ["cells", "c1", "source"], t: "text0", o: [{ p: 3, i: "abc" }, { p: 0, d: "x" }] }];
    const { changes } = json0ToChanges(op, PATH, "xyz".length);
    expect(changes?.apply(Text.of(["xyz"])).toString()).toBe("yzabc");
  });

  it("ignores other cells, other fields and the title", () => {
    const op: Json0Component[] = [
      { p: ["cells", "c2", "source", 0], si: "other" },
      { p: ["cells", "c1", "layout", "x"], od: 0, oi: 4 },
      { p: ["title", 0], si: "T" },
    ];
    expect(json0ToChanges(op, PATH, 3)).toEqual({ changes: null, replaced: false });
  });

  it("reports a replaced cell, so the editor reads its new text from the document", () => {
    const op: Json0Component[] = [{ p: ["cells", "c1"], od: {}, oi: { kind: "sql", source: "new" } }];
    expect(json0ToChanges(op, PATH, 3).replaced).toBe(true);
  });

  it("keeps the local caret in place when a remote edit lands before it", () => {
    let state = EditorState.create({ doc: "SELECT a FROM t", selection: { anchor: 15 } });
    const { changes } = json0ToChanges([{ p: ["cells", "c1", "source", 7], si: "b, " }], PATH, state.doc.length);
    state = state.update({ changes: changes ?? [] }).state;
    expect(state.doc.toString()).toBe("SELECT b, a FROM t");
    expect(state.selection.main.head).toBe(18);
  });

  for (const seed of [7, 8, 9, 2024]) {
    it(`converges with a concurrent remote edit transformed by ot-json0 (seed ${seed})`, () => {
      const next = random(seed);
      for (let round = 0; round < 100; round++) {
        const start = "SELECT region, sum(x) FROM orders GROUP BY 1";
        const local = EditorState.create({ doc: start });
        const mine = changesToJson0(randomChanges(start, next), local.doc, PATH);
        const theirs = changesToJson0(randomChanges(start, next), local.doc, PATH);
        // the server orders theirs first: this client applies its own op, then theirs transformed
        const afterMine = json0.apply(docWith(start), mine);
        const editorText = sourceOf(afterMine);
        const theirsAfterMine = json0.transform(theirs, mine, "right");
        // (ot-json0 applies in place: afterMine holds both edits from here on)
        const expected = sourceOf(json0.apply(afterMine, theirsAfterMine));
        const { changes } = json0ToChanges(theirsAfterMine, PATH, editorText.length);
        const shown = changes ? changes.apply(Text.of(editorText.split("\n"))).toString() : editorText;
        expect(shown).toBe(expected);
      }
    });
  }
});
