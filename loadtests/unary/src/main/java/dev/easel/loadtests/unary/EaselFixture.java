package dev.easel.loadtests.unary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * What the benchmark needs on a running Easel node, set up through its REST API the way a user
 * would: a fresh account (sign-up, sign-in), a project, and one canvas holding a realistic document
 * of six cells (markdown, SQL, a chart, an input, an AI prompt) added with one op. Keeps the access
 * token fresh (signs in again when it is about to expire). Loopback addresses only.
 */
final class EaselFixture {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final URI base;
  private final String email = "bench-" + UUID.randomUUID() + "@example.com";
  private final String password = "bench-" + UUID.randomUUID();
  private String accessToken;
  private Instant tokenExpires = Instant.EPOCH;
  private String canvasId;
  private long canvasVersion;

  EaselFixture(URI base) {
    if (!"127.0.0.1".equals(base.getHost())) {
      throw new IllegalArgumentException(base + ": loopback (127.0.0.1) only");
    }
    this.base = base;
  }

  /** Signs up, signs in, creates the project and the canvas with its cells. */
  void create() throws IOException, InterruptedException {
    ObjectNode register = JSON.createObjectNode();
    register.put("email", email).put("password", password).put("displayName", "Unary bench");
    call("POST", "/v1/auth:register", register, false);
    signIn();
    ObjectNode project = JSON.createObjectNode().put("name", "Unary bench");
    String projectId = call("POST", "/v1/projects", project, true).path("projectId").asText();
    ObjectNode canvas = JSON.createObjectNode().put("title", "Quarterly revenue review");
    JsonNode created = call("POST", "/v1/projects/" + projectId + "/canvases", canvas, true);
    canvasId = created.path("canvasId").asText();
    ObjectNode submit = JSON.createObjectNode();
    submit.put("version", created.path("version").asLong());
    submit.set("op", cells());
    submit.put("src", "unary-bench").put("seq", 1);
    JsonNode applied = call("POST", "/v1/canvases/" + canvasId + "/ops", submit, true);
    // applied at that version, so the canvas is now at the next one
    canvasVersion = applied.path("version").asLong() + 1;
  }

  String canvasId() {
    return canvasId;
  }

  long canvasVersion() {
    return canvasVersion;
  }

  /** A token valid for at least {@code margin} more: the current one, else a new sign-in. */
  String accessToken(Duration margin) throws IOException, InterruptedException {
    if (Instant.now().plus(margin).isAfter(tokenExpires)) signIn();
    return accessToken;
  }

  private void signIn() throws IOException, InterruptedException {
    ObjectNode login = JSON.createObjectNode().put("email", email).put("password", password);
    Instant asked = Instant.now();
    JsonNode tokens = call("POST", "/v1/auth:login", login, false);
    accessToken = tokens.path("accessToken").asText();
    long seconds = tokens.path("expiresIn").asLong(15 * 60);
    tokenExpires = asked.plusSeconds(seconds);
  }

  /** The op that adds the six cells: one {@code oi} per cell. */
  private static ArrayNode cells() {
    ArrayNode op = JSON.createArrayNode();
    addCell(
        op,
        "intro",
        "markdown",
        "Intro",
        "# Quarterly revenue review\n\nRevenue by region and month for the current fiscal year,"
            + " with the forecast the finance team asked for. Numbers are in EUR; refunds are"
            + " netted out on the day they are issued.",
        layout(0, 0, 12, 3),
        null);
    ObjectNode sqlConfig =
        JSON.createObjectNode().put("connection", "warehouse").put("limit", 5000);
    addCell(
        op,
        "revenue",
        "sql",
        "revenue_by_month",
        "SELECT region, date_trunc('month', ordered_at) AS month, sum(amount) AS revenue,\n"
            + "       count(DISTINCT customer_id) AS customers\n"
            + "FROM orders\n"
            + "WHERE ordered_at >= DATE '2025-01-01' AND status <> 'cancelled'\n"
            + "  AND region = {{region}}\n"
            + "GROUP BY 1, 2\n"
            + "ORDER BY 1, 2",
        layout(0, 3, 6, 8),
        sqlConfig);
    ObjectNode chartConfig = JSON.createObjectNode();
    chartConfig.put("type", "line").put("x", "month").put("series", "region");
    chartConfig.putArray("y").add("revenue").add("customers");
    chartConfig.put("title", "Revenue and customers by month").put("stacked", false);
    addCell(op, "trend", "chart", "Trend", "revenue_by_month", layout(6, 3, 6, 8), chartConfig);
    ObjectNode inputConfig = JSON.createObjectNode().put("default", "EMEA");
    inputConfig.putArray("options").add("EMEA").add("AMER").add("APAC");
    addCell(op, "region", "input", "region", "EMEA", layout(0, 11, 3, 2), inputConfig);
    addCell(
        op,
        "summary",
        "ai",
        "Summary",
        "Summarise the month-over-month trend of revenue_by_month for {{region}} in three"
            + " sentences, and name the month with the largest drop.",
        layout(3, 11, 9, 4),
        JSON.createObjectNode().put("model", "default").put("temperature", 0.2));
    addCell(
        op,
        "notes",
        "markdown",
        "Notes",
        "- March includes the one-off licence deal in APAC.\n- Q2 forecast uses last year's"
            + " seasonality.",
        layout(0, 15, 12, 2),
        null);
    return op;
  }

  private static ObjectNode layout(int x, int y, int w, int h) {
    return JSON.createObjectNode().put("x", x).put("y", y).put("w", w).put("h", h);
  }

  private static void addCell(
      ArrayNode op,
      String id,
      String kind,
      String name,
      String source,
      ObjectNode layout,
      ObjectNode config) {
    ObjectNode cell = JSON.createObjectNode().put("kind", kind).put("name", name);
    cell.put("source", source);
    cell.set("layout", layout);
    if (config != null) cell.set("config", config);
    ObjectNode component = op.addObject();
    component.putArray("p").add("cells").add(id);
    component.set("oi", cell);
  }

  /** One REST call that must answer 2xx with JSON; returns the JSON. */
  private JsonNode call(String method, String path, JsonNode body, boolean signedIn)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(CALL_TIMEOUT)
            .header("content-type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (signedIn) request.header("authorization", "Bearer " + accessToken);
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      String text = response.body();
      throw new IOException(
          method
              + " "
              + path
              + " -> HTTP "
              + response.statusCode()
              + " "
              + text.substring(0, Math.min(300, text.length())));
    }
    return JSON.readTree(response.body());
  }
}
