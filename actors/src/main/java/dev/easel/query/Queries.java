package dev.easel.query;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * The way the edge runs queries: asks the project's sharded {@link QueryWorker}, waiting as long as
 * a query may take ({@code easel.query.timeout}) and the usual ask timeout on top. Who may query a
 * project is the edge's to check first.
 */
public final class Queries {
  /** Query ids: 1 to 64 letters, digits, '-' and '_'. */
  public static final Pattern QUERY_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final ClusterSharding sharding;
  private final Duration timeout;
  private final Duration askTimeout;

  public Queries(ActorSystem<?> system) {
    this.sharding = ClusterSharding.get(system);
    this.timeout = system.settings().config().getDuration("easel.query.timeout");
    this.askTimeout = system.settings().config().getDuration("easel.canvas.ask-timeout");
  }

  /** How long a query may take: after it, the worker answers with a timeout. */
  public Duration timeout() {
    return timeout;
  }

  /** How long a caller of {@link #execute} may wait for the answer, at most. */
  public Duration answerWithin() {
    return timeout.plus(askTimeout);
  }

  /**
   * Runs one SELECT of {@code userId} over the project's {@code tables} and, for this query, {@code
   * resultTables} (earlier results by name), telling {@code progressTo} (when not null) the query's
   * progress while it runs.
   */
  public CompletionStage<QueryWorker.Outcome> execute(
      String projectId,
      String queryId,
      String userId,
      String sql,
      List<JsonNode> parameters,
      List<DatasetTable> tables,
      List<ResultTable> resultTables,
      ActorRef<QueryWorker.Progress> progressTo) {
    return worker(projectId)
        .ask(
            replyTo ->
                new QueryWorker.Execute(
                    queryId,
                    userId,
                    sql,
                    List.copyOf(parameters),
                    List.copyOf(tables),
                    List.copyOf(resultTables),
                    replyTo,
                    progressTo),
            answerWithin());
  }

  /**
   * A page of the project's stored result {@code resultId}: {@code size} rows from {@code offset}.
   */
  public CompletionStage<QueryWorker.PageOutcome> page(
      String projectId, String resultId, long offset, int size) {
    return worker(projectId)
        .ask(replyTo -> new QueryWorker.ReadPage(resultId, offset, size, replyTo), answerWithin());
  }

  /** Opens the project's stored result {@code resultId} for export as {@code format}. */
  public CompletionStage<QueryWorker.ExportOutcome> openExport(
      String projectId, String resultId, String format) {
    return worker(projectId)
        .ask(replyTo -> new QueryWorker.OpenExport(resultId, format, replyTo), answerWithin());
  }

  /** The next bytes of an open export, from {@code offset}. */
  public CompletionStage<QueryWorker.ExportOutcome> readExport(
      String projectId, String exportId, long offset) {
    return worker(projectId)
        .ask(replyTo -> new QueryWorker.ReadExport(exportId, offset, replyTo), askTimeout);
  }

  /** Lets an export's file go (the download ended or was abandoned). */
  public void closeExport(String projectId, String exportId) {
    worker(projectId).tell(new QueryWorker.CloseExport(exportId));
  }

  /** Cancels query {@code queryId} of {@code userId}; whether it was waiting or running. */
  public CompletionStage<Boolean> cancel(String projectId, String queryId, String userId) {
    return worker(projectId)
        .<QueryWorker.CancelResult>ask(
            replyTo -> new QueryWorker.Cancel(queryId, userId, replyTo), askTimeout)
        .thenApply(QueryWorker.CancelResult::cancelled);
  }

  private EntityRef<QueryWorker.Command> worker(String projectId) {
    return sharding.entityRefFor(QueryWorker.KEY, projectId);
  }
}
