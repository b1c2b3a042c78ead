package dev.easel.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.easel.dataset.DatasetFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What the query workers of one node share: the settings, the {@link QueryPool} their queries run
 * on, each project's {@link ProjectDatabase} under {@code <data dir>/query/}, the {@link
 * ResultStore} of results under {@code <data dir>/results/}, the exports being downloaded and the
 * {@link ProgressReports} of running queries that someone follows. A project's database object
 * outlives the worker that used it (a worker that passivates and the next one for the same project
 * use the same object), so it is never open twice.
 */
public final class QueryEngine implements AutoCloseable {
  /** How often the progress of a followed query is read and told: at most twice a second. */
  static final Duration PROGRESS_EVERY = Duration.ofMillis(500);

  private final QuerySettings settings;
  private final QueryPool pool;
  private final DatasetFiles datasets;
  private final Path directory;
  private final ResultStore results;
  private final ResultExports exports = new ResultExports();
  private final ProgressReports progress = new ProgressReports(PROGRESS_EVERY);
  private final ConcurrentHashMap<String, ProjectDatabase> databases = new ConcurrentHashMap<>();

  /**
   * @param dataDirectory the node's data directory: the projects' DuckDB files are kept under
   *     {@code query/}, the results under {@code results/}
   */
  public QueryEngine(QuerySettings settings, DatasetFiles datasets, Path dataDirectory) {
    this.settings = settings;
    this.datasets = datasets;
    Path data = dataDirectory.toAbsolutePath().normalize();
    this.directory = data.resolve("query");
    this.results = new ResultStore(data.resolve("results"), settings.resultCacheSize());
    this.pool = new QueryPool(settings.poolThreads());
  }

  /** The node's stored results. */
  public ResultStore results() {
    return results;
  }

  ResultExports exports() {
    return exports;
  }

  ProgressReports progress() {
    return progress;
  }

  public QuerySettings settings() {
    return settings;
  }

  QueryPool pool() {
    return pool;
  }

  /** The DuckDB file of a project's database. */
  public Path databaseFile(String projectId) {
    datasets.projectDirectory(projectId); // checks the id
    return directory.resolve(projectId + ".duckdb");
  }

  /** The project's database (not opened until a query needs it). */
  ProjectDatabase database(String projectId) {
    return databases.computeIfAbsent(
        projectId,
        id ->
            new ProjectDatabase(
                id, databaseFile(id), datasets.projectDirectory(id), settings, results));
  }

  /**
   * Checks {@code sql} on the project's database as a query would be checked ({@link
   * StatementGate}, on the same locked-down database), on the query pool, with the project's
   * dataset {@code tables} and the {@code cells} of its canvases that it names as {@code
   * canvas_<canvasId>.<cell>}; the future holds the Arrow schemas of its positional parameters and
   * of its result (with {@code parameters} bound, if any), or fails with the {@link QueryFailure}.
   */
  public CompletableFuture<Checked> check(
      String projectId,
      List<DatasetTable> tables,
      List<CellTable> cells,
      String sql,
      List<JsonNode> parameters,
      BufferAllocator allocator) {
    ProjectDatabase database = database(projectId);
    return onPool(projectId, () -> database.check(tables, cells, sql, parameters, allocator));
  }

  /** Work on a project's database that answers a value or a {@link QueryFailure}. */
  @FunctionalInterface
  private interface PoolWork<T> {
    T get() throws QueryFailure;
  }

  /** Does {@code work} on the query pool, in the project's turn; the future holds its answer. */
  private <T> CompletableFuture<T> onPool(String projectId, PoolWork<T> work) {
    CompletableFuture<T> answer = new CompletableFuture<>();
    pool.submit(
        projectId,
        () -> {
          try {
            answer.complete(work.get());
          } catch (QueryFailure | RuntimeException e) {
            answer.completeExceptionally(e);
          }
        });
    return answer;
  }

  /**
   * Runs one user query ({@link StatementGate} first) on the project's database, on the query pool,
   * and hands its result to {@code sink} as Arrow record batches of at most {@code batchRows} rows;
   * it reads the {@code cells} it names as {@link #check} does. It is stopped past {@code
   * easel.query.timeout} or by {@link ArrowQuery#cancel}.
   */
  public ArrowQuery stream(
      String projectId,
      String userId,
      List<DatasetTable> tables,
      List<CellTable> cells,
      String sql,
      List<JsonNode> parameters,
      BufferAllocator allocator,
      int batchRows,
      ArrowSink sink) {
    return submit(
        projectId, userId, tables, cells, sql, parameters, true, allocator, batchRows, sink);
  }

  /**
   * Lists the project database's own catalog ({@code listing}, from its {@code information_schema})
   * as Arrow record batches, as {@link #stream} does for a query.
   */
  public ArrowQuery stream(
      String projectId,
      String userId,
      List<DatasetTable> tables,
      CatalogListing listing,
      BufferAllocator allocator,
      ArrowSink sink) {
    return submit(
        projectId,
        userId,
        tables,
        List.of(),
        listing.sql(),
        listing.parameters(),
        false,
        allocator,
        listing.batchRows(),
        sink);
  }

