package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reactive SQL cells on a real node: a collaborator using the real sharedb client edits a canvas
 * and follows its run state (collection {@code canvas-runs}) on the same socket (cell-runs.js);
 * then {@code CanvasService.RunCell} over REST, its refusals, and run states that outlive a
 * restart.
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
