// One open canvas: the sharedb client (unmodified) on Easel's /ws socket, subscribed to the canvas's
// document (collection "canvases", id = canvas id) and to its presence. The socket authenticates
// with the session's easel_access cookie; when it drops (the network, or the access token's end)
// the session is refreshed and a new socket bound, and sharedb resends what was not acknowledged.
import { Connection, types } from "sharedb/lib/client";
import type { Doc, LocalPresence, Presence, Socket } from "sharedb/lib/sharedb";
import { refreshSession } from "../api/http";
import type { CanvasData } from "./cells";

export const COLLECTION = "canvases";

/** What a collaborator shares about themselves while on a canvas. */
export type Here = { userId: string; name: string; color: string; cellId: string | null };

// json0 does not transform presence: pass it on as sent (the server broadcasts it as sent too).
const json0 = types.map["http://sharejs.org/types/JSONv0"];
if (json0 && !json0.transformPresence) json0.transformPresence = <T,>(presence: T) => presence;

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
  readonly presence: Presence<Here | null>;
  private readonly local: LocalPresence<Here | null>;
  private readonly stateListeners = new Set<(state: LiveState) => void>();
  private retry = 500;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  state: LiveState = "connecting";

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
    this.presence = this.connection.getDocPresence(COLLECTION, canvasId) as Presence<Here | null>;
    this.local = this.presence.create();
  }

  /** Loads the document and starts following it and its presence. */
  open(): Promise<void> {
    const subscribed = new Promise<void>((resolve, reject) =>
      this.doc.subscribe((error) => (error ? reject(error) : resolve())),
    );
    this.presence.subscribe();
    return subscribed.then(() => {
      if (!this.doc.type) throw new Error(`canvas ${this.canvasId} does not exist`);
    });
  }

  /** Tells the others who is here and in which cell. */
  announce(here: Here): void {
    this.local.submit(here);
  }

  onState(listener: (state: LiveState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.presence.unsubscribe();
    this.doc.destroy();
    this.connection.close();
  }

  private setState(state: LiveState) {
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private reconnectSoon() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // The access cookie may have run out (the server closes the socket then): renew it first.
      void refreshSession().then(() => {
        if (this.closed) return;
        // Connection.bindToSocket: sharedb's own way to reconnect (not in its type definitions).
        (this.connection as unknown as { bindToSocket(socket: Socket): void }).bindToSocket(openSocket(this.url));
      });
    }, this.retry);
    this.retry = Math.min(this.retry * 2, 8000);
  }
}
