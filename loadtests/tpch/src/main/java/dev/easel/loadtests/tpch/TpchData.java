package dev.easel.loadtests.tpch;

import io.trino.tpch.TpchColumn;
import io.trino.tpch.TpchEntity;
import io.trino.tpch.TpchTable;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * TPC-H data at one scale factor as one Parquet file per table, {@code
 * <work>/tpch/sf<N>/<table>.parquet}, with the types of the TPC-H specification (keys BIGINT, money
 * and quantities DECIMAL(15,2), dates DATE, text VARCHAR). The rows come from Trino's TPC-H
 * generator ({@code io.trino.tpch}, the dbgen algorithm), written as pipe-separated text in parts
 * on every processor, then turned into Parquet by an in-process DuckDB with the columns declared
 * (nothing sniffed); the text is deleted after. A folder with a {@code complete} marker is reused,
 * and so is each table's Parquet file left by an interrupted run: generating SF10 takes minutes.
 */
final class TpchData {
  /** The eight tables, in the order they are loaded. */
  static final List<String> TABLES =
      List.of("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem");

  private static final String MARKER = "complete";

  private TpchData() {}

  /** The folder of scale factor {@code scale} under {@code work}. */
  static Path folder(Path work, double scale) {
    return work.resolve("tpch").resolve("sf" + scaleName(scale));
  }

  /** {@code 1} for 1.0, {@code 0.1} for 0.1. */
  static String scaleName(double scale) {
    return scale == Math.rint(scale) ? Long.toString((long) scale) : Double.toString(scale);
  }

  /** Whether {@link #generate} finished for this scale factor. */
  static boolean exists(Path work, double scale) {
    return Files.exists(folder(work, scale).resolve(MARKER));
  }

  /** The Parquet file of {@code table}, after {@link #generate}. */
  static Path parquet(Path work, double scale, String table) {
    return folder(work, scale).resolve(table + ".parquet");
  }

  /**
   * Generates the eight tables at {@code scale} unless they are there already; returns row counts
   * by table.
   */
  static Map<String, Long> generate(Path work, double scale, int threads)
      throws IOException, SQLException, InterruptedException {
    Path folder = folder(work, scale);
    if (exists(work, scale)) return rowCounts(folder);
    Files.createDirectories(folder);
    Map<String, Long> rows = new LinkedHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:")) {
      try (Statement setup = duckdb.createStatement()) {
        setup.execute("SET threads = " + threads);
        setup.execute("SET preserve_insertion_order = true");
        setup.execute("SET temp_directory = " + literal(folder.resolve("tmp").toString()));
      }
      for (String name : TABLES) {
        Path parquet = folder.resolve(name + ".parquet");
        if (Files.exists(parquet)) {
          // finished by an earlier, interrupted run (a table's file appears only when complete)
          rows.put(name, count(duckdb, parquet));
          continue;
        }
        long t0 = System.nanoTime();
        TpchTable<?> table = TpchTable.getTable(name);
        List<Path> parts = writeText(pool, table, scale, folder, threads);
        long written = System.nanoTime();
        Path partial = folder.resolve(name + ".parquet.partial");
        Files.deleteIfExists(partial);
        try (Statement copy = duckdb.createStatement()) {
          copy.execute(
              "COPY (SELECT * FROM read_csv("
                  + files(parts)
                  + ", delim = '|', header = false, quote = '', escape = '', auto_detect = false,"
                  + " columns = "
                  + columns(table)
                  + ")) TO "
                  + literal(partial.toString())
                  + " (FORMAT parquet)");
        }
        Files.move(partial, parquet, StandardCopyOption.REPLACE_EXISTING);
        for (Path part : parts) Files.delete(part);
        long count = count(duckdb, parquet);
        rows.put(name, count);
        TpchBench.log(
            "%s: %,d rows generated in %.1f s, Parquet %.1f MB in %.1f s",
            name,
            count,
            (written - t0) / 1e9,
            Files.size(parquet) / 1e6,
            (System.nanoTime() - written) / 1e9);
      }
    } finally {
      pool.shutdownNow();
    }
    Files.writeString(folder.resolve(MARKER), rows.toString() + "\n");
    return rows;
  }

  /** Row counts of the tables of a finished folder. */
  static Map<String, Long> rowCounts(Path folder) throws SQLException {
    Map<String, Long> rows = new LinkedHashMap<>();
    try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:")) {
      for (String name : TABLES) rows.put(name, count(duckdb, folder.resolve(name + ".parquet")));
    }
    return rows;
  }

  private static long count(Connection duckdb, Path parquet) throws SQLException {
    try (Statement statement = duckdb.createStatement();
        ResultSet result =
            statement.executeQuery(
                "SELECT count(*) FROM read_parquet(" + literal(parquet.toString()) + ")")) {
      result.next();
      return result.getLong(1);
    }
  }

  /**
   * Writes the table's rows as pipe-separated lines in parts (one per thread for the large tables);
   * nation and region are one part, as the generator makes them.
   */
  private static List<Path> writeText(
      ExecutorService pool, TpchTable<?> table, double scale, Path folder, int threads)
      throws IOException, InterruptedException {
    String name = table.getTableName();
    int partCount =
        name.equals("nation") || name.equals("region")
            ? 1
            : (int) Math.max(1, Math.min(threads * 4L, Math.ceil(scale * 4)));
    List<Path> parts = new ArrayList<>();
    List<Future<?>> running = new ArrayList<>();
    for (int part = 1; part <= partCount; part++) {
      Path file = folder.resolve(name + "." + part + ".tbl");
      parts.add(file);
      int number = part;
      running.add(pool.submit(() -> writePart(table, scale, number, partCount, file)));
    }
    for (Future<?> future : running) {
      try {
        future.get();
      } catch (ExecutionException e) {
        throw new IOException("generating " + name + " failed: " + e.getCause(), e.getCause());
      }
    }
    return parts;
  }

  private static void writePart(TpchTable<?> table, double scale, int part, int count, Path file) {
    try (BufferedWriter out =
        Files.newBufferedWriter(
            file,
            StandardCharsets.US_ASCII,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      for (TpchEntity row : table.createGenerator(scale, part, count)) {
        String line = row.toLine();
        // dbgen's lines end with the separator; DuckDB would see one more, empty, column.
        out.write(line, 0, line.endsWith("|") ? line.length() - 1 : line.length());
        out.write('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** DuckDB's {@code columns} struct for the table: names and TPC-H types. */
  private static String columns(TpchTable<?> table) {
    List<String> columns = new ArrayList<>();
    for (TpchColumn<?> column : table.getColumns()) {
      columns.add(literal(column.getColumnName()) + ": " + literal(type(column)));
    }
    return "{" + String.join(", ", columns) + "}";
  }

  private static String type(TpchColumn<?> column) {
    return switch (column.getType().getBase()) {
      case IDENTIFIER -> "BIGINT";
      case INTEGER -> "INTEGER";
      case DATE -> "DATE";
      // Money, quantities, discounts and taxes: DECIMAL in the specification.
      case DOUBLE -> "DECIMAL(15,2)";
      case VARCHAR -> "VARCHAR";
    };
  }

  private static String files(List<Path> parts) {
    List<String> quoted = new ArrayList<>();
    for (Path part : parts) quoted.add(literal(part.toString()));
    return "[" + String.join(", ", quoted) + "]";
  }

  static String literal(String value) {
    return '\'' + value.replace("'", "''") + '\'';
  }
}
