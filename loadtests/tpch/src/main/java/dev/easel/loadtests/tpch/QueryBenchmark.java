package dev.easel.loadtests.tpch;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Benchmark 1: the 22 TPC-H queries through Easel's API (REST and gRPC) and through DuckDB in this
 * process over the same Parquet files. Runs are interleaved query by query (the order of the sides
 * turns from one query and round to the next), the first rounds are warm-up; per query and side the
 * median of the measured rounds counts. Every run's row count must equal the in-process one (and,
 * at SF1, the row count of the specification's answer set). Goal (issue 5): Easel's time at most
 * 10% + 5 ms over DuckDB's, per query and in total.
 */
final class QueryBenchmark {
  /** Easel may take this multiple of DuckDB's time ... */
  static final double GOAL_RATIO = 1.10;

  /** ... plus this many milliseconds per query. */
  static final double GOAL_SLACK_MS = 5.0;

  /** Rows of each query's answer at SF1 in the TPC-H specification's answer set. */
  private static final long[] SF1_ROWS = {
    4, 100, 10, 5, 5, 1, 4, 2, 175, 20, 1048, 2, 42, 1, 1, 18314, 1, 57, 1, 186, 100, 7
  };

  /** One TPC-H query with its validation parameters (number 0: the overhead probe). */
  record Query(int number, String sql) {
    String label() {
      return number == 0 ? "probe" : String.format(Locale.ROOT, "Q%02d", number);
    }
  }

  /**
   * The overhead probe: a query DuckDB answers in well under a millisecond (the 25 rows of nation),
   * so that Easel's time for it is nearly all its fixed cost per query (API, access check, the
   * worker's queue, the SQL gate, the JSON of the answer).
   */
  static final Query PROBE = new Query(0, "SELECT * FROM nation");

  /**
   * {@code sql} made distinct for Easel's result cache: an unused common table expression {@code
   * run_<n> AS (SELECT <n>)} in front (joined to the query's own WITH list when it has one). The
   * cache key is the query's parse tree, which now differs from every other run's, while the work
   * does not: DuckDB plans no unused CTE. Every side runs the same text.
   */
  static String distinct(String sql, long n) {
    String cte = "run_" + n + " AS (SELECT " + n + ")";
    if (sql.regionMatches(true, 0, "WITH", 0, 4) && Character.isWhitespace(sql.charAt(4))) {
      return "WITH " + cte + ",\n" + sql.substring(5).stripLeading();
    }
    return "WITH " + cte + "\n" + sql;
  }

  /** A way of running a query; answers its row count. */
  interface Side {
    long run(String sql) throws Exception;
  }

  /** Times of one query on one side over the measured rounds, in ms; failures by message. */
  record Timings(List<Double> millis, List<String> failures) {
    Timings() {
      this(new ArrayList<>(), new ArrayList<>());
    }

    double median() {
      return QueryBenchmark.median(millis);
    }
  }

  /** The result of one query: its rows and each side's timings. */
  record QueryResult(Query query, long rows, Map<String, Timings> sides, List<String> problems) {}

  private QueryBenchmark() {}

  /** The 22 queries (module resources {@code tpch/qNN.sql}) for scale factor {@code scale}. */
  static List<Query> load(double scale) throws IOException {
    List<Query> queries = new ArrayList<>();
    for (int n = 1; n <= 22; n++) {
      String name = String.format(Locale.ROOT, "tpch/q%02d.sql", n);
      try (InputStream in = QueryBenchmark.class.getClassLoader().getResourceAsStream(name)) {
        if (in == null) throw new IOException("missing resource " + name);
        String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        // Q11's FRACTION is 0.0001 / SF (specification 2.4.11.3).
        BigDecimal fraction =
            BigDecimal.valueOf(1, 4).divide(BigDecimal.valueOf(scale), MathContext.DECIMAL64);
        sql = sql.replace("${FRACTION}", fraction.toPlainString());
        queries.add(new Query(n, sql));
      }
    }
    return queries;
  }

