// One open canvas: the sharedb client (unmodified) on Easel's /ws socket, subscribed to the canvas's
// document (collection "canvases", id = canvas id), to its presence and to its run state (collection
// "canvas-runs", same id, written by the server only; it does not exist before the first SQL cell). The socket authenticates
// with the session's easel_access cookie; when it drops (the network, or the access token's end)
// the session is refreshed and a new socket bound, and sharedb resends what was not acknowledged.
// When the browser says it is offline (the window's offline event) the socket is closed at once,
// so that edits queue as pending ops instead of going into a dead connection, and no new one is
// tried until the browser says it is online again; then it reconnects at once.
import { Connection, types } from "sharedb/lib/client";
import type { Doc, LocalPresence, Presence, Socket } from "sharedb/lib/sharedb";
import { refreshSession } from "../api/http";
import type { CanvasData } from "./cells";
import { transformHere } from "./presence";
import type { Caret, Drag, Here } from "./presence";
import { RUNS_COLLECTION } from "./runs";
import type { RunsData } from "./runs";

export const COLLECTION = "canvases";

export type { Here } from "./presence";

// json0 does not transform presence and the server broadcasts it as sent: each browser moves the
// carets it holds through the ops it applies (presence.ts).
const json0 = types.map["http://sharejs.org/types/JSONv0"];
if (json0) json0.transformPresence = transformHere as <T>(presence: T, op: unknown, isOwnOp: boolean) => T;

export type LiveState = "connecting" | "connected" | "offline";

/** The socket address of this page's server. */
export function socketUrl(location: Location = window.location): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
}

/** A browser WebSocket, which is what sharedb's Socket describes (its handlers may be null). */
function openSocket(url: string): Socket {
  return new WebSocket(url) as unknown as Socket;
}

export class LiveCanvas {
  readonly connection: Connection;
  readonly doc: Doc<CanvasData>;
  /** The run state of the canvas's SQL cells; its `type` is null until the server creates it. */
  readonly runs: Doc<RunsData>;
  readonly presence: Presence<Here | null>;
  private readonly local: LocalPresence<Here | null>;
  /** What this browser shares: who, which cell, caret, drag (sent at most once per frame). */
  private here: Here | null = null;
  private sendTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly stateListeners = new Set<(state: LiveState) => void>();
  private retry = 500;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  state: LiveState = "connecting";
  private readonly wentOffline = () => {
    // sharedb's Connection keeps its current socket in `socket` (not in its type definitions)
    (this.connection as unknown as { socket: Socket | null }).socket?.close();
  };
  private readonly cameOnline = () => {
    if (this.state !== "offline" || this.closed) return;
    this.retry = 0;
    this.reconnectSoon();
  };

  constructor(
    readonly canvasId: string,
    private readonly url: string = socketUrl(),
  ) {
    this.connection = new Connection(openSocket(url));
    this.connection.on("state", (state) => {
      if (state === "connected") {
        this.retry = 500;
        this.setState("connected");
      } else if (state === "disconnected" && !this.closed) {
        this.setState("offline");
        this.reconnectSoon();
      }
    });
    this.doc = this.connection.get(COLLECTION, canvasId) as Doc<CanvasData>;
    this.runs = this.connection.get(RUNS_COLLECTION, canvasId) as Doc<RunsData>;
    this.presence = this.connection.getDocPresence(COLLECTION, canvasId) as Presence<Here | null>;
    this.local = this.presence.create();
    window.addEventListener("offline", this.wentOffline);
    window.addEventListener("online", this.cameOnline);
  }

  /** Loads the document and its run state and starts following them and the presence. */
  open(): Promise<void> {
    const subscribe = (doc: Doc<unknown>) =>
      new Promise<void>((resolve, reject) => doc.subscribe((error) => (error ? reject(error) : resolve())));
    const subscribed = Promise.all([subscribe(this.doc), subscribe(this.runs)]);
    this.presence.subscribe();
    return subscribed.then(() => {
      if (!this.doc.type) throw new Error(`canvas ${this.canvasId} does not exist`);
    });
  }

  /** Tells the others who is here and in which cell (keeping the caret and drag shared last). */
  announce(here: Here): void {
    this.share({ caret: this.here?.caret ?? null, drag: this.here?.drag ?? null, ...here });
  }

  /**
   * Shares this browser's caret or selection: the others see it where it was last, with this
   * person's name, until it moves (or its cell goes, or this person leaves the canvas).
   */
  moveCaret(caret: Caret): void {
    if (this.here) this.share({ ...this.here, caret });
  }

  /** Shares where the cell being dragged is now (null: the drag ended). */
  moveDrag(drag: Drag | null): void {
    if (this.here) this.share({ ...this.here, drag });
  }

  private share(here: Here) {
    this.here = here;
    if (this.sendTimer !== undefined) return;
    this.sendTimer = setTimeout(() => {
      this.sendTimer = undefined;
      if (!this.closed && this.here) this.local.submit(this.here);
    }, 16);
  }

  onState(listener: (state: LiveState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.sendTimer);
    window.removeEventListener("offline", this.wentOffline);
    window.removeEventListener("online", this.cameOnline);
    this.presence.unsubscribe();
    this.doc.destroy();
    this.runs.destroy();
    this.connection.close();
  }

  private setState(state: LiveState) {
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private reconnectSoon() {
    clearTimeout(this.timer);
    if (!navigator.onLine) return; // the online event will call again
    this.timer = setTimeout(() => {
      // The access cookie may have run out (the server closes the socket then): renew it first.
      void refreshSession().then(() => {
        if (this.closed) return;
        // Connection.bindToSocket: sharedb's own way to reconnect (not in its type definitions).
        (this.connection as unknown as { bindToSocket(socket: Socket): void }).bindToSocket(openSocket(this.url));
      });
    }, this.retry);
    this.retry = Math.min(Math.max(this.retry * 2, 500), 8000);
  }
}
