// @vitest-environment jsdom
import { EditorView } from "@codemirror/view";
import { cleanup, render } from "@testing-library/react";
import ShareDB from "sharedb";
import type { Doc } from "sharedb/lib/sharedb";
import { afterEach, describe, expect, it } from "vitest";
import { CellEditor } from "./CellEditor";
import type { CanvasData } from "./cells";

// A real ShareDB backend (in memory) and two real sharedb clients: the editor's and another
// person's. Nothing of the editor's side is stubbed.
async function twoClients(source: string): Promise<{ mine: Doc<CanvasData>; theirs: Doc<CanvasData> }> {
  const backend = new ShareDB();
  const open = (doc: Doc<CanvasData>) => new Promise<void>((resolve, reject) => doc.subscribe((e) => (e ? reject(e) : resolve())));
  const mine = backend.connect().get("canvases", "k1") as Doc<CanvasData>;
  await new Promise<void>((resolve, reject) =>
    mine.create({ title: "t", cells: { c1: { kind: "sql", source } } }, (e) => (e ? reject(e) : resolve())),
  );
  const theirs = backend.connect().get("canvases", "k1") as Doc<CanvasData>;
  await open(theirs);
  await open(mine);
  return { mine, theirs };
}

async function until(check: () => boolean) {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

function viewIn(container: HTMLElement): EditorView {
  const dom = container.querySelector<HTMLElement>(".cm-editor");
  const view = dom && EditorView.findFromDOM(dom);
  if (!view) throw new Error("no CodeMirror editor rendered");
  return view;
}

afterEach(cleanup);

describe("CellEditor", () => {
  it("sends each edit to the others and shows theirs without moving the local caret", async () => {
    const { mine, theirs } = await twoClients("SELECT 1");
    const { container } = render(<CellEditor doc={mine} cellId="c1" kind="sql" readOnly={false} onFocus={() => {}} />);
    const view = viewIn(container);
    expect(view.state.doc.toString()).toBe("SELECT 1");

    view.dispatch({ changes: { from: 8, insert: "0" }, selection: { anchor: 9 } });
    await until(() => theirs.data.cells.c1?.source === "SELECT 10");

    theirs.submitOp([{ p: ["cells", "c1", "source", 0], si: "-- total\n" }]);
    await until(() => view.state.doc.toString() === "-- total\nSELECT 10");
    expect(view.state.selection.main.head).toBe(9 + "-- total\n".length);

    theirs.submitOp([{ p: ["cells", "c1"], od: theirs.data.cells.c1, oi: { kind: "sql", source: "SELECT 2" } }]);
    await until(() => view.state.doc.toString() === "SELECT 2");
  });

  it("is read-only for a viewer", async () => {
    const { mine, theirs } = await twoClients("SELECT 1");
    const { container } = render(<CellEditor doc={mine} cellId="c1" kind="sql" readOnly onFocus={() => {}} />);
    const view = viewIn(container);
    expect(view.state.readOnly).toBe(true);
    expect(view.contentDOM.getAttribute("contenteditable")).toBe("false");
    theirs.submitOp([{ p: ["cells", "c1", "source", 8], si: "0" }]);
    await until(() => view.state.doc.toString() === "SELECT 10");
  });
});
