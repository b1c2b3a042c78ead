package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} of a real node, scraped as Prometheus does, after real work: ops over {@code
 * /ws}, a query, REST calls. Each meter the node documents is checked against what was done.
 */
class MetricsIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** One sample line of the text format: name, labels, value. */
  static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);

  /** A meter's name in a PromQL expression of the dashboard. */
  static final Pattern METER = Pattern.compile("\\b(?:easel|jvm|process)_[a-z_]+\\b");

  @TempDir Path dataDir;

  @Test
  void countsWhatTheNodeDid() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      String token = Http.signUp(port, "metrics@example.com");
      String project = Http.createProject(port, token, "Metrics");
      String canvas =
          JSON.readTree(
                  Http.post(
                          port, "/v1/projects/" + project + "/canvases", "{\"title\":\"m\"}", token)
                      .body())
              .path("canvasId")
              .asText();

      ShareDbTestSocket socket = ShareDbTestSocket.open(port, "Authorization", "Bearer " + token);
      int ops = 5;
      try {
        for (int i = 0; i < ops; i++) {
          JsonNode ack =
              socket.request(
                  "{\"a\":\"op\",\"c\":\"canvases\",\"d\":\""
                      + canvas
                      + "\",\"v\":"
                      + (1 + i)
                      + ",\"src\":\"metrics\",\"seq\":"
                      + (1 + i)
                      + ",\"op\":[{\"p\":[\"title\",0],\"si\":\"x\"}]}");
          assertThat(ack.has("error")).as(ack.toString()).isFalse();
        }
        // An op the canvas refuses (it would make the document invalid) is counted as refused.
        JsonNode refused =
            socket.request(
                "{\"a\":\"op\",\"c\":\"canvases\",\"d\":\""
                    + canvas
                    + "\",\"v\":"
                    + (1 + ops)
                    + ",\"src\":\"metrics\",\"seq\":"
                    + (1 + ops)
                    + ",\"op\":[{\"p\":[\"title\"],\"od\":\"mxxxxx\",\"oi\":7}]}");
        assertThat(refused.has("error")).as(refused.toString()).isTrue();

        Map<String, Double> open = scrape(port);
        assertThat(open.get("easel_sharedb_sockets")).isEqualTo(1.0);
        assertThat(open.get("easel_sharedb_acks_seconds_count{collection=\"canvases\"}"))
            .isEqualTo((double) ops);
        assertThat(open.get("easel_sharedb_refused_total{collection=\"canvases\"}")).isEqualTo(1.0);
      } finally {
        socket.webSocket().abort();
      }

      var query =
          Http.post(
              port,
              "/v1/projects/" + project + "/queries:execute",
              "{\"sql\":\"SELECT 42 AS answer\"}",
              token);
      assertThat(query.statusCode()).as(query.body()).isEqualTo(200);

      // Shard counts are asked of the regions every few seconds: wait for the canvas's.
      Map<String, Double> metrics = scrape(port);
      for (int i = 0; i < 300 && entities(metrics, "Canvas") < 1; i++) {
        Thread.sleep(100);
        metrics = scrape(port);
      }
      assertThat(entities(metrics, "Canvas")).isGreaterThanOrEqualTo(1.0);
      assertThat(metrics.get("easel_sharding_shards{type=\"Canvas\"}")).isGreaterThanOrEqualTo(1);

      for (int i = 0; i < 100 && metrics.getOrDefault("easel_sharedb_sockets", 1.0) > 0; i++) {
        Thread.sleep(100);
        metrics = scrape(port);
      }
      assertThat(metrics.get("easel_sharedb_sockets")).isEqualTo(0.0);
      assertThat(metrics.get("easel_cluster_members{status=\"up\"}")).isEqualTo(1.0);
      assertThat(metrics.get("easel_cluster_up")).isEqualTo(1.0);
      assertThat(metrics.get("easel_cluster_unreachable")).isEqualTo(0.0);
      // Account, project, canvas and every op were written to the journal.
      assertThat(metrics.get("easel_journal_events_total")).isGreaterThan((double) ops + 2);
      assertThat(metrics.get("easel_journal_writes_seconds_count")).isGreaterThan(2.0);
      assertThat(metrics.get("easel_journal_write_failures_total{kind=\"failed\"}")).isEqualTo(0.0);
      assertThat(metrics.get("easel_query_runs_seconds_count")).isGreaterThanOrEqualTo(1.0);
      assertThat(metrics.get("easel_query_queued")).isEqualTo(0.0);
      assertThat(metrics.get("easel_query_running")).isEqualTo(0.0);
      assertThat(
              metrics.entrySet().stream()
                  .filter(
                      e ->
                          e.getKey().startsWith("easel_http_requests_total{")
                              && e.getKey().contains("ExecuteQuery")
                              && e.getKey().contains("http_status=\"200\""))
                  .mapToDouble(Map.Entry::getValue)
                  .sum())
          .isEqualTo(1.0);
      assertThat(metrics.get("jvm_memory_used_bytes{area=\"heap\",id=\"G1 Eden Space\"}"))
          .isNotNull();
      assertThat(metrics.get("process_uptime_seconds")).isGreaterThan(0.0);

      // Every meter the Grafana dashboard plots is one the node serves.
      JsonNode dashboard =
          JSON.readTree(Path.of("..", "helm", "grafana", "easel-dashboard.json").toFile());
      Set<String> plotted = new TreeSet<>();
      for (JsonNode panel : dashboard.path("panels")) {
        for (JsonNode target : panel.path("targets")) {
          Matcher name = METER.matcher(target.path("expr").asText());
          while (name.find()) plotted.add(name.group());
        }
      }
      assertThat(plotted).hasSizeGreaterThan(15);
      Map<String, Double> served = metrics;
      for (String name : plotted) {
        assertThat(served.keySet())
            .as("the dashboard plots %s", name)
            .anyMatch(key -> key.equals(name) || key.startsWith(name + "{"));
      }

      // OpenMetrics for a scraper that asks for it.
      HttpResponse<String> openMetrics =
          Http.CLIENT.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                  .header("Accept", "application/openmetrics-text; version=1.0.0")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(openMetrics.headers().firstValue("content-type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("application/openmetrics-text"));
      assertThat(openMetrics.body().strip()).endsWith("# EOF");
    }
  }

  private static double entities(Map<String, Double> metrics, String type) {
    return metrics.getOrDefault("easel_sharding_entities{type=\"" + type + "\"}", 0.0);
  }

  /** The samples of one scrape, keyed by name and labels as printed; no label values repeat. */
  static Map<String, Double> scrape(int port) throws Exception {
    HttpResponse<String> answer = Http.get(port, "/metrics");
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
    Map<String, Double> samples = new HashMap<>();
    Matcher m = SAMPLE.matcher(answer.body());
    while (m.find()) {
      String labels = m.group(2) == null ? "" : m.group(2);
      samples.put(m.group(1) + labels, Double.parseDouble(m.group(3)));
    }
    assertThat(samples).isNotEmpty();
    return samples;
  }
}
