package dev.easel.canvas;

import com.fasterxml.jackson.databind.JsonNode;
import dev.easel.ot.Json0;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
  private final PastDocuments past;

  public CanvasHistory(ActorSystem<?> system, String readJournalPluginId, DocumentKind kind) {
    this.system = system;
    this.kind = kind;
    this.past = new PastDocuments(system);
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
        .filter(CanvasEntity.Change.class::isInstance)
        .map(event -> ((CanvasEntity.Change) event).toOp())
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
                doc = op.applyTo(doc);
                v = op.v() + 1;
              }
              return new DocumentAt(v, doc == null ? null : Json0.toJson(doc));
            });
  }

  /**
   * The document at {@code version}, which {@code index} (read from the canvas) says it reached:
   * from the nearest snapshot plus the events after it ({@link PastDocuments}). Should the journal
   * not hold what the index promises, the whole history is replayed instead.
   */
  public CompletionStage<DocumentAt> documentAt(
      String canvasId, long version, CanvasEntity.HistoryIndex index) {
    if (version <= 0) return CompletableFuture.completedFuture(new DocumentAt(0, null));
    return past.read(persistenceId(canvasId), index, version)
        .exceptionallyCompose(failure -> documentAt(canvasId, version, -1));
  }

  /**
   * One page of the canvas's timeline: the editing sessions that ended before version {@code
   * before} (exclusive), newest first, at most {@code pageSize} of them. Changes belong to one
   * session while less than {@code gap} passes between one and the next. {@code nextBefore} is the
   * {@code before} of the next (older) page, or -1 on the last page.
   */
  public CompletionStage<TimelinePage> timeline(
      String canvasId, long before, int pageSize, Duration gap) {
    return timeline(canvasId, before, pageSize, gap, List.of(), TIMELINE_CHUNK);
  }

  /** Changes read per journal query when paging the timeline (then twice as many, and so on). */
  private static final int TIMELINE_CHUNK = 1000;

  private CompletionStage<TimelinePage> timeline(
      String canvasId, long end, int pageSize, Duration gap, List<CanvasOp> newer, long chunk) {
    long from = Math.max(0, end - chunk);
    return ops(canvasId, from, end)
        .thenCompose(
            older -> {
              List<CanvasOp> window = new ArrayList<>(older.size() + newer.size());
              window.addAll(older);
              window.addAll(newer);
              List<EditSession> sessions = EditSession.group(window, gap);
              if (from > 0 && sessions.size() <= pageSize) {
                return timeline(canvasId, from, pageSize, gap, window, chunk * 2);
              }
              if (sessions.size() <= pageSize) {
                return CompletableFuture.completedFuture(new TimelinePage(sessions, -1));
              }
              List<EditSession> page = sessions.subList(0, pageSize);
              return CompletableFuture.completedFuture(
                  new TimelinePage(List.copyOf(page), page.get(pageSize - 1).fromVersion()));
            });
  }

  /** Editing sessions, newest first, and where the next page ends (-1: no more). */
  public record TimelinePage(List<EditSession> sessions, long nextBefore) {}

  /** A document at a version; {@code data} is null when the canvas did not exist then. */
  public record DocumentAt(long version, JsonNode data) {}

  private String persistenceId(String canvasId) {
    return PersistenceId.of(kind.key().name(), canvasId).id();
  }
}
