package dev.easel.loadtests.tpch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * The TPC-H benchmarks of issue 5 against a running Easel node (loadtests/run-tpch.sh starts one).
 *
 * <pre>java -jar easel-tpch-bench.jar generate --sf 1 --work DIR [--gen-threads N]
 * java -jar easel-tpch-bench.jar run --sf 1 --work DIR --url http://127.0.0.1:PORT
 *   --flight-port PORT --data EASEL_DATA_DIR [--easel-pid PID] [--threads 2] [--memory-limit 1GB]
 *   [--benchmarks queries,scan,probe (default: queries,scan at SF1, else queries)]
 *   [--faces rest,grpc] [--warmup 1] [--rounds 5] [--sql fresh|repeated]
 *   [--scan-warmup 1] [--scan-rounds 3] [--scan-sides flight-raw,flight-jdbc,duckdb-arrow,duckdb-jdbc]
 *   [--out results.json]</pre>
 *
 * {@code generate} writes the eight tables as Parquet under DIR (once per scale factor, {@link
 * TpchData}). {@code run} signs up, creates a project, uploads the eight files as its datasets
 * through the public API, opens DuckDB in this process with the node's query settings ({@code
 * --threads}, {@code --memory-limit}: pass what the node was given) over the Parquet files the node
 * stored (found under {@code --data}), then runs benchmark 1 ({@link QueryBenchmark}) and benchmark
 * 2 ({@link ScanBenchmark}, SF1's lineitem), and when asked the overhead probe ({@link
 * QueryBenchmark#PROBE}). Prints Markdown tables; exits 1 when a row count differs or a call
 * failed. Goals are reported, never enforced.
 */
public final class TpchBench {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  private TpchBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !List.of("generate", "run").contains(args[0])) {
      System.err.println("usage: generate|run [--option value]... (see loadtests/run-tpch.sh)");
      System.exit(2);
    }
    Map<String, String> options = options(Arrays.copyOfRange(args, 1, args.length));
    double scale = Double.parseDouble(options.getOrDefault("sf", "1"));
    Path work = Path.of(options.getOrDefault("work", "loadtests/target"));
    if (args[0].equals("generate")) {
      int threads =
          Integer.parseInt(
              options.getOrDefault(
                  "gen-threads", Integer.toString(Runtime.getRuntime().availableProcessors())));
      Map<String, Long> rows = TpchData.generate(work, scale, threads);
      log("SF%s ready in %s: %s", TpchData.scaleName(scale), TpchData.folder(work, scale), rows);
      return;
    }
    System.exit(run(scale, work, options));
  }

  private static int run(double scale, Path work, Map<String, String> options) throws Exception {
    if (!TpchData.exists(work, scale)) {
      throw new IllegalStateException(
          "no TPC-H data for SF" + TpchData.scaleName(scale) + " under " + work + ": run generate");
    }
    URI url = URI.create(required(options, "url"));
    int flightPort = Integer.parseInt(required(options, "flight-port"));
    long nodePid = Long.parseLong(options.getOrDefault("easel-pid", "-1"));
    BooleanSupplier nodeAlive =
        () -> nodePid < 0 || ProcessHandle.of(nodePid).map(ProcessHandle::isAlive).orElse(false);
    Path data = Path.of(required(options, "data"));
    int threads = Integer.parseInt(options.getOrDefault("threads", "2"));
    String memoryLimit = options.getOrDefault("memory-limit", "1GB");
    // Benchmark 2 is specified on SF1's lineitem (6M rows); other scale factors ask for it.
    List<String> benchmarks =
        list(options.getOrDefault("benchmarks", scale == 1.0 ? "queries,scan" : "queries"));
    List<String> faces = list(options.getOrDefault("faces", "rest,grpc"));
    // fresh: each run's SQL differs in its parse tree (Easel executes every run); repeated: the
    // same SQL every time (Easel answers from its result cache after the first run).
    String sqlMode = options.getOrDefault("sql", "fresh");
    if (!List.of("fresh", "repeated").contains(sqlMode)) {
      throw new IllegalArgumentException("--sql is fresh or repeated, not " + sqlMode);
    }
    boolean fresh = sqlMode.equals("fresh");
    int warmup = Integer.parseInt(options.getOrDefault("warmup", "1"));
    int rounds = Integer.parseInt(options.getOrDefault("rounds", "5"));
    int scanWarmup = Integer.parseInt(options.getOrDefault("scan-warmup", "1"));
    int scanRounds = Integer.parseInt(options.getOrDefault("scan-rounds", "3"));
    List<String> scanSides =
        list(
            options.getOrDefault(
                "scan-sides",
                String.join(
                    ",",
                    ScanBenchmark.FLIGHT_RAW,
                    ScanBenchmark.FLIGHT_JDBC,
                    ScanBenchmark.DUCKDB_ARROW,
                    ScanBenchmark.DUCKDB_JDBC)));

    ObjectNode report = JSON.createObjectNode();
    report
        .put("scaleFactor", scale)
        .put("threads", threads)
        .put("memoryLimit", memoryLimit)
        .put("sql", sqlMode);
    List<String> problems = new ArrayList<>();
    Map<String, Long> expected = TpchData.rowCounts(TpchData.folder(work, scale));
    try (EaselApi easel = new EaselApi(url)) {
      easel.createProject("TPC-H SF" + TpchData.scaleName(scale));
      log("project %s", easel.projectId());
      Map<String, Path> stored = new LinkedHashMap<>();
      ObjectNode uploads = report.putObject("uploads");
      for (String table : TpchData.TABLES) {
        Path file = TpchData.parquet(work, scale, table);
        long t0 = System.nanoTime();
        EaselApi.Uploaded uploaded = easel.upload(table, file);
        double seconds = (System.nanoTime() - t0) / 1e9;
        log(
            "uploaded %s: %,d rows, %.1f MB in %.1f s (%.1f MB/s)",
            table,
            uploaded.rowCount(),
            Files.size(file) / 1e6,
            seconds,
            Files.size(file) / 1e6 / seconds);
        if (uploaded.rowCount() != expected.get(table)) {
          problems.add(
              table + ": Easel stored " + uploaded.rowCount() + " rows of " + expected.get(table));
        }
        Path parquet =
            data.resolve("datasets")
                .resolve(easel.projectId())
                .resolve(uploaded.datasetId())
                .resolve(uploaded.version() + ".parquet");
        if (!Files.isRegularFile(parquet)) {
          throw new IllegalStateException("Easel's file of " + table + " is not at " + parquet);
        }
        stored.put(table, parquet);
        uploads
            .putObject(table)
            .put("rows", uploaded.rowCount())
            .put("uploadedBytes", Files.size(file))
            .put("storedBytes", uploaded.byteSize())
            .put("seconds", seconds);
      }
      try (InProcessDuckDb duckdb =
          new InProcessDuckDb(threads, memoryLimit, work.resolve("tpch-spill"), stored)) {
        Map<String, QueryBenchmark.Side> sides = new LinkedHashMap<>();
        sides.put("duckdb", duckdb::query);
        // With fresh SQL every Easel run must make a result of its own (a new result id): one
        // answered from the cache would not be a run of the query.
        Set<String> resultIds = new HashSet<>();
        AtomicBoolean mustBeNew = new AtomicBoolean(fresh);
        Function<EaselApi.Answer, Long> rows =
            answer -> {
              if (!resultIds.add(answer.resultId()) && mustBeNew.get()) {
                throw new IllegalStateException(
                    "answered from the result cache (result " + answer.resultId() + " again)");
              }
              return answer.rowCount();
            };
        if (faces.contains("rest"))
          sides.put("easel-rest", sql -> rows.apply(easel.queryRest(sql)));
        if (faces.contains("grpc"))
          sides.put("easel-grpc", sql -> rows.apply(easel.queryGrpc(sql)));
        // The probe runs twice: with fresh SQL (Easel executes every run) and with the same SQL
        // every time (Easel answers all but the first from its result cache).
        if (benchmarks.contains("probe")) {
          for (String mode : List.of("fresh", "repeated")) {
            mustBeNew.set(mode.equals("fresh"));
            double cpu0 = cpuSeconds(nodePid);
            List<QueryBenchmark.QueryResult> results =
                QueryBenchmark.run(
                    List.of(QueryBenchmark.PROBE),
                    sides,
                    "duckdb",
                    5,
                    30,
                    scale,
                    mode.equals("fresh"),
                    nodeAlive);
            // What the node's process spent on CPU per Easel query (warm-up included): unlike
            // the wall-clock times, it does not grow with the machine's load.
            double cpu = cpuSeconds(nodePid) - cpu0;
            int easelRuns = 35 * (sides.size() - 1);
            String table = QueryBenchmark.table(results, "duckdb");
            String cpuLine =
                Double.isNaN(cpu)
                    ? ""
                    : String.format(
                        Locale.ROOT,
                        "\nNode CPU (user + system): %.2f s for %d Easel queries, %.1f ms per query\n",
                        cpu,
                        easelRuns,
                        cpu * 1000 / easelRuns);
            System.out.println(
                "\n== Overhead probe: "
                    + QueryBenchmark.PROBE.sql()
                    + " ("
                    + mode
                    + " SQL), median ms of 30 rounds after 5 warm-up\n\n"
                    + table
                    + cpuLine);
            results.forEach(result -> problems.addAll(result.problems()));
            report.put("probeTable-" + mode, table);
          }
          mustBeNew.set(fresh);
        }
        if (benchmarks.contains("queries")) {
          List<QueryBenchmark.QueryResult> results =
              QueryBenchmark.run(
                  QueryBenchmark.load(scale),
                  sides,
                  "duckdb",
                  warmup,
                  rounds,
                  scale,
                  fresh,
                  nodeAlive);
          String table = QueryBenchmark.table(results, "duckdb");
          System.out.println(
              "\n== Benchmark 1: TPC-H SF"
                  + TpchData.scaleName(scale)
                  + ", median ms of "
                  + rounds
                  + " rounds after "
                  + warmup
                  + " warm-up ("
                  + sqlMode
                  + " SQL)\n\n"
                  + table);
          ArrayNode queries = report.putArray("queries");
          for (QueryBenchmark.QueryResult result : results) {
            problems.addAll(result.problems());
            ObjectNode node = queries.addObject();
            node.put("query", result.query().label()).put("rows", result.rows());
            for (Map.Entry<String, QueryBenchmark.Timings> side : result.sides().entrySet()) {
              ArrayNode millis = node.putObject(side.getKey()).putArray("ms");
              side.getValue().millis().forEach(millis::add);
            }
          }
          report.put("queriesTable", table);
        }
        if (benchmarks.contains("scan")) {
          try (BufferAllocator allocator = new RootAllocator()) {
            ScanBenchmark scan = new ScanBenchmark(easel, duckdb, allocator, flightPort);
            Map<String, ScanBenchmark.Timings> results =
                scan.run(scanSides, scanWarmup, scanRounds, expected.get("lineitem"));
            String table = ScanBenchmark.table(results);
            System.out.println(
                "\n== Benchmark 2: SELECT * FROM lineitem (SF"
                    + TpchData.scaleName(scale)
                    + "), median of "
                    + scanRounds
                    + " rounds after "
                    + scanWarmup
                    + " warm-up\n\n"
                    + table);
            ObjectNode node = report.putObject("scan");
            for (Map.Entry<String, ScanBenchmark.Timings> side : results.entrySet()) {
              ArrayNode seconds = node.putObject(side.getKey()).putArray("seconds");
              side.getValue().seconds().forEach(seconds::add);
            }
            report.put("scanTable", table);
          }
        }
      }
    }
    report.putPOJO("problems", problems);
    if (options.containsKey("out")) {
      Path out = Path.of(options.get("out"));
      Files.writeString(out, JSON.writeValueAsString(report));
      log("results in %s", out);
    }
    if (!problems.isEmpty()) {
      System.out.println("\nPROBLEMS:\n  " + String.join("\n  ", problems));
      return 1;
    }
    return 0;
  }

  /**
   * CPU seconds (user + system) process {@code pid} has used, from {@code /proc/<pid>/stat}; NaN
   * when it cannot be read (no such process, not Linux).
   */
  static double cpuSeconds(long pid) {
    if (pid < 0) return Double.NaN;
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Fields after the command name, which is in parentheses and may hold blanks.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // utime and stime: fields 14 and 15 of the line, in clock ticks (100 per second).
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  static void log(String format, Object... args) {
    System.err.println(
        "[" + LocalTime.now().format(CLOCK) + "] " + String.format(Locale.ROOT, format, args));
  }

  private static String required(Map<String, String> options, String name) {
    String value = options.get(name);
    if (value == null) throw new IllegalArgumentException("--" + name + " is required");
    return value;
  }

  private static List<String> list(String value) {
    return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value, got " + args[i]);
      }
      options.put(args[i].substring(2), args[++i]);
    }
    return options;
  }
}
