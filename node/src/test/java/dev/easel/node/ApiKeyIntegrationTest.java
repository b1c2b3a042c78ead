package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API keys as credentials, against a real node: a partner system sends {@code Authorization: Bearer
 * ek_...} or {@code x-api-key}, and acts for the key's owner within the key's scopes and project; a
 * revoked key signs nothing in, and its open socket is closed; so is the socket of a sign-in that
 * logs out.
 */
class ApiKeyIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PASSWORD = "partner systems rule";

  @TempDir Path dataDir;

  /** How a request carries its credential. */
  enum Carrier {
    BEARER,
    X_API_KEY
  }

  record Api(int port) {
    HttpResponse<String> send(
        String method, String path, String json, String credential, Carrier carrier)
        throws Exception {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(Duration.ofSeconds(30))
              .method(
                  method,
                  json == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(json));
      if (json != null) request.header("content-type", "application/json");
      if (credential != null) {
        if (carrier == Carrier.BEARER) request.header("authorization", "Bearer " + credential);
        else request.header("x-api-key", credential);
      }
      return Http.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String credential) throws Exception {
      return send("GET", path, null, credential, Carrier.BEARER);
    }

    HttpResponse<String> post(String path, String json, String credential) throws Exception {
      return send("POST", path, json, credential, Carrier.BEARER);
    }

    JsonNode ok(HttpResponse<String> response) throws Exception {
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return JSON.readTree(response.body());
    }

    /** Registers and signs in; returns the token pair. */
    JsonNode signUp(String email) throws Exception {
      ok(
          post(
              "/v1/auth:register",
              JSON.createObjectNode()
                  .put("email", email)
                  .put("password", PASSWORD)
                  .put("displayName", "Partner Admin")
                  .toString(),
              null));
      return ok(
          post(
              "/v1/auth:login",
              JSON.createObjectNode().put("email", email).put("password", PASSWORD).toString(),
              null));
    }

    String project(String token, String name) throws Exception {
      return ok(post("/v1/projects", JSON.createObjectNode().put("name", name).toString(), token))
          .path("projectId")
          .asText();
    }

    String canvas(String token, String projectId, String title) throws Exception {
      return ok(post(
              "/v1/projects/" + projectId + "/canvases",
              JSON.createObjectNode().put("title", title).toString(),
              token))
          .path("canvasId")
          .asText();
    }

    /** Creates a key and returns the whole response ({keyId, secret, apiKey}). */
    JsonNode key(String token, String name, String projectId, String... scopes) throws Exception {
      var request = JSON.createObjectNode().put("name", name);
      var list = request.putArray("scopes");
      for (String scope : scopes) list.add(scope);
      if (projectId != null) request.put("projectId", projectId);
      return ok(post("/v1/apiKeys", request.toString(), token));
    }

    long version(String canvasId, String credential) throws Exception {
      return ok(get("/v1/canvases/" + canvasId, credential)).path("version").asLong();
    }

    HttpResponse<String> submitTitle(String canvasId, long version, String credential)
        throws Exception {
      return post(
          "/v1/canvases/" + canvasId + "/ops",
          "{\"version\":" + version + ",\"op\":[{\"p\":[\"title\",0],\"si\":\"k\"}]}",
          credential);
    }
  }

  @Test
  void keysActForTheirOwnerWithinTheirScopesAndProject() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      Api api = new Api(node.httpPort());
      String token = api.signUp("keys@example.org").path("accessToken").asText();
      String projectA = api.project(token, "Alpha");
      String projectB = api.project(token, "Beta");
      String canvasA = api.canvas(token, projectA, "In alpha");
      String canvasB = api.canvas(token, projectB, "In beta");

      JsonNode readA = api.key(token, "Reader of alpha", projectA, "read");
      String readerOfA = readA.path("secret").asText();
      assertThat(readerOfA).startsWith("ek_" + readA.path("keyId").asText() + "_");
      String writer = api.key(token, "Writer", null, "write").path("secret").asText();
      String admin = api.key(token, "Admin", null, "admin").path("secret").asText();

      // A key reads as its owner, sent either way.
      for (Carrier carrier : Carrier.values()) {
        var canvas = api.send("GET", "/v1/canvases/" + canvasA, null, readerOfA, carrier);
        assertThat(api.ok(canvas).path("title").asText()).isEqualTo("In alpha");
      }

      // A key of one project sees only that project; others are not found, as for a stranger.
      JsonNode projects = api.ok(api.get("/v1/projects", readerOfA)).path("projects");
      assertThat(projects).hasSize(1);
      assertThat(projects.get(0).path("projectId").asText()).isEqualTo(projectA);
      assertThat(api.ok(api.get("/v1/projects", writer)).path("projects")).hasSize(2);
      var otherProject = api.get("/v1/projects/" + projectB, readerOfA);
      assertThat(otherProject.statusCode()).isEqualTo(404);
      assertThat(otherProject.body()).contains("PROJECT_NOT_FOUND");
      var otherCanvas = api.get("/v1/canvases/" + canvasB, readerOfA);
      assertThat(otherCanvas.statusCode()).isEqualTo(404);
      assertThat(otherCanvas.body()).contains("CANVAS_NOT_FOUND");
      JsonNode canvases = api.ok(api.get("/v1/canvases", readerOfA)).path("canvases");
      assertThat(canvases).hasSize(1);
      assertThat(canvases.get(0).path("canvasId").asText()).isEqualTo(canvasA);
      // ... and may not do what concerns no single project.
      String writerOfA =
          api.key(token, "Writer of alpha", projectA, "write").path("secret").asText();
      var newProject = api.post("/v1/projects", "{\"name\":\"Gamma\"}", writerOfA);
      assertThat(newProject.statusCode()).isEqualTo(403);
      assertThat(newProject.body()).contains("limited to project " + projectA);

      // A read key cannot write: the op is refused and the canvas is unchanged.
      long before = api.version(canvasA, token);
      var refused = api.submitTitle(canvasA, before, readerOfA);
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.body()).contains("needs the write scope, which this API key lacks");
      assertThat(api.version(canvasA, token)).isEqualTo(before);
      // A write key writes, in any project of its owner, and can read what it writes.
      assertThat(api.submitTitle(canvasB, api.version(canvasB, writer), writer).statusCode())
          .isEqualTo(200);
      assertThat(api.ok(api.get("/v1/canvases/" + canvasB, writer)).path("title").asText())
          .startsWith("k");
      // Renaming a project is a write, adding members needs admin.
      var member =
          "{\"email\":\"someone@example.org\",\"role\":\"viewer\"}"; // not registered: refused
      var byWriter = api.post("/v1/projects/" + projectA + "/members", member, writer);
      assertThat(byWriter.statusCode()).isEqualTo(403);
      assertThat(byWriter.body()).contains("needs the admin scope, which this API key lacks");
      var byAdmin = api.post("/v1/projects/" + projectA + "/members", member, admin);
      assertThat(byAdmin.statusCode()).as(byAdmin.body()).isNotEqualTo(403).isNotEqualTo(401);

      // What only a person may do is refused to every key.
      for (String path : new String[] {"/v1/users/me", "/v1/apiKeys", "/v1/users/me/securityLog"}) {
        var asKey = api.get(path, admin);
        assertThat(asKey.statusCode()).as(path).isEqualTo(403);
        assertThat(asKey.body()).contains("API keys cannot make this call");
      }
      assertThat(
              api.post("/v1/apiKeys", "{\"name\":\"x\",\"scopes\":[\"read\"]}", admin).statusCode())
          .isEqualTo(403);

      // The owner sees when each key was last used; never a secret.
      JsonNode listed = api.ok(api.get("/v1/apiKeys", token)).path("apiKeys");
      assertThat(listed).hasSize(4);
      listed.forEach(key -> assertThat(key.path("lastUsedAt").asText()).isNotEmpty());
      assertThat(listed.toString()).doesNotContain(readerOfA.substring(25));

      // Malformed, unknown, wrong-secret and revoked keys: one refusal that repeats nothing.
      String keyId = readA.path("keyId").asText();
      String wrongSecret = "ek_" + keyId + "_" + "A".repeat(42) + "E";
      String unknown = "ek_aaaaaaaaaaaaaaaa_" + readerOfA.substring(readerOfA.length() - 43);
      api.ok(api.send("DELETE", "/v1/apiKeys/" + keyId, null, token, Carrier.BEARER));
      for (String bad : new String[] {"ek_nonsense", wrongSecret, unknown, readerOfA}) {
        for (Carrier carrier : Carrier.values()) {
          var answer = api.send("GET", "/v1/projects", null, bad, carrier);
          assertThat(answer.statusCode()).as(bad).isEqualTo(401);
          assertThat(answer.body()).contains("API key refused").doesNotContain(bad);
        }
      }
      // Two credentials at once are refused rather than guessed between.
      HttpRequest both =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/v1/projects"))
              .header("authorization", "Bearer " + token)
              .header("x-api-key", writer)
              .build();
      var twice = Http.CLIENT.send(both, HttpResponse.BodyHandlers.ofString());
      assertThat(twice.statusCode()).isEqualTo(401);
      assertThat(twice.body()).contains("not both");
    }
  }

  @Test
  void socketsOfRevokedKeysAndEndedSignInsAreClosed() throws Exception {
    try (EaselNode node =
        TestNodes.start(
            dataDir, Map.<String, Object>of("easel.http.socket-recheck-interval", "1s"))) {
      Api api = new Api(node.httpPort());
      JsonNode pair = api.signUp("sockets@example.org");
      String token = pair.path("accessToken").asText();
      String project = api.project(token, "Live");
      String canvas = api.canvas(token, project, "Watched");
      JsonNode key = api.key(token, "Watcher", project, "read");

      long version = api.version(canvas, token);
      // A read key may fetch over the socket, not submit.
      ShareDbTestSocket byKey =
          ShareDbTestSocket.open(api.port(), "x-api-key", key.path("secret").asText());
      JsonNode fetched = byKey.request("{\"a\":\"f\",\"c\":\"canvases\",\"d\":\"" + canvas + "\"}");
      assertThat(fetched.path("data").path("data").path("title").asText()).isEqualTo("Watched");
      JsonNode submitted =
          byKey.request(
              "{\"a\":\"op\",\"c\":\"canvases\",\"d\":\""
                  + canvas
                  + "\",\"v\":"
                  + version
                  + ",\"src\":\"k\",\"seq\":1,\"op\":[{\"p\":[\"title\",0],\"si\":\"x\"}]}");
      assertThat(submitted.path("error").path("code").asText()).isEqualTo("ERR_PERMISSION_DENIED");
      assertThat(api.version(canvas, token)).isEqualTo(version);

      ShareDbTestSocket byToken =
          ShareDbTestSocket.open(api.port(), "authorization", "Bearer " + token);
      byToken.request("{\"a\":\"f\",\"c\":\"canvases\",\"d\":\"" + canvas + "\"}");

      // Revoking the key closes its socket, well before any token expiry.
      api.ok(
          api.send(
              "DELETE", "/v1/apiKeys/" + key.path("keyId").asText(), null, token, Carrier.BEARER));
      assertThat(byKey.closeReason()).isEqualTo("1008 API key revoked");

      // Logging out ends the sign-in, and its socket with it.
      api.ok(
          api.post(
              "/v1/auth:logout",
              JSON.createObjectNode()
                  .put("refreshToken", pair.path("refreshToken").asText())
                  .toString(),
              null));
      assertThat(byToken.closeReason()).isEqualTo("1008 signed out: this sign-in was revoked");
    }
  }
}
