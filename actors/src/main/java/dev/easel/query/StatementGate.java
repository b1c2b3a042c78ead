package dev.easel.query;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;

/**
 * Lets through only what may run on a project's database: exactly one SELECT statement (with {@code
 * WITH}, {@code FROM}-first, {@code DESCRIBE}, {@code SHOW}, {@code SUMMARIZE}), whose parameters
 * are positional. The decision is DuckDB's own parser's: the text is handed, as a bound parameter,
 * to {@code json_serialize_sql}, which parses it as the query will be parsed and serializes SELECT
 * statements only (anything else, {@code COPY}, {@code ATTACH}, {@code INSTALL}, {@code LOAD},
 * {@code SET}, {@code CREATE}, {@code PRAGMA}..., is an error there). Nothing in Easel reads SQL
 * text to decide.
 *
 * <p>One statement, because DuckDB's JDBC driver runs every statement but the last while it
 * prepares a text that holds several, before anything could check them. The database's own lockdown
 * (no file or network access outside the project's dataset folder, no extensions, locked
 * configuration) refuses the rest when the statement runs.
 */
final class StatementGate {
  /** Words a query starts with: a refusal of text that starts so names no statement kind. */
  private static final Set<String> QUERY_WORDS =
      Set.of("SELECT", "WITH", "FROM", "VALUES", "TABLE", "DESCRIBE", "SHOW", "SUMMARIZE");

  private StatementGate() {}

  /** A statement let through: DuckDB's tree of it, and how many positional parameters it takes. */
  record Admitted(JsonNode statement, int parameters) {}

  /**
   * Checks {@code sql} on {@code connection} (which parses it, runs nothing) and returns its tree
   * and how many positional parameters it takes.
   *
   * @throws QueryFailure naming what was refused
   */
  static Admitted admit(Connection connection, String sql) throws QueryFailure, SQLException {
    JsonNode parsed = SqlSyntax.tree(connection, sql);
    if (parsed.path("error").asBoolean(false)) {
      if ("parser".equals(parsed.path("error_type").asText())) {
        throw QueryFailure.invalid("Parser Error: " + parsed.path("error_message").asText());
      }
      String keyword = leadingKeyword(sql);
      String what =
          QUERY_WORDS.contains(keyword)
              ? "A statement other than one SELECT is not allowed"
              : keyword + " is not allowed";
      throw QueryFailure.notAllowed(
          what
              + ": only a single read-only SELECT query may run on a project's data (DuckDB's"
              + " parser: "
              + parsed.path("error_message").asText()
              + ")");
    }
    JsonNode statements = parsed.path("statements");
    if (statements.isEmpty()) throw QueryFailure.invalid("The query is empty: write a SELECT");
    if (statements.size() > 1) {
      throw QueryFailure.notAllowed(
          "Only one statement may run at a time; this text holds "
              + statements.size()
              + " statements");
    }
    int count = 0;
    for (JsonNode entry : statements.get(0).path("named_param_map")) {
      count = Math.max(count, position(entry.path("key").asText()));
    }
    return new Admitted(statements.get(0), count);
  }

  /**
   * The position of a parameter the parser names {@code key}: {@code ?} and {@code $n} are numbered
   * from 1. A named one ({@code $name}) is refused: DuckDB's JDBC driver binds by position only.
   */
  private static int position(String key) throws QueryFailure {
    if (key.isEmpty() || key.length() > 9 || !key.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw QueryFailure.invalidParameters(
          "Named parameter $"
              + key
              + " cannot be bound: use positional parameters (? or $1, $2, ...) and pass the"
              + " parameters in that order");
    }
    return Integer.parseInt(key);
  }

  /**
   * The first word of {@code sql} after white space and comments, in upper case, for the message
   * that names a refused statement ("COPY is not allowed"); the decision is the parser's.
   */
  static String leadingKeyword(String sql) {
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (Character.isWhitespace(c) || c == '(') {
        i++;
      } else if (sql.startsWith("--", i)) {
        int end = sql.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
      } else if (sql.startsWith("/*", i)) {
        int end = sql.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else {
        break;
      }
    }
    int start = i;
    while (i < n && Character.isLetter(sql.charAt(i))) i++;
    return i == start ? "This statement" : sql.substring(start, i).toUpperCase(Locale.ROOT);
  }
}
