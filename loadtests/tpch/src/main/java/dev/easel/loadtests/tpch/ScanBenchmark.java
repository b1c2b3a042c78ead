package dev.easel.loadtests.tpch;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBResultSet;

/**
 * Benchmark 2: one full result, {@code SELECT * FROM lineitem}, pulled four ways: through Easel's
 * Flight SQL port with Arrow's raw {@link FlightSqlClient} (record batches, not looked into) and
 * with Arrow's Flight SQL JDBC driver (every column of every row read with {@code getObject}), and
 * in this process from DuckDB over the same Parquet file, as DuckDB's Arrow export ({@code
 * DuckDBResultSet.arrowExportStream}, batches of Easel's size) and as a JDBC {@code ResultSet}
 * (every column read). Runs interleaved round by round (the order turns), the first rounds warm-up.
 * Throughput: rows/s and MB/s, MB being the Arrow buffers of the result (the same data on every
 * side; the JDBC sides are given the Arrow export's figure). Goal (issue 5): raw Flight at least
 * 0.8x the in-process Arrow export and at least 5x the JDBC ResultSet.
 */
final class ScanBenchmark {
  static final String SQL = "SELECT * FROM lineitem";

  /** Rows per batch of DuckDB's Arrow export: Easel's Flight SQL batch size. */
  static final int BATCH_ROWS = 64 * 1024;

  static final double GOAL_VS_ARROW = 0.8;
  static final double GOAL_VS_JDBC = 5.0;

  static final String FLIGHT_RAW = "flight-raw";
  static final String FLIGHT_JDBC = "flight-jdbc";
  static final String DUCKDB_ARROW = "duckdb-arrow";
  static final String DUCKDB_JDBC = "duckdb-jdbc";

  /** What one pull read: rows and Arrow bytes (0 where the side sees no Arrow buffers). */
  record Pulled(long rows, long bytes) {}

  /** One side's measured pulls. */
  record Timings(List<Double> seconds, List<Pulled> pulled) {
    Timings() {
      this(new ArrayList<>(), new ArrayList<>());
    }
  }

  private interface Side {
    Pulled pull() throws Exception;
  }

  private final EaselApi easel;
  private final InProcessDuckDb duckdb;
  private final BufferAllocator allocator;
  private final int flightPort;

  ScanBenchmark(EaselApi easel, InProcessDuckDb duckdb, BufferAllocator allocator, int flightPort) {
    this.easel = easel;
    this.duckdb = duckdb;
    this.allocator = allocator;
    this.flightPort = flightPort;
  }

  /**
   * Pulls the result {@code warmup + rounds} times per side; returns the measured rounds. Fails
   * when a side reads another number of rows than {@code expectedRows}.
   */
  Map<String, Timings> run(List<String> sides, int warmup, int rounds, long expectedRows)
      throws Exception {
    Map<String, Side> all = new LinkedHashMap<>();
    all.put(FLIGHT_RAW, this::flightRaw);
    all.put(FLIGHT_JDBC, this::flightJdbc);
    all.put(DUCKDB_ARROW, this::duckdbArrow);
    all.put(DUCKDB_JDBC, this::duckdbJdbc);
    Map<String, Timings> results = new LinkedHashMap<>();
    for (String side : sides) {
      if (!all.containsKey(side)) throw new IllegalArgumentException("no scan side " + side);
      results.put(side, new Timings());
    }
    for (int round = 0; round < warmup + rounds; round++) {
      List<String> order = new ArrayList<>(sides);
      Collections.rotate(order, round);
      for (String side : order) {
        long t0 = System.nanoTime();
        Pulled pulled = all.get(side).pull();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (pulled.rows() != expectedRows) {
          throw new IllegalStateException(
              side + " read " + pulled.rows() + " rows of lineitem, not " + expectedRows);
        }
        TpchBench.log(
            "scan round %d%s %s: %.2f s, %,.0f rows/s",
            round + 1, round < warmup ? " (warm-up)" : "", side, seconds, pulled.rows() / seconds);
        if (round >= warmup) {
          results.get(side).seconds().add(seconds);
          results.get(side).pulled().add(pulled);
        }
      }
    }
    return results;
  }

