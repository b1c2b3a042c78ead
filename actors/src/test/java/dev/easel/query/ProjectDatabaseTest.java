package dev.easel.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.easel.dataset.DatasetFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A project's DuckDB database with real Parquet files: its views, results, parameters and limits,
 * and the sandbox, which refuses everything but reading the project's own data.
 */
class ProjectDatabaseTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  @TempDir static Path dataDir;

  private static DatasetFiles files;
  private static DatasetTable orders;
  private static DatasetTable secret;
  private ProjectDatabase database;
  private Path databaseFile;

  @BeforeAll
  static void writeDatasets() throws Exception {
    files = new DatasetFiles(dataDir.resolve("datasets"));
    orders =
        QueryFixtures.dataset(
            files,
            "p1",
            "orders",
            1,
            "orders",
            "SELECT range AS id, (range * 1.5)::DECIMAL(10,2) AS amount,"
                + " DATE '2024-01-01' + range::INTEGER AS day FROM range(10)");
    secret =
        QueryFixtures.dataset(files, "p2", "salaries", 1, "salaries", "SELECT 'top' AS secret");
  }

  @BeforeEach
  void setUp() {
    databaseFile = dataDir.resolve("query").resolve("p1-" + System.nanoTime() + ".duckdb");
    database = open(QueryFixtures.settings(Duration.ofSeconds(60), 100));
  }

  private ProjectDatabase open(QuerySettings settings) {
    return new ProjectDatabase(
        "p1",
        databaseFile,
        files.projectDirectory("p1"),
        settings,
        new ResultStore(dataDir.resolve("results"), 1L << 30));
  }

  @AfterEach
  void tearDown() {
    database.release();
  }

  private QueryWorker.Result run(String sql, JsonNode... parameters) throws QueryFailure {
    return database.run(
        new QueryRun("q", "ann"), List.of(orders), List.of(), sql, List.of(parameters));
  }

  @Test
  void datasetsAreTablesOfTheirProject() throws Exception {
    QueryWorker.Result result =
        run("SELECT count(*) AS n, sum(amount) AS total, max(day) AS last FROM orders");

    assertThat(result.columns())
        .containsExactly(
            new QueryWorker.Column("n", "BIGINT"),
            new QueryWorker.Column("total", "DECIMAL(38,2)"),
            new QueryWorker.Column("last", "DATE"));
    assertThat(result.rows().toString()).isEqualTo("[[\"10\",\"67.50\",\"2024-01-10\"]]");
    assertThat(result.rowCount()).isEqualTo(1);
    assertThat(result.truncated()).isFalse();
    assertThat(result.queryId()).isEqualTo("q");
  }

  static Stream<Arguments> refused() {
    Path own = dataDir.resolve("datasets").resolve("p1");
    Path other = dataDir.resolve("datasets").resolve("p2").resolve("salaries").resolve("1.parquet");
    return Stream.of(
        Arguments.of("SELECT * FROM read_csv('/etc/passwd')", "/etc/passwd"),
        Arguments.of("SELECT * FROM read_text('/etc/passwd')", "/etc/passwd"),
        Arguments.of("SELECT * FROM read_blob('/etc/passwd')", "/etc/passwd"),
        Arguments.of("SELECT * FROM sniff_csv('/etc/passwd')", "/etc/passwd"),
        Arguments.of("SELECT * FROM read_json_auto('/etc/hosts')", "/etc/hosts"),
        Arguments.of("SELECT * FROM glob('/*')", "\"/*\""),
        Arguments.of("FROM read_parquet('" + other + "')", other.toString()),
        Arguments.of("FROM read_parquet('" + own + "/../p2/salaries/1.parquet')", "../p2/salaries"),
        Arguments.of("SELECT * FROM read_csv('http://example.com/x.csv')", "http://example.com"),
        Arguments.of(
            "SELECT * FROM read_parquet('https://example.com/x.parquet')", "https://example.com"),
        Arguments.of("COPY (SELECT 1) TO '/tmp/easel-escape.csv'", "COPY is not allowed"),
        Arguments.of("COPY orders TO '" + own + "/orders/9.parquet'", "COPY is not allowed"),
        Arguments.of("  /* hi */ copy (SELECT 1) TO 'x.csv'", "COPY is not allowed"),
        Arguments.of("EXPORT DATABASE '/tmp/easel-export'", "EXPORT is not allowed"),
        Arguments.of("ATTACH ':memory:' AS scratch", "ATTACH is not allowed"),
        Arguments.of("ATTACH '/tmp/other.duckdb' AS other", "ATTACH is not allowed"),
        Arguments.of("DETACH p1", "DETACH is not allowed"),
        Arguments.of("INSTALL httpfs", "INSTALL is not allowed"),
        Arguments.of("LOAD httpfs", "LOAD is not allowed"),
        Arguments.of("LOAD '/tmp/evil.duckdb_extension'", "LOAD is not allowed"),
        Arguments.of("SET memory_limit = '100GB'", "SET is not allowed"),
        Arguments.of("SET enable_external_access = true", "SET is not allowed"),
        Arguments.of("SET lock_configuration = false", "SET is not allowed"),
        Arguments.of("RESET memory_limit", "RESET is not allowed"),
        Arguments.of("PRAGMA threads = 64", "PRAGMA is not allowed"),
        Arguments.of("CREATE TABLE t AS SELECT 1", "CREATE is not allowed"),
        Arguments.of("CREATE SECRET (TYPE s3, KEY_ID 'k', SECRET 's')", "CREATE is not allowed"),
        Arguments.of("DROP VIEW orders", "DROP is not allowed"),
        Arguments.of("SET VARIABLE x = 1", "SET is not allowed"),
        Arguments.of("CALL enable_logging()", "CALL is not allowed"),
        Arguments.of("CHECKPOINT", "CHECKPOINT is not allowed"),
        Arguments.of(
            "SELECT 1; CREATE TABLE t AS SELECT 1", "other than one SELECT is not allowed"),
        Arguments.of("SELECT 1; SELECT 2", "holds 2 statements"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void theSandboxRefuses(String sql, String named) throws Exception {
    assertThatThrownBy(() -> run(sql))
        .isInstanceOfSatisfying(
            QueryFailure.class,
            failure -> {
              assertThat(failure.kind()).isEqualTo(QueryFailure.Kind.NOT_ALLOWED);
              assertThat(failure.reason()).isEqualTo("SQL_NOT_ALLOWED");
            })
        .hasMessageContaining(named);
    // Nothing changed: the same tables, settings and files.
    assertThat(run("SELECT string_agg(table_name, ',') FROM duckdb_tables()").rows().toString())
        .isEqualTo("[[null]]");
    assertThat(
            run("SELECT string_agg(view_name, ',') FROM duckdb_views() WHERE NOT internal")
                .rows()
                .toString())
        .isEqualTo("[[\"orders\"]]");
    assertThat(
            run("SELECT current_setting('memory_limit'), current_setting('enable_external_access'),"
                    + " current_setting('lock_configuration'),"
                    + " current_setting('enable_progress_bar'),"
                    + " current_setting('enable_progress_bar_print')")
                .rows()
                .toString())
        .isEqualTo("[[\"244.1 MiB\",false,true,true,false]]");
    assertThat(Files.exists(Path.of("/tmp/easel-escape.csv"))).isFalse();
    assertThat(files.versionFile("p1", "orders", 9)).doesNotExist();
  }

  @Test
  void aResultIsAnEarlierResultsTableWithItsTypesAndAStoredAnswerNeedsItNoMore() throws Exception {
    QueryWorker.Result totals =
        run(
            "SELECT sum(id) AS total, 170141183460469231731687303715884105727::HUGEINT AS huge"
                + " FROM orders");
    assertThat(totals.columns().get(0).type()).isEqualTo("HUGEINT");
    List<ResultTable> upstream = List.of(new ResultTable("totals", totals.resultId()));
    String sql = "SELECT total + 1 AS next, huge - 1 AS less, typeof(huge) AS type FROM totals";

    QueryWorker.Result next =
        database.run(new QueryRun("q", "ann"), List.of(orders), upstream, sql, List.of());
    assertThat(next.rows().toString())
        .isEqualTo("[[\"46\",\"170141183460469231731687303715884105726\",\"HUGEINT\"]]");

    Files.delete(dataDir.resolve("results").resolve("p1").resolve(totals.resultId() + ".parquet"));
    // The same query over the same result is answered from its own file.
    assertThat(
            database
                .run(new QueryRun("q", "ann"), List.of(orders), upstream, sql, List.of())
                .resultId())
        .isEqualTo(next.resultId());
    // Another one has to read the result, which is gone.
    assertThatThrownBy(
            () ->
                database.run(
                    new QueryRun("q", "ann"),
                    List.of(orders),
                    upstream,
                    "SELECT total FROM totals",
                    List.of()))
        .isInstanceOfSatisfying(
            QueryFailure.class,
            f -> {
              assertThat(f.kind()).isEqualTo(QueryFailure.Kind.EXPIRED);
              assertThat(f.reason()).isEqualTo(QueryFailure.RESULT_EXPIRED);
            })
        .hasMessageContaining("table totals");
  }

  @Test
  void anotherProjectsDatasetIsNoTableHere() {
    assertThatThrownBy(() -> run("SELECT * FROM salaries"))
        .isInstanceOfSatisfying(
            QueryFailure.class, f -> assertThat(f.kind()).isEqualTo(QueryFailure.Kind.INVALID))
        .hasMessageContaining("Catalog Error: Table with name salaries does not exist");
    assertThat(secret.path()).contains("p2");
  }

  @Test
  void theQueryTableFunctionRunsSelectsOnly() {
    assertThatThrownBy(() -> run("SELECT * FROM query('CREATE TABLE t AS SELECT 1')"))
        .isInstanceOf(QueryFailure.class)
        .hasMessageContaining("Expected a single SELECT statement");
  }

  @Test
  void mistakesAreNamed() {
    assertThatThrownBy(() -> run("SELEC 1"))
        .isInstanceOfSatisfying(
            QueryFailure.class, f -> assertThat(f.reason()).isEqualTo("SQL_ERROR"))
        .hasMessageContaining("Parser Error: syntax error at or near \"SELEC\"");
    assertThatThrownBy(() -> run("   -- nothing"))
        .isInstanceOf(QueryFailure.class)
        .hasMessageContaining("The query is empty");
    assertThatThrownBy(() -> run("SELECT nope FROM orders"))
        .isInstanceOf(QueryFailure.class)
        .hasMessageContaining("Binder Error")
        .hasMessageContaining("nope");
  }

  @Test
  void parametersAreBoundByPositionNeverSpliced() throws Exception {
    String hostile = "x'; DROP VIEW orders; --";
    QueryWorker.Result result =
        run(
            "SELECT $1 + 1 AS n, $2::DATE AS d, $3 AS s, $4 IS NULL AS nothing, $5 AS yes,"
                + " $6 * 2 AS half",
            NODES.numberNode(41),
            NODES.textNode("2024-05-06"),
            NODES.textNode(hostile),
            NODES.nullNode(),
            NODES.booleanNode(true),
            NODES.numberNode(0.25));

    assertThat(result.rows().get(0).toString())
        .isEqualTo(
            "[\"42\",\"2024-05-06\"," + JSON.writeValueAsString(hostile) + ",true,true,0.5]");
    assertThat(
            run("SELECT count(*) FROM orders WHERE id < ?", NODES.numberNode(3)).rows().toString())
        .isEqualTo("[[\"3\"]]");
  }

  @Test
  void parametersMustMatchTheQuery() {
    assertThatThrownBy(() -> run("SELECT ?, ?", NODES.numberNode(1)))
        .isInstanceOf(QueryFailure.class)
        .hasMessage("The query takes 2 parameters and 1 was given");
    assertThatThrownBy(() -> run("SELECT $who", NODES.textNode("ann")))
        .isInstanceOf(QueryFailure.class)
        .hasMessageContaining("Named parameter $who cannot be bound");
    assertThatThrownBy(() -> run("SELECT ?", NODES.arrayNode().add(1)))
        .isInstanceOf(QueryFailure.class)
        .hasMessageContaining("Parameter 1 is a list");
  }

  @Test
  void resultsKeepTheirFirstRowsAndCountThemAll() throws Exception {
    database.release();
    database = open(QueryFixtures.settings(Duration.ofSeconds(60), 5));

    QueryWorker.Result result = run("SELECT range AS n FROM range(12)");

    assertThat(result.rows()).hasSize(5);
    assertThat(result.rows().get(4).toString()).isEqualTo("[\"4\"]");
    assertThat(result.rowCount()).isEqualTo(12);
    assertThat(result.truncated()).isTrue();
    assertThat(run("SELECT * FROM range(5)").truncated()).isFalse();
  }

  @Test
  void resultsKeepNoMoreThanTheirSizeLimit() throws Exception {
    database.release();
    database =
        open(
            new QuerySettings(
                Duration.ofSeconds(60),
                "256MB",
                1,
                "1GB",
                1,
                1000,
                10_000,
                Duration.ofMinutes(1),
                1L << 30));

    QueryWorker.Result result = run("SELECT repeat('x', 1000) AS big FROM range(50)");

    assertThat(result.rows().size()).isBetween(5, 10);
    assertThat(JSON.writeValueAsBytes(result.rows()).length).isLessThanOrEqualTo(10_000);
    assertThat(result.rowCount()).isEqualTo(50);
    assertThat(result.truncated()).isTrue();
  }

  @Test
  void valuesBecomeJsonWithoutLoss() throws Exception {
    QueryWorker.Result result =
        run(
            "SELECT NULL::INTEGER AS nothing, true AS yes, 7::TINYINT AS tiny, 2147483647 AS int,"
                + " 9007199254740993::BIGINT AS big, 4294967295::UINTEGER AS uint,"
                + " 18446744073709551615::UBIGINT AS ubig, 170141183460469231731687303715884105727::HUGEINT AS huge,"
                + " 1.5::DOUBLE AS dbl, 'nan'::DOUBLE AS nan, '-inf'::FLOAT AS neg,"
                + " 12345678901234567890.123456789::DECIMAL(38,9) AS dec,"
                + " DATE '2024-01-31' AS day, TIME '13:45:00' AS at,"
                + " TIMESTAMP '2024-01-31 13:45:00.123456' AS ts,"
                + " TIMESTAMPTZ '2024-01-31 13:45:00+01' AS tz, INTERVAL 3 DAY AS span,"
                + " 'é😀'::VARCHAR AS text, '\\x00\\xFF'::BLOB AS bytes, [1, NULL, 3] AS list,"
                + " {'a': 1::BIGINT, 'b': [DATE '2020-02-29']} AS struct, MAP {1: 'one'} AS map,"
                + " [1.5, 2.5]::DOUBLE[2] AS arr, '{\"k\": [1]}'::JSON AS json,"
                + " 'infinity'::DATE AS forever, '-infinity'::DATE AS never,"
                + " 'infinity'::TIMESTAMP AS later, '-infinity'::TIMESTAMPTZ AS earlier,"
                + " TIMESTAMP_NS '2024-01-31 13:45:00.123456789' AS nanos");

    assertThat(result.columns().stream().map(QueryWorker.Column::type))
        .contains("UBIGINT", "HUGEINT", "DECIMAL(38,9)", "TIMESTAMP WITH TIME ZONE", "JSON");
    assertThat(result.rows().get(0).toString())
        .isEqualTo(
            "[null,true,7,2147483647,\"9007199254740993\",\"4294967295\","
                + "\"18446744073709551615\",\"170141183460469231731687303715884105727\","
                + "1.5,\"NaN\",\"-Infinity\",\"12345678901234567890.123456789\","
                + "\"2024-01-31\",\"13:45:00\",\"2024-01-31T13:45:00.123456\","
                + "\"2024-01-31T12:45:00Z\",\"3 days\",\"é😀\",\"AP8=\",[1,null,3],"
                + "{\"a\":\"1\",\"b\":[\"2020-02-29\"]},[{\"key\":1,\"value\":\"one\"}],"
                + "[1.5,2.5],\"{\\\"k\\\": [1]}\",\"infinity\",\"-infinity\","
                + "\"infinity\",\"-infinity\",\"2024-01-31T13:45:00.123456789\"]");
  }

  @Test
  void aCheckGivesTheTypesOfTheParametersAndOfTheResult() throws Exception {
    try (BufferAllocator allocator = new RootAllocator()) {
      QueryEngine.Checked checked =
          database.check(
              List.of(orders),
              List.of(),
              "SELECT id, $4 AS label FROM orders WHERE day >= $2 AND amount < $3 AND id = $1",
              List.of(),
              allocator);
      assertThat(checked.parameters().toString())
          .isEqualTo("Schema<$1: Int(64, true), $2: Date(DAY), $3: Decimal(10, 2, 128), $4: Utf8>");
      // Unbound, an untyped parameter's column has no type; bound, the value's.
      assertThat(checked.schema().toString()).isEqualTo("Schema<id: Int(64, true), label: Null>");
      assertThat(
              database
                  .check(
                      List.of(orders),
                      List.of(),
                      "SELECT id, $4 AS label FROM orders WHERE day >= $2 AND amount < $3 AND id = $1",
                      List.of(
                          NODES.numberNode(1),
                          NODES.textNode("2024-01-01"),
                          NODES.textNode("2.50"),
                          NODES.textNode("x")),
                      allocator)
                  .schema()
                  .toString())
          .isEqualTo("Schema<id: Int(64, true), label: Utf8>");
      // A parameter whose type the query does not fix is text, which DuckDB casts where needed.
      assertThat(
              database
                  .check(List.of(orders), List.of(), "SELECT ?", List.of(), allocator)
                  .parameters()
                  .toString())
          .isEqualTo("Schema<$1: Utf8>");
      assertThat(
              database
                  .check(List.of(orders), List.of(), "SELECT 1", List.of(), allocator)
                  .parameters()
                  .toString())
          .isEqualTo("Schema<>");
    }
  }

  @Test
  void aStatementReadsTheCellsItNamesAsTheirStoredResults() throws Exception {
    QueryWorker.Result totals =
        run(
            "SELECT id % 2 AS odd, sum(id) AS total,"
                + " 170141183460469231731687303715884105727::HUGEINT AS huge"
                + " FROM orders GROUP BY ALL ORDER BY odd");
    List<CellTable> cells =
        List.of(
            new CellTable("canvas_C1", "Totals", totals.resultId()),
            new CellTable("canvas_C1", "gone", "0".repeat(64)));
    try (BufferAllocator allocator = new RootAllocator()) {
      // Any case, quoted or not, with or without an alias, in a subquery, beside a dataset: the
      // stored result, with its columns' own types; the rest of the text is kept as it is.
      String sql =
          "SELECT t.odd, totals.total, o.n, 'canvas_C1.Totals é' AS note FROM canvas_c1.totals"
              + " JOIN (SELECT count(*) AS n FROM orders) o ON true"
              + " JOIN \"canvas_C1\".\"TOTALS\" AS t(odd, total2, huge) USING (odd)"
              + " WHERE totals.total > ? ORDER BY t.odd";
      assertThat(
              database
                  .check(List.of(orders), cells, sql, List.of(NODES.numberNode(0)), allocator)
                  .schema()
                  .toString())
          .isEqualTo(
              "Schema<odd: Int(64, true), total: Decimal(38, 0, 128), n: Int(64, true),"
                  + " note: Utf8>");
      List<String> rows = new java.util.ArrayList<>();
      database.stream(
          new QueryRun("f", "ann"),
          List.of(orders),
          cells,
          sql,
          List.of(NODES.numberNode(0)),
          true,
          allocator,
          100,
          (batches, stopped) -> {
            while (batches.loadNextBatch()) {
              var root = batches.getVectorSchemaRoot();
              for (int row = 0; row < root.getRowCount(); row++) {
                List<String> values = new java.util.ArrayList<>();
                for (var vector : root.getFieldVectors()) {
                  values.add(String.valueOf(vector.getObject(row)));
                }
                rows.add(String.join(",", values));
              }
            }
          });
      assertThat(rows).containsExactly("0,20,10,canvas_C1.Totals é", "1,25,10,canvas_C1.Totals é");
      assertThat(
              database
                  .check(
                      List.of(orders),
                      cells,
                      "SELECT huge FROM canvas_C1.Totals",
                      List.of(),
                      allocator)
                  .schema()
                  .toString())
          .isEqualTo("Schema<huge: Decimal(38, 0, 128)>");

      // A name that is no cell of the canvas, a result no longer kept, a sample: refused clearly.
      assertThatThrownBy(
              () ->
                  database.check(
                      List.of(orders), cells, "FROM canvas_C1.nope", List.of(), allocator))
          .isInstanceOf(QueryFailure.class)
          .hasMessageContaining("canvas_C1.nope does not exist")
          .hasMessageContaining("no SQL cell named nope");
      assertThatThrownBy(
              () ->
                  database.check(
                      List.of(orders), cells, "FROM canvas_C1.gone", List.of(), allocator))
          .isInstanceOf(QueryFailure.class)
          .hasMessageContaining("no longer kept");
      assertThatThrownBy(
              () ->
                  database.check(
                      List.of(orders),
                      cells,
                      "FROM canvas_C1.totals TABLESAMPLE 1",
                      List.of(),
                      allocator))
          .isInstanceOf(QueryFailure.class)
          .hasMessageContaining("sample");
      // Without the cells (another project's canvas, or none), the schema does not exist.
      assertThatThrownBy(
              () ->
                  database.check(
                      List.of(orders), List.of(), "FROM canvas_C1.totals", List.of(), allocator))
          .isInstanceOf(QueryFailure.class)
          .hasMessageContaining("canvas_C1");
    }
  }

  @Test
  void aDiscardedDatabaseIsDeletedOnceItsLastQueryEndsAndOpensNoMore() throws Exception {
    run("SELECT count(*) FROM orders");
    assertThat(databaseFile).exists();

    database.discard();

    assertThat(databaseFile).doesNotExist();
    assertThatThrownBy(() -> run("SELECT 1"))
        .isInstanceOfSatisfying(
            QueryFailure.class, e -> assertThat(e.kind()).isEqualTo(QueryFailure.Kind.UNAVAILABLE))
        .hasMessageContaining("The project was deleted");
    assertThat(databaseFile).doesNotExist();
  }

  @Test
  void viewsFollowTheProjectsTables() throws Exception {
    DatasetTable second =
        QueryFixtures.dataset(files, "p1", "orders", 2, "orders", "SELECT 99 AS id");
    DatasetTable people =
        QueryFixtures.dataset(files, "p1", "people", 1, "People \"VIP\"", "SELECT 'ann' AS name");
    QueryRun run = new QueryRun("q", "ann");

    assertThat(
            database
                .run(run, List.of(second, people), List.of(), "SELECT id FROM orders", List.of())
                .rows()
                .toString())
        .isEqualTo("[[99]]");
    assertThat(
            database
                .run(
                    run,
                    List.of(people),
                    List.of(),
                    "SELECT name FROM \"People \"\"VIP\"\"\"",
                    List.of())
                .rows()
                .toString())
        .isEqualTo("[[\"ann\"]]");
    assertThatThrownBy(
            () -> database.run(run, List.of(people), List.of(), "FROM orders", List.of()))
        .hasMessageContaining("Table with name orders does not exist");
  }

  @Test
  void tablesOutsideTheProjectAreRefused() {
    DatasetTable foreign = new DatasetTable("salaries", "salaries", 1, secret.path());
    assertThatThrownBy(
            () ->
                database.run(
                    new QueryRun("q", "ann"), List.of(foreign), List.of(), "SELECT 1", List.of()))
        .isInstanceOfSatisfying(
            QueryFailure.class, f -> assertThat(f.reason()).isEqualTo("QUERY_TABLES_INVALID"))
        .hasMessageContaining("not a file of the project's datasets");
  }

  @Test
  void aDeletedOrDamagedCacheIsMadeAgain() throws Exception {
    assertThat(run("SELECT count(*) FROM orders").rows().toString()).isEqualTo("[[\"10\"]]");
    database.release();
    assertThat(database.isOpen()).isFalse();
    Files.delete(databaseFile);

    assertThat(run("SELECT count(*) FROM orders").rows().toString()).isEqualTo("[[\"10\"]]");
    database.release();
    Files.writeString(databaseFile, "this is not a DuckDB file, it is damaged");

    assertThat(run("SELECT count(*) FROM orders").rows().toString()).isEqualTo("[[\"10\"]]");
  }

  @Test
  void aStoppedQueryAnswersWhyAndTheDatabaseStaysUsable() throws Exception {
    QueryRun run = new QueryRun("slow", "ann");
    QueryFailure timeout = new QueryFailure(QueryFailure.Kind.TIMEOUT, "QUERY_TIMEOUT", "too slow");
    Thread stopper =
        Thread.ofVirtual()
            .start(
                () -> {
                  // Stop it once it runs; interrupt again until it ends, as the worker does.
                  while (!Thread.currentThread().isInterrupted()) {
                    if (run.isRunning()) run.stop(timeout);
                    try {
                      Thread.sleep(20);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
    try {
      assertThatThrownBy(
              () ->
                  database.run(
                      run,
                      List.of(orders),
                      List.of(),
                      "SELECT count(*) FROM range(1000000000) a, range(1000000) b WHERE a.range + b.range = -1",
                      List.of()))
          .isSameAs(timeout);
    } finally {
      stopper.interrupt();
    }
    assertThat(run("SELECT 1 AS one").rows().toString()).isEqualTo("[[1]]");
  }
}
