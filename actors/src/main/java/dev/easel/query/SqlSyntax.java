package dev.easel.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * DuckDB's own parser, asked through {@code json_serialize_sql}: the syntax tree of the SELECT
 * statements of a text, or {@code {"error": true, "error_type", "error_message", "position"}} for
 * anything else. The text goes as a bound parameter and nothing runs. Every decision Easel makes
 * about SQL (what may run, which tables a cell reads) is made on this tree, never on the text.
 */
public final class SqlSyntax {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SqlSyntax() {}

  /**
   * The tree of {@code sql} as {@code statement} (a prepared {@code json_serialize_sql(?)}) reads
   * it.
   */
  public static JsonNode tree(PreparedStatement statement, String sql) throws SQLException {
    statement.setString(1, sql);
    try (ResultSet rows = statement.executeQuery()) {
      rows.next();
      return JSON.readTree(rows.getString(1));
    } catch (IOException e) {
      throw new SQLException("DuckDB's parser answered no JSON", e);
    }
  }

  /** The tree of {@code sql}, parsed on {@code connection}. */
  public static JsonNode tree(Connection connection, String sql) throws SQLException {
    try (PreparedStatement statement = prepare(connection)) {
      return tree(statement, sql);
    }
  }

  /** A statement that parses a text given as its one parameter, for {@link #tree}. */
  public static PreparedStatement prepare(Connection connection) throws SQLException {
    return connection.prepareStatement("SELECT json_serialize_sql(?)");
  }
}
