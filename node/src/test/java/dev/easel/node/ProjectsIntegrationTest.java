package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Projects and API keys over REST against a real node: two users, who sees which project, who may
 * add members and create canvases, and the life of an API key.
 */
class ProjectsIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PASSWORD = "correct horse battery";
  @TempDir Path dataDir;

  @Test
  void membersSeeTheirProjectsAndActAsTheirRoleAllows() throws Exception {
    String projectId;
    String bobId;
    try (EaselNode node = TestNodes.start(dataDir)) {
      Api api = new Api(node.httpPort());
      User ann = api.signUp("ann@example.org", "Ann");
      User bob = api.signUp("bob@example.org", "Bob");
      bobId = bob.id();

      // Ann creates a project: she owns it, and only she sees it.
      var created = api.post(ann, "/v1/projects", "{\"name\":\" Sales \"}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
      JsonNode project = body(created);
      projectId = project.path("projectId").asText();
      assertThat(projectId).isNotBlank();
      assertThat(project.path("name").asText()).isEqualTo("Sales");
      assertThat(project.path("role").asText()).isEqualTo("owner");
      assertThat(project.path("createdAt").asText()).isNotBlank();
      assertThat(roles(project)).containsExactly("owner");
      assertThat(projectIds(api.get(ann, "/v1/projects"))).containsExactly(projectId);
      assertThat(projectIds(api.get(bob, "/v1/projects"))).isEmpty();

      // To Bob it does not exist, exactly like a project that was never created.
      var hidden = api.get(bob, "/v1/projects/" + projectId);
      var missing = api.get(ann, "/v1/projects/p_0000000000000000");
      assertThat(hidden.statusCode()).isEqualTo(404);
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(body(hidden).path("message").asText())
          .isEqualTo(
              body(missing).path("message").asText().replace("p_0000000000000000", projectId));
      assertThat(
              api.post(
                      bob,
                      "/v1/projects/" + projectId + "/members",
                      "{\"email\":\"bob@example.org\",\"role\":\"owner\"}")
                  .statusCode())
          .isEqualTo(404);
      assertThat(
              api.post(bob, "/v1/projects/" + projectId + "/canvases", "{\"title\":\"x\"}")
                  .statusCode())
          .isEqualTo(404);

      // Ann adds Bob, found by the email of his account, as a viewer.
      String members = "/v1/projects/" + projectId + "/members";
      var added = api.post(ann, members, "{\"email\":\" Bob@Example.org\",\"role\":\"viewer\"}");
      assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
      assertThat(memberRole(body(added), bob.id())).isEqualTo("viewer");
      var unknown = api.post(ann, members, "{\"email\":\"eve@example.org\",\"role\":\"editor\"}");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(body(unknown).path("message").asText()).contains("No Easel account");
      assertThat(
              api.post(ann, members, "{\"email\":\"bob@example.org\",\"role\":\"editor\"}")
                  .statusCode())
          .isEqualTo(409);
      var badRole = api.post(ann, members, "{\"email\":\"bob@example.org\",\"role\":\"boss\"}");
      assertThat(badRole.statusCode()).isEqualTo(400);
      assertThat(badRole.body()).contains("owner, editor, commenter, viewer");

      // Bob now lists and reads it, but a viewer may neither add members nor create canvases.
      assertThat(projectIds(api.get(bob, "/v1/projects"))).containsExactly(projectId);
      var read = api.get(bob, "/v1/projects/" + projectId);
      assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
      assertThat(body(read).path("role").asText()).isEqualTo("viewer");
      var denied = api.post(bob, members, "{\"email\":\"ann@example.org\",\"role\":\"viewer\"}");
      assertThat(denied.statusCode()).as(denied.body()).isEqualTo(403);
      assertThat(denied.body()).contains("PERMISSION_DENIED");
      var noCanvas =
          api.post(bob, "/v1/projects/" + projectId + "/canvases", "{\"title\":\"Bob's\"}");
      assertThat(noCanvas.statusCode()).as(noCanvas.body()).isEqualTo(403);

      // Ann creates a canvas in the project: it is in the project and readable as a canvas.
      var canvas =
          api.post(ann, "/v1/projects/" + projectId + "/canvases", "{\"title\":\"Q3 plan\"}");
      assertThat(canvas.statusCode()).as(canvas.body()).isEqualTo(200);
      String canvasId = body(canvas).path("canvasId").asText();
      assertThat(canvasId).isNotBlank();
      assertThat(body(canvas).path("projectId").asText()).isEqualTo(projectId);
      assertThat(body(canvas).path("title").asText()).isEqualTo("Q3 plan");
      assertThat(body(canvas).path("version").asLong()).isEqualTo(1);
      JsonNode withCanvas = body(api.get(bob, "/v1/projects/" + projectId));
      assertThat(withCanvas.path("canvases")).hasSize(1);
      assertThat(withCanvas.at("/canvases/0/canvasId").asText()).isEqualTo(canvasId);
      assertThat(withCanvas.at("/canvases/0/title").asText()).isEqualTo("Q3 plan");
      assertThat(withCanvas.at("/canvases/0/addedBy").asText()).isEqualTo(ann.id());
      // A viewer of the project reads the canvas; nobody signed out does.
      var document = api.get(bob, "/v1/canvases/" + canvasId);
      assertThat(document.statusCode()).as(document.body()).isEqualTo(200);
      assertThat(Http.get(node.httpPort(), "/v1/canvases/" + canvasId).statusCode()).isEqualTo(401);
      assertThat(body(document).path("title").asText()).isEqualTo("Q3 plan");
      assertThat(body(document).path("version").asLong()).isEqualTo(1);

      // Signed-out callers are turned away.
      assertThat(Http.get(node.httpPort(), "/v1/projects").statusCode()).isEqualTo(401);
      assertThat(Http.post(node.httpPort(), "/v1/projects", "{\"name\":\"X\"}").statusCode())
          .isEqualTo(401);
      assertThat(Http.get(node.httpPort(), "/v1/projects/" + projectId).statusCode())
          .isEqualTo(401);
      assertThat(api.get("not-a-token", "/v1/projects").statusCode()).isEqualTo(401);
      assertThat(api.post(ann, "/v1/projects", "{\"name\":\"  \"}").statusCode()).isEqualTo(400);
    }
    // The membership index is persisted: after a restart Bob still finds the project.
    try (EaselNode node = TestNodes.start(dataDir)) {
      Api api = new Api(node.httpPort());
      String bobAgain = api.logIn("bob@example.org");
      assertThat(projectIds(api.get(bobAgain, "/v1/projects"))).containsExactly(projectId);
      assertThat(memberRole(body(api.get(bobAgain, "/v1/projects/" + projectId)), bobId))
          .isEqualTo("viewer");
    }
  }

  @Test
  void apiKeysAreShownOnceListedWithoutSecretsAndRevoked() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      Api api = new Api(node.httpPort());
      User ann = api.signUp("ann@example.org", "Ann");
      User bob = api.signUp("bob@example.org", "Bob");

      var created = api.post(ann, "/v1/apiKeys", "{\"name\":\"CI\",\"scopes\":[\"read\"]}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
      String keyId = body(created).path("keyId").asText();
      String secret = body(created).path("secret").asText();
      assertThat(secret).startsWith("ek_" + keyId + "_");
      String secretPart = secret.substring(("ek_" + keyId + "_").length());
      assertThat(secretPart).hasSize(43);

      var listed = api.get(ann, "/v1/apiKeys");
      assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
      JsonNode keys = body(listed).path("apiKeys");
      assertThat(keys).hasSize(1);
      assertThat(keys.at("/0/keyId").asText()).isEqualTo(keyId);
      assertThat(keys.at("/0/name").asText()).isEqualTo("CI");
      assertThat(keys.at("/0/scopes").toString()).isEqualTo("[\"read\"]");
      assertThat(keys.at("/0/createdAt").asText()).isNotBlank();
      assertThat(keys.at("/0/lastUsedAt").asText()).isEmpty();
      assertThat(listed.body()).doesNotContain(secretPart).doesNotContain("secret");
      assertThat(body(api.get(bob, "/v1/apiKeys")).path("apiKeys")).isEmpty();

      // A key may be limited to a project its owner is a member of, and to no other.
      String projectId =
          body(api.post(ann, "/v1/projects", "{\"name\":\"Ops\"}")).path("projectId").asText();
      var scoped =
          api.post(
              ann,
              "/v1/apiKeys",
              "{\"name\":\"Ops bot\",\"scopes\":[\"write\",\"READ\"],\"projectId\":\""
                  + projectId
                  + "\"}");
      assertThat(scoped.statusCode()).as(scoped.body()).isEqualTo(200);
      assertThat(body(scoped).at("/apiKey/projectId").asText()).isEqualTo(projectId);
      assertThat(body(scoped).at("/apiKey/scopes").toString()).isEqualTo("[\"read\",\"write\"]");
      assertThat(
              api.post(
                      bob,
                      "/v1/apiKeys",
                      "{\"name\":\"x\",\"scopes\":[\"read\"],\"projectId\":\"" + projectId + "\"}")
                  .statusCode())
          .isEqualTo(404);

      // Bad requests say what is wrong.
      var badScope = api.post(ann, "/v1/apiKeys", "{\"name\":\"x\",\"scopes\":[\"root\"]}");
      assertThat(badScope.statusCode()).isEqualTo(400);
      assertThat(badScope.body()).contains("unknown scope 'root'");
      assertThat(api.post(ann, "/v1/apiKeys", "{\"name\":\"x\",\"scopes\":[]}").statusCode())
          .isEqualTo(400);
      assertThat(api.post(ann, "/v1/apiKeys", "{\"scopes\":[\"read\"]}").statusCode())
          .isEqualTo(400);

      // Revoked keys are gone; nobody else can revoke one.
      assertThat(api.delete(bob, "/v1/apiKeys/" + keyId).statusCode()).isEqualTo(404);
      var revoked = api.delete(ann, "/v1/apiKeys/" + keyId);
      assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
      assertThat(keyIds(api.get(ann, "/v1/apiKeys")))
          .containsExactly(body(scoped).path("keyId").asText());
      assertThat(api.delete(ann, "/v1/apiKeys/" + keyId).statusCode()).isEqualTo(404);

      // Signed-out callers are turned away.
      int port = node.httpPort();
      assertThat(Http.get(port, "/v1/apiKeys").statusCode()).isEqualTo(401);
      assertThat(
              Http.post(port, "/v1/apiKeys", "{\"name\":\"x\",\"scopes\":[\"read\"]}").statusCode())
          .isEqualTo(401);
      assertThat(api.delete("", "/v1/apiKeys/" + keyId).statusCode()).isEqualTo(401);
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  static JsonNode body(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  static List<String> projectIds(HttpResponse<String> list) throws Exception {
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    for (JsonNode project : body(list).path("projects"))
      ids.add(project.path("projectId").asText());
    return ids;
  }

  static List<String> keyIds(HttpResponse<String> list) throws Exception {
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    for (JsonNode key : body(list).path("apiKeys")) ids.add(key.path("keyId").asText());
    return ids;
  }

  static List<String> roles(JsonNode project) {
    List<String> roles = new ArrayList<>();
    for (JsonNode member : project.path("members")) roles.add(member.path("role").asText());
    return roles;
  }

  static String memberRole(JsonNode project, String userId) {
    for (JsonNode member : project.path("members")) {
      if (member.path("userId").asText().equals(userId)) return member.path("role").asText();
    }
    return null;
  }

  /** A signed-in user: its id and an access token. */
  record User(String id, String token) {}

  /** REST calls with an access token ({@code ""}: none). */
  static final class Api {
    final int port;

    Api(int port) {
      this.port = port;
    }

    /** Registers and logs in. */
    User signUp(String email, String name) throws Exception {
      var registered =
          Http.post(
              port,
              "/v1/auth:register",
              JSON.createObjectNode()
                  .put("email", email)
                  .put("password", PASSWORD)
                  .put("displayName", name)
                  .toString());
      assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
      return new User(body(registered).path("userId").asText(), logIn(email));
    }

    /** Logs in; returns the access token. */
    String logIn(String email) throws Exception {
      var login =
          Http.post(
              port,
              "/v1/auth:login",
              JSON.createObjectNode().put("email", email).put("password", PASSWORD).toString());
      assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
      return body(login).path("accessToken").asText();
    }

    HttpResponse<String> get(User user, String path) throws Exception {
      return get(user.token(), path);
    }

    HttpResponse<String> get(String token, String path) throws Exception {
      return send(token, path, HttpRequest.newBuilder().GET());
    }

    HttpResponse<String> post(User user, String path, String json) throws Exception {
      return send(
          user.token(),
          path,
          HttpRequest.newBuilder()
              .header("content-type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    HttpResponse<String> delete(User user, String path) throws Exception {
      return delete(user.token(), path);
    }

    HttpResponse<String> delete(String token, String path) throws Exception {
      return send(token, path, HttpRequest.newBuilder().DELETE());
    }

    private HttpResponse<String> send(String token, String path, HttpRequest.Builder request)
        throws Exception {
      request.uri(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
      if (!token.isEmpty()) request.header("authorization", "Bearer " + token);
      return Http.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
  }
}
