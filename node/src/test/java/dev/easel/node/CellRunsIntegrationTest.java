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
 * ticket over Flight (Arrow's own client), and run states that outlive a restart.
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

    // The run state is durable: after a restart the cells are still done, and run again.
    node.close();
    node = TestNodes.start(dataDir.resolve("node"));
    port = node.httpPort();
    HttpResponse<String> again = runCell(owner, "total");
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    assertThat(JSON.readTree(again.body()).path("preview").toString())
        .isEqualTo("[[\"1\",\"45\"]]");
  }

  private static List<String> states(JsonNode verdict, String cellId) {
    return JSON.convertValue(
        verdict.path("states").path(cellId),
        JSON.getTypeFactory().constructCollectionType(List.class, String.class));
  }
}
