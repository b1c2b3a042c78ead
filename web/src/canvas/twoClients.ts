// For tests: a real ShareDB backend (in memory) and two real sharedb clients on one canvas
// document: this browser's and another person's. Nothing of either side is stubbed.
import ShareDB from "sharedb";
import type { Doc } from "sharedb/lib/sharedb";
import type { CanvasData } from "./cells";

/** Creates the canvas `data` and opens it in two clients. */
export async function twoClients(data: CanvasData): Promise<{ mine: Doc<CanvasData>; theirs: Doc<CanvasData> }> {
  const backend = new ShareDB();
  const open = (doc: Doc<CanvasData>) => new Promise<void>((resolve, reject) => doc.subscribe((e) => (e ? reject(e) : resolve())));
  const mine = backend.connect().get("canvases", "k1") as Doc<CanvasData>;
  await new Promise<void>((resolve, reject) => mine.create(data, (e) => (e ? reject(e) : resolve())));
  const theirs = backend.connect().get("canvases", "k1") as Doc<CanvasData>;
  await open(theirs);
  await open(mine);
  return { mine, theirs };
}

/** Resolves once `check` holds (looked at every 5 ms). */
export async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}