  /** Raw Flight SQL: GetFlightInfo for the statement, then DoGet of each endpoint's stream. */
  @SuppressWarnings("try") // Flight's client and stream declare close() throws InterruptedException
  private Pulled flightRaw() throws Exception {
    CallHeaders headers = new FlightCallHeaders();
    headers.insert("authorization", "Bearer " + easel.accessToken());
    headers.insert("project", easel.projectId());
    HeaderCallOption auth = new HeaderCallOption(headers);
    long rows = 0;
    long bytes = 0;
    try (FlightClient client =
            FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", flightPort))
                .build();
        FlightSqlClient sql = new FlightSqlClient(client)) {
      FlightInfo info = sql.execute(SQL, auth);
      for (FlightEndpoint endpoint : info.getEndpoints()) {
        try (FlightStream stream = sql.getStream(endpoint.getTicket(), auth)) {
          while (stream.next()) {
            VectorSchemaRoot root = stream.getRoot();
            rows += root.getRowCount();
            bytes += bytes(root);
          }
        }
      }
    }
    return new Pulled(rows, bytes);
  }

  /** Arrow's Flight SQL JDBC driver: every column of every row read. */
  private Pulled flightJdbc() throws Exception {
    String url =
        "jdbc:arrow-flight-sql://127.0.0.1:"
            + flightPort
            + "/?useEncryption=false&token="
            + easel.accessToken()
            + "&project="
            + easel.projectId();
    try (Connection connection = DriverManager.getConnection(url);
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(SQL)) {
      return new Pulled(InProcessDuckDb.readAll(rows), 0);
    }
  }

  /** DuckDB in this process, as Arrow record batches (its C data interface export). */
  private Pulled duckdbArrow() throws Exception {
    long rows = 0;
    long bytes = 0;
    try (Connection connection = duckdb.connect();
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(SQL);
        ArrowReader batches =
            (ArrowReader)
                result.unwrap(DuckDBResultSet.class).arrowExportStream(allocator, BATCH_ROWS)) {
      VectorSchemaRoot root = batches.getVectorSchemaRoot();
      while (batches.loadNextBatch()) {
        rows += root.getRowCount();
        bytes += bytes(root);
      }
    }
    return new Pulled(rows, bytes);
  }

  /** DuckDB in this process through its JDBC ResultSet: every column of every row read. */
  private Pulled duckdbJdbc() throws Exception {
    try (Connection connection = duckdb.connect();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(SQL)) {
      return new Pulled(InProcessDuckDb.readAll(rows), 0);
    }
  }

  private static long bytes(VectorSchemaRoot root) {
    long bytes = 0;
    for (FieldVector vector : root.getFieldVectors()) bytes += vector.getBufferSize();
    return bytes;
  }

  /** The results as a Markdown table, and the goal's two ratios. */
  static String table(Map<String, Timings> results) {
    long arrowBytes = 0;
    for (String side : List.of(DUCKDB_ARROW, FLIGHT_RAW)) {
      Timings timings = results.get(side);
      if (timings != null && !timings.pulled().isEmpty()) {
        arrowBytes = timings.pulled().getFirst().bytes();
        break;
      }
    }
    StringBuilder out =
        new StringBuilder(
            "| path | rows | median s (runs) | rows/s | MB/s | Arrow MB |\n"
                + "| --- | ---: | --- | ---: | ---: | ---: |\n");
    Map<String, Double> medians = new LinkedHashMap<>();
    for (Map.Entry<String, Timings> entry : results.entrySet()) {
      Timings timings = entry.getValue();
      double median = QueryBenchmark.median(timings.seconds());
      medians.put(entry.getKey(), median);
      long rows = timings.pulled().getFirst().rows();
      long bytes = timings.pulled().getFirst().bytes();
      List<String> runs = new ArrayList<>();
      for (double s : timings.seconds()) runs.add(String.format(Locale.ROOT, "%.2f", s));
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %.2f (%s) | %,.0f | %,.0f | %s |\n",
              entry.getKey(),
              rows,
              median,
              String.join(", ", runs),
              rows / median,
              (bytes > 0 ? bytes : arrowBytes) / 1e6 / median,
              bytes > 0 ? String.format(Locale.ROOT, "%,.0f", bytes / 1e6) : "–"));
    }
    out.append('\n');
    goal(out, medians, DUCKDB_ARROW, "in-process Arrow export", GOAL_VS_ARROW);
    goal(out, medians, DUCKDB_JDBC, "in-process JDBC ResultSet", GOAL_VS_JDBC);
    return out.toString();
  }

  /** One line of the goal: raw Flight's throughput as a multiple of {@code side}'s. */
  private static void goal(
      StringBuilder out, Map<String, Double> medians, String side, String what, double goal) {
    Double raw = medians.get(FLIGHT_RAW);
    Double other = medians.get(side);
    if (raw == null || other == null) return;
    double ratio = other / raw;
    out.append(
        String.format(
            Locale.ROOT,
            "raw Flight / %s: %.2fx (goal >= %.1fx: %s)\n",
            what,
            ratio,
            goal,
            ratio >= goal ? "met" : "missed"));
  }
}
