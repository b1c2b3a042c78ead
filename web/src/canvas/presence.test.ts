import { Text } from "@codemirror/state";
import ShareDB from "sharedb";
import type { Doc } from "sharedb/lib/sharedb";
import { describe, expect, it } from "vitest";
import type { CanvasData } from "./cells";
import "./liveCanvas"; // registers transformHere as json0's transformPresence, as the app does
import { caretsIn, transformCaret, transformHere } from "./presence";
import type { Caret, Here } from "./presence";
import { json0ToChanges } from "./textOps";
import type { Json0Component } from "./textOps";

const at = (anchor: number, head = anchor): Caret => ({ cellId: "c1", anchor, head });
const src = (offset: number) => ["cells", "c1", "source", offset];

/** A small seeded generator, so a failure can be replayed (the seed is in the test's name). */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("a caret through json0 ops", () => {
  it("moves with text inserted or deleted before it and stays put for text after it", () => {
    expect(transformCaret(at(5), [{ p: src(0), si: "ab" }], false)).toEqual(at(7));
    expect(transformCaret(at(5), [{ p: src(6), si: "ab" }], false)).toEqual(at(5));
    expect(transformCaret(at(5), [{ p: src(1), sd: "xy" }], false)).toEqual(at(3));
    expect(transformCaret(at(2, 8), [{ p: src(4), sd: "xy" }], false)).toEqual(at(2, 6));
  });

  it("goes after text typed at it by its owner and before text the others type there", () => {
    expect(transformCaret(at(5), [{ p: src(5), si: "x" }], true)).toEqual(at(6));
    expect(transformCaret(at(5), [{ p: src(5), si: "x" }], false)).toEqual(at(5));
  });

  it("lands where a deletion around it started", () => {
    expect(transformCaret(at(5), [{ p: src(3), sd: "abcd" }], false)).toEqual(at(3));
  });

  it("follows text0 subtype ops and ignores other cells and other fields", () => {
    expect(transformCaret(at(5), [{ p: ["cells", "c1", "source"], t: "text0", o: [{ p: 0, i: "abc" }, { p: 0, d: "a" }] }], false)).toEqual(at(7));
    expect(transformCaret(at(5), [{ p: ["cells", "c2", "source", 0], si: "abc" }], false)).toEqual(at(5));
    expect(transformCaret(at(5), [{ p: ["cells", "c1", "name"], od: "a", oi: "b" }], false)).toEqual(at(5));
    expect(transformCaret(at(5), [{ p: ["title", 0], si: "abc" }], false)).toEqual(at(5));
  });

  it("is gone when its source, its cell or the cells are replaced", () => {
    expect(transformCaret(at(5), [{ p: ["cells", "c1", "source"], od: "x", oi: "y" }], false)).toBeNull();
    expect(transformCaret(at(5), [{ p: ["cells", "c1"], od: {} }], false)).toBeNull();
    expect(transformCaret(at(5), [{ p: ["cells"], od: {}, oi: {} }], false)).toBeNull();
  });

  for (const seed of [1, 7, 42, 2026]) {
    it(`maps as CodeMirror maps a position through the same changes (seed ${seed})`, () => {
      const next = random(seed);
      let text = Text.of(["SELECT region, count(*) FROM orders GROUP BY region"]);
      for (let round = 0; round < 200; round++) {
        const length = text.length;
        const op: Json0Component[] = [];
        let current = length;
        for (let i = 0, n = 1 + Math.floor(next() * 3); i < n; i++) {
          const offset = Math.floor(next() * (current + 1));
          if (next() < 0.5 && offset < current) {
            const count = Math.min(current - offset, 1 + Math.floor(next() * 4));
            op.push({ p: src(offset), sd: "x".repeat(count) });
            current -= count;
          } else {
            const insert = ["a", "bc", "é😀", "\n"][Math.floor(next() * 4)] ?? "a";
            op.push({ p: src(offset), si: insert });
            current += insert.length;
          }
        }
        const { changes } = json0ToChanges(op, ["cells", "c1", "source"], length);
        if (!changes) throw new Error("no changes");
        const caret = Math.floor(next() * (length + 1));
        const own = next() < 0.5;
        // only a single component: CodeMirror composes an insert and a deletion at the same
        // place into one replacement, whose ends it maps as a whole
        if (op.length === 1) {
          expect(transformCaret(at(caret), op, own)).toEqual(at(changes.mapPos(caret, own ? 1 : -1)));
        }
        const moved = transformCaret(at(caret), op, own);
        expect(moved?.head).toBeGreaterThanOrEqual(0);
        expect(moved?.head).toBeLessThanOrEqual(changes.newLength);
        text = changes.apply(text);
      }
    });
  }
});

