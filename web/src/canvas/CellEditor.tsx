import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { autocompletion } from "@codemirror/autocomplete";
import { sql } from "@codemirror/lang-sql";
import type { SQLNamespace } from "@codemirror/lang-sql";
import { defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { Annotation, Compartment, EditorState, StateEffect, StateField } from "@codemirror/state";
import { Decoration, EditorView, WidgetType, keymap, lineNumbers } from "@codemirror/view";
import type { DecorationSet } from "@codemirror/view";
import { useEffect, useRef } from "react";
import type { Doc } from "sharedb/lib/sharedb";
import type { CanvasData, Kind } from "./cells";
import type { RemoteCaret } from "./presence";
import { remoteCarets, setRemoteCarets } from "./remoteCarets";
import { errorRange } from "./runs";
import type { RunError } from "./runs";
import { changesToJson0, json0ToChanges } from "./textOps";
import type { Json0Component } from "./textOps";

/** Marks the editor's own transactions that came from the document, so they are not sent back. */
const fromDocument = Annotation.define<boolean>();
/** The `source` of this editor's ops on the sharedb doc (its 'op' events name it). */
const EDITOR = { editor: true };

/** Sets (or clears, with null) the place of the cell's run error in the editor. */
const setErrorMark = StateEffect.define<{ from: number; to: number; message: string } | null>();
/** The run error's place, marked with a wavy underline; it moves with the edits made since. */
const errorMark = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    let next = marks.map(tr.changes);
    for (const effect of tr.effects) {
      if (!effect.is(setErrorMark)) continue;
      const at = effect.value;
      next =
        at === null
          ? Decoration.none
          : at.to > at.from
            ? Decoration.set(Decoration.mark({ class: "cm-run-error", attributes: { title: at.message } }).range(at.from, at.to))
            : Decoration.set(Decoration.widget({ widget: new ErrorPoint(at.message), side: 1 }).range(at.from));
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

/** Marks an error at the end of a line, where there is no character to underline. */
class ErrorPoint extends WidgetType {
  constructor(readonly message: string) {
    super();
  }
  override eq(other: ErrorPoint): boolean {
    return other.message === this.message;
  }
  toDOM(): HTMLElement {
    const point = document.createElement("span");
    point.className = "cm-run-error-point";
    point.title = this.message;
    point.textContent = "\u25B4";
    return point;
  }
}

function sourceOf(doc: Doc<CanvasData>, cellId: string): string {
  const source = doc.data?.cells?.[cellId]?.source;
  return typeof source === "string" ? source : "";
}

/**
 * A cell's source in CodeMirror, bound to the canvas document: every edit is submitted as json0
 * string components on ["cells", cellId, "source"]; remote ops on that string are applied as
 * CodeMirror changes, which map the local selection, so the caret stays where it was in the text.
 * Shift+Enter calls `onRun` (when given); `error`, the cell's failed run, is marked where it points.
 * `carets` are the other people's carets in this cell; `onCaret` hears this editor's selection
 * whenever it changes while the editor has the focus.
 */
export function CellEditor({
  doc,
  cellId,
  kind,
  readOnly,
  onFocus,
  onRun,
  error,
  carets,
  onCaret,
  schema,
}: {
  doc: Doc<CanvasData>;
  cellId: string;
  kind: Kind;
  readOnly: boolean;
  onFocus: (focused: boolean) => void;
  onRun?: (() => void) | undefined;
  error?: RunError | undefined;
  carets?: readonly RemoteCaret[] | undefined;
  onCaret?: ((selection: { anchor: number; head: number }) => void) | undefined;
  /** The tables (datasets, other cells) and their columns that SQL completes. */
  schema?: SQLNamespace | undefined;
}) {
  const parent = useRef<HTMLDivElement>(null);
  const editor = useRef<EditorView | null>(null);
  const focus = useRef(onFocus);
  focus.current = onFocus;
  const run = useRef(onRun);
  run.current = onRun;
  const caret = useRef(onCaret);
  caret.current = onCaret;
  const schemaRef = useRef(schema ?? {});
  schemaRef.current = schema ?? {};
  const language = useRef(new Compartment()).current;

  useEffect(() => {
    const host = parent.current;
    if (!host) return;
    const path = ["cells", cellId, "source"] as const;
    const view = new EditorView({
      parent: host,
      state: EditorState.create({
        doc: sourceOf(doc, cellId),
        extensions: [
          lineNumbers(),
          history(),
          keymap.of([
            {
              key: "Shift-Enter",
              run: () => {
                if (!run.current) return false;
                run.current();
                return true;
              },
            },
            ...defaultKeymap,
            ...historyKeymap,
          ]),
          errorMark,
          remoteCarets,
          syntaxHighlighting(defaultHighlightStyle),
          kind === "sql" ? [language.of(sql({ schema: schemaRef.current })), autocompletion()] : [],
          EditorView.lineWrapping,
          EditorState.readOnly.of(readOnly),
          EditorView.editable.of(!readOnly),
          EditorView.updateListener.of((update) => {
            if (update.focusChanged) focus.current(update.view.hasFocus);
            if (update.view.hasFocus && (update.focusChanged || update.selectionSet || update.docChanged)) {
              const main = update.state.selection.main;
              caret.current?.({ anchor: main.anchor, head: main.head });
            }
            for (const tr of update.transactions) {
              if (!tr.docChanged || tr.annotation(fromDocument)) continue;
              const op = changesToJson0(tr.changes, tr.startState.doc, path);
              if (op.length > 0) doc.submitOp(op, { source: EDITOR });
            }
          }),
        ],
      }),
    });

    const resync = () => {
      const text = sourceOf(doc, cellId);
      if (view.state.doc.toString() === text) return;
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: text },
        annotations: fromDocument.of(true),
      });
    };
    const onOp = (op: Json0Component[] | Json0Component, source: unknown) => {
      if (source === EDITOR) return;
      const components = Array.isArray(op) ? op : [op];
      const { changes, replaced } = json0ToChanges(components, path, view.state.doc.length);
      if (changes && !replaced) {
        view.dispatch({ changes, annotations: fromDocument.of(true) });
      }
      // Whatever the op was (another tab's edit of this cell, a replaced cell, a rollback),
      // the editor ends showing exactly the document's text.
      resync();
    };
    doc.on("op", onOp);
    doc.on("load", resync);
    editor.current = view;
    return () => {
      doc.off("op", onOp);
      doc.off("load", resync);
      editor.current = null;
      view.destroy();
    };
  }, [doc, cellId, kind, readOnly]);

  // The tables and columns SQL completes, set again when they change or the editor was made anew.
  const schemaKey = JSON.stringify(schema ?? {});
  useEffect(() => {
    if (kind !== "sql") return;
    editor.current?.dispatch({ effects: language.reconfigure(sql({ schema: JSON.parse(schemaKey) as SQLNamespace })) });
  }, [schemaKey, doc, cellId, kind, readOnly]);

  // The run error's place, set again when the error changes or the editor was made anew.
  useEffect(() => {
    const view = editor.current;
    if (!view) return;
    const range = errorRange(view.state.doc.toString(), error);
    view.dispatch({ effects: setErrorMark.of(range && error ? { ...range, message: error.message } : null) });
  }, [error, doc, cellId, kind, readOnly]);

  // The others' carets, drawn again when they change or the editor was made anew.
  const caretsKey = JSON.stringify(carets ?? []);
  useEffect(() => {
    editor.current?.dispatch({ effects: setRemoteCarets.of(JSON.parse(caretsKey) as RemoteCaret[]) });
  }, [caretsKey, doc, cellId, kind, readOnly]);

  return <div ref={parent} className="cell-editor nodrag nowheel" data-cell-editor={cellId} />;
}
