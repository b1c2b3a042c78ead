// Text edits between CodeMirror and json0. A cell's source is a string at a path of the canvas
// document (["cells", id, "source"]); an edit in the editor becomes json0 string components
// ({p: [...path, offset], si} / {p: [...path, offset], sd}), applied in order, and a remote op's
// components on that string (si/sd, or the text0 subtype: {p: path, t: "text0", o: [{p, i}, {p, d}]},
// or the whole string replaced with oi) become one CodeMirror change set. Offsets are UTF-16 code
// units on both sides, as in JavaScript strings, ot-json0 and the server's Text.
import { ChangeSet } from "@codemirror/state";
import type { ChangeSpec, Text } from "@codemirror/state";

export type Path = readonly (string | number)[];

/** One json0 op component, as far as this module reads or writes them. */
export type Json0Component = {
  p: (string | number)[];
  si?: string;
  sd?: string;
  t?: string;
  o?: { p: number; i?: string; d?: string }[];
  oi?: unknown;
  od?: unknown;
  na?: number;
  li?: unknown;
  ld?: unknown;
};

/**
 * The json0 components that make `changes` to the string at `path`, whose text before them is
 * `before`. Deletions carry the text they remove, as json0 requires.
 */
export function changesToJson0(changes: ChangeSet, before: Text, path: Path): Json0Component[] {
  const op: Json0Component[] = [];
  changes.iterChanges((fromA, toA, fromB, _toB, inserted) => {
    // Changes come in document order; fromB is where this one starts once the earlier ones are
    // applied, which is where json0, applying components in order, must find it.
    if (toA > fromA) op.push({ p: [...path, fromB], sd: before.sliceString(fromA, toA) });
    if (inserted.length > 0) op.push({ p: [...path, fromB], si: inserted.toString() });
  });
  return op;
}

function samePrefix(p: readonly (string | number)[], path: Path): boolean {
  return path.every((part, i) => p[i] === part);
}

/**
 * The changes that `components` (one op, in order) make to the string at `path`, as one change
 * set over a text of `length` characters; null when none of them touches it. Components that
 * replace the string, or a container above it, are reported by `replaced`: the caller then reads
 * the new text from the document, since the op alone does not say it.
 */
export function json0ToChanges(
  components: readonly Json0Component[],
  path: Path,
  length: number,
): { changes: ChangeSet | null; replaced: boolean } {
  let changes: ChangeSet | null = null;
  let current = length;
  const apply = (spec: ChangeSpec) => {
    const next = ChangeSet.of(spec, current);
    changes = changes ? changes.compose(next) : next;
    current = next.newLength;
  };
  for (const c of components) {
    if (!Array.isArray(c.p)) continue;
    if (c.p.length <= path.length) {
      // at the string itself (subtype or replacement) or above it
      if (!samePrefix(path, c.p)) continue;
      if (c.p.length === path.length && c.t === "text0" && Array.isArray(c.o)) {
        for (const t of c.o) {
          if (typeof t.i === "string") apply({ from: t.p, insert: t.i });
          if (typeof t.d === "string") apply({ from: t.p, to: t.p + t.d.length });
        }
      } else if ("oi" in c || "od" in c || "li" in c || "ld" in c) {
        return { changes: null, replaced: true };
      }
      continue;
    }
    if (c.p.length !== path.length + 1 || !samePrefix(c.p, path)) continue;
    const at = c.p[path.length];
    if (typeof at !== "number") continue;
    if (typeof c.sd === "string") apply({ from: at, to: at + c.sd.length });
    if (typeof c.si === "string") apply({ from: at, insert: c.si });
  }
  return { changes, replaced: false };
}
