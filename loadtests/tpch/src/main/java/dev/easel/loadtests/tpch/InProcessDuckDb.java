package dev.easel.loadtests.tpch;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.LongAdder;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

/**
 * The in-process side: DuckDB in this JVM over plain JDBC, with the same settings as a project's
 * database in Easel's query worker ({@code threads}, {@code memory_limit} of {@code easel.query})
 * and one view per table over the very Parquet file Easel stored for it. Like Easel's worker, each
 * query runs on a connection of its own, duplicated from the database's.
 */
final class InProcessDuckDb implements AutoCloseable {
  /** Non-null values read through JDBC so far, over all queries. */
  static final LongAdder VALUES_READ = new LongAdder();

  private final DuckDBConnection database;

  /**
   * Opens an in-memory database that spills to {@code spill}, with a view per table over the
   * Parquet file of {@code files}.
   */
  InProcessDuckDb(int threads, String memoryLimit, Path spill, Map<String, Path> files)
      throws SQLException {
    Properties config = new Properties();
    config.setProperty("threads", Integer.toString(threads));
    config.setProperty("memory_limit", memoryLimit);
    config.setProperty("temp_directory", spill.toString());
    database = new DuckDBDriver().connect("jdbc:duckdb:", config).unwrap(DuckDBConnection.class);
    try (Statement ddl = database.createStatement()) {
      for (Map.Entry<String, Path> table : files.entrySet()) {
        ddl.execute(
            "CREATE VIEW "
                + table.getKey()
                + " AS SELECT * FROM read_parquet("
                + TpchData.literal(table.getValue().toString())
                + ")");
      }
    }
  }

  /** A connection of its own for one query; the caller closes it. */
  Connection connect() throws SQLException {
    return database.duplicate();
  }

  /**
   * Runs {@code sql} and reads every row, every column with {@code getObject} (as Easel's worker
   * reads the rows it keeps); returns the row count.
   */
  long query(String sql) throws SQLException {
    try (Connection connection = connect();
        PreparedStatement statement = connection.prepareStatement(sql);
        ResultSet rows = statement.executeQuery()) {
      return readAll(rows);
    }
  }

  /** Reads every row of {@code rows}, every column with {@code getObject}; returns the count. */
  static long readAll(ResultSet rows) throws SQLException {
    int width = rows.getMetaData().getColumnCount();
    long count = 0;
    long values = 0;
    while (rows.next()) {
      count++;
      for (int i = 1; i <= width; i++) {
        if (rows.getObject(i) != null) values++;
      }
    }
    VALUES_READ.add(values); // kept, so that no reading can be left out
    return count;
  }

  @Override
  public void close() throws SQLException {
    database.close();
  }
}
