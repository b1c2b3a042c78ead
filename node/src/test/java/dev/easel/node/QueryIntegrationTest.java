package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Value;
import com.google.rpc.ErrorInfo;
import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.easel.api.v1.CancelQueryRequest;
import dev.easel.api.v1.ExecuteQueryRequest;
import dev.easel.api.v1.ExecuteQueryResponse;
import dev.easel.api.v1.QueryServiceGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ad-hoc SQL through the public API of a real node, over REST (the JDK's HTTP client) and gRPC
 * (Armeria's client): results and their JSON, parameters, limits, who may query, cancel and
 * timeout, and the sandbox, each of whose refusals is INVALID_ARGUMENT (HTTP 400) with reason
 * SQL_NOT_ALLOWED and a message naming what was refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Runs until stopped: a billion rows against a million. */
  static final String ENDLESS =
      "SELECT count(*) FROM range(1000000000) a, range(1000000) b WHERE a.range + b.range = -1";

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
    project = Http.createProject(port, owner, "Numbers");
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private String path() {
    return "/v1/projects/" + project + "/queries:execute";
  }

  private HttpResponse<String> rest(String token, String sql, Object... parameters)
      throws Exception {
    String body = JSON.writeValueAsString(Map.of("sql", sql, "parameters", List.of(parameters)));
    return Http.post(port, path(), body, token);
  }

  private QueryServiceGrpc.QueryServiceBlockingStub grpc(String token) {
    return GrpcClients.builder("http://127.0.0.1:" + port)
        .addHeader("authorization", "Bearer " + token)
        .responseTimeout(Duration.ofSeconds(120))
        .build(QueryServiceGrpc.QueryServiceBlockingStub.class);
  }

  private static String reason(StatusRuntimeException e) {
    return StatusProto.fromThrowable(e).getDetailsList().stream()
        .filter(any -> any.is(ErrorInfo.class))
        .map(
            any -> {
              try {
                return any.unpack(ErrorInfo.class).getReason();
              } catch (Exception x) {
                throw new AssertionError(x);
              }
            })
        .findFirst()
        .orElse("");
  }

  @Test
  void restRunsSqlAndAnswersInProto3Json() throws Exception {
    HttpResponse<String> answer =
        rest(
            owner,
            "SELECT ? + 1 AS next, ?::DATE AS day, 12345678901234567::BIGINT AS big,"
                + " 2.50::DECIMAL(5,2) AS price, [1, 2] AS list, NULL AS nothing",
            41,
            "2024-05-06");

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    JsonNode result = JSON.readTree(answer.body());
    assertThat(result.path("columns").toString())
        .isEqualTo(
            "[{\"name\":\"next\",\"type\":\"BIGINT\"},{\"name\":\"day\",\"type\":\"DATE\"},"
                + "{\"name\":\"big\",\"type\":\"BIGINT\"},"
                + "{\"name\":\"price\",\"type\":\"DECIMAL(5,2)\"},"
                + "{\"name\":\"list\",\"type\":\"INTEGER[]\"},"
                + "{\"name\":\"nothing\",\"type\":\"\\\"NULL\\\"\"}]");
    assertThat(result.path("rows").toString())
        .isEqualTo("[[\"42\",\"2024-05-06\",\"12345678901234567\",\"2.50\",[1,2],null]]");
    assertThat(result.path("rowCount").asText()).isEqualTo("1");
    assertThat(result.path("truncated").asBoolean(false)).isFalse();
    assertThat(result.path("resultId").asText()).isNotEmpty();
  }

  @Test
  void aLongResultKeepsItsFirstRowsAndSaysSo() throws Exception {
    ExecuteQueryResponse result =
        grpc(owner)
            .executeQuery(
                ExecuteQueryRequest.newBuilder()
                    .setProjectId(project)
                    .setSql("SELECT range AS n FROM range(25000)")
                    .setQueryId("long-result")
                    .build());

    assertThat(result.getRowsCount()).isEqualTo(10_000);
    assertThat(result.getRows(9_999).getValues(0).getStringValue()).isEqualTo("9999");
    assertThat(result.getRowCount()).isEqualTo(25_000);
    assertThat(result.getTruncated()).isTrue();
    assertThat(result.getResultId()).matches("[0-9a-f]{32}");
  }

  @Test
  void everyMemberMayQueryAndNobodyElse() throws Exception {
    String viewer = Http.signUp(port, "viewer@example.org");
    var added =
        Http.post(
            port,
            "/v1/projects/" + project + "/members",
            "{\"email\":\"viewer@example.org\",\"role\":\"viewer\"}",
            owner);
    assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
    assertThat(rest(viewer, "SELECT 1 AS one").body()).contains("\"rows\":[[1]]");

    String stranger = Http.signUp(port, "stranger@example.org");
    HttpResponse<String> refused = rest(stranger, "SELECT 1 AS one");
    assertThat(refused.statusCode()).isEqualTo(404);
    assertThat(refused.body()).contains("There is no project " + project);
    assertThat(Http.post(port, path(), "{\"sql\":\"SELECT 1\"}", null).statusCode()).isEqualTo(401);
  }

  /** Each hostile statement, and the words its refusal must contain. */
  List<List<String>> hostile() {
    Path datasets = node.dataDir().resolve("datasets");
    return List.of(
        List.of("SELECT * FROM read_csv('/etc/passwd')", "/etc/passwd"),
        List.of("SELECT * FROM read_text('/etc/passwd')", "/etc/passwd"),
        List.of("SELECT * FROM sniff_csv('/etc/passwd')", "/etc/passwd"),
        List.of("SELECT * FROM glob('/*')", "\"/*\""),
        List.of("COPY (SELECT 1) TO '" + datasets + "/" + project + "/x.csv'", "COPY"),
        List.of("ATTACH '" + dataDir + "/other.duckdb' AS other", "ATTACH"),
        List.of("ATTACH ':memory:' AS scratch", "ATTACH"),
        List.of("INSTALL httpfs", "INSTALL"),
        List.of("LOAD httpfs", "LOAD"),
        List.of("SET enable_external_access = true", "SET"),
        List.of("SET memory_limit = '100GB'", "SET"),
        List.of("RESET lock_configuration", "RESET"),
        List.of("SELECT * FROM read_csv('http://example.com/data.csv')", "http://example.com"),
        List.of("SELECT * FROM read_parquet('https://example.com/x.parquet')", "https://"),
        List.of("SELECT 1; DROP TABLE x", "other than one SELECT"));
  }

  @Test
  void theSandboxRefusesNamingWhatOverRestAndGrpc() throws Exception {
    for (List<String> attack : hostile()) {
      String sql = attack.get(0);
      HttpResponse<String> answer = rest(owner, sql);
      assertThat(answer.statusCode()).as(sql + ": " + answer.body()).isEqualTo(400);
      JsonNode error = JSON.readTree(answer.body());
      assertThat(error.path("message").asText()).as(sql).contains(attack.get(1));
      assertThat(error.toString()).as(sql).contains("\"reason\":\"SQL_NOT_ALLOWED\"");
      assertThat(error.toString()).as(sql).contains("\"field\":\"sql\"");

      assertThatThrownBy(
              () ->
                  grpc(owner)
                      .executeQuery(
                          ExecuteQueryRequest.newBuilder()
                              .setProjectId(project)
                              .setSql(sql)
                              .build()))
          .as(sql)
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription()).contains(attack.get(1));
                assertThat(reason(e)).isEqualTo("SQL_NOT_ALLOWED");
              });
    }
    assertThat(Files.exists(node.dataDir().resolve("datasets").resolve(project).resolve("x.csv")))
        .isFalse();
    assertThat(Files.exists(dataDir.resolve("other.duckdb"))).isFalse();
    // The locks held: the settings are those of the configuration.
    assertThat(rest(owner, "SELECT current_setting('enable_external_access') AS external").body())
        .contains("\"rows\":[[false]]");
  }

  @Test
  void queriesReadTheProjectsDatasetsAndNoOtherProjects() throws Exception {
    assertThat(
            Http.uploadCsv(port, owner, project, "orders", "id,amount\n1,2.5\n2,4\n").statusCode())
        .isEqualTo(201);
    HttpResponse<String> mine =
        rest(owner, "SELECT count(*) AS n, sum(amount) AS total FROM orders");
    assertThat(mine.statusCode()).as(mine.body()).isEqualTo(200);
    JsonNode rows = JSON.readTree(mine.body()).path("rows");
    assertThat(rows.get(0).get(0).asText()).isEqualTo("2");
    assertThat(rows.get(0).get(1).asDouble()).isEqualTo(6.5);
    // a new version is what the next query reads
    assertThat(Http.uploadCsv(port, owner, project, "orders", "id,amount\n9,1\n").statusCode())
        .isEqualTo(201);
    JsonNode again = JSON.readTree(rest(owner, "SELECT max(id) FROM orders").body()).path("rows");
    assertThat(again.get(0).get(0).asText()).isEqualTo("9");

    String other = Http.createProject(port, owner, "Other");
    HttpResponse<String> answer =
        Http.post(
            port,
            "/v1/projects/" + other + "/queries:execute",
            "{\"sql\":\"SELECT * FROM orders\"}",
            owner);
    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(answer.body()).contains("Catalog Error: Table with name orders does not exist");
    assertThat(answer.body()).contains("\"reason\":\"SQL_ERROR\"");
    // nor by the path of this project's file, from the other project
    Path file;
    try (var files =
        java.nio.file.Files.walk(node.dataDir().resolve("datasets").resolve(project))) {
      file = files.filter(f -> f.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    HttpResponse<String> byPath =
        Http.post(
            port,
            "/v1/projects/" + other + "/queries:execute",
            JSON.writeValueAsString(Map.of("sql", "SELECT * FROM read_parquet('" + file + "')")),
            owner);
    assertThat(byPath.statusCode()).isEqualTo(400);
    assertThat(byPath.body()).contains("Permission Error").contains("SQL_NOT_ALLOWED");
  }

  @Test
  void parametersAreValuesNeverSql() throws Exception {
    String hostile = "'; DROP VIEW x; --";
    HttpResponse<String> answer = rest(owner, "SELECT ? AS s, length(?) AS n", hostile, hostile);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(JSON.readTree(answer.body()).path("rows").toString())
        .isEqualTo("[[" + JSON.writeValueAsString(hostile) + ",\"" + hostile.length() + "\"]]");

    HttpResponse<String> missing = rest(owner, "SELECT ? AS a, ? AS b", 1);
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.body())
        .contains("The query takes 2 parameters and 1 was given")
        .contains("\"field\":\"parameters\"");
    HttpResponse<String> named = rest(owner, "SELECT $who AS who", "ann");
    assertThat(named.statusCode()).isEqualTo(400);
    assertThat(named.body()).contains("Named parameter $who cannot be bound");
  }

  @Test
  void theCallerCancelsARunningQueryAndQueriesGoOn() throws Exception {
    Future<ExecuteQueryResponse> running =
        GrpcClients.builder("http://127.0.0.1:" + port)
            .addHeader("authorization", "Bearer " + owner)
            .responseTimeout(Duration.ofSeconds(120))
            .build(QueryServiceGrpc.QueryServiceFutureStub.class)
            .executeQuery(
                ExecuteQueryRequest.newBuilder()
                    .setProjectId(project)
                    .setSql(ENDLESS)
                    .setQueryId("endless")
                    .build());

    // Cancel it once the worker has it (a cancel that comes first finds nothing to stop).
    CancelQueryRequest cancel =
        CancelQueryRequest.newBuilder().setProjectId(project).setQueryId("endless").build();
    Instant giveUp = Instant.now().plusSeconds(60);
    boolean cancelled = false;
    while (!cancelled && Instant.now().isBefore(giveUp) && !running.isDone()) {
      HttpResponse<String> answer =
          Http.post(port, "/v1/projects/" + project + "/queries/endless:cancel", "{}", owner);
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      cancelled = JSON.readTree(answer.body()).path("cancelled").asBoolean(false);
      if (!cancelled) Thread.sleep(50);
    }
    assertThat(cancelled).isTrue();

    assertThatThrownBy(() -> running.get(60, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED);
              assertThat(e.getStatus().getDescription()).isEqualTo("Query endless was cancelled");
              assertThat(reason(e)).isEqualTo("QUERY_CANCELLED");
            });
    assertThat(grpc(owner).cancelQuery(cancel).getCancelled()).isFalse();
    assertThat(
            grpc(owner)
                .executeQuery(
                    ExecuteQueryRequest.newBuilder()
                        .setProjectId(project)
                        .setSql("SELECT ? AS again")
                        .addParameters(Value.newBuilder().setBoolValue(true))
                        .build())
                .getRows(0)
                .getValues(0)
                .getBoolValue())
        .isTrue();
  }

  @Test
  void aQueryPastTheTimeLimitIsStopped() throws Exception {
    try (EaselNode quick =
        TestNodes.start(dataDir.resolve("quick"), Map.of("easel.query.timeout", "2s"))) {
      String token = Http.signUp(quick.httpPort(), "quick@example.org");
      String quickProject = Http.createProject(quick.httpPort(), token, "Quick");
      String body = JSON.writeValueAsString(Map.of("sql", ENDLESS));
      HttpResponse<String> answer =
          Http.post(
              quick.httpPort(), "/v1/projects/" + quickProject + "/queries:execute", body, token);

      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(504);
      assertThat(answer.body())
          .contains("time limit of 2 s (easel.query.timeout)")
          .contains("\"reason\":\"QUERY_TIMEOUT\"");
      HttpResponse<String> after =
          Http.post(
              quick.httpPort(),
              "/v1/projects/" + quickProject + "/queries:execute",
              "{\"sql\":\"SELECT 1 AS one\"}",
              token);
      assertThat(after.body()).contains("\"rows\":[[1]]");
    }
  }

  /**
   * Protobuf's Value has only doubles: gRPC carries 1 as the double 1.0, and REST and GraphQL both
   * print the numbers of integer columns (nested ones too) as integers and those of floating point
   * columns as doubles.
   */
  @Test
  void integerColumnsPrintAsIntegersInRestAndGraphqlAndStayDoublesInGrpc() throws Exception {
    String sql =
        "SELECT 1::INTEGER AS i, -7::SMALLINT AS s, 2.0::DOUBLE AS d, 2.5::FLOAT AS f,"
            + " [1, 2] AS list, {'a': 3, 'b': [4]} AS struct, [2.0::DOUBLE] AS doubles";
    String rows = "[[1,-7,2.0,2.5,[1,2],{\"a\":3,\"b\":[4]},[2.0]]]";

    HttpResponse<String> answer = rest(owner, sql);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(JSON.readTree(answer.body()).path("rows").toString()).isEqualTo(rows);

    GraphqlIntegrationTest.Answer graphql =
        GraphqlIntegrationTest.graphql(
            port,
            owner,
            "query($sql: String!) { executeQuery(projectId: \""
                + project
                + "\", sql: $sql) { rows } }",
            Map.of("sql", sql));
    assertThat(JSON.readTree(graphql.data().toString()).at("/executeQuery/rows").toString())
        .isEqualTo(rows);

    ExecuteQueryResponse binary =
        grpc(owner)
            .executeQuery(
                ExecuteQueryRequest.newBuilder().setProjectId(project).setSql(sql).build());
    assertThat(binary.getRows(0).getValues(0).getNumberValue()).isEqualTo(1.0);
    assertThat(binary.getRows(0).getValues(2).getNumberValue()).isEqualTo(2.0);
  }

  @Test
  void graphqlRunsTheSameQuery() throws Exception {
    GraphqlIntegrationTest.Answer answer =
        GraphqlIntegrationTest.graphql(
            port,
            owner,
            "{ executeQuery(projectId: \""
                + project
                + "\", sql: \"SELECT ? * 2 AS twice\", parameters: [21]) {"
                + " columns { name type } rows rowCount truncated } }");

    assertThat(answer.data().toString())
        .isEqualTo(
            "{\"executeQuery\":{\"columns\":[{\"name\":\"twice\",\"type\":\"BIGINT\"}],"
                + "\"rows\":[[\"42\"]],\"rowCount\":\"1\",\"truncated\":false}}");
  }
}
