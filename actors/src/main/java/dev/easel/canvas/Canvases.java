package dev.easel.canvas;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * The way the edge talks to canvases: validates ids and asks the sharded {@link CanvasEntity} with
 * the configured timeout. Every kind of client (ShareDB socket, gRPC, REST) goes through here.
 */
public final class Canvases {
  /** Canvas ids: 1 to 128 of letters, digits, '-', '_' and '.'. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final CanvasHistory history;
  private final DocumentKind kind;
  private final Duration sessionGap;

  /** The canvases. */
  public Canvases(ActorSystem<?> system) {
    this(system, DocumentKind.CANVAS);
  }

  /** The documents of {@code kind}: canvases, or their run states. */
  public Canvases(ActorSystem<?> system, DocumentKind kind) {
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = system.settings().config().getDuration("easel.canvas.ask-timeout");
    this.history = CanvasHistory.of(system, kind);
    this.kind = kind;
    this.sessionGap = system.settings().config().getDuration("easel.canvas.history-session-gap");
  }

  /** The kind of document this reaches. */
  public DocumentKind kind() {
    return kind;
  }

  /** Null when {@code canvasId} is acceptable, else what is wrong with it. */
  public static String checkId(String canvasId) {
    if (canvasId == null || canvasId.isEmpty()) return "a canvas id is required";
    if (!ID.matcher(canvasId).matches()) {
      return "canvas id must be 1 to 128 letters, digits, '-', '_' or '.'";
    }
    return null;
  }

  public EntityRef<CanvasEntity.Command> ref(String canvasId) {
    return sharding.entityRefFor(kind.key(), canvasId);
  }

  public CompletionStage<CanvasEntity.SubmitResult> submit(
      String canvasId,
      String src,
      long seq,
      long v,
      ChangeKind kind,
      JsonNode body,
      String author) {
    return ref(canvasId)
        .ask(
            replyTo -> new CanvasEntity.Submit(src, seq, v, kind, body, author, null, replyTo),
            askTimeout);
  }

  /** Creates canvas {@code canvasId} in project {@code projectId} with document {@code data}. */
  public CompletionStage<CanvasEntity.SubmitResult> create(
      String canvasId, String projectId, JsonNode data, String author) {
    return ref(canvasId)
        .ask(
            replyTo ->
                new CanvasEntity.Submit(
                    "", 0, -1, ChangeKind.CREATE, data, author, projectId, replyTo),
            askTimeout);
  }

  public CompletionStage<CanvasEntity.Snapshot> snapshot(String canvasId) {
    return ref(canvasId).ask(CanvasEntity.GetSnapshot::new, askTimeout);
  }

  public CanvasHistory history() {
    return history;
  }

  /** What a reader of the canvas's history needs: version, named versions, journal markers. */
  public CompletionStage<CanvasEntity.HistoryIndex> index(String canvasId) {
    return ref(canvasId).ask(CanvasEntity.GetHistoryIndex::new, askTimeout);
  }

  /**
   * The document at {@code version}, or at the current version when the canvas has not reached
   * {@code version} yet (the answer's version says which); fast however long the history ({@link
   * CanvasHistory#documentAt(String, long, CanvasEntity.HistoryIndex)}).
   */
  public CompletionStage<CanvasHistory.DocumentAt> documentAt(String canvasId, long version) {
    return index(canvasId)
        .thenCompose(
            index -> history.documentAt(canvasId, Math.min(version, index.version()), index))
        .toCompletableFuture()
        .orTimeout(askTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * A page of the canvas's timeline: editing sessions before version {@code before} (0: up to now),
   * newest first ({@link CanvasHistory#timeline}).
   */
  public CompletionStage<CanvasHistory.TimelinePage> timeline(
      String canvasId, long before, int pageSize) {
    if (before > 0) return history.timeline(canvasId, before, pageSize, sessionGap);
    return index(canvasId)
        .thenCompose(index -> history.timeline(canvasId, index.version(), pageSize, sessionGap));
  }

  /** Names {@code version} (0: the current one) of the canvas. */
  public CompletionStage<CanvasEntity.VersionResult> nameVersion(
      String canvasId, long version, String name, String description, String author) {
    return ref(canvasId)
        .ask(
            replyTo -> new CanvasEntity.NameVersion(version, name, description, author, replyTo),
            askTimeout);
  }

  /** Renames a named version and/or changes its description (null: unchanged). */
  public CompletionStage<CanvasEntity.VersionResult> updateVersion(
      String canvasId, String versionId, String name, String description, String author) {
    return ref(canvasId)
        .ask(
            replyTo ->
                new CanvasEntity.UpdateVersion(versionId, name, description, author, replyTo),
            askTimeout);
  }

  /** Removes the name of a named version. */
  public CompletionStage<CanvasEntity.VersionResult> deleteVersion(
      String canvasId, String versionId, String author) {
    return ref(canvasId)
        .ask(replyTo -> new CanvasEntity.DeleteVersion(versionId, author, replyTo), askTimeout);
  }
}
