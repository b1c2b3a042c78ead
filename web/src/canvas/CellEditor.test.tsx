import { CompletionContext } from "@codemirror/autocomplete";
import type { CompletionSource } from "@codemirror/autocomplete";
// @vitest-environment jsdom
import { EditorView } from "@codemirror/view";
import { cleanup, render } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { CellEditor } from "./CellEditor";
import { twoClients, until } from "./twoClients";

/** The canvas with one SQL cell c1 of `source`, open in the editor's client and another person's. */
function withCell(source: string) {
  return twoClients({ title: "t", cells: { c1: { kind: "sql", source } } });
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
    const { mine, theirs } = await withCell("SELECT 1");
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
    const { mine, theirs } = await withCell("SELECT 1");
    const { container } = render(<CellEditor doc={mine} cellId="c1" kind="sql" readOnly onFocus={() => {}} />);
    const view = viewIn(container);
    expect(view.state.readOnly).toBe(true);
    expect(view.contentDOM.getAttribute("contenteditable")).toBe("false");
    theirs.submitOp([{ p: ["cells", "c1", "source", 8], si: "0" }]);
    await until(() => view.state.doc.toString() === "SELECT 10");
  });
});

describe("CellEditor and runs", () => {
  it("runs on Shift+Enter and marks where the run failed", async () => {
    const { mine } = await withCell("SELECT 1\nFRM t");
    let runs = 0;
    const onRun = () => {
      runs++;
    };
    const error = { message: 'Parser Error: syntax error at or near "FRM"', line: 2, column: 1, position: 9 };
    const { container, rerender } = render(
      <CellEditor doc={mine} cellId="c1" kind="sql" readOnly={false} onFocus={() => {}} onRun={onRun} error={error} />,
    );
    const view = viewIn(container);
    const marked = () => Array.from(container.querySelectorAll(".cm-run-error")).map((el) => el.textContent);
    expect(marked()).toEqual(["FRM"]);
    expect(container.querySelector(".cm-run-error")?.getAttribute("title")).toBe(error.message);

    view.contentDOM.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", shiftKey: true, bubbles: true, cancelable: true }));
    expect(runs).toBe(1);
    expect(view.state.doc.toString()).toBe("SELECT 1\nFRM t");

    rerender(<CellEditor doc={mine} cellId="c1" kind="sql" readOnly={false} onFocus={() => {}} onRun={onRun} />);
    expect(marked()).toEqual([]);
  });
});

describe("CellEditor and the others' carets", () => {
  it("draws each caret with its owner's name, shades a selection, and keeps them in place through edits", async () => {
    const { mine, theirs } = await withCell("SELECT 1 FROM t");
    const carets = [
      { name: "Bob Builder", color: "teal", anchor: 9, head: 9 },
      { name: "Ann", color: "red", anchor: 0, head: 6 },
    ];
    const { container, rerender } = render(
      <CellEditor doc={mine} cellId="c1" kind="sql" readOnly={false} onFocus={() => {}} carets={carets} />,
    );
    const view = viewIn(container);
    const caret = () => container.querySelector<HTMLElement>('[data-remote-caret="Bob Builder"]');
    /** The editor's text before Bob's caret. */
    const beforeCaret = () => {
      const range = document.createRange();
      range.setStart(view.contentDOM, 0);
      range.setEndBefore(caret()!);
      return range.toString();
    };
    expect(caret()?.getAttribute("data-name")).toBe("Bob Builder"); // drawn by CSS, no part of the text
    expect(view.contentDOM.textContent).toBe("SELECT 1 FROM t");
    expect(beforeCaret()).toBe("SELECT 1 ");
    expect(container.querySelector('[data-remote-selection="Ann"]')?.textContent).toBe("SELECT");

    // someone's text before the caret: the caret stays before FROM
    theirs.submitOp([{ p: ["cells", "c1", "source", 0], si: "-- x " }]);
    await until(() => view.state.doc.toString() === "-- x SELECT 1 FROM t");
    expect(beforeCaret()).toBe("-- x SELECT 1 ");

    // the caret goes when its owner leaves the cell; offsets past the end are clamped
    rerender(<CellEditor doc={mine} cellId="c1" kind="sql" readOnly={false} onFocus={() => {}} carets={[{ name: "Ann", color: "red", anchor: 99, head: 99 }]} />);
    expect(caret()).toBeNull();
    expect(container.querySelector('[data-remote-caret="Ann"]')).not.toBeNull();
  });
});

describe("CellEditor's SQL completion", () => {
  /** The labels lang-sql offers at `pos` of the editor's text, from the editor's own state. */
  async function offered(view: EditorView, pos: number): Promise<string[]> {
    const sources = view.state.languageDataAt<CompletionSource>("autocomplete", pos);
    const results = await Promise.all(sources.map((source) => source(new CompletionContext(view.state, pos, true))));
    return results.flatMap((result) => result?.options.map((option) => option.label) ?? []);
  }

  it("completes the datasets and cells it is given, their columns, and follows a new schema", async () => {
    const { mine } = await withCell("SELECT * FROM pen");
    const schema = { penguins: ["species", "island"], answer: ["n"] };
    const { container, rerender } = render(
      <CellEditor doc={mine} cellId="c1" kind="sql" readOnly={false} onFocus={() => {}} schema={schema} />,
    );
    const view = viewIn(container);
    expect(await offered(view, "SELECT * FROM pen".length)).toEqual(expect.arrayContaining(["penguins", "answer"]));

    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: "SELECT penguins.sp" } });
    expect(await offered(view, view.state.doc.length)).toEqual(expect.arrayContaining(["species", "island"]));

    rerender(
      <CellEditor doc={mine} cellId="c1" kind="sql" readOnly={false} onFocus={() => {}} schema={{ orders: ["region"] }} />,
    );
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: "SELECT * FROM ord" } });
    const now = await offered(view, view.state.doc.length);
    expect(now).toContain("orders");
    expect(now).not.toContain("penguins");
  });
});
