package dev.easel.canvas;

import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The documents of one {@link DocumentKind} as the edge reaches them: asked through {@code
 * documents}, followed live through {@code feeds}.
 */
public record DocumentStore(Canvases documents, CanvasFeeds feeds) {
  /** The documents of {@code kind} on this node's actor system. */
  public static DocumentStore of(ActorSystem<?> system, DocumentKind kind) {
    Canvases documents = new Canvases(system, kind);
    return new DocumentStore(documents, new CanvasFeeds(system, documents));
  }

  public DocumentKind kind() {
    return documents.kind();
  }
}
