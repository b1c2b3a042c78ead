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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
 * time; the views are made again from the catalog's tables on the next query. Query results are
 * Parquet files of the node's {@link ResultStore}, written by this database and read back from it.
 *
 * <p>The database is opened locked down, with its settings given at open time and then locked:
 * {@code enable_external_access = false} with {@code allowed_directories} the project's own dataset
 * folder and its results folder (no other file, no URL, no {@code ATTACH} of a file), no extension
 * installed or loaded ({@code autoinstall_known_extensions}, {@code autoload_known_extensions} off,
 * and loading external extensions is refused with external access off), {@code memory_limit},
 * {@code threads} and {@code max_temp_directory_size} from {@link QuerySettings}, DuckDB's progress
 * estimates on ({@code enable_progress_bar}, never printed), then {@code lock_configuration =
 * true}, so that no {@code SET} or {@code RESET} can change any of it. User SQL passes {@link
 * StatementGate} first (one SELECT), so it cannot {@code COPY}: only Easel writes result files.
 * Each query runs on its own connection to the database so that interrupting it touches no other
 * query, and so that the temporary views of its result tables are its own.
 *
 * <p>Thread-safe: the views and the opening and closing are guarded by this object; queries run
 * concurrently. The database stays open while a query holds a connection, and closes when it was
 * released and its last query ended.
 */
