package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web app as browsers get it from a real node: served at {@code /} beside (never instead of)
 * the API, and used end to end by Debian's Chromium driven by {@code playwright-core}
 * (src/test/js/web-e2e.js): two people editing and dragging on one canvas with each other's
 * presence, a viewer who cannot type, a SQL cell the server runs by itself whose result shows on
 * the cell, two-step sign-in and sign-out, and an invitation link; and
 * (src/test/js/web-collab-e2e.js) each other's named carets and live drags, and edits made offline
 * that arrive on reconnect; and (src/test/js/web-data-e2e.js) datasets dropped, previewed and
 * uploaded resumably, a million-row result scrolled to its last row, a refusal that names the roles
 * that may, the shortcuts panel and a remembered dark theme. Needs the app in the classpath (a
 * build without {@code -DskipTypeScript}); installs Chromium with apt-get when the machine has
 * none.
 */
class WebAppIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path SCREENSHOTS = Path.of("target/e2e-screenshots").toAbsolutePath();

  @TempDir static Path dataDir;
  static EaselNode node;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(
        WebAppIntegrationTest.class.getClassLoader().getResource("easel/web/index.html") != null,
        "the web app is not in this build (built with -DskipTypeScript)");
    node = TestNodes.start(dataDir);
  }

  @AfterAll
  static void stop() {
    if (node != null) node.close();
  }

  @Test
  void servesTheAppBesideTheApiWithCacheHeaders() throws Exception {
    int port = node.httpPort();
    HttpResponse<String> root = Http.get(port, "/");
    assertThat(root.statusCode()).isEqualTo(200);
    assertThat(root.headers().firstValue("content-type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(root.headers().firstValue("cache-control"))
        .hasValueSatisfying(c -> assertThat(c).contains("no-cache"));
    assertThat(root.body()).contains("<div id=\"root\">");

    // A route of the app is index.html too, so a reload or a shared link works.
    HttpResponse<String> route = Http.get(port, "/projects/p1/canvases/c1");
    assertThat(route.statusCode()).isEqualTo(200);
    assertThat(route.body()).isEqualTo(root.body());

    Matcher script = Pattern.compile("src=\"(/assets/[^\"]+\\.js)\"").matcher(root.body());
    assertThat(script.find()).as("index.html names its script: %s", root.body()).isTrue();
    HttpResponse<String> asset = Http.get(port, script.group(1));
    assertThat(asset.statusCode()).isEqualTo(200);
    assertThat(asset.headers().firstValue("cache-control"))
        .hasValueSatisfying(c -> assertThat(c).contains("immutable"));
    assertThat(Http.get(port, "/assets/no-such-file.js").statusCode()).isEqualTo(404);

    // The API's paths stay the API's: unknown ones are its 404s, not the app's page.
    for (String path :
        List.of("/v1/no-such-thing", "/ws/x", "/graphql/x", "/auth", "/.well-known/x")) {
      HttpResponse<String> refused = Http.get(port, path);
      assertThat(refused.statusCode()).as(path).isEqualTo(404);
      assertThat(refused.body()).as(path).doesNotContain("<div id=\"root\">");
    }
    assertThat(JSON.readTree(Http.get(port, "/health").body()).path("status").asText())
        .isEqualTo("UP");
    HttpResponse<String> changed =
        Http.CLIENT.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/projects"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "application/json")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(changed.statusCode()).isEqualTo(404);

    // The sign-in page offers the providers the server has (none here).
    JsonNode providers = JSON.readTree(Http.get(port, "/v1/auth/oidc").body());
    assertThat(providers.path("providers").isArray()).isTrue();
    assertThat(providers.path("providers")).isEmpty();
  }

  @Test
  void twoPeopleEditAndDragOnOneCanvasAViewerCannotTypeAndTwoStepSignInWorks() throws Exception {
    JsonNode verdict = runInChromium("web-e2e.js");
    assertThat(verdict.path("typed").asText())
        .isEqualTo("SELECT region, count(*) FROM orders GROUP BY region -- checked by Bob;");
    assertThat(verdict.path("viewerEditable").asText()).isEqualTo("false");
    assertThat(verdict.path("layoutAfter").path("x").asInt())
        .isGreaterThan(verdict.path("layoutBefore").path("x").asInt());
    assertThat(SCREENSHOTS.resolve("canvas-two-collaborators.png")).isNotEmptyFile();
    assertThat(verdict.path("answerHeader").asText()).startsWith("answer");
    assertThat(SCREENSHOTS.resolve("canvas-sql-cell-run.png")).isNotEmptyFile();
    assertThat(verdict.path("twoStepSignIn").asBoolean()).isTrue();
    assertThat(verdict.path("invitationAccepted").asBoolean()).isTrue();
  }

  @Test
  void collaboratorsSeeEachOthersCaretsAndDragsAndOfflineEditsArriveOnReconnect() throws Exception {
    JsonNode verdict = runInChromium("web-collab-e2e.js");
    assertThat(verdict.at("/caretsSeen/byBob/label").asText()).isEqualTo("Alice Analyst");
    assertThat(verdict.at("/caretsSeen/byAlice/label").asText()).isEqualTo("Bob Builder");
    // the drag travelled as presence: the document changed on the drop only
    assertThat(verdict.path("layoutDuring")).isEqualTo(verdict.path("layoutBefore"));
    assertThat(verdict.at("/layoutAfter/x").asInt())
        .isGreaterThan(verdict.at("/layoutBefore/x").asInt());
    assertThat(verdict.path("afterOffline").toString())
        .contains("/* Alice */ ", " -- offline by Bob", "written offline");
    assertThat(SCREENSHOTS.resolve("canvas-live-carets.png")).isNotEmptyFile();
    assertThat(SCREENSHOTS.resolve("canvas-live-carets-dark.png")).isNotEmptyFile();
  }

  @Test
  void datasetsUploadAndPreviewAMillionRowResultScrollsToItsEndHelpThemesAndRefusals()
      throws Exception {
    JsonNode verdict = runInChromium("web-data-e2e.js");
    assertThat(verdict.path("salesRows").asText()).isEqualTo("3");
    assertThat(verdict.path("brokenMessage").asText()).contains("line 3");
    assertThat(verdict.path("eventRows").asText()).isEqualTo("600,000");
    assertThat(verdict.path("uploadRanges").get(2).asText()).startsWith("bytes */");
    assertThat(verdict.path("lastRowNumber").asText()).isEqualTo("1,000,000");
    assertThat(verdict.path("refusal").asText())
        .contains("Only editors and owners may upload or rename datasets");
    assertThat(SCREENSHOTS.resolve("result-grid-last-row.png")).isNotEmptyFile();
  }

  /** Runs an e2e script of src/test/js against the node, in Chromium; its verdict, once ok. */
  private static JsonNode runInChromium(String script) throws Exception {
    ensureChromium();
    NodeScript.Result result =
        NodeScript.run(
            script,
            "--url",
            "http://127.0.0.1:" + node.httpPort(),
            "--chromium",
            CHROMIUM.toString(),
            "--shots",
            SCREENSHOTS.toString());
    assertThat(result.exitCode()).as("%s", result).isZero();
    JsonNode verdict = JSON.readTree(result.lastLine());
    assertThat(verdict.path("ok").asBoolean()).isTrue();
    return verdict;
  }

  /** Debian's Chromium, installed with apt-get when the machine has none (no browser download). */
  static void ensureChromium() throws IOException, InterruptedException {
    if (Files.isExecutable(CHROMIUM)) return;
    run(List.of("apt-get", "update", "-qq"));
    run(List.of("apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"));
    assertThat(CHROMIUM).as("apt-get installed chromium").isExecutable();
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Path log = Files.createTempFile("easel-apt", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
    int exit;
    try {
      exit = builder.start().waitFor();
    } catch (IOException e) {
      throw new IOException(
          "Chromium is missing and apt-get could not be run ("
              + e.getMessage()
              + "); install Debian's chromium package",
          e);
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    Files.deleteIfExists(log);
    assertThat(exit)
        .as("%s (needs root to install chromium) failed:%n%s", String.join(" ", command), output)
        .isZero();
  }
}
