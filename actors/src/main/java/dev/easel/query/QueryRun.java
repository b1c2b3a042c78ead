package dev.easel.query;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicReference;
import org.duckdb.DuckDBPreparedStatement;

/**
 * One query while it waits or runs: the handle that stops it. Stopping records why (timeout,
 * cancel, the worker stopping) and interrupts the statement DuckDB is running, if any; the thread
 * that runs the query checks the reason between steps and while it reads rows, so a query stopped
 * before or between DuckDB calls stops too. Its progress is what DuckDB reports for the statement
 * it runs now ({@link #progress}), read from any thread.
 */
final class QueryRun {
  private final String queryId;
  private final String userId;
  private final AtomicReference<QueryFailure> stopped = new AtomicReference<>();
  private volatile Statement statement;

  QueryRun(String queryId, String userId) {
    this.queryId = queryId;
    this.userId = userId;
  }

  String queryId() {
    return queryId;
  }

  /** Who asked for the query: only they may cancel it. */
  String userId() {
    return userId;
  }

  /** Stops the query for {@code why} (the first reason given wins) and interrupts DuckDB. */
  void stop(QueryFailure why) {
    stopped.compareAndSet(null, why);
    interrupt();
  }

  /** Interrupts the statement running now, if any (again: DuckDB may have been between calls). */
  void interrupt() {
    Statement running = statement;
    if (running == null) return;
    try {
      running.cancel();
    } catch (SQLException e) {
      // The statement already finished or was closed: nothing left to interrupt.
    }
  }

  /**
   * How far the statement DuckDB runs now has come, from 0 to 1, as DuckDB estimates it (rows its
   * pipelines have processed of those they will); -1 while no statement runs or DuckDB gives no
   * estimate. Safe to call from any thread: DuckDB answers while the statement runs.
   */
  double progress() {
    Statement running = statement;
    if (running == null) return -1;
    try {
      double percentage =
          running.unwrap(DuckDBPreparedStatement.class).getQueryProgress().getPercentage();
      return percentage < 0 ? -1 : Math.min(1, percentage / 100);
    } catch (SQLException e) {
      // The statement ended or was closed in the meantime: no progress to tell.
      return -1;
    }
  }

  /** Whether a statement of this query is in DuckDB's hands now. */
  boolean isRunning() {
    return statement != null;
  }

  boolean isStopped() {
    return stopped.get() != null;
  }

  /** Why the query was stopped; null while it was not. */
  QueryFailure stoppedWhy() {
    return stopped.get();
  }

  /** Throws why the query was stopped, if it was. */
  void checkStopped() throws QueryFailure {
    QueryFailure why = stopped.get();
    if (why != null) throw why;
  }

  /** The statement about to run for this query; throws if the query was stopped already. */
  void running(Statement statement) throws QueryFailure {
    this.statement = statement;
    checkStopped();
  }

  /** The statement ended: nothing is left to interrupt. */
  void finished() {
    this.statement = null;
  }
}
