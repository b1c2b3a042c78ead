package dev.easel.query;

import dev.easel.dataset.DatasetFiles;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the query workers of one node share: the settings, the {@link QueryPool} their queries run
 * on, and each project's {@link ProjectDatabase} under {@code <data dir>/query/}. A project's
 * database object outlives the worker that used it (a worker that passivates and the next one for
 * the same project use the same object), so it is never open twice.
 */
public final class QueryEngine implements AutoCloseable {
  private final QuerySettings settings;
  private final QueryPool pool;
  private final DatasetFiles datasets;
  private final Path directory;
  private final ConcurrentHashMap<String, ProjectDatabase> databases = new ConcurrentHashMap<>();

  /**
   * @param directory where the projects' DuckDB files are kept ({@code <data dir>/query})
   */
  public QueryEngine(QuerySettings settings, DatasetFiles datasets, Path directory) {
    this.settings = settings;
    this.pool = new QueryPool(settings.poolThreads());
    this.datasets = datasets;
    this.directory = directory.toAbsolutePath().normalize();
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
        id -> new ProjectDatabase(id, databaseFile(id), datasets.projectDirectory(id), settings));
  }

  /** Stops the pool and closes every database. */
  @Override
  public void close() {
    pool.close();
    databases.values().forEach(ProjectDatabase::release);
  }
}