  /**
   * The Arrow schema of the project's stored result {@code resultId} (as {@link #streamResult}
   * sends it), on the query pool; fails with RESULT_EXPIRED when it is no longer kept.
   */
  public CompletableFuture<Schema> resultSchema(
      String projectId, List<DatasetTable> tables, String resultId, BufferAllocator allocator) {
    ProjectDatabase database = database(projectId);
    QueryRun run = new QueryRun(UUID.randomUUID().toString(), "");
    return onPool(
        projectId, () -> database.streamResult(run, tables, resultId, allocator, 1, null));
  }

  /**
   * Sends the project's stored result {@code resultId} (such as a SQL cell's latest result) to
   * {@code sink} as Arrow record batches, read back from its file, stopped as {@link #stream} is.
   */
  public ArrowQuery streamResult(
      String projectId,
      String userId,
      List<DatasetTable> tables,
      String resultId,
      BufferAllocator allocator,
      int batchRows,
      ArrowSink sink) {
    return submit(
        projectId,
        userId,
        (database, run) ->
            database.streamResult(run, tables, resultId, allocator, batchRows, sink));
  }

  /** What a streamed query does on the pool, with its run. */
  @FunctionalInterface
  private interface StreamWork {
    void run(ProjectDatabase database, QueryRun run) throws QueryFailure;
  }

  private ArrowQuery submit(
      String projectId,
      String userId,
      List<DatasetTable> tables,
      List<CellTable> cells,
      String sql,
      List<JsonNode> parameters,
      boolean gated,
      BufferAllocator allocator,
      int batchRows,
      ArrowSink sink) {
    return submit(
        projectId,
        userId,
        (database, run) ->
            database.stream(
                run, tables, cells, sql, parameters, gated, allocator, batchRows, sink));
  }

  private ArrowQuery submit(String projectId, String userId, StreamWork work) {
    QueryRun run = new QueryRun(UUID.randomUUID().toString(), userId);
    ProjectDatabase database = database(projectId);
    CompletableFuture<Void> done = new CompletableFuture<>();
    Runnable task =
        () -> {
          try {
            work.run(database, run);
            done.complete(null);
          } catch (QueryFailure | RuntimeException e) {
            done.completeExceptionally(e);
          }
        };
    Runnable stop =
        () -> {
          if (pool.withdraw(projectId, task)) done.completeExceptionally(run.stoppedWhy());
        };
    CompletableFuture.delayedExecutor(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
        .execute(
            () -> {
              if (done.isDone()) return;
              run.stop(
                  new QueryFailure(
                      QueryFailure.Kind.TIMEOUT,
                      "QUERY_TIMEOUT",
                      "The query ran past the time limit of "
                          + settings.timeout().toSeconds()
                          + " s (easel.query.timeout) and was stopped"));
              stop.run();
            });
    pool.submit(projectId, task);
    return new ArrowQuery(
        done,
        () -> {
          run.stop(
              new QueryFailure(
                  QueryFailure.Kind.CANCELLED, "QUERY_CANCELLED", "The query was cancelled"));
          stop.run();
        });
  }

  /**
   * A query whose result streams as Arrow: {@code done} completes when the last batch was sent (or
   * fails with the {@link QueryFailure}); {@code cancel} stops it.
   */
  public record ArrowQuery(CompletableFuture<Void> done, Runnable cancel) {}

  /**
   * A statement that passed the checks: its positional parameters ({@code $1}, {@code $2}..., the
   * types DuckDB infers for them, VARCHAR where the query fixes none) and its result's schema.
   */
  public record Checked(Schema parameters, Schema schema) {}

  /** Takes a query's result as Arrow record batches, on a query thread. */
  @FunctionalInterface
  public interface ArrowSink {
    /**
     * Sends every batch {@code batches} holds; {@code stopped} throws once the query was stopped,
     * for the sink to call between batches and while it waits.
     */
    void send(ArrowReader batches, StopCheck stopped) throws IOException, QueryFailure;
  }

  /** Throws why the query was stopped, if it was. */
  @FunctionalInterface
  public interface StopCheck {
    void check() throws QueryFailure;
  }

  /**
   * Forgets deleted project {@code projectId}: its database closes once its last query has ended,
   * and then its file is deleted ({@link ProjectDatabase#discard}); a later query of the project
   * (there should be none: nobody may query a deleted project) is refused, as the discarded object
   * stays in its place.
   */
  public void discard(String projectId) {
    database(projectId).discard();
  }

  /** Stops the pool and the progress reports, closes the exports and every database. */
  @Override
  public void close() {
    progress.close();
    pool.close();
    exports.close();
    databases.values().forEach(ProjectDatabase::release);
  }
}
