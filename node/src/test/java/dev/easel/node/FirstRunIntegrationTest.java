package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first run, as a new person lives it in Debian's Chromium (src/test/js/first-run-e2e.js)
 * against a node that gives new accounts their "Getting started" project: sign up, land on the
 * canvas whose query and chart already ran, the guided tour (skipped, and not shown again), the
 * arrow from the query to its chart, then their own chart of the query. Prints the time from
 * sign-up to their own chart (measured, never asserted). Needs the app in the classpath.
 */
class FirstRunIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;
  static EaselNode node;

  @BeforeAll
  static void start() throws Exception {
    node = TestNodes.start(dataDir, Map.of("easel.projects.getting-started", true));
  }

  @AfterAll
  static void stop() {
    if (node != null) node.close();
  }

  @Test
  void registeringMakesTheGettingStartedProjectWithTheSampleAndTheCanvas() throws Exception {
    int port = node.httpPort();
    var registered =
        Http.post(
            port,
            "/v1/auth:register",
            "{\"email\":\"gus@example.org\",\"password\":\"a good long password\","
                + "\"displayName\":\"Gus\"}");
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
    JsonNode answer = JSON.readTree(registered.body());
    String userId = answer.path("userId").asText();
    String projectId = answer.path("gettingStartedProjectId").asText();
    assertThat(answer.path("gettingStartedCanvasId").asText())
        .isEqualTo("getting-started-" + userId);
    var login =
        Http.post(
            port,
            "/v1/auth:login",
            "{\"email\":\"gus@example.org\",\"password\":\"a good long password\"}");
    String token = JSON.readTree(login.body()).path("accessToken").asText();

    JsonNode project = JSON.readTree(Http.get(port, "/v1/projects/" + projectId, token).body());
    assertThat(project.path("name").asText()).isEqualTo("Getting started");
    JsonNode dataset =
        JSON.readTree(
            Http.get(port, "/v1/projects/" + projectId + "/datasets/penguins", token).body());
    assertThat(dataset.toString()).contains("\"rowCount\":\"344\"");
    JsonNode canvas =
        JSON.readTree(Http.get(port, "/v1/canvases/getting-started-" + userId, token).body());
    JsonNode cells = canvas.path("document").path("cells");
    assertThat(cells.path("query").path("kind").asText()).isEqualTo("sql");
    assertThat(cells.path("query").path("source").asText()).contains("FROM penguins");
    assertThat(cells.path("chart").path("config").path("source").asText()).isEqualTo("query");
    assertThat(cells.path("note").path("kind").asText()).isEqualTo("markdown");
  }

  @Test
  void aNewPersonLandsOnAReadyCanvasAndMakesTheirOwnChart() throws Exception {
    assumeTrue(
        FirstRunIntegrationTest.class.getClassLoader().getResource("easel/web/index.html") != null,
        "the web app is not in this build (built with -DskipTypeScript)");
    WebAppIntegrationTest.ensureChromium();
    NodeScript.Result result =
        NodeScript.run(
            "first-run-e2e.js",
            "--url",
            "http://127.0.0.1:" + node.httpPort(),
            "--chromium",
            WebAppIntegrationTest.CHROMIUM.toString(),
            "--shots",
            WebAppIntegrationTest.SCREENSHOTS.toString());
    assertThat(result.exitCode()).as("%s", result).isZero();
    JsonNode verdict = JSON.readTree(result.lastLine());
    assertThat(verdict.path("ok").asBoolean()).isTrue();
    assertThat(verdict.path("landedOn").asText()).contains("/canvases/getting-started-u_");
    assertThat(verdict.path("queryPreview").asText()).contains("Adelie");
    assertThat(verdict.path("firstChartMarks").asInt()).isGreaterThan(0);
    assertThat(verdict.path("arrows").asInt()).isGreaterThanOrEqualTo(1);
    assertThat(verdict.path("tourAfterReload").asBoolean()).isFalse();
    assertThat(verdict.path("ownChart").path("mark").asText()).isEqualTo("donut");
    assertThat(verdict.path("ownChart").path("source").asText()).isEqualTo("query");
    assertThat(verdict.path("ownChartMarks").asInt()).isGreaterThan(0);
    System.out.println(
        "first run: sign-up to the person's own chart in "
            + verdict.path("secondsToOwnChart").asText()
            + " s (not asserted)");
  }
}
