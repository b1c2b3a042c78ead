package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reactive SQL cells on a real node: a collaborator using the real sharedb client edits a canvas
 * and follows its run state (collection {@code canvas-runs}) on the same socket (cell-runs.js);
 * then {@code CanvasService.RunCell} over REST, its refusals, a cell's latest result pulled by
 * ticket over Flight (Arrow's own client), the cells as tables of the project's Flight SQL catalog
 * (Arrow's own JDBC driver), and run states that outlive a restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CellRunsIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;
  EaselNode node;
  int port;
  String owner;
  String viewer;
  String project;
  String canvas;

  @BeforeAll
  void start() throws Exception {
    node = TestNodes.start(dataDir.resolve("node"));
    port = node.httpPort();
    owner = Http.signUp(port, "owner@example.org");
    viewer = Http.signUp(port, "viewer@example.org");
    project = Http.createProject(port, owner, "Orders");
    HttpResponse<String> member =
        Http.post(
            port,
            "/v1/projects/" + project + "/members",
            "{\"email\":\"viewer@example.org\",\"role\":\"viewer\"}",
            owner);
    assertThat(member.statusCode()).as(member.body()).isEqualTo(200);
    HttpResponse<String> upload =
        Http.uploadCsv(port, owner, project, "orders", "id,amount\n1,10\n2,20\n3,30\n4,40\n5,50\n");
    assertThat(upload.statusCode()).as(upload.body()).isEqualTo(201);
    HttpResponse<String> created =
        Http.post(port, "/v1/projects/" + project + "/canvases", "{\"title\":\"Orders\"}", owner);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    canvas = JSON.readTree(created.body()).path("canvasId").asText();
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
  }

  private HttpResponse<String> runCell(String token, String cellId) throws Exception {
    return Http.post(port, "/v1/canvases/" + canvas + "/cells/" + cellId + ":run", "{}", token);
  }

  @Test
  @SuppressWarnings(
      "try") // Arrow's FlightClient and FlightStream close() may throw InterruptedException
  void cellsRunReactivelyAndEveryCollaboratorSeesTheirRunState() throws Exception {
    NodeScript.Result script =
        NodeScript.run(
            "cell-runs.js",
            "--url",
            "ws://127.0.0.1:" + port + "/ws",
            "--token",
            owner,
            "--viewer-token",
            viewer,
            "--canvas",
            canvas,
            "--project",
            project);
    assertThat(script.exitCode()).as(script.toString()).isZero();
    JsonNode verdict = JSON.readTree(script.lastLine());

    // Every run went through its states in order, as the client saw them arrive.
    List<String> totalStates = states(verdict, "total");
    assertThat(totalStates).contains("queued", "running", "done");
    assertThat(totalStates.indexOf("running")).isGreaterThan(totalStates.indexOf("queued"));
    assertThat(states(verdict, "big")).contains("stale");
    // The heavy cell's progress, as DuckDB estimated it while it ran: up to done, never back.
    List<Double> progress = new ArrayList<>();
    verdict.path("progress").forEach(value -> progress.add(value.asDouble()));
    assertThat(progress).anyMatch(value -> value > 0 && value < 1);
    assertThat(progress).isSorted();
    assertThat(states(verdict, "heavy")).containsSubsequence("running", "done");
    assertThat(verdict.path("editorWrite").asText()).isEqualTo("ERR_PERMISSION_DENIED");
    assertThat(verdict.path("viewer").path("reads").asText()).isEqualTo("done");
    assertThat(verdict.path("viewer").path("write").asText()).isEqualTo("ERR_PERMISSION_DENIED");

    JsonNode total = verdict.path("runs").path("cells").path("total");
    assertThat(total.path("state").asText()).isEqualTo("done");
    assertThat(total.path("columns").toString())
        .isEqualTo("[{\"name\":\"n\",\"type\":\"BIGINT\"},{\"name\":\"s\",\"type\":\"HUGEINT\"}]");
    assertThat(total.path("preview").toString()).isEqualTo("[[\"1\",\"45\"]]");
    assertThat(verdict.path("runs").path("cells").path("broken").path("error").path("line").asInt())
        .isEqualTo(2);

    // RunCell answers with the same state, run again on request.
    HttpResponse<String> run = runCell(owner, "total");
    assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
    JsonNode answer = JSON.readTree(run.body());
    assertThat(answer.path("state").asText()).isEqualTo("done");
    assertThat(answer.path("rowCount").asText()).isEqualTo("1");
    assertThat(answer.path("preview").toString()).isEqualTo("[[\"1\",\"45\"]]");
    assertThat(answer.path("resultId").asText()).isNotEmpty();

    // A viewer may run a cell (as they may query), and see a failed one fail.
    HttpResponse<String> cycle = runCell(viewer, "a");
    assertThat(cycle.statusCode()).as(cycle.body()).isEqualTo(200);
    assertThat(JSON.readTree(cycle.body()).path("state").asText()).isEqualTo("failed");
    assertThat(JSON.readTree(cycle.body()).path("error").path("message").asText())
        .contains("cycle");

    // Refusals name what is wrong.
    HttpResponse<String> missing = runCell(owner, "no-such-cell");
    assertThat(missing.statusCode()).as(missing.body()).isEqualTo(404);
    assertThat(missing.body()).contains("CELL_NOT_FOUND");
    HttpResponse<String> note = runCell(owner, "note");
    assertThat(note.statusCode()).as(note.body()).isEqualTo(400);
    assertThat(note.body()).contains("NOT_A_SQL_CELL");
    HttpResponse<String> badId = runCell(owner, "bad%20id");
    assertThat(badId.statusCode()).as(badId.body()).isEqualTo(400);
    HttpResponse<String> stranger = runCell(Http.signUp(port, "stranger@example.org"), "total");
    assertThat(stranger.statusCode()).as(stranger.body()).isEqualTo(404);

    // Partners pull a cell's latest result by ticket over Flight: what the canvas shows.
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient client =
            FlightClient.builder(
                    allocator, Location.forGrpcInsecure("127.0.0.1", node.flightPort()))
                .build()) {
      CallHeaders headers = new FlightCallHeaders();
      headers.insert("authorization", "Bearer " + owner);
      headers.insert("project", project);
      HeaderCallOption auth = new HeaderCallOption(headers);
      FlightInfo info =
          client.getInfo(FlightDescriptor.path("canvases", canvas, "cells", "total"), auth);
      assertThat(info.getSchemaOptional().orElseThrow().getFields())
          .extracting(Field::getName)
          .containsExactly("n", "s");
      List<String> rows = new ArrayList<>();
      try (FlightStream stream = client.getStream(info.getEndpoints().get(0).getTicket(), auth)) {
        while (stream.next()) {
          VectorSchemaRoot root = stream.getRoot();
          for (int i = 0; i < root.getRowCount(); i++) {
            rows.add(root.getVector("n").getObject(i) + "," + root.getVector("s").getObject(i));
          }
        }
      }
      assertThat(rows).containsExactly("1,45");
      assertThatThrownBy(
              () ->
                  client.getInfo(FlightDescriptor.path("canvases", canvas, "cells", "note"), auth))
          .hasMessageContaining("not a SQL cell");
      assertThatThrownBy(
              () ->
                  client.getInfo(FlightDescriptor.path("canvases", canvas, "cells", "nope"), auth))
          .isInstanceOfSatisfying(
              FlightRuntimeException.class,
              e -> assertThat(e.status().code()).isEqualTo(FlightStatusCode.NOT_FOUND));
      assertThatThrownBy(() -> client.getInfo(FlightDescriptor.path("canvases", canvas), auth))
          .hasMessageContaining("canvases/<canvasId>/cells/<cellId>");
    }

    // Another project of the same owner, with a canvas whose cell has a result.
    String other = Http.createProject(port, owner, "Other");
    HttpResponse<String> otherCreated =
        Http.post(port, "/v1/projects/" + other + "/canvases", "{\"title\":\"Secret\"}", owner);
    assertThat(otherCreated.statusCode()).as(otherCreated.body()).isEqualTo(200);
    JsonNode otherCanvas = JSON.readTree(otherCreated.body());
    String otherId = otherCanvas.path("canvasId").asText();
    HttpResponse<String> added =
        Http.post(
            port,
            "/v1/canvases/" + otherId + "/ops",
            "{\"version\":\""
                + otherCanvas.path("version").asText()
                + "\",\"op\":[{\"p\":[\"cells\",\"secret\"],\"oi\":{\"kind\":\"sql\","
                + "\"name\":\"total\",\"source\":\"SELECT 7 AS n\"}}]}",
            owner);
    assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
    HttpResponse<String> secret =
        Http.post(port, "/v1/canvases/" + otherId + "/cells/secret:run", "{}", owner);
    assertThat(JSON.readTree(secret.body()).path("state").asText())
        .as(secret.body())
        .isEqualTo("done");

    // BI tools see the cells with a result as tables (Arrow's own JDBC driver): one schema per
    // canvas, of this project only, and read exactly the result the canvas shows.
    String schema = "canvas_" + canvas;
    try (java.sql.Connection jdbc =
        java.sql.DriverManager.getConnection(
            "jdbc:arrow-flight-sql://127.0.0.1:"
                + node.flightPort()
                + "/?useEncryption=false&token="
                + owner
                + "&project="
                + project)) {
      java.sql.DatabaseMetaData meta = jdbc.getMetaData();
      assertThat(tables(meta.getTables(null, null, "%", null)))
          .containsExactly(
              schema + ".big CELL",
              schema + ".heavy CELL",
              schema + ".total CELL",
              "main.orders VIEW");
      assertThat(tables(meta.getTables(null, schema, "t%", new String[] {"CELL"})))
          .containsExactly(schema + ".total CELL");
      assertThat(tables(meta.getTables(null, "main", "%", null)))
          .containsExactly("main.orders VIEW");
      assertThat(tables(meta.getTables(null, null, "%", new String[] {"VIEW"})))
          .containsExactly("main.orders VIEW");
      List<String> schemas = new ArrayList<>();
      try (java.sql.ResultSet found = meta.getSchemas()) {
        while (found.next()) schemas.add(found.getString("TABLE_SCHEM"));
      }
      assertThat(schemas).containsExactly(schema, "main");
      List<String> columns = new ArrayList<>();
      try (java.sql.ResultSet found = meta.getColumns(null, schema, "total", "%")) {
        while (found.next()) {
          columns.add(found.getString("COLUMN_NAME") + " " + found.getInt("DATA_TYPE"));
        }
      }
      assertThat(columns)
          .containsExactly("n " + java.sql.Types.BIGINT, "s " + java.sql.Types.DECIMAL);

      // What the canvas shows (its run state's preview), not a run of its own.
      try (java.sql.Statement statement = jdbc.createStatement();
          java.sql.ResultSet rows = statement.executeQuery("SELECT * FROM " + schema + ".total")) {
        assertThat(rows.next()).isTrue();
        assertThat(rows.getString(1) + "," + rows.getString(2)).isEqualTo("1,45");
        assertThat(rows.next()).isFalse();
      }
      assertThat(answer.path("preview").toString()).isEqualTo("[[\"1\",\"45\"]]");
      try (java.sql.PreparedStatement prepared =
          jdbc.prepareStatement(
              "SELECT count(*) AS rows, max(b.amount) AS top FROM "
                  + schema
                  + ".BIG b JOIN orders USING (id) WHERE b.amount >= ?")) {
        prepared.setInt(1, 40);
        try (java.sql.ResultSet rows = prepared.executeQuery()) {
          assertThat(rows.next()).isTrue();
          assertThat(rows.getLong("rows")).isEqualTo(1);
          assertThat(rows.getLong("top")).isEqualTo(45);
        }
      }
      // The other project's canvas is not this project's: not listed, not readable.
      assertThat(tables(meta.getTables(null, "canvas_" + otherId, "%", null))).isEmpty();
      assertThatThrownBy(
              () ->
                  jdbc.createStatement()
                      .executeQuery("SELECT * FROM canvas_" + otherId + ".total")
                      .next())
          .isInstanceOf(java.sql.SQLException.class)
          .hasMessageContaining("canvas_" + otherId);
      assertThatThrownBy(
              () -> jdbc.createStatement().executeQuery("SELECT * FROM " + schema + ".note").next())
          .isInstanceOf(java.sql.SQLException.class)
          .hasMessageContaining("no SQL cell named note");
    }

    // The run state is durable: after a restart the cells are still done, and run again.
    node.close();
    node = TestNodes.start(dataDir.resolve("node"));
    port = node.httpPort();
    HttpResponse<String> again = runCell(owner, "total");
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    assertThat(JSON.readTree(again.body()).path("preview").toString())
        .isEqualTo("[[\"1\",\"45\"]]");
  }

  /** The tables a catalog listing names, as {@code schema.table TYPE}, in its order. */
  private static List<String> tables(java.sql.ResultSet found) throws java.sql.SQLException {
    List<String> names = new ArrayList<>();
    try (found) {
      while (found.next()) {
        names.add(
            found.getString("TABLE_SCHEM")
                + "."
                + found.getString("TABLE_NAME")
                + " "
                + found.getString("TABLE_TYPE"));
      }
    }
    return names;
  }

  private static List<String> states(JsonNode verdict, String cellId) {
    return JSON.convertValue(
        verdict.path("states").path(cellId),
        JSON.getTypeFactory().constructCollectionType(List.class, String.class));
  }
}
