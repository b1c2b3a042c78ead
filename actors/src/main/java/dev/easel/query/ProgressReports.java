package dev.easel.query;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells those who follow a running query how far it has come: one thread of its own (neither a
 * query thread nor the actor dispatcher) reads DuckDB's progress of each followed query ({@link
 * QueryRun#progress}) every {@code every} and hands each value DuckDB reports to its follower.
 * While DuckDB gives no estimate (-1), nothing is told.
 */
final class ProgressReports implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProgressReports.class);

  private final Map<QueryRun, DoubleConsumer> followed = new ConcurrentHashMap<>();
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread t = new Thread(runnable, "easel-query-progress");
            t.setDaemon(true);
            return t;
          });

  ProgressReports(Duration every) {
    long millis = every.toMillis();
    thread.scheduleWithFixedDelay(this::report, millis, millis, TimeUnit.MILLISECONDS);
  }

  /** Tells {@code follower} the progress of {@code run} until {@link #unfollow}. */
  void follow(QueryRun run, DoubleConsumer follower) {
    followed.put(run, follower);
  }

  /** Stops telling the progress of {@code run}. */
  void unfollow(QueryRun run) {
    followed.remove(run);
  }

  private void report() {
    followed.forEach(
        (run, follower) -> {
          double progress = run.progress();
          if (progress < 0) return;
          try {
            follower.accept(progress);
          } catch (RuntimeException e) {
            log.warn("telling the progress of query {} failed", run.queryId(), e);
          }
        });
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