final class ProjectDatabase {
  private static final Logger log = LoggerFactory.getLogger(ProjectDatabase.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The type names DuckDB's driver gives a parameter whose type the query does not fix. */
  private static final Set<String> UNTYPED = Set.of("INVALID", "UNKNOWN", "ANY", "NULL");

  private final String projectId;
  private final Path file;
  private final Path datasetDirectory;
  private final QuerySettings settings;
  private final ResultStore results;
  private final Path resultDirectory;

  private DuckDBConnection database;

  /** The views the database holds, by name; null when not known since it was opened. */
  private Map<String, DatasetTable> views;

  private int connections;
  private boolean released;

  /** The project was deleted: the file goes once the database closes, and it opens no more. */
  private boolean discarded;

  ProjectDatabase(
      String projectId,
      Path file,
      Path datasetDirectory,
      QuerySettings settings,
      ResultStore results) {
    this.projectId = projectId;
    this.file = file.toAbsolutePath().normalize();
    this.datasetDirectory = datasetDirectory.toAbsolutePath().normalize();
    this.settings = settings;
    this.results = results;
    this.resultDirectory = results.projectDirectory(projectId);
  }

  /**
   * Runs one query over {@code tables} (the project's dataset tables, made views first where they
   * changed) and {@code resultTables} (earlier results, views of this query only) and answers with
   * its result: the Parquet file of its {@link ResultKey key} in the {@link ResultStore}, written
   * by DuckDB ({@code COPY (query) TO ... (FORMAT parquet)}, the parameters bound) unless it is
   * there already, and then read back for the columns, the row count and the first rows.
   *
   * @throws QueryFailure the SQL was refused or failed, a result table's result is gone, or {@code
   *     run} was stopped
   */
  QueryWorker.Result run(
      QueryRun run,
      List<DatasetTable> tables,
      List<ResultTable> resultTables,
      String sql,
      List<JsonNode> parameters)
      throws QueryFailure {
    List<ResultStore.Lease> held = new ArrayList<>();
    try {
      return onConnection(
          run,
          tables,
          "RESULT_NOT_STORED",
          "The result could not be stored: ",
          connection -> {
            StatementGate.Admitted admitted = StatementGate.admit(connection, sql);
            checkParameters(admitted.parameters(), parameters.size());
            String resultId = ResultKey.of(admitted.statement(), parameters, tables, resultTables);
            ResultStore.Lease stored = results.open(projectId, resultId);
            if (stored != null) {
              held.add(stored);
              run.checkStopped();
              return preview(connection, stored, null, -1, run.queryId());
            }
            // Only a query that runs needs its result tables (a stored answer does not).
            viewResults(connection, resultTables, held);
            Written written = materialise(run, connection, sql, parameters, resultId);
            held.add(written.result());
            run.checkStopped();
            // The file just written: its columns and row count are known without reading it.
            return written.result().kept()
                ? preview(
                    connection, written.result(), written.columns(), written.rows(), run.queryId())
                : preview(connection, written.result(), null, -1, run.queryId());
          });
    } finally {
      held.forEach(ResultStore.Lease::close);
    }
  }

  /** Work on a query's own connection. */
  @FunctionalInterface
  private interface ConnectionWork<T> {
    T on(Connection connection) throws SQLException, IOException, QueryFailure;
  }

  /**
   * Runs {@code work} on a connection of its own, once the views match {@code tables}: a DuckDB
   * error becomes the {@link QueryFailure} it means, a failure to write a file {@code ioReason}
   * (unless the query was stopped: then why).
   */
  private <T> T onConnection(
      QueryRun run,
      List<DatasetTable> tables,
      String ioReason,
      String ioMessage,
      ConnectionWork<T> work)
      throws QueryFailure {
    run.checkStopped();
    Connection connection = connect();
    try {
      sync(tables);
      run.checkStopped();
      return work.on(connection);
    } catch (SQLException e) {
      run.checkStopped();
      throw failure(e);
    } catch (IOException e) {
      run.checkStopped();
      throw new QueryFailure(QueryFailure.Kind.UNAVAILABLE, ioReason, ioMessage + e.getMessage());
    } finally {
      disconnect(connection);
    }
  }

  /** {@link #onConnection} for work that sends a result: a failed send is QUERY_STREAM_FAILED. */
  private <T> T sending(QueryRun run, List<DatasetTable> tables, ConnectionWork<T> work)
      throws QueryFailure {
    return onConnection(run, tables, "QUERY_STREAM_FAILED", "The result could not be sent: ", work);
  }

  /**
   * Makes each result table a temporary view of {@code connection} over its result's file, held (in
   * {@code held}) until the query is done.
   *
   * @throws QueryFailure RESULT_EXPIRED for a result that is no longer kept
   */
  private void viewResults(
      Connection connection, List<ResultTable> resultTables, List<ResultStore.Lease> held)
      throws SQLException, QueryFailure {
    if (resultTables.isEmpty()) return;
    Set<String> names = new HashSet<>();
    try (Statement ddl = connection.createStatement()) {
      for (ResultTable table : resultTables) {
        String name = table.name();
        if (name == null || name.isEmpty() || name.indexOf('\0') >= 0) {
          throw new QueryFailure(
              QueryFailure.Kind.INVALID, "QUERY_TABLES_INVALID", "a result table needs a name");
        }
        if (!names.add(name.toLowerCase(Locale.ROOT))) {
          throw new QueryFailure(
              QueryFailure.Kind.INVALID,
              "QUERY_TABLES_INVALID",
              "Two result tables are both named " + name);
        }
        ResultStore.Lease lease = results.open(projectId, table.resultId());
        if (lease == null) {
          throw new QueryFailure(
              QueryFailure.Kind.EXPIRED,
              QueryFailure.RESULT_EXPIRED,
              "The result of table "
                  + name
                  + " ("
                  + table.resultId()
                  + ") is no longer kept; run its query again");
        }
        held.add(lease);
        ddl.execute(
            "CREATE TEMP VIEW "
                + identifier(name)
                + " AS "
                + resultSelect(connection, lease.file()));
      }
    }
  }

  /** A result just written: held, with its columns and its row count (-1: not known). */
  private record Written(ResultStore.Lease result, List<QueryWorker.Column> columns, long rows) {}

  /**
   * Writes the result of {@code sql} to its Parquet file with DuckDB's {@code COPY}: the query (one
   * SELECT, checked by {@link StatementGate}) inside {@code COPY (...)}, its parameters bound.
   * Parquet has no 128-bit integers (DuckDB would write HUGEINT and UHUGEINT columns as DOUBLE,
   * losing digits), so such columns are written as their decimal text; the columns' DuckDB names
   * and types are kept in the file's key-value metadata ({@value #COLUMNS_KEY}), shown from there,
   * and a query that reads the result as a table gets those columns back as their own type.
   */
  private Written materialise(
      QueryRun run, Connection connection, String sql, List<JsonNode> parameters, String resultId)
      throws SQLException, QueryFailure, IOException {
    String body = withoutTrailingSemicolons(sql);
    List<QueryWorker.Column> columns = describe(run, connection, body, parameters);
    List<String> casts = new ArrayList<>();
    for (QueryWorker.Column column : columns) {
      if (isWideInteger(column)) {
        String name = identifier(column.name());
        casts.add("CAST(" + name + " AS VARCHAR) AS " + name);
      }
    }
    String select =
        casts.isEmpty()
            ? body
            : "SELECT * REPLACE (" + String.join(", ", casts) + ") FROM (" + body + "\n)";
    Path part = results.partFile(projectId, resultId);
    String copy =
        "COPY ("
            + select
            + "\n) TO "
            + literal(part.toString())
            + " (FORMAT parquet, KV_METADATA {"
            + literal(COLUMNS_KEY)
            + ": "
            + literal(JSON.writeValueAsString(columns))
            + "})";
    try (PreparedStatement statement = connection.prepareStatement(copy)) {
      QueryValues.bind(statement, parameters);
      run.running(statement);
      long rows;
      try {
        // COPY answers the number of rows it wrote.
        rows = statement.execute() ? -1 : statement.getLargeUpdateCount();
      } finally {
        run.finished();
      }
      run.checkStopped();
      return new Written(results.keep(projectId, resultId, part), columns, rows);
    } finally {
      Files.deleteIfExists(part);
    }
  }

  private static boolean isWideInteger(QueryWorker.Column column) {
    return column.type().equals("HUGEINT") || column.type().equals("UHUGEINT");
  }

  /**
   * What a result file is read as: its rows, with the 128-bit integer columns it stores as text
   * cast back to their type.
   */
  private static String resultSelect(Connection connection, Path parquet) throws SQLException {
    List<QueryWorker.Column> columns;
    try (PreparedStatement empty =
            connection.prepareStatement("SELECT * FROM read_parquet(?) LIMIT 0");
        ResultSet rows = bind(empty, parquet).executeQuery()) {
      columns = storedColumns(connection, parquet, columns(rows.getMetaData()));
    }
    List<String> casts = new ArrayList<>();
    for (QueryWorker.Column column : columns) {
      if (isWideInteger(column)) {
        String name = identifier(column.name());
        casts.add("CAST(" + name + " AS " + column.type() + ") AS " + name);
      }
    }
    String file = "read_parquet(" + literal(parquet.toString()) + ")";
    return casts.isEmpty()
        ? "SELECT * FROM " + file
        : "SELECT * REPLACE (" + String.join(", ", casts) + ") FROM " + file;
  }

  private static PreparedStatement bind(PreparedStatement statement, Path parquet)
      throws SQLException {
    statement.setString(1, parquet.toString());
    return statement;
  }

  /** The key of the file metadata that holds a result's columns as DuckDB names them. */
  static final String COLUMNS_KEY = "easel.columns";

  /**
   * The columns of the query {@code body} (which passed the gate) with {@code parameters}, as
   * DuckDB types them: without parameters, as DuckDB prepares it (nothing runs); with parameters,
   * whose types can change the columns', the query limited to no rows ({@code SELECT * FROM (body)
   * LIMIT 0}, which passes the gate too) is run with them bound.
   */
  private static List<QueryWorker.Column> describe(
      QueryRun run, Connection connection, String body, List<JsonNode> parameters)
      throws SQLException, QueryFailure {
    if (parameters.isEmpty()) {
      try (PreparedStatement statement = connection.prepareStatement(body)) {
        return columns(statement.getMetaData());
      }
    }
    String empty = "SELECT * FROM (" + body + "\n) LIMIT 0";
    StatementGate.admit(connection, empty);
    try (PreparedStatement statement = connection.prepareStatement(empty)) {
      QueryValues.bind(statement, parameters);
      run.running(statement);
      try (ResultSet rows = statement.executeQuery()) {
        return columns(rows.getMetaData());
      } finally {
        run.finished();
      }
    }
  }

  private static List<QueryWorker.Column> columns(ResultSetMetaData meta) throws SQLException {
    List<QueryWorker.Column> columns = new ArrayList<>(meta.getColumnCount());
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      columns.add(new QueryWorker.Column(meta.getColumnLabel(i), meta.getColumnTypeName(i)));
    }
    return columns;
  }

