package dev.easel.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.easel.CborSerializable;
import dev.easel.dataset.DatasetFiles;
import dev.easel.metrics.NodeMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One project's query worker, sharded on nodes with the {@code query} role: it owns the project's
 * DuckDB database ({@link ProjectDatabase}, a cache of views over the project's Parquet files) and
 * runs the project's ad-hoc SQL on the node's {@link QueryPool}, never on the actor dispatcher. It
 * keeps the queries that wait or run, so that each can be stopped: by its caller ({@link Cancel}),
 * when it runs past {@code easel.query.timeout}, or when the worker stops. It is not event-sourced:
 * nothing it holds outlives it but the cache. With no query for {@code easel.query.idle-timeout} it
 * passivates, closing the database.
 *
 * <p>Each {@link Execute} carries the project's dataset tables, which the database's views are made
 * to match before the query runs; the worker keeps no catalog of its own. Results are stored as
 * Parquet files ({@link ResultStore}), one per {@link ResultKey key}: a query whose result is there
 * already is answered from it. The worker also serves pages ({@link ReadPage}) and exports ({@link
 * OpenExport}) of the project's stored results, so that they are read on the node that holds them.
 */
public final class QueryWorker extends AbstractBehavior<QueryWorker.Command> {
  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "QueryWorker");
  private static final Logger log = LoggerFactory.getLogger(QueryWorker.class);

  /** The role of the nodes that host query workers. */
  public static final String ROLE = "query";

  /** How often a stopped query that is still running is interrupted again. */
  static final Duration REINTERRUPT_EVERY = Duration.ofMillis(500);

  public sealed interface Command extends CborSerializable {}

  /**
   * Runs {@code sql} (one SELECT) with positional {@code parameters} over the project's {@code
   * tables} and, for this query only, {@code resultTables} (earlier results by name), for {@code
   * userId}, under the caller's {@code queryId} (unique among the project's running queries; it
   * names the query to {@link Cancel}). A query whose result is stored already is not run again.
   * While it runs, {@code progressTo} (when not null) is told its {@link Progress} as DuckDB
   * reports it, at most twice a second.
   */
  public record Execute(
      String queryId,
      String userId,
      String sql,
      List<JsonNode> parameters,
      List<DatasetTable> tables,
      List<ResultTable> resultTables,
      ActorRef<Outcome> replyTo,
      ActorRef<Progress> progressTo)
      implements Command {}

  /**
   * How far running query {@code queryId} has come: {@code fraction} from 0 to 1, DuckDB's estimate
   * for the statement it runs now (it may go back when DuckDB revises it).
   */
  public record Progress(String queryId, double fraction) implements CborSerializable {}

  /**
   * Reads a page of the project's stored result {@code resultId}: at most {@code size} rows from
   * row {@code offset} on.
   */
  public record ReadPage(String resultId, long offset, int size, ActorRef<PageOutcome> replyTo)
      implements Command {}

  /**
   * Opens the project's stored result {@code resultId} for export in {@code format} ({@code
   * parquet} or {@code csv}): the file is held until {@link CloseExport}, or until it has not been
   * read for {@link ResultExports#IDLE_TIMEOUT}.
   */
  public record OpenExport(String resultId, String format, ActorRef<ExportOutcome> replyTo)
      implements Command {}

  /** Reads the next bytes of an open export, from byte {@code offset} on. */
  public record ReadExport(String exportId, long offset, ActorRef<ExportOutcome> replyTo)
      implements Command {}

  /** The export is done (or abandoned): its file need not be held any more. */
  public record CloseExport(String exportId) implements Command {}

  /** Stops query {@code queryId} if it is waiting or running and {@code userId} started it. */
  public record Cancel(String queryId, String userId, ActorRef<CancelResult> replyTo)
      implements Command {}

  /**
   * A query's task ended with a result or a failure (the other null), for the worker to pass on.
   */
  public record Finished(String queryId, Result result, Failed failed) implements Command {
    static Finished of(String queryId, Outcome outcome) {
      return switch (outcome) {
        case Result result -> new Finished(queryId, result, null);
        case Failed failed -> new Finished(queryId, null, failed);
      };
    }

    Outcome outcome() {
      return result != null ? result : failed;
    }
  }

  /** A query ran past the time limit. */
  public record TimedOut(String queryId) implements Command {}

  /** Interrupt a stopped query again that has not ended yet. */
  public record Reinterrupt(String queryId) implements Command {}

  /** Time to see whether the worker has been idle. */
  public record IdleCheck() implements Command {}

  /** The stop message of sharding (passivation, rebalance, shutdown). */
  public record Stop() implements Command {}

  /** The answer to {@link Execute}. */
  public sealed interface Outcome extends CborSerializable {}

  /** The answer to {@link ReadPage}. */
  public sealed interface PageOutcome extends CborSerializable {}

  /** The answers to {@link OpenExport} and {@link ReadExport}. */
  public sealed interface ExportOutcome extends CborSerializable {}

  /**
   * A result: its columns, the first rows kept ({@code rows}, a JSON array of arrays, values as
   * {@link QueryValues} writes them), how many rows the query returned in all, whether rows were
   * left out, the run's {@code queryId}, and {@code resultId}, the stored result's id ({@link
   * ResultKey}): the same query over the same inputs has the same one.
   */
  public record Result(
      List<Column> columns,
      JsonNode rows,
      long rowCount,
      boolean truncated,
      String queryId,
      String resultId)
      implements Outcome {}

  /**
   * A page of a stored result: the columns, the rows, how many the result has in all, and the
   * offset of the next page (-1 after the last).
   */
  public record Page(List<Column> columns, JsonNode rows, long rowCount, long nextOffset)
      implements PageOutcome {}

  /** An export opened: its id and how many bytes the file has. */
  public record ExportOpened(String exportId, long size) implements ExportOutcome {}

  /** The next bytes of an export; none at its end. */
  public record ExportChunk(byte[] bytes) implements ExportOutcome {
    @Override
    public boolean equals(Object other) {
      return other instanceof ExportChunk chunk && Arrays.equals(bytes, chunk.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "ExportChunk[" + bytes.length + " bytes]";
    }
  }

  /** No result, page or export: why ({@link QueryFailure}). */
  public record Failed(QueryFailure.Kind kind, String reason, String message)
      implements Outcome, PageOutcome, ExportOutcome {
    static Failed of(QueryFailure failure) {
      return new Failed(failure.kind(), failure.reason(), failure.getMessage());
    }
  }

  /** A column of a result: its name and DuckDB type ({@code BIGINT}, {@code DECIMAL(18,2)}). */
  public record Column(String name, String type) implements CborSerializable {}

  /** The answer to {@link Cancel}: whether a query was found and stopped. */
  public record CancelResult(boolean cancelled) implements CborSerializable {}

  /** A query that waits or runs, with what stops it. */
  private record Running(QueryRun run, Runnable task, ActorRef<Outcome> replyTo) {}

  private final String projectId;
  private final QueryEngine engine;
  private final ProjectDatabase database;
  private final TimerScheduler<Command> timers;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final Map<String, Running> running = new HashMap<>();
  private boolean active = true;

  /**
   * Starts sharding of query workers: hosted on {@code query} nodes, reachable from every node.
   * Returns the node's {@link QueryEngine} on a query node (the one its workers use), else null.
   */
  public static QueryEngine init(ActorSystem<?> system) {
    QueryEngine engine =
        Cluster.get(system).selfMember().hasRole(ROLE) ? startEngine(system) : null;
    ClusterSharding.get(system)
        .init(
            Entity.of(
                    KEY,
                    ctx -> {
                      if (engine == null) {
                        throw new IllegalStateException("query workers run on query nodes only");
                      }
                      return create(ctx.getEntityId(), engine, ctx.getShard());
                    })
                .withRole(ROLE)
                .withStopMessage(new Stop())
                // Idle workers passivate themselves: sharding's own idle timer would count a
                // long query as idleness.
                .withSettings(
                    ClusterShardingSettings.create(system)
                        .withRole(ROLE)
                        .withNoPassivationStrategy()));
    return engine;
  }

  /** The node's engine, closed when the actor system terminates. */
  private static QueryEngine startEngine(ActorSystem<?> system) {
    Config config = system.settings().config();
    QueryEngine engine =
        new QueryEngine(
            QuerySettings.load(config.getConfig("easel.query")),
            DatasetFiles.of(config),
            Path.of(config.getString("easel.data-dir")));
    engine.pool().measure(NodeMetrics.get(system).registry());
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "close-query-engine",
            () -> {
              engine.close();
              return CompletableFuture.completedFuture(Done.getInstance());
            });
    return engine;
  }

  /**
   * A worker for {@code projectId}; {@code shard} is asked to passivate it when idle (null: it
   * stops itself).
   */
  public static Behavior<Command> create(
      String projectId, QueryEngine engine, ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(timers -> new QueryWorker(ctx, projectId, engine, timers, shard)));
  }

  private QueryWorker(
      ActorContext<Command> ctx,
      String projectId,
      QueryEngine engine,
      TimerScheduler<Command> timers,
      ActorRef<ClusterSharding.ShardCommand> shard) {
    super(ctx);
    this.projectId = projectId;
    this.engine = engine;
    this.database = engine.database(projectId);
    this.timers = timers;
    this.shard = shard;
    timers.startTimerWithFixedDelay("idle", new IdleCheck(), engine.settings().idleTimeout());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Execute.class, this::onExecute)
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(ReadPage.class, this::onReadPage)
        .onMessage(OpenExport.class, this::onOpenExport)
        .onMessage(ReadExport.class, this::onReadExport)
        .onMessage(CloseExport.class, this::onCloseExport)
        .onMessage(Finished.class, this::onFinished)
        .onMessage(TimedOut.class, this::onTimedOut)
        .onMessage(Reinterrupt.class, this::onReinterrupt)
        .onMessage(IdleCheck.class, this::onIdleCheck)
        .onMessage(Stop.class, this::onStop)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> onExecute(Execute execute) {
    active = true;
    String queryId = execute.queryId();
    if (running.containsKey(queryId)) {
      execute
          .replyTo()
          .tell(
              new Failed(
                  QueryFailure.Kind.ALREADY_RUNNING,
                  QueryFailure.QUERY_ID_IN_USE,
                  "A query with id " + queryId + " is already running in this project"));
      return this;
    }
    QueryRun run = new QueryRun(queryId, execute.userId());
    ActorRef<Command> self = getContext().getSelf();
    Runnable task =
        () -> {
          Outcome outcome;
          ActorRef<Progress> progressTo = execute.progressTo();
          if (progressTo != null) {
            engine
                .progress()
                .follow(run, fraction -> progressTo.tell(new Progress(queryId, fraction)));
          }
          try {
            outcome =
                database.run(
                    run,
                    execute.tables(),
                    execute.resultTables(),
                    execute.sql(),
                    execute.parameters());
          } catch (QueryFailure failure) {
            outcome = Failed.of(failure);
          } catch (RuntimeException e) {
            log.error("query {} of project {} failed", queryId, projectId, e);
            outcome =
                new Failed(QueryFailure.Kind.UNAVAILABLE, "QUERY_FAILED", "The query failed: " + e);
          } finally {
            engine.progress().unfollow(run);
          }
          self.tell(Finished.of(queryId, outcome));
        };
    running.put(queryId, new Running(run, task, execute.replyTo()));
    timers.startSingleTimer(
        timeoutKey(queryId), new TimedOut(queryId), engine.settings().timeout());
    engine.pool().submit(projectId, task);
    return this;
  }

  private Behavior<Command> onReadPage(ReadPage read) {
    active = true;
    answerOnPool(
        "a page of result " + read.resultId(),
        () -> database.page(read.resultId(), read.offset(), read.size()),
        failed -> failed,
        read.replyTo());
    return this;
  }

  private Behavior<Command> onOpenExport(OpenExport open) {
    active = true;
    answerOnPool(
        "the export of result " + open.resultId(),
        () -> engine.exports().open(projectId, database, open.resultId(), open.format()),
        failed -> failed,
        open.replyTo());
    return this;
  }

  /** What a task on the query pool answers, or the {@link QueryFailure} it throws. */
  @FunctionalInterface
  private interface Answer<T> {
    T get() throws QueryFailure;
  }

  /** Answers {@code replyTo} from a task on the query pool; a failure as {@link Failed}. */
  private <T> void answerOnPool(
      String what, Answer<? extends T> answer, Function<Failed, T> failed, ActorRef<T> replyTo) {
    engine
        .pool()
        .submit(
            projectId,
            () -> {
              T outcome;
              try {
                outcome = answer.get();
              } catch (QueryFailure failure) {
                outcome = failed.apply(Failed.of(failure));
              } catch (RuntimeException e) {
                log.error("{} of project {} failed", what, projectId, e);
                outcome =
                    failed.apply(
                        new Failed(
                            QueryFailure.Kind.UNAVAILABLE,
                            "RESULT_UNREADABLE",
                            "The result could not be read: " + e));
              }
              replyTo.tell(outcome);
            });
  }

  private Behavior<Command> onReadExport(ReadExport read) {
    active = true;
    engine.exports().read(projectId, read.exportId(), read.offset(), read.replyTo());
    return this;
  }

  private Behavior<Command> onCloseExport(CloseExport close) {
    engine.exports().close(projectId, close.exportId());
    return this;
  }

  private Behavior<Command> onCancel(Cancel cancel) {
    active = true;
    Running query = running.get(cancel.queryId());
    boolean found = query != null && query.run().userId().equals(cancel.userId());
    if (found) {
      stop(
          query,
          new QueryFailure(
              QueryFailure.Kind.CANCELLED,
              "QUERY_CANCELLED",
              "Query " + cancel.queryId() + " was cancelled"));
    }
    cancel.replyTo().tell(new CancelResult(found));
    return this;
  }

  private Behavior<Command> onTimedOut(TimedOut timedOut) {
    Running query = running.get(timedOut.queryId());
    if (query != null) {
      stop(
          query,
          new QueryFailure(
              QueryFailure.Kind.TIMEOUT,
              "QUERY_TIMEOUT",
              "The query ran past the time limit of "
                  + engine.settings().timeout().toSeconds()
                  + " s (easel.query.timeout) and was stopped"));
    }
    return this;
  }

  private Behavior<Command> onReinterrupt(Reinterrupt reinterrupt) {
    Running query = running.get(reinterrupt.queryId());
    if (query != null) query.run().interrupt();
    return this;
  }

  private Behavior<Command> onFinished(Finished finished) {
    Running query = running.get(finished.queryId());
    if (query != null) {
      forget(finished.queryId());
      query.replyTo().tell(finished.outcome());
    }
    return this;
  }

  private Behavior<Command> onIdleCheck(IdleCheck check) {
    if (!running.isEmpty() || active) {
      active = false;
      return this;
    }
    if (shard == null) return Behaviors.stopped();
    shard.tell(new ClusterSharding.Passivate<>(getContext().getSelf()));
    return this;
  }

  private Behavior<Command> onStop(Stop stop) {
    QueryFailure why =
        new QueryFailure(
            QueryFailure.Kind.UNAVAILABLE,
            "QUERY_WORKER_STOPPED",
            "The project's query worker stopped (its node is leaving or the project moved);"
                + " run the query again");
    for (Running query : List.copyOf(running.values())) {
      // Answered here: what its task answers later finds the worker gone.
      query.run().stop(why);
      engine.pool().withdraw(projectId, query.task());
      query.replyTo().tell(Failed.of(why));
    }
    running.clear();
    return Behaviors.stopped();
  }

  private Behavior<Command> onPostStop() {
    // Closes the database now, or when the last query still running ends.
    database.release();
    return this;
  }

  /**
   * Stops a query: one still waiting is taken out of the queue and answered here; one running is
   * interrupted now and every {@link #REINTERRUPT_EVERY} until its task answers.
   */
  private void stop(Running query, QueryFailure why) {
    String queryId = query.run().queryId();
    query.run().stop(why);
    timers.cancel(timeoutKey(queryId));
    if (engine.pool().withdraw(projectId, query.task())) {
      query.replyTo().tell(Failed.of(why));
      forget(queryId);
    } else {
      timers.startTimerWithFixedDelay(
          interruptKey(queryId), new Reinterrupt(queryId), REINTERRUPT_EVERY);
    }
  }

  private void forget(String queryId) {
    running.remove(queryId);
    timers.cancel(timeoutKey(queryId));
    timers.cancel(interruptKey(queryId));
  }

  private static String timeoutKey(String queryId) {
    return "timeout:" + queryId;
  }

  private static String interruptKey(String queryId) {
    return "interrupt:" + queryId;
  }
}
