package dev.easel.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;
import org.duckdb.DuckDBResultSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One project's DuckDB database, {@code <data dir>/query/<projectId>.duckdb}: a cache that holds
 * one view per dataset table over its Parquet file, and nothing else. It can be deleted at any
 * time; the views are made again from the catalog's tables on the next query.
 *
 * <p>The database is opened locked down, with its settings given at open time and then locked:
 * {@code enable_external_access = false} with {@code allowed_directories} the project's own dataset
 * folder (no other file, no URL, no {@code ATTACH} of a file), no extension installed or loaded
 * ({@code autoinstall_known_extensions}, {@code autoload_known_extensions} off, and loading
 * external extensions is refused with external access off), {@code memory_limit}, {@code threads}
 * and {@code max_temp_directory_size} from {@link QuerySettings}, then {@code lock_configuration =
 * true}, so that no {@code SET} or {@code RESET} can change any of it. User SQL passes {@link
 * StatementGate} first (one SELECT). Each query runs on its own connection to the database so that
 * interrupting it touches no other query.
 *
 * <p>Thread-safe: the views and the opening and closing are guarded by this object; queries run
 * concurrently. The database stays open while a query holds a connection, and closes when it was
 * released and its last query ended.
 */
final class ProjectDatabase {
  private static final Logger log = LoggerFactory.getLogger(ProjectDatabase.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Rows read between two looks at whether the query was stopped. */
  private static final int CHECK_EVERY = 1024;

  /** The type names DuckDB's driver gives a parameter whose type the query does not fix. */
  private static final Set<String> UNTYPED = Set.of("INVALID", "UNKNOWN", "ANY", "NULL");

  private final String projectId;
  private final Path file;
  private final Path datasetDirectory;
  private final QuerySettings settings;

  private DuckDBConnection database;

  /** The views the database holds, by name; null when not known since it was opened. */
  private Map<String, DatasetTable> views;

  private int connections;
  private boolean released;

  /** The project was deleted: the file goes once the database closes, and it opens no more. */
  private boolean discarded;

  ProjectDatabase(String projectId, Path file, Path datasetDirectory, QuerySettings settings) {
    this.projectId = projectId;
    this.file = file.toAbsolutePath().normalize();
    this.datasetDirectory = datasetDirectory.toAbsolutePath().normalize();
    this.settings = settings;
  }

  /**
   * Runs one query over {@code tables} (the project's dataset tables, made views first where they
   * changed) and keeps the first rows of its result.
   *
   * @throws QueryFailure the SQL was refused or failed, or {@code run} was stopped
   */
  QueryWorker.Result run(
      QueryRun run, List<DatasetTable> tables, String sql, List<JsonNode> parameters)
      throws QueryFailure {
    return execute(run, tables, sql, parameters, true, rows -> read(run, rows));
  }

  /** Reads a query's result while its statement is open. */
  @FunctionalInterface
  private interface ResultReader<T> {
    T read(ResultSet rows) throws SQLException, IOException, QueryFailure;
  }

  /**
   * Runs one query over {@code tables} (made views first where they changed; user SQL, {@code
   * gated}, passes {@link StatementGate} first) and hands its rows to {@code reader}.
   */
  private <T> T execute(
      QueryRun run,
      List<DatasetTable> tables,
      String sql,
      List<JsonNode> parameters,
      boolean gated,
      ResultReader<T> reader)
      throws QueryFailure {
    run.checkStopped();
    Connection connection = connect();
    try {
      sync(tables);
      run.checkStopped();
      if (gated) checkParameters(StatementGate.admit(connection, sql), parameters.size());
      try (PreparedStatement statement = connection.prepareStatement(sql)) {
        QueryValues.bind(statement, parameters);
        run.running(statement);
        try (ResultSet rows = statement.executeQuery()) {
          return reader.read(rows);
        } finally {
          run.finished();
        }
      }
    } catch (SQLException e) {
      run.checkStopped();
      throw failure(e);
    } catch (IOException e) {
      run.checkStopped();
      throw new QueryFailure(
          QueryFailure.Kind.UNAVAILABLE,
          "QUERY_STREAM_FAILED",
          "The result could not be sent: " + e.getMessage());
    } finally {
      disconnect(connection);
    }
  }

  private static void checkParameters(int expected, int given) throws QueryFailure {
    if (expected != given) {
      throw QueryFailure.invalidParameters(
          "The query takes "
              + expected
              + " parameter"
              + (expected == 1 ? "" : "s")
              + " and "
              + given
              + (given == 1 ? " was" : " were")
              + " given");
    }
  }

  private QueryWorker.Result read(QueryRun run, ResultSet rows) throws SQLException, QueryFailure {
    ResultSetMetaData meta = rows.getMetaData();
    int width = meta.getColumnCount();
    List<QueryWorker.Column> columns = new ArrayList<>(width);
    for (int i = 1; i <= width; i++) {
      columns.add(new QueryWorker.Column(meta.getColumnLabel(i), meta.getColumnTypeName(i)));
    }
    ArrayNode kept = JsonNodeFactory.instance.arrayNode();
    long count = 0;
    long bytes = 0;
    boolean keeping = settings.maxRows() > 0;
    while (rows.next()) {
      if (++count % CHECK_EVERY == 0) run.checkStopped();
      if (!keeping) continue;
      ArrayNode row = JsonNodeFactory.instance.arrayNode(width);
      for (int i = 1; i <= width; i++) row.add(cell(rows, i));
      bytes += size(row);
      if (bytes > settings.maxResultBytes()) {
        keeping = false;
        continue;
      }
      kept.add(row);
      if (kept.size() == settings.maxRows()) keeping = false;
    }
    run.checkStopped();
    return new QueryWorker.Result(columns, kept, count, count > kept.size(), run.queryId());
  }

  private static JsonNode cell(ResultSet rows, int column) throws SQLException {
    Object value;
    try {
      value = rows.getObject(column);
    } catch (SQLException | RuntimeException e) {
      // The driver has no Java value for it (an infinite date): DuckDB's own text.
      return JsonNodeFactory.instance.textNode(rows.getString(column));
    }
    return QueryValues.cell(value);
  }

  private static long size(JsonNode row) {
    try {
      return JSON.writeValueAsBytes(row).length;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a row of JSON nodes always serializes", e);
    }
  }

  /**
   * What a DuckDB error means for the caller, by DuckDB's type of error (the words before "Error:"
   * in its message): a refusal of the sandbox, too little memory, or a mistake in the SQL.
   */
  static QueryFailure failure(SQLException e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage().strip();
    if (message.startsWith("Permission Error:")) {
      return QueryFailure.notAllowed(
          message + " (queries may read the project's own datasets only)");
    }
    if (message.startsWith("Out of Memory Error:")) {
      return new QueryFailure(
          QueryFailure.Kind.OUT_OF_MEMORY,
          "QUERY_OUT_OF_MEMORY",
          message + " (easel.query.memory-limit bounds a project's database)");
    }
    if (message.startsWith("Invalid Input Error: Cannot change configuration option")) {
      return QueryFailure.notAllowed(message);
    }
    return QueryFailure.invalid(message);
  }

  // ---- Arrow: results streamed as record batches ----------------------------------------------

  /**
   * Checks {@code sql} as {@link #run} would (the views made first, then {@link StatementGate}) and
   * returns the Arrow schemas of its positional parameters and of its result, which DuckDB exports
   * for the query limited to no rows (that text passes the gate too), with {@code parameters} bound
   * (none: nulls, so a column that is an untyped parameter, {@code SELECT ?}, is of type null).
   *
   * @throws QueryFailure the SQL was refused
   */
  QueryEngine.Checked check(
      List<DatasetTable> tables, String sql, List<JsonNode> parameters, BufferAllocator allocator)
      throws QueryFailure {
    Connection connection = connect();
    try {
      sync(tables);
      int count = StatementGate.admit(connection, sql);
      if (!parameters.isEmpty()) checkParameters(count, parameters.size());
      String empty = "SELECT * FROM (" + sql.strip().replaceAll(";+$", "") + "\n) LIMIT 0";
      StatementGate.admit(connection, empty);
      try (PreparedStatement statement = connection.prepareStatement(empty)) {
        Schema parameterSchema = parameterSchema(connection, statement, count, allocator);
        if (parameters.isEmpty()) {
          for (int i = 1; i <= count; i++) statement.setObject(i, null);
        } else {
          QueryValues.bind(statement, parameters);
        }
        try (ResultSet rows = statement.executeQuery()) {
          return new QueryEngine.Checked(parameterSchema, arrowSchema(rows, allocator));
        }
      }
    } catch (SQLException | IOException e) {
      throw e instanceof SQLException sql1 ? failure(sql1) : QueryFailure.invalid(e.getMessage());
    } finally {
      disconnect(connection);
    }
  }

  /**
   * The Arrow schema of a statement's {@code count} positional parameters, named {@code $1}, {@code
   * $2}...: the types DuckDB infers for them where the query fixes one ({@code WHERE day = ?} is a
   * DATE), as DuckDB's Arrow export writes those types; VARCHAR where it fixes none ({@code SELECT
   * ?}), since DuckDB casts a string where the query needs another type.
   */
  private static Schema parameterSchema(
      Connection connection, PreparedStatement statement, int count, BufferAllocator allocator)
      throws SQLException, QueryFailure, IOException {
    if (count == 0) return new Schema(List.of());
    ParameterMetaData meta = statement.getParameterMetaData();
    StringBuilder columns = new StringBuilder("SELECT ");
    for (int i = 1; i <= count; i++) {
      String type = i <= meta.getParameterCount() ? meta.getParameterTypeName(i) : null;
      if (type == null || type.isBlank() || UNTYPED.contains(type)) type = "VARCHAR";
      columns.append(i == 1 ? "" : ", ").append("NULL::").append(type);
      columns.append(" AS ").append(identifier("$" + i));
    }
    // DuckDB's own type names, and still only a SELECT passes.
    StatementGate.admit(connection, columns.toString());
    try (Statement types = connection.createStatement();
        ResultSet rows = types.executeQuery(columns.toString())) {
      return arrowSchema(rows, allocator);
    }
  }

  private static Schema arrowSchema(ResultSet rows, BufferAllocator allocator)
      throws SQLException, IOException {
    try (ArrowReader batches =
        (ArrowReader) rows.unwrap(DuckDBResultSet.class).arrowExportStream(allocator, 1)) {
      return batches.getVectorSchemaRoot().getSchema();
    }
  }

  /**
   * Runs one query over {@code tables} and hands its whole result to {@code sink} as Arrow record
   * batches, from DuckDB's own Arrow export, {@code batchRows} rows at most each. User SQL ({@code
   * gated}) passes {@link StatementGate} first; Easel's own catalog SQL does not need to.
   *
   * @throws QueryFailure the SQL was refused or failed, {@code run} was stopped, or the sink failed
   */
  void stream(
      QueryRun run,
      List<DatasetTable> tables,
      String sql,
      List<JsonNode> parameters,
      boolean gated,
      BufferAllocator allocator,
      int batchRows,
      QueryEngine.ArrowSink sink)
      throws QueryFailure {
    execute(
        run,
        tables,
        sql,
        parameters,
        gated,
        rows -> {
          try (ArrowReader batches =
              (ArrowReader)
                  rows.unwrap(DuckDBResultSet.class).arrowExportStream(allocator, batchRows)) {
            sink.send(batches, run::checkStopped);
          }
          return null;
        });
  }

  // ---- the database: open, views, close ---------------------------------------------------

  /** A connection of its own for one query; the database opens first if it is closed. */
  private synchronized Connection connect() throws QueryFailure {
    if (discarded) {
      throw new QueryFailure(
          QueryFailure.Kind.UNAVAILABLE,
          "QUERY_DATABASE_UNAVAILABLE",
          "The project was deleted; its query database is gone");
    }
    try {
      open();
      Connection connection = database.duplicate();
      connections++;
      released = false;
      return connection;
    } catch (SQLException e) {
      throw new QueryFailure(
          QueryFailure.Kind.UNAVAILABLE,
          "QUERY_DATABASE_UNAVAILABLE",
          "The project's query database cannot be opened: " + e.getMessage());
    }
  }

  private void disconnect(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      log.warn("closing a query connection of project {} failed", projectId, e);
    }
    synchronized (this) {
      connections--;
      if (released && connections == 0) close();
    }
  }

