package dev.easel.cells;

import com.fasterxml.jackson.databind.JsonNode;
import dev.easel.query.SqlSyntax;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads which tables a SQL cell names, with DuckDB's own parser ({@code json_serialize_sql}), never
 * with patterns over the text: a name in a string, a comment, a column or a CTE is not a table.
 *
 * <p>A cell holds one query: a {@code SELECT}, {@code FROM ...}, {@code WITH ...}, a set operation
 * or {@code DESCRIBE}. The references are the unqualified (or {@code main.}-qualified) base tables
 * it reads that are not common table expressions in scope, lower-cased as DuckDB compares names
 * case-insensitively; each comes with its offset in the SQL so an error can point at it. Names
 * qualified with another schema or catalog are not datasets or cells, so they are left out (the
 * query itself fails on them). DuckDB cannot serialize {@code PIVOT}/{@code UNPIVOT} statements, so
 * a cell using them is reported as unreadable, with DuckDB's message.
 *
 * <p>Parsing uses a private in-memory DuckDB that holds no data; an instance is not thread-safe
 * (one per thread, or guard it).
 */
public final class SqlReferences implements AutoCloseable {

  /** DuckDB writes "no position" as the largest unsigned 64-bit number. */
  private static final long NO_POSITION = -1;

  /** A table the query names, and where (0-based offset in the SQL, or -1 when unknown). */
  public record TableReference(String name, long position) {}

  /**
   * A parameter the query names ({@code $name}; a positional {@code ?} or {@code $1} has its number
   * as name), where it starts and how long it is, in bytes of the SQL's UTF-8 text as DuckDB
   * counts.
   */
  public record ParameterReference(String name, int start, int length) {
    /** Whether it is positional ({@code ?}, {@code $1}) rather than named. */
    public boolean positional() {
      return name.isEmpty() || name.chars().allMatch(Character::isDigit);
    }
  }

  /** What a cell's SQL reads, or why it could not be read. */
  public sealed interface Result {}

