package dev.easel.cells;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The way the edge runs cells: asks the canvas's {@link CanvasRunner}, waiting at most {@code
 * easel.cells.run-timeout} (a run may run the cells it reads first). Who may run is the edge's to
 * check first.
 */
public final class CellRuns {
  private final ClusterSharding sharding;
  private final Duration timeout;

  public CellRuns(ActorSystem<?> system) {
    this.sharding = ClusterSharding.get(system);
    this.timeout = system.settings().config().getDuration("easel.cells.run-timeout");
  }

  /** How long a caller of {@link #run} may wait for the answer, at most. */
  public Duration answerWithin() {
    return timeout;
  }

  /** Runs cell {@code cellId} of canvas {@code canvasId} for {@code userId}. */
  public CompletionStage<CanvasRunner.CellRun> run(String canvasId, String cellId, String userId) {
    return sharding
        .entityRefFor(CanvasRunner.KEY, canvasId)
        .ask(replyTo -> new CanvasRunner.RunCell(cellId, userId, replyTo), timeout);
  }
}