  /**
   * The project was deleted: closes the database once no query uses it (now, if none does) and then
   * deletes its file; from now on no query opens it.
   */
  synchronized void discard() {
    discarded = true;
    release();
  }

  /** Closes the database once no query uses it (now, if none does). */
  synchronized void release() {
    released = true;
    if (connections == 0) close();
  }

  /** Whether the database is open now. */
  synchronized boolean isOpen() {
    return database != null;
  }

  private void close() {
    if (database != null) {
      try {
        database.close();
      } catch (SQLException e) {
        log.warn("closing the query database of project {} failed", projectId, e);
      }
      database = null;
      views = null;
    }
    if (discarded) {
      try {
        deleteCache();
      } catch (UncheckedIOException e) {
        log.warn("the query database of deleted project {} is left behind", projectId, e);
      }
    }
  }

  private void open() throws SQLException {
    if (database != null) return;
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + file.getParent(), e);
    }
    try {
      database = connectLockedDown();
    } catch (SQLException e) {
      if (!Files.exists(file) || String.valueOf(e.getMessage()).contains("Could not set lock")) {
        throw e;
      }
      // A cache that cannot be read (damaged, from another DuckDB version): made again.
      log.warn("the query database {} cannot be opened; it is made again", file, e);
      deleteCache();
      database = connectLockedDown();
    }
    views = null;
  }

  private DuckDBConnection connectLockedDown() throws SQLException {
    Properties config = new Properties();
    config.setProperty("enable_external_access", "false");
    config.setProperty(
        "allowed_directories", "['" + (datasetDirectory + "/").replace("'", "''") + "']");
    config.setProperty("autoinstall_known_extensions", "false");
    config.setProperty("autoload_known_extensions", "false");
    config.setProperty("memory_limit", settings.memoryLimit());
    config.setProperty("threads", Integer.toString(settings.threads()));
    config.setProperty("max_temp_directory_size", settings.tempLimit());
    config.setProperty("lock_configuration", "true");
    Connection connection = new DuckDBDriver().connect("jdbc:duckdb:" + file, config);
    return connection.unwrap(DuckDBConnection.class);
  }

  private void deleteCache() {
    try {
      Files.deleteIfExists(file);
      Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".wal"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the query cache " + file, e);
    }
  }

  /**
   * Makes the database's views those of {@code tables}: one per table, over its Parquet file; views
   * of tables that are gone are dropped. Only what changed since the last call is done.
   */
  private synchronized void sync(List<DatasetTable> tables) throws SQLException, QueryFailure {
    Map<String, DatasetTable> wanted = new LinkedHashMap<>();
    for (DatasetTable table : tables) {
      checkTable(table);
      if (wanted.put(table.name(), table) != null) {
        throw new QueryFailure(
            QueryFailure.Kind.UNAVAILABLE,
            "QUERY_TABLES_INVALID",
            "Two of the project's datasets are both named " + table.name());
      }
    }
    if (wanted.equals(views)) return;
    Map<String, DatasetTable> now = views == null ? existingViews() : new HashMap<>(views);
    views = null; // unknown until every change below is made
    try (Statement ddl = database.createStatement()) {
      for (String name : now.keySet()) {
        if (!wanted.containsKey(name)) ddl.execute("DROP VIEW IF EXISTS " + identifier(name));
      }
      for (DatasetTable table : wanted.values()) {
        if (table.equals(now.get(table.name()))) continue;
        try {
          ddl.execute(
              "CREATE OR REPLACE VIEW "
                  + identifier(table.name())
                  + " AS SELECT * FROM read_parquet("
                  + literal(table.path())
                  + ")");
        } catch (SQLException e) {
          throw new QueryFailure(
              QueryFailure.Kind.UNAVAILABLE,
              "DATASET_UNREADABLE",
              "Dataset "
                  + table.name()
                  + " (version "
                  + table.version()
                  + ") cannot be read: "
                  + e.getMessage());
        }
      }
    }
    views = wanted;
  }

  private void checkTable(DatasetTable table) throws QueryFailure {
    String problem = null;
    if (table.name() == null || table.name().isEmpty() || table.name().indexOf('\0') >= 0) {
      problem = "a dataset table needs a name";
    } else if (table.path() == null
        || !Path.of(table.path()).toAbsolutePath().normalize().startsWith(datasetDirectory)) {
      problem = "dataset " + table.name() + " is not a file of the project's datasets";
    }
    if (problem != null) {
      throw new QueryFailure(QueryFailure.Kind.UNAVAILABLE, "QUERY_TABLES_INVALID", problem);
    }
  }

  /** The views in the database now (from an earlier run), by name; their tables are unknown. */
  private Map<String, DatasetTable> existingViews() throws SQLException {
    Map<String, DatasetTable> existing = new HashMap<>();
    try (Statement list = database.createStatement();
        ResultSet rows =
            list.executeQuery(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary"
                    + " AND database_name = current_database() AND schema_name = 'main'")) {
      while (rows.next()) existing.put(rows.getString(1), null);
    }
    return existing;
  }

  /** A name as a quoted SQL identifier. */
  static String identifier(String name) {
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  /** A string as a quoted SQL literal. */
  static String literal(String value) {
    return '\'' + value.replace("'", "''") + '\'';
  }
}