  /**
   * The columns of a result file as its query gave them (from the file's metadata), or as the file
   * has them ({@code read}) when it holds none.
   */
  private static List<QueryWorker.Column> storedColumns(
      Connection connection, Path parquet, List<QueryWorker.Column> read) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT decode(value) FROM parquet_kv_metadata(?) WHERE decode(key) = ?")) {
      select.setString(1, parquet.toString());
      select.setString(2, COLUMNS_KEY);
      try (ResultSet rows = select.executeQuery()) {
        if (!rows.next()) return read;
        List<QueryWorker.Column> stored =
            List.of(JSON.readValue(rows.getString(1), QueryWorker.Column[].class));
        return stored.size() == read.size() ? stored : read;
      }
    } catch (IOException e) {
      return read;
    }
  }

  /** The query without the semicolons (and blanks) that may end it. */
  static String withoutTrailingSemicolons(String sql) {
    String body = sql.strip();
    while (body.endsWith(";")) body = body.substring(0, body.length() - 1).strip();
    return body;
  }

  /**
   * The answer for a stored result: its columns, row count and first rows; {@code columns} and
   * {@code rowCount} are read from the file unless given (null, -1).
   */
  private QueryWorker.Result preview(
      Connection connection,
      ResultStore.Lease result,
      List<QueryWorker.Column> columns,
      long rowCount,
      String queryId)
      throws SQLException {
    Rows first = rows(connection, result.file(), 0, settings.maxRows(), false, columns);
    long count = rowCount >= 0 ? rowCount : rowCount(connection, result.file());
    return new QueryWorker.Result(
        first.columns(),
        first.rows(),
        count,
        count > first.rows().size(),
        queryId,
        result.resultId());
  }

  /**
   * A page of a stored result: at most {@code size} rows (and {@code easel.query.max-result-size}
   * of JSON, but at least one row) from row {@code offset} on, in the file's order, which never
   * changes.
   *
   * @throws QueryFailure RESULT_NOT_FOUND, or an offset past the end
   */
  QueryWorker.Page page(String resultId, long offset, int size) throws QueryFailure {
    Connection connection = connect();
    try (ResultStore.Lease result = openResult(resultId)) {
      long count = rowCount(connection, result.file());
      if (offset < 0 || offset > count) {
        throw new QueryFailure(
            QueryFailure.Kind.INVALID,
            "INVALID_PAGE_TOKEN",
            "The page would start at row "
                + offset
                + ", past the end of result "
                + resultId
                + " ("
                + count
                + (count == 1 ? " row)" : " rows)"));
      }
      Rows page = rows(connection, result.file(), offset, size, true, null);
      long next = offset + page.rows().size();
      return new QueryWorker.Page(page.columns(), page.rows(), count, next < count ? next : -1);
    } catch (SQLException e) {
      throw failure(e);
    } finally {
      disconnect(connection);
    }
  }

  /**
   * The result's file in {@code format} ({@code parquet}, or {@code csv}, which DuckDB writes once
   * from the Parquet file, with a header line, and which is then kept beside it), held until the
   * returned file is closed.
   *
   * @throws QueryFailure RESULT_NOT_FOUND
   */
  ResultFile export(String resultId, String format) throws QueryFailure {
    ResultStore.Lease result = openResult(resultId);
    boolean kept = false;
    try {
      Path path = result.file();
      if (format.equals("csv")) {
        path = results.companion(result, ResultStore.CSV);
        if (path == null) path = writeCsv(result);
      }
      ResultFile file = new ResultFile(result, path, Files.size(path));
      kept = true;
      return file;
    } catch (IOException e) {
      throw new QueryFailure(
          QueryFailure.Kind.UNAVAILABLE,
          "RESULT_UNREADABLE",
          "Result " + resultId + " could not be read: " + e.getMessage());
    } finally {
      if (!kept) result.close();
    }
  }

  private Path writeCsv(ResultStore.Lease result) throws QueryFailure, IOException {
    Path part = results.partFile(projectId, result.resultId());
    Connection connection = connect();
    try (PreparedStatement copy =
        connection.prepareStatement(
            "COPY (SELECT * FROM read_parquet(?)) TO "
                + literal(part.toString())
                + " (FORMAT csv, HEADER)")) {
      copy.setString(1, result.file().toString());
      copy.execute();
      return results.keepCompanion(result, ResultStore.CSV, part);
    } catch (SQLException e) {
      throw failure(e);
    } finally {
      Files.deleteIfExists(part);
      disconnect(connection);
    }
  }

  /** A stored result's file, held (not deleted) until closed. */
  record ResultFile(ResultStore.Lease lease, Path path, long size) implements AutoCloseable {
    @Override
    public void close() {
      lease.close();
    }
  }

  private ResultStore.Lease openResult(String resultId) throws QueryFailure {
    ResultStore.Lease result = results.open(projectId, resultId);
    if (result == null) {
      throw new QueryFailure(
          QueryFailure.Kind.NOT_FOUND,
          QueryFailure.RESULT_NOT_FOUND,
          "There is no result "
              + resultId
              + " in this project (results not used for a while are deleted from the cache:"
              + " run the query again)");
    }
    return result;
  }

  /** Rows of a Parquet file and its columns. */
  private record Rows(List<QueryWorker.Column> columns, ArrayNode rows) {}

  /**
   * The rows of a Parquet file from {@code offset}: at most {@code limit}, and no more than {@code
   * easel.query.max-result-size} of JSON ({@code atLeastOne}: but one row even if it is larger);
   * its columns as {@code known} says (those it was written with), else as the file says.
   */
  private Rows rows(
      Connection connection,
      Path parquet,
      long offset,
      int limit,
      boolean atLeastOne,
      List<QueryWorker.Column> known)
      throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement("SELECT * FROM read_parquet(?) LIMIT ? OFFSET ?")) {
      select.setString(1, parquet.toString());
      select.setLong(2, limit);
      select.setLong(3, offset);
      try (ResultSet rows = select.executeQuery()) {
        List<QueryWorker.Column> columns =
            known != null ? known : storedColumns(connection, parquet, columns(rows.getMetaData()));
        int width = columns.size();
        ArrayNode kept = JsonNodeFactory.instance.arrayNode();
        long bytes = 0;
        while (rows.next()) {
          ArrayNode row = JsonNodeFactory.instance.arrayNode(width);
          for (int i = 1; i <= width; i++) row.add(cell(rows, i));
          bytes += size(row);
          if (bytes > settings.maxResultBytes() && !(atLeastOne && kept.isEmpty())) break;
          kept.add(row);
        }
        return new Rows(columns, kept);
      }
    }
  }

  /** The number of rows of a Parquet file, from its metadata. */
  private static long rowCount(Connection connection, Path parquet) throws SQLException {
    try (PreparedStatement count =
        connection.prepareStatement("SELECT sum(num_rows) FROM parquet_file_metadata(?)")) {
      count.setString(1, parquet.toString());
      try (ResultSet rows = count.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  /** Reads a query's result while its statement is open. */
  @FunctionalInterface
  private interface ResultReader<T> {
    T read(ResultSet rows) throws SQLException, IOException, QueryFailure;
  }

  /**
   * Runs one query over {@code tables} (made views first where they changed) and the {@code cells}
   * it names ({@link #withCells}), and hands its rows to {@code reader}. User SQL ({@code gated})
   * passes {@link StatementGate} first.
   */
  private <T> T execute(
      QueryRun run,
      List<DatasetTable> tables,
      List<CellTable> cells,
      String sql,
      List<JsonNode> parameters,
      boolean gated,
      ResultReader<T> reader)
      throws QueryFailure {
    List<ResultStore.Lease> held = new ArrayList<>();
    try {
      return sending(
          run,
          tables,
          connection -> {
            String text = sql;
            if (gated) {
              StatementGate.Admitted admitted = StatementGate.admit(connection, sql);
              checkParameters(admitted.parameters(), parameters.size());
              text = withCells(connection, admitted.statement(), sql, cells, held);
            }
            try (PreparedStatement statement = connection.prepareStatement(text)) {
              QueryValues.bind(statement, parameters);
              run.running(statement);
              try (ResultSet rows = statement.executeQuery()) {
                return reader.read(rows);
              } finally {
                run.finished();
              }
            }
          });
    } finally {
      held.forEach(ResultStore.Lease::close);
    }
  }

  /**
   * {@code sql} reading the {@code cells} it names: each reference DuckDB's parser found in {@code
   * statement} (its tree) to a cell's table, {@code canvas_<canvasId>.<cell>}, is made a temporary
   * view of this connection over the cell's stored result (held in {@code held} until the query is
   * done), as a cell reads the cells it names; the text of each such reference (where the parser
   * says it is) is replaced by that view, under the reference's alias (or the cell's name), and the
   * rest is kept byte for byte. Text that names no cell comes back as it is.
   *
   * @throws QueryFailure a canvas schema's table that is no cell with a result, a sample or time
   *     travel on a cell's table, or RESULT_EXPIRED for a result no longer kept
   */
  private String withCells(
      Connection connection,
      JsonNode statement,
      String sql,
      List<CellTable> cells,
      List<ResultStore.Lease> held)
      throws SQLException, QueryFailure {
    if (cells.isEmpty()) return sql;
    Map<String, CellTable> byName = new HashMap<>();
    Set<String> schemas = new HashSet<>();
    for (CellTable cell : cells) {
      String schema = cell.schema().toLowerCase(Locale.ROOT);
      schemas.add(schema);
      byName.put(schema + "\0" + cell.name().toLowerCase(Locale.ROOT), cell);
    }
    List<JsonNode> references = new ArrayList<>();
    collectTables(statement, references);
    record Replacement(int start, int end, String text) {}
    List<Replacement> replacements = new ArrayList<>();
    Map<CellTable, ResultTable> views = new LinkedHashMap<>();
    for (JsonNode reference : references) {
      String schema = reference.path("schema_name").asText("");
      if (!reference.path("catalog_name").asText("").isEmpty()
          || !schemas.contains(schema.toLowerCase(Locale.ROOT))) {
        continue;
      }
      String table = reference.path("table_name").asText("");
      CellTable cell =
          byName.get(schema.toLowerCase(Locale.ROOT) + "\0" + table.toLowerCase(Locale.ROOT));
      if (cell == null) {
        throw QueryFailure.invalid(
            "Table "
                + schema
                + "."
                + table
                + " does not exist: that canvas has no SQL cell named "
                + table
                + " with a result (GetTables lists the cells that have one)");
      }
      if (!reference.path("sample").isNull() || !reference.path("at_clause").isNull()) {
        throw QueryFailure.invalid(
            "A sample or AT clause cannot apply to a cell's table ("
                + schema
                + "."
                + table
                + "): read it in a subquery and sample that");
      }
      long start = reference.path("query_location").asLong(-1);
      long length = reference.path("query_location_length").asLong(-1);
      if (start < 0 || length <= 0) {
        throw QueryFailure.invalid(
            "DuckDB's parser did not say where " + schema + "." + table + " is in the query");
      }
      ResultTable view =
          views.computeIfAbsent(
              cell, c -> new ResultTable(c.schema() + "." + c.name(), c.resultId()));
      String alias = reference.path("alias").asText("");
      StringBuilder text =
          new StringBuilder("temp.main.")
              .append(identifier(view.name()))
              .append(" AS ")
              .append(identifier(alias.isEmpty() ? cell.name() : alias));
      JsonNode columnAliases = reference.path("column_name_alias");
      if (!columnAliases.isEmpty()) {
        List<String> names = new ArrayList<>();
        for (JsonNode name : columnAliases) names.add(identifier(name.asText()));
        text.append('(').append(String.join(", ", names)).append(')');
      }
      replacements.add(new Replacement((int) start, (int) (start + length), text.toString()));
    }
    if (replacements.isEmpty()) return sql;
    viewResults(connection, List.copyOf(views.values()), held);
    replacements.sort(java.util.Comparator.comparingInt(Replacement::start));
    byte[] bytes = sql.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(bytes.length + 64);
    int at = 0;
    for (Replacement replacement : replacements) {
      if (replacement.start() < at || replacement.end() > bytes.length) {
        throw QueryFailure.invalid("DuckDB's parser placed a table reference outside the query");
      }
      out.write(bytes, at, replacement.start() - at);
      out.writeBytes(replacement.text().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      at = replacement.end();
    }
    out.write(bytes, at, bytes.length - at);
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Every base table reference of a parsed statement's tree. */
  private static void collectTables(JsonNode node, List<JsonNode> found) {
    if (node.isObject() && "BASE_TABLE".equals(node.path("type").asText())) {
      found.add(node);
      return;
    }
    if (node.isContainerNode()) for (JsonNode child : node) collectTables(child, found);
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
   * Checks {@code sql} as {@link #run} would (the views made first, then {@link StatementGate}),
   * over the {@code cells} it names ({@link #withCells}), and returns the Arrow schemas of its
   * positional parameters and of its result, which DuckDB exports for the query limited to no rows
   * (that text passes the gate too), with {@code parameters} bound (none: nulls, so a column that
   * is an untyped parameter, {@code SELECT ?}, is of type null).
   *
   * @throws QueryFailure the SQL was refused
   */
  QueryEngine.Checked check(
      List<DatasetTable> tables,
      List<CellTable> cells,
      String sql,
      List<JsonNode> parameters,
      BufferAllocator allocator)
      throws QueryFailure {
    Connection connection = connect();
    List<ResultStore.Lease> held = new ArrayList<>();
    try {
      sync(tables);
      StatementGate.Admitted admitted = StatementGate.admit(connection, sql);
      int count = admitted.parameters();
      if (!parameters.isEmpty()) checkParameters(count, parameters.size());
      String text = withCells(connection, admitted.statement(), sql, cells, held);
      String empty = "SELECT * FROM (" + text.strip().replaceAll(";+$", "") + "\n) LIMIT 0";
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
      held.forEach(ResultStore.Lease::close);
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
   * Hands the stored result {@code resultId} to {@code sink} as Arrow record batches ({@code
   * batchRows} rows at most each), read back from its Parquet file with its columns as DuckDB typed
   * them; with {@code sink} null, only its schema is read. The file is held while it is read.
   *
   * @throws QueryFailure RESULT_EXPIRED when the result is no longer kept
   */
  Schema streamResult(
      QueryRun run,
      List<DatasetTable> tables,
      String resultId,
      BufferAllocator allocator,
      int batchRows,
      QueryEngine.ArrowSink sink)
      throws QueryFailure {
    return sending(
        run,
        tables,
        connection -> {
          ResultStore.Lease lease = results.open(projectId, resultId);
          if (lease == null) {
            throw new QueryFailure(
                QueryFailure.Kind.EXPIRED,
                QueryFailure.RESULT_EXPIRED,
                "Result " + resultId + " is no longer kept; run its query again");
          }
          try (lease;
              PreparedStatement statement =
                  connection.prepareStatement(resultSelect(connection, lease.file()))) {
            run.running(statement);
            try (ResultSet rows = statement.executeQuery()) {
              if (sink == null) return arrowSchema(rows, allocator);
              try (ArrowReader batches =
                  (ArrowReader)
                      rows.unwrap(DuckDBResultSet.class).arrowExportStream(allocator, batchRows)) {
                Schema schema = batches.getVectorSchemaRoot().getSchema();
                sink.send(batches, run::checkStopped);
                return schema;
              }
            } finally {
              run.finished();
            }
          }
        });
  }

  /**
   * Runs one query over {@code tables} and the {@code cells} it names ({@link #withCells}) and
   * hands its whole result to {@code sink} as Arrow record batches, from DuckDB's own Arrow export,
   * {@code batchRows} rows at most each. User SQL ({@code gated}) passes {@link StatementGate}
   * first; Easel's own catalog SQL does not need to.
   *
   * @throws QueryFailure the SQL was refused or failed, {@code run} was stopped, or the sink failed
   */
  void stream(
      QueryRun run,
      List<DatasetTable> tables,
      List<CellTable> cells,
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
        cells,
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
        "allowed_directories",
        "[" + literal(datasetDirectory + "/") + ", " + literal(resultDirectory + "/") + "]");
    config.setProperty("autoinstall_known_extensions", "false");
    config.setProperty("autoload_known_extensions", "false");
    config.setProperty("memory_limit", settings.memoryLimit());
    config.setProperty("threads", Integer.toString(settings.threads()));
    config.setProperty("max_temp_directory_size", settings.tempLimit());
    Connection connection = new DuckDBDriver().connect("jdbc:duckdb:" + file, config);
    try (Statement settings = connection.createStatement()) {
      // DuckDB estimates a running statement's progress only with its progress bar on, a session
      // setting that cannot be given at open time; its bar is never printed. Then nothing can
      // change any setting any more.
      settings.execute("SET enable_progress_bar = true");
      settings.execute("SET enable_progress_bar_print = false");
      settings.execute("SET lock_configuration = true");
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
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
