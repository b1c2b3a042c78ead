import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { sql } from "@codemirror/lang-sql";
import { defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { Annotation, EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers } from "@codemirror/view";
import { useEffect, useRef } from "react";
import type { Doc } from "sharedb/lib/sharedb";
import type { CanvasData, Kind } from "./cells";
import { changesToJson0, json0ToChanges } from "./textOps";
import type { Json0Component } from "./textOps";

/** Marks the editor's own transactions that came from the document, so they are not sent back. */
const fromDocument = Annotation.define<boolean>();
/** The `source` of this editor's ops on the sharedb doc (its 'op' events name it). */
const EDITOR = { editor: true };

function sourceOf(doc: Doc<CanvasData>, cellId: string): string {
  const source = doc.data?.cells?.[cellId]?.source;
  return typeof source === "string" ? source : "";
}

/**
 * A cell's source in CodeMirror, bound to the canvas document: every edit is submitted as json0
 * string components on ["cells", cellId, "source"]; remote ops on that string are applied as
 * CodeMirror changes, which map the local selection, so the caret stays where it was in the text.
 */
export function CellEditor({
  doc,
  cellId,
  kind,
  readOnly,
  onFocus,
}: {
  doc: Doc<CanvasData>;
  cellId: string;
  kind: Kind;
  readOnly: boolean;
  onFocus: (focused: boolean) => void;
}) {
  const parent = useRef<HTMLDivElement>(null);
  const focus = useRef(onFocus);
  focus.current = onFocus;

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
          keymap.of([...defaultKeymap, ...historyKeymap]),
          syntaxHighlighting(defaultHighlightStyle),
          kind === "sql" ? sql() : [],
          EditorView.lineWrapping,
          EditorState.readOnly.of(readOnly),
          EditorView.editable.of(!readOnly),
          EditorView.updateListener.of((update) => {
            if (update.focusChanged) focus.current(update.view.hasFocus);
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
    return () => {
      doc.off("op", onOp);
      doc.off("load", resync);
      view.destroy();
    };
  }, [doc, cellId, kind, readOnly]);

  return <div ref={parent} className="cell-editor nodrag nowheel" data-cell-editor={cellId} />;
}
