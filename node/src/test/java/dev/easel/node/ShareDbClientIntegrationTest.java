package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code sharedb} npm client, in Node, against a real node started here: concurrent
 * editing, offline edits and resubmission, hostile frames, and a restart that keeps every
 * acknowledged op. The scripts live in src/test/js and print one JSON verdict each.
 */
class ShareDbClientIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final long SEED = Long.getLong("easel.seed", System.nanoTime() % 100_000);

  @TempDir static Path dataDir;
  static EaselNode node;

  @BeforeAll
  static void start() throws Exception {
    System.out.println("seed " + SEED + " (replay with -Deasel.seed=" + SEED + ")");
    node = TestNodes.start(dataDir);
  }

  @AfterAll
  static void stop() {
    if (node != null) node.close();
  }

  static String url() {
    return "ws://127.0.0.1:" + node.httpPort() + "/ws";
  }

  static JsonNode verdict(NodeScript.Result result) throws Exception {
    assertThat(result.exitCode()).as("%s", result).isZero();
    return JSON.readTree(result.lastLine());
  }

  @Test
  void eightClientsEditingConcurrentlyConverge() throws Exception {
    JsonNode verdict =
        verdict(
            NodeScript.run(
                "concurrent-edits.js",
                "--url",
                url(),
                "--canvas",
                "concurrent-" + SEED,
                "--seed",
                String.valueOf(SEED),
                "--auth",
                "--viewer-check"));
    assertThat(verdict.path("ok").asBoolean()).isTrue();
    assertThat(verdict.path("clients").asInt()).isEqualTo(8);
    assertThat(verdict.path("version").asLong()).isGreaterThan(100);
  }

  @Test
  void offlineEditsAndResubmittedOpsLandExactlyOnce() throws Exception {
    JsonNode verdict =
        verdict(
            NodeScript.run(
                "offline-edits.js",
                "--url",
                url(),
                "--canvas",
                "offline-" + SEED,
                "--seed",
                String.valueOf(SEED),
                "--auth"));
    assertThat(verdict.path("ok").asBoolean()).isTrue();
    for (JsonNode count : verdict.path("offline").path("markers")) {
      assertThat(count.asInt()).isEqualTo(1);
    }
  }

  @Test
  void hostileFramesGetClearErrorsAndTheConnectionKeepsWorking() throws Exception {
    JsonNode verdict =
        verdict(
            NodeScript.run(
                "protocol-probe.js",
                "--url",
                url(),
                "--expect-open",
                "--bytes",
                "2097152",
                "--auth",
                "--expect-auth"));
    // The script itself fails when an invalid op is acknowledged, a frame goes unanswered, or
    // the connection stops answering; the oversized frame must close the socket with 1009.
    assertThat(verdict.path("ok").asBoolean()).isTrue();
    assertThat(verdict.toString()).contains("1009");
  }

  @Test
  void presenceIsBroadcastToTheOthersAndClearedWhenAClientLeaves() throws Exception {
    JsonNode verdict =
        verdict(
            NodeScript.run(
                "presence.js",
                "--url",
                url(),
                "--canvas",
                "presence-" + SEED,
                "--auth",
                "--viewer-check"));
    assertThat(verdict.path("ok").asBoolean()).isTrue();
    // presence is ephemeral: the canvas is still at the version its creation gave it
    assertThat(verdict.path("version").asLong()).isEqualTo(1);
  }

  @Test
  void everyAcknowledgedOpSurvivesARestart() throws Exception {
    Path restartDir = Files.createDirectories(dataDir.resolve("restart"));
    EaselNode first = TestNodes.start(restartDir);
    NodeScript.Result written;
    try {
      written =
          NodeScript.run(
              "restart-check.js",
              "--url",
              "ws://127.0.0.1:" + first.httpPort() + "/ws",
              "--phase",
              "write",
              "--seed",
              String.valueOf(SEED),
              "--auth");
      verdict(written);
    } finally {
      first.close();
    }
    Path expectation = Files.writeString(dataDir.resolve("expect.json"), written.lastLine());
    EaselNode second = TestNodes.start(restartDir);
    try {
      JsonNode verdict =
          verdict(
              NodeScript.run(
                  "restart-check.js",
                  "--url",
                  "ws://127.0.0.1:" + second.httpPort() + "/ws",
                  "--phase",
                  "verify",
                  "--expect",
                  expectation.toString(),
                  "--write-after"));
      assertThat(verdict.path("ok").asBoolean()).isTrue();
    } finally {
      second.close();
    }
  }
}
