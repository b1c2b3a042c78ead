package dev.easel.canvas;

import com.fasterxml.jackson.databind.JsonNode;
import dev.easel.ot.Json0;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Reads a canvas's past straight from the journal: the ops between two versions, and the document
 * as it was at a version. Used by the canvas to transform ops made against versions older than its
 * in-memory window, and by the edge to serve history.
 */
public final class CanvasHistory {
  private final ActorSystem<?> system;
  private final CurrentEventsByPersistenceIdQuery journal;
  private final DocumentKind kind;

  public CanvasHistory(ActorSystem<?> system, String readJournalPluginId, DocumentKind kind) {
    this.system = system;
    this.kind = kind;
    this.journal =
        PersistenceQuery.get(system)
            .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, readJournalPluginId);
  }

  /** The history of documents of {@code kind}. */
  public static CanvasHistory of(ActorSystem<?> system, DocumentKind kind) {
    return new CanvasHistory(
        system, system.settings().config().getString("easel.canvas.read-journal"), kind);
  }

  /** The ops applied at versions {@code from} (inclusive) to {@code to} (exclusive), in order. */
  public CompletionStage<List<CanvasOp>> ops(String canvasId, long from, long to) {
    // Every version-changing event takes one sequence number, so the op applied at version v has
    // sequence number v + 1 or later.
    return journal
        .currentEventsByPersistenceId(
            persistenceId(canvasId), Math.max(1, from + 1), Long.MAX_VALUE)
        .map(EventEnvelope::event)
        .filter(CanvasEntity.Event.class::isInstance)
        .map(event -> ((CanvasEntity.Event) event).toOp())
        .filter(op -> op.v() >= from)
        .takeWhile(op -> op.v() < to)
        .runWith(Sink.seq(), system);
  }

  /**
   * The document as it was at {@code version} (after {@code version} changes) and no later than
   * {@code untilMillis} (epoch millis; negative: no limit). {@code data} is null when the canvas
   * did not exist then.
   */
  public CompletionStage<DocumentAt> documentAt(String canvasId, long version, long untilMillis) {
    return ops(canvasId, 0, version)
        .thenApply(
            ops -> {
              Object doc = null;
              long v = 0;
              for (CanvasOp op : ops) {
                if (untilMillis >= 0 && op.at().toEpochMilli() > untilMillis) break;
                doc =
                    switch (op.kind()) {
                      case CREATE -> Json0.fromJson(op.body());
                      case EDIT -> Json0.apply(doc, op.body());
                      case DELETE -> null;
                    };
                v = op.v() + 1;
              }
              return new DocumentAt(v, doc == null ? null : Json0.toJson(doc));
            });
  }

  /** A document at a version; {@code data} is null when the canvas did not exist then. */
  public record DocumentAt(long version, JsonNode data) {}

  private String persistenceId(String canvasId) {
    return PersistenceId.of(kind.key().name(), canvasId).id();
  }
}