describe("presence of a collaborator", () => {
  const bob: Here = { userId: "u2", name: "Bob", color: "teal", cellId: "c1", caret: at(3), drag: { cellId: "c2", x: 40, y: 60 } };

  it("keeps who they are while the caret moves; the drag ends when its cell goes", () => {
    const moved = transformHere(bob, [{ p: src(0), si: "--\n" }], false);
    expect(moved).toEqual({ ...bob, caret: at(6) });
    expect(transformHere(bob, [{ p: ["cells", "c2"], od: {} }], false)).toEqual({ ...bob, drag: null });
    expect(transformHere(bob, [{ p: ["cells", "c1"], od: {} }], false)).toEqual({ ...bob, cellId: null, caret: null });
    expect(transformHere(null, [{ p: src(0), si: "x" }], false)).toBeNull();
  });

  it("lists the carets in one cell with their names and colours", () => {
    const ann: Here = { userId: "u3", name: "Ann", color: "red", cellId: "c2", caret: { cellId: "c2", anchor: 1, head: 4 } };
    expect(caretsIn([bob, ann], "c1")).toEqual([{ name: "Bob", color: "teal", anchor: 3, head: 3 }]);
    expect(caretsIn([bob, ann], "c2")).toEqual([{ name: "Ann", color: "red", anchor: 1, head: 4 }]);
  });

  it("moves through another person's op in a real sharedb client (broadcast as sent, transformed locally)", async () => {
    const backend = new ShareDB({ presence: true, doNotForwardSendPresenceErrorsToClient: true });
    const connect = async () => {
      const connection = backend.connect();
      const doc = connection.get("canvases", "k1") as Doc<CanvasData>;
      await new Promise<void>((resolve, reject) => doc.subscribe((e) => (e ? reject(e) : resolve())));
      return { connection, doc };
    };
    const a = await connect();
    await new Promise<void>((resolve, reject) =>
      a.doc.create({ title: "t", cells: { c1: { kind: "sql", source: "SELECT 1" } } }, (e) => (e ? reject(e) : resolve())),
    );
    const b = await connect();
    const c = await connect();
    const seen = b.connection.getDocPresence("canvases", "k1");
    await new Promise<void>((resolve, reject) => seen.subscribe((e) => (e ? reject(e) : resolve())));
    const received: (Here | null)[] = [];
    seen.on("receive", (_id: string, value: Here | null) => received.push(value));

    const mine = a.connection.getDocPresence("canvases", "k1");
    await new Promise<void>((resolve, reject) => mine.subscribe((e) => (e ? reject(e) : resolve())));
    const local = mine.create("alice");
    const alice: Here = { userId: "u1", name: "Alice", color: "blue", cellId: "c1", caret: at(8) };
    await new Promise<void>((resolve, reject) => local.submit(alice, (e) => (e ? reject(e) : resolve())));
    await until(() => received.length > 0);
    expect(received.at(-1)?.caret).toEqual(at(8));

    await new Promise<void>((resolve, reject) => c.doc.submitOp([{ p: src(0), si: "-- total\n" }], {}, (e) => (e ? reject(e) : resolve())));
    await until(() => b.doc.data.cells.c1?.source.startsWith("--") === true && received.at(-1)?.caret?.head === 17);
    expect((seen.remotePresences as Record<string, Here>)["alice"]?.caret).toEqual(at(17));
  });
});

async function until(check: () => boolean) {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}
