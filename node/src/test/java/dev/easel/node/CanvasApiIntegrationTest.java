package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partner API against a real node: the real {@code @grpc/grpc-js} client, REST through Node's
 * own fetch, and the sharedb client, all editing one canvas (cross-client.js), plus plain REST
 * errors from the JDK's HTTP client.
 */
class CanvasApiIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dataDir;

  @Test
  void grpcRestAndShareDbClientsShareOneSequencer() throws Exception {
    long seed = Long.getLong("easel.seed", System.nanoTime() % 100_000);
    try (EaselNode node = TestNodes.start(dataDir)) {
      NodeScript.Result result =
          NodeScript.run(
              "cross-client.js",
              "--url",
              "http://127.0.0.1:" + node.httpPort(),
              "--seed",
              String.valueOf(seed),
              "--auth");
      assertThat(result.exitCode()).as("seed %s: %s", seed, result).isZero();
      JsonNode verdict = JSON.readTree(result.lastLine());
      assertThat(verdict.path("ok").asBoolean()).isTrue();
      // every op reached the gRPC stream exactly once, whichever client sent it
      assertThat(verdict.path("streamed").asInt()).isEqualTo(verdict.at("/ops/total").asInt());
      assertThat(verdict.at("/ops/grpc").asInt()).isPositive();
      assertThat(verdict.at("/ops/rest").asInt()).isPositive();
      assertThat(verdict.at("/ops/sharedb").asInt()).isPositive();
    }
  }

  @Test
  void restAnswersBadRequestsWithTheProblem() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      assertThat(Http.post(port, "/v1/canvases", "{\"title\":\"Q3\"}").statusCode()).isEqualTo(401);
      String token = Http.signUp(port, "rest@example.org");
      String project = Http.createProject(port, token, "Rest");
      var noProject = Http.post(port, "/v1/canvases", "{\"title\":\"Q3\"}", token);
      assertThat(noProject.statusCode()).isEqualTo(400);
      assertThat(noProject.body()).contains("projectId is required");
      var created =
          Http.post(
              port, "/v1/canvases", "{\"title\":\"Q3\",\"projectId\":\"" + project + "\"}", token);
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
      String id = JSON.readTree(created.body()).path("canvasId").asText();

      var missing = Http.get(port, "/v1/canvases/nope", token);
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(missing.body()).contains("canvas nope does not exist");

      var badOp =
          Http.post(
              port,
              "/v1/canvases/" + id + "/ops",
              "{\"version\":\"1\",\"op\":[{\"p\":[\"cells\",\"c1\"],\"oi\":{\"kind\":\"bogus\"}}]}",
              token);
      assertThat(badOp.statusCode()).isEqualTo(400);
      assertThat(badOp.body()).contains("kind must be one of");

      var future =
          Http.post(
              port,
              "/v1/canvases/" + id + "/ops",
              "{\"version\":\"7\",\"op\":[{\"p\":[\"title\",0],\"si\":\"x\"}]}",
              token);
      assertThat(future.statusCode()).isEqualTo(400);
      assertThat(future.body()).contains("newer than the canvas");

      var notJson = Http.post(port, "/v1/canvases", "{title:", token);
      assertThat(notJson.statusCode()).isEqualTo(400);

      // Read before the op (its answer is kept), so the read after it must not be that answer.
      var before = JSON.readTree(Http.get(port, "/v1/canvases/" + id, token).body());
      assertThat(before.path("title").asText()).isEqualTo("Q3");
      var typed =
          Http.post(
              port,
              "/v1/canvases/" + id + "/ops",
              "{\"version\":\"1\",\"op\":[{\"p\":[\"title\",2],\"si\":\" plan\"}]}",
              token);
      assertThat(typed.statusCode()).as(typed.body()).isEqualTo(200);
      var canvas = JSON.readTree(Http.get(port, "/v1/canvases/" + id, token).body());
      assertThat(canvas.path("title").asText()).isEqualTo("Q3 plan");
      assertThat(canvas.path("version").asText()).isEqualTo("2");
      var first = JSON.readTree(Http.get(port, "/v1/canvases/" + id + "?version=1", token).body());
      assertThat(first.at("/document/title").asText()).isEqualTo("Q3");
      var listed = JSON.readTree(Http.get(port, "/v1/canvases", token).body());
      assertThat(listed.at("/canvases/0/title").asText()).isEqualTo("Q3 plan");

      // Someone outside the project sees nothing of it.
      String stranger = Http.signUp(port, "stranger@example.org");
      var probed = Http.get(port, "/v1/canvases/" + id, stranger);
      assertThat(probed.statusCode()).isEqualTo(404);
      assertThat(probed.body()).isEqualTo(missing.body().replace("nope", id));
      assertThat(
              Http.post(
                      port,
                      "/v1/canvases/" + id + "/ops",
                      "{\"version\":\"2\",\"op\":[{\"p\":[\"title\",0],\"si\":\"x\"}]}",
                      stranger)
                  .statusCode())
          .isEqualTo(404);
      assertThat(JSON.readTree(Http.get(port, "/v1/canvases", stranger).body()).path("canvases"))
          .isEmpty();
    }
  }
}
