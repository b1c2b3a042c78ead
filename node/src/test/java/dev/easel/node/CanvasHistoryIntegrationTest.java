package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.easel.ot.Json0;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A canvas's history over REST against a real node (H2 journal and snapshot store): the document at
 * every past version ({@code :snapshot}, read from the nearest snapshot), named versions, the
 * timeline, and the refusals; the same through GraphQL.
 */
class CanvasHistoryIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dataDir;

  static JsonNode ok(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  @Test
  void readsPastVersionsNamesThemAndShowsTheTimeline() throws Exception {
    // a snapshot every 5 events, so reads of past versions start from several snapshots
    try (EaselNode node = TestNodes.start(dataDir, Map.of("easel.canvas.snapshot-every", 5))) {
      int port = node.httpPort();
      String owner = Http.signUp(port, "history@example.org");
      String project = Http.createProject(port, owner, "History");
      String id =
          ok(Http.post(
                  port,
                  "/v1/canvases",
                  "{\"title\":\"T\",\"projectId\":\"" + project + "\"}",
                  owner))
              .path("canvasId")
              .asText();
      List<JsonNode> documents = new ArrayList<>();
      documents.add(null);
      documents.add(ok(Http.get(port, "/v1/canvases/" + id, owner)).path("document"));
      String namedAtFour = null;
      for (int i = 1; i <= 17; i++) {
        if (i % 4 == 0) {
          // names between edits: events that change no version
          JsonNode named =
              ok(
                  Http.post(
                      port,
                      "/v1/canvases/" + id + "/versions",
                      "{\"name\":\"Step " + i + "\",\"description\":\"after " + i + " edits\"}",
                      owner));
          assertThat(named.path("version").asText()).isEqualTo(String.valueOf(i));
          if (i == 4) namedAtFour = named.path("versionId").asText();
        }
        ok(
            Http.post(
                port,
                "/v1/canvases/" + id + "/ops",
                "{\"version\":\""
                    + i
                    + "\",\"op\":[{\"p\":[\"title\","
                    + i
                    + "],\"si\":\""
                    + (i % 10)
                    + "\"}]}",
                owner));
        documents.add(ok(Http.get(port, "/v1/canvases/" + id, owner)).path("document"));
      }
      for (int v = 1; v <= 18; v++) {
        JsonNode past = ok(Http.get(port, "/v1/canvases/" + id + ":snapshot?version=" + v, owner));
        assertThat(past.path("version").asText()).isEqualTo(String.valueOf(v));
        assertThat(past.path("document")).as("version %d", v).isEqualTo(documents.get(v));
        // GetCanvas with a version answers the same
        assertThat(ok(Http.get(port, "/v1/canvases/" + id + "?version=" + v, owner)))
            .isEqualTo(past);
      }
      var future = Http.get(port, "/v1/canvases/" + id + ":snapshot?version=19", owner);
      assertThat(future.statusCode()).isEqualTo(400);
      assertThat(future.body()).contains("has no version 19 yet");
      var zero = Http.get(port, "/v1/canvases/" + id + ":snapshot?version=0", owner);
      assertThat(zero.statusCode()).isEqualTo(400);
      assertThat(zero.body()).contains("version must be 1 or more");

      // named versions: list, rename, describe, delete, and the refusals
      JsonNode listed = ok(Http.get(port, "/v1/canvases/" + id + "/versions", owner));
      assertThat(listed.path("versions")).hasSize(4);
      assertThat(listed.at("/versions/0/name").asText()).isEqualTo("Step 4");
      assertThat(listed.at("/versions/3/version").asText()).isEqualTo("16");
      var past =
          ok(
              Http.post(
                  port,
                  "/v1/canvases/" + id + "/versions",
                  "{\"name\":\"First\",\"version\":\"1\"}",
                  owner));
      assertThat(past.path("version").asText()).isEqualTo("1");
      var taken =
          Http.post(port, "/v1/canvases/" + id + "/versions", "{\"name\":\"First\"}", owner);
      assertThat(taken.statusCode()).isEqualTo(409);
      assertThat(taken.body()).contains("already has a version named 'First'");
      var blank = Http.post(port, "/v1/canvases/" + id + "/versions", "{\"name\":\" \"}", owner);
      assertThat(blank.statusCode()).isEqualTo(400);
      assertThat(blank.body()).contains("needs a name");
      var later =
          Http.post(
              port,
              "/v1/canvases/" + id + "/versions",
              "{\"name\":\"Later\",\"version\":\"99\"}",
              owner);
      assertThat(later.statusCode()).isEqualTo(400);
      assertThat(later.body()).contains("current version 18");
      String versionPath = "/v1/canvases/" + id + "/versions/" + namedAtFour;
      JsonNode renamed =
          ok(Http.send(port, "PATCH", versionPath, "{\"name\":\"Four edits\"}", owner));
      assertThat(renamed.path("name").asText()).isEqualTo("Four edits");
      assertThat(renamed.path("description").asText()).isEqualTo("after 4 edits");
      JsonNode described =
          ok(Http.send(port, "PATCH", versionPath, "{\"description\":\"\"}", owner));
      assertThat(described.path("name").asText()).isEqualTo("Four edits");
      assertThat(described.path("description").asText()).isEmpty();
      var nothing = Http.send(port, "PATCH", versionPath, "{}", owner);
      assertThat(nothing.statusCode()).isEqualTo(400);
      ok(Http.send(port, "DELETE", versionPath, null, owner));
      var gone = Http.send(port, "DELETE", versionPath, null, owner);
      assertThat(gone.statusCode()).isEqualTo(404);
      assertThat(gone.body()).contains("no named version " + namedAtFour);
      var badId = Http.send(port, "DELETE", "/v1/canvases/" + id + "/versions/a%20b", null, owner);
      assertThat(badId.statusCode()).isEqualTo(400);
      JsonNode after = ok(Http.get(port, "/v1/canvases/" + id + "/versions", owner));
      assertThat(after.path("versions")).hasSize(4);
      assertThat(after.findValuesAsText("name"))
          .containsExactly("Step 8", "Step 12", "Step 16", "First");
      // naming moved no version: the document is where the edits left it
      assertThat(ok(Http.get(port, "/v1/canvases/" + id, owner)).path("version").asText())
          .isEqualTo("18");

      // the timeline: one session of the owner's 18 changes (within the default 15 minutes)
      JsonNode history = ok(Http.get(port, "/v1/canvases/" + id + "/history", owner));
      assertThat(history.path("sessions")).hasSize(1);
      JsonNode session = history.at("/sessions/0");
      assertThat(session.path("fromVersion").asText("0")).isEqualTo("0");
      assertThat(session.path("toVersion").asText()).isEqualTo("18");
      assertThat(session.path("changes").asText()).isEqualTo("18");
      assertThat(session.path("titleChanged").asBoolean()).isTrue();
      assertThat(session.path("created").asBoolean()).isTrue();
      assertThat(session.path("authors")).hasSize(1);
      assertThat(history.path("nextPageToken").asText("")).isEmpty();
      var badToken = Http.get(port, "/v1/canvases/" + id + "/history?pageToken=zz", owner);
      assertThat(badToken.statusCode()).isEqualTo(400);
      var tooMany = Http.get(port, "/v1/canvases/" + id + "/history?pageSize=201", owner);
      assertThat(tooMany.statusCode()).isEqualTo(400);

      // a viewer reads the history but may not name versions; a stranger sees nothing
      String viewer = Http.signUp(port, "viewer@example.org");
      ok(
          Http.post(
              port,
              "/v1/projects/" + project + "/members",
              "{\"email\":\"viewer@example.org\",\"role\":\"viewer\"}",
              owner));
      ok(Http.get(port, "/v1/canvases/" + id + ":snapshot?version=3", viewer));
      ok(Http.get(port, "/v1/canvases/" + id + "/history", viewer));
      assertThat(
              Http.post(port, "/v1/canvases/" + id + "/versions", "{\"name\":\"V\"}", viewer)
                  .statusCode())
          .isEqualTo(403);
      String stranger = Http.signUp(port, "stranger@example.org");
      assertThat(Http.get(port, "/v1/canvases/" + id + "/history", stranger).statusCode())
          .isEqualTo(404);
      assertThat(
              Http.get(port, "/v1/canvases/" + id + ":snapshot?version=3", stranger).statusCode())
          .isEqualTo(404);

      // GraphQL answers the same
      var graphql =
          GraphqlIntegrationTest.graphql(
              port,
              owner,
              "{ canvasSnapshot(canvasId: \""
                  + id
                  + "\", version: 5) { version document }"
                  + " namedVersions(canvasId: \""
                  + id
                  + "\") { versions { name version } }"
                  + " canvasHistory(canvasId: \""
                  + id
                  + "\") { sessions { toVersion changes } } }");
      assertThat(graphql.status()).as(graphql.body().toString()).isEqualTo(200);
      assertThat(graphql.body().at("/data/canvasSnapshot/document")).isEqualTo(documents.get(5));
      assertThat(graphql.body().at("/data/namedVersions/versions")).hasSize(4);
      assertThat(graphql.body().at("/data/canvasHistory/sessions/0/changes").asText())
          .isEqualTo("18");

      // the diff between two versions: a cell added, then its source changed
      ok(
          Http.post(
              port,
              "/v1/canvases/" + id + "/ops",
              "{\"version\":\"18\",\"op\":[{\"p\":[\"cells\",\"q\"],\"oi\":{\"kind\":\"sql\","
                  + "\"source\":\"SELECT 1\\nFROM t\\n\",\"config\":{\"limit\":5}}}]}",
              owner));
      ok(
          Http.post(
              port,
              "/v1/canvases/" + id + "/ops",
              "{\"version\":\"19\",\"op\":[{\"p\":[\"cells\",\"q\",\"source\",8],\"si\":\"0\"},"
                  + "{\"p\":[\"cells\",\"q\",\"config\",\"limit\"],\"od\":5,\"oi\":6}]}",
              owner));
      JsonNode added = ok(Http.get(port, "/v1/canvases/" + id + ":diff?from=1&to=19", owner));
      assertThat(added.path("titleChanged").asBoolean()).isTrue();
      assertThat(added.path("titleBefore").asText()).isEqualTo("T");
      assertThat(added.at("/cells/0/cellId").asText()).isEqualTo("q");
      assertThat(added.at("/cells/0/change").asText()).isEqualTo("added");
      JsonNode changed = ok(Http.get(port, "/v1/canvases/" + id + ":diff?from=19", owner));
      assertThat(changed.path("toVersion").asText()).isEqualTo("20");
      assertThat(changed.path("titleChanged").asBoolean()).isFalse();
      assertThat(changed.at("/cells/0/sourceChanged").asBoolean()).isTrue();
      assertThat(changed.at("/cells/0/sourceLines"))
          .isEqualTo(
              JSON.readTree(
                  "[{\"op\":\"delete\",\"text\":\"SELECT 1\\n\"},"
                      + "{\"op\":\"insert\",\"text\":\"SELECT 10\\n\"},"
                      + "{\"op\":\"equal\",\"text\":\"FROM t\\n\"}]"));
      assertThat(changed.at("/cells/0/config/0/path").asText()).isEqualTo("/limit");
      assertThat(changed.at("/cells/0/config/0/op").asText()).isEqualTo("replace");
      var backwards = Http.get(port, "/v1/canvases/" + id + ":diff?from=5&to=3", owner);
      assertThat(backwards.statusCode()).isEqualTo(400);
      var unknown = Http.get(port, "/v1/canvases/" + id + ":diff?from=5&to=30", owner);
      assertThat(unknown.statusCode()).isEqualTo(400);
      assertThat(unknown.body()).contains("has no version 30 yet");

      // rollback to version 5: one ordinary op, which every follower of the canvas receives
      JsonNode before = ok(Http.get(port, "/v1/canvases/" + id, owner));
      JsonNode rolled =
          ok(Http.post(port, "/v1/canvases/" + id + ":rollback", "{\"version\":\"5\"}", owner));
      assertThat(rolled.path("changed").asBoolean()).isTrue();
      assertThat(rolled.path("version").asText()).isEqualTo("21");
      assertThat(ok(Http.get(port, "/v1/canvases/" + id, owner)).path("document"))
          .isEqualTo(documents.get(5));
      JsonNode streamed = firstStreamedOp(port, id, 20, owner);
      assertThat(streamed.path("version").asText()).isEqualTo("20");
      assertThat(streamed.path("op")).isEqualTo(rolled.path("op"));
      // a follower that applies it to what it had converges on version 5
      assertThat(
              Json0.toJson(
                  Json0.apply(Json0.fromJson(before.path("document")), streamed.path("op"))))
          .isEqualTo(documents.get(5));
      // nothing to do a second time
      JsonNode again =
          ok(Http.post(port, "/v1/canvases/" + id + ":rollback", "{\"version\":\"5\"}", owner));
      assertThat(again.path("changed").asBoolean()).isFalse();
      assertThat(again.path("version").asText()).isEqualTo("21");
      // undone by its inverse, as an ordinary op
      ok(
          Http.post(
              port,
              "/v1/canvases/" + id + "/ops",
              "{\"version\":\"21\",\"op\":" + Json0.invert(rolled.path("op")) + "}",
              owner));
      assertThat(ok(Http.get(port, "/v1/canvases/" + id, owner)).path("document"))
          .isEqualTo(before.path("document"));
      var tooNew =
          Http.post(port, "/v1/canvases/" + id + ":rollback", "{\"version\":\"99\"}", owner);
      assertThat(tooNew.statusCode()).isEqualTo(400);
      assertThat(
              Http.post(port, "/v1/canvases/" + id + ":rollback", "{\"version\":\"5\"}", viewer)
                  .statusCode())
          .isEqualTo(403);
    }
  }

  /** The first op of the canvas's ops stream from {@code fromVersion} (NDJSON over HTTP). */
  static JsonNode firstStreamedOp(int port, String canvasId, long fromVersion, String token)
      throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:"
                        + port
                        + "/v1/canvases/"
                        + canvasId
                        + "/ops:stream?fromVersion="
                        + fromVersion))
            .header("authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(60))
            .build();
    HttpResponse<Stream<String>> response =
        client.send(request, HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    try (Stream<String> lines = response.body()) {
      return JSON.readTree(lines.filter(line -> !line.isBlank()).findFirst().orElseThrow());
    }
  }
}
