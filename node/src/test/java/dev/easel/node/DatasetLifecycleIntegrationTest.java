package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a project's datasets leave behind, through the public API of a real node: each upload,
 * rename and delete is an entry of the project's activity feed (for members) and audit log (for
 * owners, with where it came from); deleting the project deletes its dataset files and its query
 * database, and nothing of another project.
 */
class DatasetLifecycleIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;

  @Test
  void datasetChangesAreInTheActivityFeedAndTheAuditLog() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      String ann = Http.signUp(port, "ann@example.org");
      String project = Http.createProject(port, ann, "Lifecycle");
      String datasets = "/v1/projects/" + project + "/datasets/";
      String datasetId =
          created(Http.uploadCsv(port, ann, project, "sales", "a,b\n1,2\n"))
              .path("dataset")
              .path("datasetId")
              .asText();
      created(Http.uploadCsv(port, ann, project, "sales", "a,b\n3,4\n"));
      ok(Http.post(port, datasets + "sales:rename", "{\"newName\":\"orders\"}", ann));
      ok(Http.send(port, "DELETE", datasets + "orders", null, ann));

      JsonNode feed = ok(Http.get(port, "/v1/projects/" + project + "/activity", ann));
      List<JsonNode> entries = new ArrayList<>();
      feed.path("entries").forEach(entries::add);
      assertThat(entries)
          .extracting(
              e -> e.path("kind").asText(),
              e -> e.path("datasetId").asText(),
              e -> e.path("datasetName").asText(),
              e -> e.path("previousDatasetName").asText(),
              e -> e.path("datasetVersion").asLong(0))
          .startsWith(
              tuple("dataset_deleted", datasetId, "orders", "", 0L),
              tuple("dataset_renamed", datasetId, "orders", "sales", 0L),
              tuple("dataset_uploaded", datasetId, "sales", "", 2L),
              tuple("dataset_uploaded", datasetId, "sales", "", 1L));
      assertThat(entries.get(0).path("actorDisplayName").asText()).isNotEmpty();

      JsonNode log = ok(Http.get(port, "/v1/projects/" + project + "/auditEvents", ann));
      List<JsonNode> events = new ArrayList<>();
      log.path("events").forEach(events::add);
      assertThat(events.subList(0, 4))
          .extracting(e -> e.path("kind").asText(), e -> e.path("datasetName").asText())
          .containsExactly(
              tuple("dataset_deleted", "orders"),
              tuple("dataset_renamed", "orders"),
              tuple("dataset_uploaded", "sales"),
              tuple("dataset_uploaded", "sales"));
      assertThat(events.subList(0, 4))
          .allSatisfy(
              e -> {
                assertThat(e.path("clientAddress").asText()).isEqualTo("127.0.0.1");
                assertThat(e.path("userAgent").asText()).isNotEmpty();
                assertThat(e.path("actorUserId").asText()).isNotEmpty();
              });
    }
  }

  @Test
  void deletingAProjectDeletesItsDatasetFilesAndQueryDatabase() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      String ann = Http.signUp(port, "ann@example.org");
      String doomed = Http.createProject(port, ann, "Doomed");
      String kept = Http.createProject(port, ann, "Kept");
      for (String project : List.of(doomed, kept)) {
        created(Http.uploadCsv(port, ann, project, "sales", "a,b\n1,2\n"));
        JsonNode counted =
            ok(
                Http.post(
                    port,
                    "/v1/projects/" + project + "/queries:execute",
                    "{\"sql\":\"SELECT count(*) AS n FROM sales\"}",
                    ann));
        assertThat(counted.path("rows").toString()).isEqualTo("[[\"1\"]]");
      }
      Path doomedFiles = dataDir.resolve("datasets").resolve(doomed);
      Path doomedDatabase = dataDir.resolve("query").resolve(doomed + ".duckdb");
      Path keptFiles = dataDir.resolve("datasets").resolve(kept);
      Path keptDatabase = dataDir.resolve("query").resolve(kept + ".duckdb");
      assertThat(doomedFiles).isDirectory();
      assertThat(doomedDatabase).exists();

      ok(Http.send(port, "DELETE", "/v1/projects/" + doomed, null, ann));

      // The files go before the deletion is answered; every node's query database on its own.
      assertThat(doomedFiles).doesNotExist();
      awaitGone(doomedDatabase);
      assertThat(keptFiles).isDirectory();
      assertThat(keptDatabase).exists();
      JsonNode again =
          ok(
              Http.post(
                  port,
                  "/v1/projects/" + kept + "/queries:execute",
                  "{\"sql\":\"SELECT a FROM sales\"}",
                  ann));
      assertThat(again.path("rows").toString()).isEqualTo("[[\"1\"]]");
      HttpResponse<String> gone =
          Http.post(
              port, "/v1/projects/" + doomed + "/queries:execute", "{\"sql\":\"SELECT 1\"}", ann);
      assertThat(gone.statusCode()).as(gone.body()).isEqualTo(404);
    }
  }

  /** Waits, a minute at most, for {@code file} to be deleted. */
  private static void awaitGone(Path file) throws InterruptedException {
    for (int i = 0; i < 600 && Files.exists(file); i++) Thread.sleep(100);
    assertThat(file).doesNotExist();
  }

  private static JsonNode created(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return JSON.readTree(response.body());
  }

  private static JsonNode ok(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }
}
