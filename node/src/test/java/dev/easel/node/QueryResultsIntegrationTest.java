package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.HttpBody;
import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.easel.api.v1.ExportQueryResultRequest;
import dev.easel.api.v1.QueryServiceGrpc;
import dev.easel.dataset.DatasetCatalogEntity;
import dev.easel.query.DatasetTable;
import dev.easel.query.Queries;
import dev.easel.query.QueryFailure;
import dev.easel.query.QueryWorker;
import dev.easel.query.ResultTable;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Query results as stored Parquet files, through a real node: one result per query and inputs
 * (answered from the file the second time), pages with stable tokens to the last row of a million,
 * CSV and Parquet exports over HTTP and gRPC, result tables as a query's own temporary views,
 * eviction from a small cache, and the refusals of bad tokens, ids and formats.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryResultsIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT = HttpClient.newHttpClient();

  @TempDir static Path dataDir;
  EaselNode node;
  int port;
  String owner;
  String project;

  @BeforeAll
  void start() throws Exception {
    node = TestNodes.start(dataDir.resolve("node"));
    port = node.httpPort();
    owner = Http.signUp(port, "owner@example.org");
    project = Http.createProject(port, owner, "Results");
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private JsonNode execute(int port, String token, String projectId, String sql, Object... values)
      throws Exception {
    HttpResponse<String> answer =
        Http.post(
            port,
            "/v1/projects/" + projectId + "/queries:execute",
            JSON.writeValueAsString(Map.of("sql", sql, "parameters", List.of(values))),
            token);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return JSON.readTree(answer.body());
  }

  private JsonNode execute(String sql, Object... values) throws Exception {
    return execute(port, owner, project, sql, values);
  }

  private HttpResponse<String> page(String projectId, String resultId, String query)
      throws Exception {
    return Http.get(port, "/v1/projects/" + projectId + "/results/" + resultId + query, owner);
  }

  /** The rows of GraphQL's queryResult of this project's result, with more arguments. */
  private String graphqlRows(String resultId, String arguments) throws Exception {
    GraphqlIntegrationTest.Answer graphql =
        GraphqlIntegrationTest.graphql(
            port,
            owner,
            "{ queryResult(projectId: \""
                + project
                + "\", resultId: \""
                + resultId
                + "\", "
                + arguments
                + ") { rows rowCount nextPageToken } }");
    return graphql.data().path("queryResult").path("rows").toString();
  }

  private Path resultFile(EaselNode node, String projectId, String resultId) {
    return node.dataDir().resolve("results").resolve(projectId).resolve(resultId + ".parquet");
  }

  @Test
  void theSameQueryOverTheSameDataIsAnsweredFromItsStoredResult() throws Exception {
    assertThat(
            Http.uploadCsv(port, owner, project, "sales", "id,amount\n1,10\n2,20\n").statusCode())
        .isEqualTo(201);
    // random() differs on every run: the same value again means the query did not run again.
    JsonNode first =
        execute("SELECT random() AS r, count(*) AS n, sum(amount) AS total FROM sales");
    String resultId = first.path("resultId").asText();
    assertThat(resultId).matches("[0-9a-f]{32}");
    assertThat(resultFile(node, project, resultId)).exists();
    assertThat(first.path("columns").toString()).contains("\"type\":\"HUGEINT\"");
    assertThat(first.path("rows").get(0).get(2).asText()).isEqualTo("30");

    JsonNode again =
        execute(
            "select random() as r,\n  count(*) as n, -- how many\n sum(amount) as total /* all */ from sales;");
    assertThat(again.path("resultId").asText()).isEqualTo(resultId);
    assertThat(again.path("rows")).isEqualTo(first.path("rows"));

    // A new version of the dataset is another input: another result, run anew.
    assertThat(Http.uploadCsv(port, owner, project, "sales", "id,amount\n1,10\n").statusCode())
        .isEqualTo(201);
    JsonNode newer =
        execute("SELECT random() AS r, count(*) AS n, sum(amount) AS total FROM sales");
    assertThat(newer.path("resultId").asText()).isNotEqualTo(resultId);
    assertThat(newer.path("rows").get(0).get(1).asText()).isEqualTo("1");
    assertThat(newer.path("rows").get(0).get(0)).isNotEqualTo(first.path("rows").get(0).get(0));
    // An upload of another dataset is no input of it.
    assertThat(Http.uploadCsv(port, owner, project, "other", "x\n1\n").statusCode()).isEqualTo(201);
    assertThat(
            execute("SELECT random() AS r, count(*) AS n, sum(amount) AS total FROM sales")
                .path("rows"))
        .isEqualTo(newer.path("rows"));
    // Parameters are part of the key.
    assertThat(execute("SELECT ? AS v", 1).path("resultId"))
        .isNotEqualTo(execute("SELECT ? AS v", 2).path("resultId"));
  }

  @Test
  void aMillionRowsPageToTheLastRowWithStableTokens() throws Exception {
    JsonNode result = execute("SELECT range AS n FROM range(1000000)");
    String resultId = result.path("resultId").asText();
    assertThat(result.path("rowCount").asText()).isEqualTo("1000000");
    assertThat(result.path("truncated").asBoolean()).isTrue();

    String token = "";
    long expected = 0;
    int pages = 0;
    String middleToken = null;
    String middleRows = null;
    do {
      HttpResponse<String> answer =
          page(
              project,
              resultId,
              "?pageSize=10000"
                  + (token.isEmpty() ? "" : "&pageToken=" + URLEncoder.encode(token, "UTF-8")));
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      JsonNode page = JSON.readTree(answer.body());
      assertThat(page.path("rowCount").asText()).isEqualTo("1000000");
      assertThat(page.path("columns").toString())
          .isEqualTo("[{\"name\":\"n\",\"type\":\"BIGINT\"}]");
      JsonNode rows = page.path("rows");
      assertThat(rows.size()).isEqualTo(10000);
      for (JsonNode row : rows)
        assertThat(row.get(0).asText()).isEqualTo(Long.toString(expected++));
      pages++;
      if (pages == 50) {
        middleToken = token;
        middleRows = rows.toString();
      }
      token = page.path("nextPageToken").asText("");
    } while (!token.isEmpty());
    assertThat(pages).isEqualTo(100);
    assertThat(expected).isEqualTo(1_000_000);

    // The same token gives the same rows, over gRPC-transcoded REST and GraphQL alike.
    JsonNode again =
        JSON.readTree(
            page(
                    project,
                    resultId,
                    "?pageSize=10000&pageToken=" + URLEncoder.encode(middleToken, "UTF-8"))
                .body());
    assertThat(again.path("rows").toString()).isEqualTo(middleRows);
    assertThat(graphqlRows(resultId, "pageSize: 2")).isEqualTo("[[\"0\"],[\"1\"]]");
    // The default page size is 1000.
    assertThat(JSON.readTree(page(project, resultId, "").body()).path("rows").size())
        .isEqualTo(1000);
  }

  private HttpResponse<byte[]> export(String projectId, String resultId, String query)
      throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:"
                        + port
                        + "/v1/projects/"
                        + projectId
                        + "/results/"
                        + resultId
                        + ":export"
                        + query))
            .timeout(Duration.ofSeconds(60))
            .header("authorization", "Bearer " + owner)
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void resultsExportAsCsvAndParquetStreamedOverHttpAndGrpc() throws Exception {
    String resultId =
        execute(
                "SELECT range AS n, 'row ' || range AS label, range * 0.5 AS half"
                    + " FROM range(300000)")
            .path("resultId")
            .asText();

    HttpResponse<byte[]> parquet = export(project, resultId, "?format=parquet");
    assertThat(parquet.statusCode()).isEqualTo(200);
    assertThat(parquet.headers().firstValue("content-type"))
        .hasValue("application/vnd.apache.parquet");
    assertThat(parquet.headers().firstValue("content-disposition").orElseThrow())
        .contains("attachment")
        .contains(resultId + ".parquet");
    assertThat(parquet.body().length)
        .isEqualTo(Files.size(resultFile(node, project, resultId)))
        .isGreaterThan(4 * 128 * 1024);
    assertThat(parquet.headers().firstValueAsLong("content-length"))
        .hasValue(parquet.body().length);
    Path downloaded = dataDir.resolve("download.parquet");
    Files.write(downloaded, parquet.body());
    try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:");
        PreparedStatement read =
            duckdb.prepareStatement(
                "SELECT count(*), sum(n), max(label), sum(half) FROM read_parquet(?)")) {
      read.setString(1, downloaded.toString());
      try (ResultSet rows = read.executeQuery()) {
        rows.next();
        assertThat(rows.getLong(1)).isEqualTo(300_000);
        assertThat(rows.getLong(2)).isEqualTo(299_999L * 300_000 / 2);
        assertThat(rows.getString(3)).isEqualTo("row 99999");
        assertThat(rows.getDouble(4)).isEqualTo(299_999.0 * 300_000 / 4);
      }
    }

    HttpResponse<byte[]> csv = export(project, resultId, "?format=csv");
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("content-type").orElseThrow()).startsWith("text/csv");
    assertThat(csv.headers().firstValue("content-disposition").orElseThrow())
        .contains(resultId + ".csv");
    List<String> lines = new String(csv.body(), StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(300_001);
    assertThat(lines.get(0)).isEqualTo("n,label,half");
    assertThat(lines.get(1)).isEqualTo("0,row 0,0.0");
    assertThat(lines.get(300_000)).isEqualTo("299999,row 299999,149999.5");

    // gRPC: the same bytes, as a stream of HttpBody chunks.
    Iterator<HttpBody> chunks =
        GrpcClients.builder("http://127.0.0.1:" + port)
            .addHeader("authorization", "Bearer " + owner)
            .responseTimeout(Duration.ofSeconds(60))
            .build(QueryServiceGrpc.QueryServiceBlockingStub.class)
            .exportQueryResult(
                ExportQueryResultRequest.newBuilder()
                    .setProjectId(project)
                    .setResultId(resultId)
                    .setFormat("parquet")
                    .build());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    List<String> types = new ArrayList<>();
    int count = 0;
    while (chunks.hasNext()) {
      HttpBody chunk = chunks.next();
      types.add(chunk.getContentType());
      chunk.getData().writeTo(bytes);
      count++;
    }
    assertThat(count).isGreaterThan(4);
    assertThat(types.get(0)).isEqualTo("application/vnd.apache.parquet");
    assertThat(bytes.toByteArray()).isEqualTo(parquet.body());
  }

  private static String reason(HttpResponse<?> answer) throws Exception {
    Object body = answer.body();
    String text =
        body instanceof byte[] raw ? new String(raw, StandardCharsets.UTF_8) : (String) body;
    for (JsonNode detail : JSON.readTree(text).path("details")) {
      if (detail.has("reason")) return detail.path("reason").asText();
    }
    return "";
  }

  @Test
  void anOffsetJumpsToAnyRowWithoutReadingThePagesBefore() throws Exception {
    String resultId = execute("SELECT range AS n FROM range(1000000)").path("resultId").asText();

    // The last page, straight away: its rows are the result's last, and it is the last page.
    JsonNode last = JSON.readTree(page(project, resultId, "?pageSize=500&offset=999500").body());
    assertThat(last.path("rows").size()).isEqualTo(500);
    assertThat(last.path("rows").get(0).get(0).asText()).isEqualTo("999500");
    assertThat(last.path("rows").get(499).get(0).asText()).isEqualTo("999999");
    assertThat(last.path("nextPageToken").asText()).isEmpty();

    // A page in the middle, and its next page by token, continue one another.
    JsonNode middle = JSON.readTree(page(project, resultId, "?pageSize=3&offset=123456").body());
    assertThat(middle.path("rows").toString())
        .isEqualTo("[[\"123456\"],[\"123457\"],[\"123458\"]]");
    String next = middle.path("nextPageToken").asText();
    JsonNode after =
        JSON.readTree(
            page(project, resultId, "?pageSize=1&pageToken=" + URLEncoder.encode(next, "UTF-8"))
                .body());
    assertThat(after.path("rows").toString()).isEqualTo("[[\"123459\"]]");

    // GraphQL takes the same offset.
    assertThat(graphqlRows(resultId, "pageSize: 1, offset: 999999")).isEqualTo("[[\"999999\"]]");

    // Past the end, negative, or with a token as well: refused, naming offset.
    HttpResponse<String> past = page(project, resultId, "?offset=1000001");
    assertThat(past.statusCode()).isEqualTo(400);
    assertThat(past.body())
        .contains("\"field\":\"offset\"")
        .contains("start at row 1000001, past the end of result " + resultId + " (1000000 rows)");
    HttpResponse<String> negative = page(project, resultId, "?offset=-1");
    assertThat(negative.statusCode()).isEqualTo(400);
    assertThat(negative.body()).contains("offset must be 0 or more");
    HttpResponse<String> both =
        page(project, resultId, "?offset=5&pageToken=" + URLEncoder.encode(next, "UTF-8"));
    assertThat(both.statusCode()).isEqualTo(400);
    assertThat(both.body()).contains("Pass pageToken or offset, not both");
  }

  @Test
  void badTokensIdsAndFormatsAreRefusedNamingThem() throws Exception {
    String resultId = execute("SELECT range AS n FROM range(10)").path("resultId").asText();
    String otherId = execute("SELECT range AS m FROM range(20)").path("resultId").asText();
    String nextOfOther =
        JSON.readTree(page(project, otherId, "?pageSize=5").body()).path("nextPageToken").asText();

    HttpResponse<String> garbage = page(project, resultId, "?pageToken=not-a-token");
    assertThat(garbage.statusCode()).isEqualTo(400);
    assertThat(garbage.body()).contains("\"field\":\"pageToken\"").contains("not a page token");
    HttpResponse<String> foreign = page(project, resultId, "?pageToken=" + nextOfOther);
    assertThat(foreign.statusCode()).isEqualTo(400);
    assertThat(foreign.body()).contains("a token of another result");
    HttpResponse<String> tooBig = page(project, resultId, "?pageSize=10001");
    assertThat(tooBig.statusCode()).isEqualTo(400);
    assertThat(tooBig.body()).contains("pageSize must be at most 10000");

    HttpResponse<String> malformed = page(project, "nope", "");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.body()).contains("\"field\":\"resultId\"");
    String unknownId = "0".repeat(32);
    HttpResponse<String> unknown = page(project, unknownId, "");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(reason(unknown)).isEqualTo(QueryFailure.RESULT_NOT_FOUND);
    assertThat(unknown.body()).contains("There is no result " + unknownId);

    // Another project's result is not this project's, even for its owner.
    String other = Http.createProject(port, owner, "Other");
    HttpResponse<String> elsewhere = page(other, resultId, "");
    assertThat(elsewhere.statusCode()).isEqualTo(404);
    assertThat(reason(elsewhere)).isEqualTo(QueryFailure.RESULT_NOT_FOUND);
    assertThat(export(other, resultId, "?format=csv").statusCode()).isEqualTo(404);
    // And a stranger reaches no project's results.
    String stranger = Http.signUp(port, "stranger@example.org");
    HttpResponse<String> refused =
        Http.get(port, "/v1/projects/" + project + "/results/" + resultId, stranger);
    assertThat(refused.statusCode()).isEqualTo(404);
    assertThat(refused.body()).contains("There is no project " + project);

    HttpResponse<byte[]> xml = export(project, resultId, "?format=xml");
    assertThat(xml.statusCode()).isEqualTo(400);
    assertThat(new String(xml.body(), StandardCharsets.UTF_8))
        .contains("format must be parquet or csv, not xml");
    HttpResponse<byte[]> none = export(project, resultId, "");
    assertThat(none.statusCode()).isEqualTo(400);
    assertThat(new String(none.body(), StandardCharsets.UTF_8)).contains("\"field\":\"format\"");
    HttpResponse<byte[]> extra = export(project, resultId, "?format=csv&compress=yes");
    assertThat(extra.statusCode()).isEqualTo(400);
    assertThat(new String(extra.body(), StandardCharsets.UTF_8)).contains("compress");
    HttpResponse<byte[]> gone = export(project, unknownId, "?format=parquet");
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(reason(gone)).isEqualTo(QueryFailure.RESULT_NOT_FOUND);
  }

  private List<DatasetTable> tables(String projectId) throws Exception {
    return ClusterSharding.get(node.system())
        .entityRefFor(DatasetCatalogEntity.KEY, projectId)
        .<DatasetCatalogEntity.Tables>ask(
            DatasetCatalogEntity.GetDatasets::new, Duration.ofSeconds(10))
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS)
        .tables();
  }

  @Test
  void resultTablesAreViewsOfTheirQueryAloneAndShadowDatasets() throws Exception {
    String projectId = Http.createProject(port, owner, "Cells");
    assertThat(Http.uploadCsv(port, owner, projectId, "orders", "id\n1\n2\n3\n").statusCode())
        .isEqualTo(201);
    String first =
        execute(port, owner, projectId, "SELECT 'first' AS source").path("resultId").asText();
    String second =
        execute(port, owner, projectId, "SELECT 'second' AS source UNION ALL SELECT 'again'")
            .path("resultId")
            .asText();
    Queries queries = new Queries(node.system());
    List<DatasetTable> tables = tables(projectId);

    // Many at once, each with its own "orders".
    List<CompletableFuture<QueryWorker.Outcome>> runs = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      String table = i % 2 == 0 ? first : second;
      runs.add(
          queries
              .execute(
                  projectId,
                  "cell-" + i,
                  "u",
                  "SELECT string_agg(source, ',' ORDER BY source) AS seen, "
                      + i
                      + " AS i FROM orders",
                  List.of(),
                  tables,
                  List.of(new ResultTable("orders", table)),
                  null)
              .toCompletableFuture());
    }
    for (int i = 0; i < runs.size(); i++) {
      QueryWorker.Outcome outcome = runs.get(i).get(60, TimeUnit.SECONDS);
      assertThat(outcome).isInstanceOf(QueryWorker.Result.class);
      String seen = ((QueryWorker.Result) outcome).rows().get(0).get(0).asText();
      assertThat(seen).as("run %d", i).isEqualTo(i % 2 == 0 ? "first" : "again,second");
    }
    // The result table counts in the key by its result.
    QueryWorker.Result withFirst =
        (QueryWorker.Result)
            queries
                .execute(
                    projectId,
                    "k1",
                    "u",
                    "SELECT count(*) AS n FROM orders",
                    List.of(),
                    tables,
                    List.of(new ResultTable("orders", first)),
                    null)
                .toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
    QueryWorker.Result withSecond =
        (QueryWorker.Result)
            queries
                .execute(
                    projectId,
                    "k2",
                    "u",
                    "SELECT count(*) AS n FROM orders",
                    List.of(),
                    tables,
                    List.of(new ResultTable("orders", second)),
                    null)
                .toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
    assertThat(withFirst.resultId()).isNotEqualTo(withSecond.resultId());
    assertThat(withFirst.rows().toString()).isEqualTo("[[\"1\"]]");
    assertThat(withSecond.rows().toString()).isEqualTo("[[\"2\"]]");
    // Nothing leaked: the project's own queries see the dataset.
    assertThat(
            execute(port, owner, projectId, "SELECT count(*) AS n FROM orders")
                .path("rows")
                .toString())
        .isEqualTo("[[\"3\"]]");

    // A result that is not kept is RESULT_EXPIRED, naming the table.
    QueryWorker.Outcome expired =
        queries
            .execute(
                projectId,
                "k3",
                "u",
                "SELECT * FROM upstream",
                List.of(),
                tables,
                List.of(new ResultTable("upstream", "f".repeat(32))),
                null)
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
    assertThat(expired)
        .isInstanceOfSatisfying(
            QueryWorker.Failed.class,
            failed -> {
              assertThat(failed.kind()).isEqualTo(QueryFailure.Kind.EXPIRED);
              assertThat(failed.reason()).isEqualTo(QueryFailure.RESULT_EXPIRED);
              assertThat(failed.message()).contains("upstream").contains("f".repeat(32));
            });
  }

  @Test
  void aSmallCacheKeepsTheResultsUsedLast() throws Exception {
    // Each result below is about 330 kB: room for two.
    try (EaselNode small =
        TestNodes.start(
            dataDir.resolve("small"), Map.of("easel.query.result-cache-size", "800KiB"))) {
      String token = Http.signUp(small.httpPort(), "small@example.org");
      String projectId = Http.createProject(small.httpPort(), token, "Small");
      String sql = "SELECT md5((range + ?)::VARCHAR) AS h FROM range(10000)";
      String one = execute(small.httpPort(), token, projectId, sql, 1).path("resultId").asText();
      String two = execute(small.httpPort(), token, projectId, sql, 2).path("resultId").asText();
      assertThat(resultFile(small, projectId, one)).exists();
      assertThat(resultFile(small, projectId, two)).exists();
      // A page read is a use: two is now the least recently used.
      HttpResponse<String> read =
          Http.get(small.httpPort(), "/v1/projects/" + projectId + "/results/" + one, token);
      assertThat(read.statusCode()).as(read.body()).isEqualTo(200);

      String three = execute(small.httpPort(), token, projectId, sql, 3).path("resultId").asText();

      assertThat(resultFile(small, projectId, one)).exists();
      assertThat(resultFile(small, projectId, two)).doesNotExist();
      assertThat(resultFile(small, projectId, three)).exists();
      HttpResponse<String> evicted =
          Http.get(small.httpPort(), "/v1/projects/" + projectId + "/results/" + two, token);
      assertThat(evicted.statusCode()).isEqualTo(404);
      assertThat(reason(evicted)).isEqualTo(QueryFailure.RESULT_NOT_FOUND);
      // Run again, it is made again under the same id.
      assertThat(execute(small.httpPort(), token, projectId, sql, 2).path("resultId").asText())
          .isEqualTo(two);
      assertThat(resultFile(small, projectId, two)).exists();
      long kept;
      try (var files = Files.list(small.dataDir().resolve("results").resolve(projectId))) {
        kept = files.mapToLong(f -> f.toFile().length()).sum();
      }
      assertThat(kept).isLessThanOrEqualTo(800 * 1024);
    }
  }
}