  /**
   * The query parsed: the distinct tables it reads, in order of first appearance, and every
   * occurrence of a parameter, in order of position.
   */
  public record Tables(List<TableReference> tables, List<ParameterReference> parameters)
      implements Result {
    /** The names alone. */
    public List<String> names() {
      return tables.stream().map(TableReference::name).toList();
    }

    /** The distinct names of the parameters, in order of first appearance. */
    public List<String> parameterNames() {
      return parameters.stream().map(ParameterReference::name).distinct().toList();
    }

    /**
     * {@code sql} with each named parameter written as {@code $n}, its position in {@link
     * #parameterNames} counted from 1, so that it binds positionally; the rest of the text is kept
     * byte for byte.
     */
    public String positional(String sql) {
      byte[] text = sql.getBytes(StandardCharsets.UTF_8);
      List<String> names = parameterNames();
      ByteArrayOutputStream out = new ByteArrayOutputStream(text.length);
      int at = 0;
      for (ParameterReference parameter : parameters) {
        if (parameter.start() < at || parameter.start() + parameter.length() > text.length) {
          throw new IllegalStateException("parameter positions out of order in " + sql);
        }
        out.write(text, at, parameter.start() - at);
        out.writeBytes(
            ("$" + (names.indexOf(parameter.name()) + 1)).getBytes(StandardCharsets.UTF_8));
        at = parameter.start() + parameter.length();
      }
      out.write(text, at, text.length - at);
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  /** The SQL is not one readable query: DuckDB's message and where (-1 when it gave none). */
  public record Unreadable(String message, long position) implements Result {}

  private final Connection connection;
  private final PreparedStatement serialize;

  private SqlReferences(Connection connection) throws SQLException {
    this.connection = connection;
    this.serialize = SqlSyntax.prepare(connection);
  }

  /** A parser on its own in-memory DuckDB. */
  public static SqlReferences open() {
    try {
      return new SqlReferences(DriverManager.getConnection("jdbc:duckdb:"));
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB could not start: " + e.getMessage(), e);
    }
  }

  /** The tables {@code sql} reads, or why it cannot be read as one query. */
  public Result of(String sql) {
    JsonNode parsed;
    try {
      parsed = SqlSyntax.tree(serialize, sql);
    } catch (SQLException e) {
      return new Unreadable(String.valueOf(e.getMessage()), NO_POSITION);
    }
    if (parsed.path("error").asBoolean()) {
      String message = parsed.path("error_message").asText("the SQL could not be parsed");
      if (message.startsWith("Only SELECT statements")) {
        message = "a SQL cell holds one query (SELECT, FROM, WITH, VALUES or DESCRIBE); " + message;
      }
      return new Unreadable(message, position(parsed.path("position")));
    }
    JsonNode statements = parsed.path("statements");
    if (statements.size() != 1) {
      return new Unreadable(
          statements.isEmpty()
              ? "the SQL cell is empty"
              : "a SQL cell holds one query, this one has " + statements.size(),
          NO_POSITION);
    }
    List<TableReference> found = new ArrayList<>();
    collect(statements.get(0), Set.of(), found, new HashSet<>());
    List<ParameterReference> parameters = new ArrayList<>();
    collectParameters(statements.get(0), parameters);
    parameters.sort(Comparator.comparingInt(ParameterReference::start));
    return new Tables(List.copyOf(found), List.copyOf(parameters));
  }

  /** Every parameter expression of the tree. */
  private static void collectParameters(JsonNode node, List<ParameterReference> found) {
    if (node.isArray()) {
      for (JsonNode child : node) collectParameters(child, found);
      return;
    }
    if (!node.isObject()) return;
    if ("PARAMETER".equals(node.path("class").asText())) {
      long start = position(node.path("query_location"));
      long length = position(node.path("query_location_length"));
      if (start >= 0 && length > 0) {
        found.add(
            new ParameterReference(node.path("identifier").asText(""), (int) start, (int) length));
      }
    }
    for (JsonNode child : node) collectParameters(child, found);
  }

  /** Walks the tree, with the names of the common table expressions in scope. */
  private static void collect(
      JsonNode node, Set<String> ctes, List<TableReference> found, Set<String> seen) {
    if (node.isArray()) {
      for (JsonNode child : node) collect(child, ctes, found, seen);
      return;
    }
    if (!node.isObject()) return;
    JsonNode cteMap = node.path("cte_map").path("map");
    if (cteMap.isArray() && !cteMap.isEmpty()) {
      Set<String> inScope = new HashSet<>(ctes);
      for (JsonNode cte : cteMap) inScope.add(lower(cte.path("key").asText()));
      ctes = inScope;
    }
    if ("BASE_TABLE".equals(node.path("type").asText())) {
      String catalog = node.path("catalog_name").asText("");
      String schema = node.path("schema_name").asText("");
      String name = lower(node.path("table_name").asText(""));
      boolean ours = catalog.isEmpty() && (schema.isEmpty() || lower(schema).equals("main"));
      boolean cte = schema.isEmpty() && ctes.contains(name);
      if (ours && !cte && !name.isEmpty() && seen.add(name)) {
        found.add(new TableReference(name, position(node.path("query_location"))));
      }
    }
    for (JsonNode child : node) collect(child, ctes, found, seen);
  }

  private static long position(JsonNode location) {
    if (location.isMissingNode() || location.isNull()) return NO_POSITION;
    String text = location.asText();
    try {
      long value = Long.parseLong(text);
      return value < 0 ? NO_POSITION : value;
    } catch (NumberFormatException e) {
      return NO_POSITION; // DuckDB's "no location" is 2^64-1, beyond a long
    }
  }

  private static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  @Override
  public void close() {
    try {
      serialize.close();
      connection.close();
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB did not close: " + e.getMessage(), e);
    }
  }
}
