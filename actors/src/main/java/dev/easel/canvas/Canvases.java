package dev.easel.canvas;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
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
}