  /**
   * Runs every query on every side, {@code warmup} unmeasured rounds then {@code rounds} measured
   * ones. {@code reference} names the side whose first row count the others must match. A failed
   * run is recorded and the benchmark goes on, unless {@code serverAlive} says the node is gone.
   * With {@code fresh}, every run (each side, each round) gets its own text ({@link #distinct}), so
   * Easel executes every run; without, every run sends the same text, so Easel answers all but the
   * first from its result cache.
   */
  static List<QueryResult> run(
      List<Query> queries,
      Map<String, Side> sides,
      String reference,
      int warmup,
      int rounds,
      double scale,
      boolean fresh,
      BooleanSupplier serverAlive) {
    long runs = 0;
    List<String> names = new ArrayList<>(sides.keySet());
    List<QueryResult> results = new ArrayList<>();
    for (Query query : queries) {
      Map<String, Timings> timings = new LinkedHashMap<>();
      for (String name : names) timings.put(name, new Timings());
      results.add(new QueryResult(query, -1, timings, new ArrayList<>()));
    }
    long[] rows = new long[queries.size()];
    Arrays.fill(rows, -1);
    for (int round = 0; round < warmup + rounds; round++) {
      boolean measured = round >= warmup;
      Map<String, Double> totals = new LinkedHashMap<>();
      for (int i = 0; i < queries.size(); i++) {
        Query query = queries.get(i);
        QueryResult result = results.get(i);
        // The reference first in its first run, then the order turns.
        List<String> order = new ArrayList<>(names);
        if (round == 0) {
          order.remove(reference);
          order.addFirst(reference);
        } else {
          Collections.rotate(order, round + i);
        }
        for (String name : order) {
          String sql = fresh ? distinct(query.sql(), ++runs) : query.sql();
          long t0 = System.nanoTime();
          long count;
          try {
            count = sides.get(name).run(sql);
          } catch (Exception e) {
            String message = name + ": " + e.getMessage();
            result.problems().add(query.label() + " " + message);
            if (measured) result.sides().get(name).failures().add(message);
            TpchBench.log("%s %s failed: %s", query.label(), name, e);
            if (!serverAlive.getAsBoolean()) {
              throw new IllegalStateException("the Easel node is gone (" + message + ")", e);
            }
            continue;
          }
          double ms = (System.nanoTime() - t0) / 1e6;
          if (rows[i] < 0 && name.equals(reference)) rows[i] = count;
          if (rows[i] >= 0 && count != rows[i]) {
            result
                .problems()
                .add(
                    query.label()
                        + " "
                        + name
                        + ": "
                        + count
                        + " rows, "
                        + reference
                        + " "
                        + rows[i]);
          }
          if (measured) {
            result.sides().get(name).millis().add(ms);
            totals.merge(name, ms, Double::sum);
          }
        }
      }
      TpchBench.log(
          "round %d of %d%s %s",
          round + 1,
          warmup + rounds,
          measured ? "" : " (warm-up)",
          measured ? totals.toString() : "");
    }
    List<QueryResult> done = new ArrayList<>();
    for (int i = 0; i < queries.size(); i++) {
      QueryResult result = results.get(i);
      int number = result.query().number();
      if (scale == 1.0
          && number >= 1
          && number <= SF1_ROWS.length
          && rows[i] >= 0
          && rows[i] != SF1_ROWS[number - 1]) {
        result
            .problems()
            .add(
                result.query().label()
                    + ": "
                    + rows[i]
                    + " rows, the specification's answer set has "
                    + SF1_ROWS[number - 1]);
      }
      done.add(new QueryResult(result.query(), rows[i], result.sides(), result.problems()));
    }
    return done;
  }

  /** Whether {@code easel} ms meets the goal against {@code duckdb} ms over {@code queries}. */
  static boolean goalMet(double easel, double duckdb, int queries) {
    return easel <= GOAL_RATIO * duckdb + GOAL_SLACK_MS * queries;
  }

  /** The results as a Markdown table: per query, medians, ratio to the reference and the goal. */
  static String table(List<QueryResult> results, String reference) {
    List<String> others = new ArrayList<>(results.getFirst().sides().keySet());
    others.remove(reference);
    StringBuilder out = new StringBuilder("| query | rows | " + reference + " ms |");
    StringBuilder rule = new StringBuilder("| --- | ---: | ---: |");
    for (String side : others) {
      out.append(' ').append(side).append(" ms | ratio | goal |");
      rule.append(" ---: | ---: | --- |");
    }
    out.append('\n').append(rule).append('\n');
    Map<String, Double> totals = new LinkedHashMap<>();
    Map<String, Integer> met = new LinkedHashMap<>();
    boolean complete = true;
    for (QueryResult result : results) {
      double base = result.sides().get(reference).median();
      out.append(
          String.format(
              Locale.ROOT, "| %s | %,d | %s |", result.query().label(), result.rows(), ms(base)));
      totals.merge(reference, base, Double::sum);
      for (String side : others) {
        double easel = result.sides().get(side).median();
        boolean ok = !Double.isNaN(easel) && !Double.isNaN(base) && goalMet(easel, base, 1);
        if (Double.isNaN(easel) || Double.isNaN(base)) complete = false;
        out.append(
            String.format(
                Locale.ROOT,
                " %s | %.2f | %s |",
                ms(easel),
                easel / base,
                ok ? "met" : "**missed**"));
        totals.merge(side, easel, Double::sum);
        met.merge(side, ok ? 1 : 0, Integer::sum);
      }
      out.append('\n');
    }
    double base = totals.get(reference);
    out.append(String.format(Locale.ROOT, "| **total** | | %s |", ms(base)));
    for (String side : others) {
      double easel = totals.get(side);
      boolean ok = complete && goalMet(easel, base, results.size());
      out.append(
          String.format(
              Locale.ROOT,
              " %s | %.3f | %s (%d of %d queries met) |",
              ms(easel),
              easel / base,
              ok ? "met" : "**missed**",
              met.get(side),
              results.size()));
    }
    return out.append('\n').toString();
  }

  private static String ms(double value) {
    if (Double.isNaN(value)) return "failed";
    return value >= 100
        ? String.format(Locale.ROOT, "%,.0f", value)
        : String.format(Locale.ROOT, "%.1f", value);
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) return Double.NaN;
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
