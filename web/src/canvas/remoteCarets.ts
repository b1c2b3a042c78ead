// Other people's carets and selections in a cell's CodeMirror editor: a coloured bar with their
// name over it at the caret (drawn by CSS, styles.css), their selection shaded in their colour. Set with `setRemoteCarets`
// whenever the presence changes; in between, the local edits map them like any decoration.
import { StateEffect, StateField } from "@codemirror/state";
import type { Range } from "@codemirror/state";
import { Decoration, EditorView, WidgetType } from "@codemirror/view";
import type { DecorationSet } from "@codemirror/view";
import type { RemoteCaret } from "./presence";
import { colorVar } from "./presenceColors";

/** Replaces the carets shown with these (offsets into the editor's text, clamped to it). */
export const setRemoteCarets = StateEffect.define<readonly RemoteCaret[]>();

class CaretWidget extends WidgetType {
  constructor(
    readonly name: string,
    readonly color: string,
  ) {
    super();
  }
  override eq(other: CaretWidget): boolean {
    return other.name === this.name && other.color === this.color;
  }
  toDOM(): HTMLElement {
    // The name is drawn by CSS (::after, from data-name), so it is no part of the text.
    const caret = document.createElement("span");
    caret.className = "cm-remote-caret";
    caret.style.setProperty("--caret-color", colorVar(this.color));
    caret.setAttribute("data-remote-caret", this.name);
    caret.setAttribute("data-name", this.name);
    caret.setAttribute("aria-label", `${this.name}'s caret`);
    return caret;
  }
  override ignoreEvent(): boolean {
    return true;
  }
}

function decorations(carets: readonly RemoteCaret[], length: number): DecorationSet {
  const ranges: Range<Decoration>[] = [];
  const clamp = (at: number) => Math.max(0, Math.min(length, Math.trunc(at)));
  for (const caret of carets) {
    const anchor = clamp(caret.anchor);
    const head = clamp(caret.head);
    if (anchor !== head) {
      ranges.push(
        Decoration.mark({
          class: "cm-remote-selection",
          attributes: { style: `background-color: color-mix(in srgb, ${colorVar(caret.color)} 25%, transparent)`, "data-remote-selection": caret.name },
        }).range(Math.min(anchor, head), Math.max(anchor, head)),
      );
    }
    ranges.push(Decoration.widget({ widget: new CaretWidget(caret.name, caret.color), side: 1 }).range(head));
  }
  return Decoration.set(ranges, true);
}

/** The editor extension that draws the remote carets. */
export const remoteCarets = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(value, tr) {
    let next = value.map(tr.changes);
    for (const effect of tr.effects) {
      if (effect.is(setRemoteCarets)) next = decorations(effect.value, tr.state.doc.length);
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});
