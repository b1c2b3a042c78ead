package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GraphQL on /graphql against a real node, with the JDK's HTTP client: queries read what REST reads
 * under the same names; mutations write through the same access rules (a viewer's op is refused
 * with gRPC's reason, a stranger's project is NOT_FOUND, an API key keeps to its scope and project)
 * and are recorded with the caller's own address and user agent; a list of projects with their
 * members is one API call; bad requests are 4xx naming the problem and change nothing; cookie
 * sessions need the CSRF token for mutations; the depth limit and the introspection switch hold;
 * the real graphql-ws client subscribes to a canvas's ops and a project's activity.
 */
class GraphqlIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String AGENT = "GraphqlIT/1.0";

  @TempDir Path dataDir;

  /** An answer of /graphql: its status and body. */
  record Answer(int status, JsonNode body, HttpResponse<String> response) {
    JsonNode data() {
      return body.path("data");
    }

    JsonNode error(int i) {
      return body.path("errors").path(i);
    }

    int apiCalls() {
      return body.path("extensions").path("apiCalls").asInt(-1);
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  static Answer graphql(int port, String token, String query) throws Exception {
    return graphql(port, token, query, Map.of());
  }

  static Answer graphql(int port, String token, String query, Map<String, Object> variables)
      throws Exception {
    ObjectNode body = JSON.createObjectNode();
    body.put("query", query);
    body.set("variables", JSON.valueToTree(variables));
    Map<String, String> headers = new LinkedHashMap<>();
    if (token != null) headers.put("authorization", "Bearer " + token);
    return post(port, JSON.writeValueAsString(body), headers);
  }

  static Answer post(int port, String body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/graphql"))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json")
            .header("user-agent", AGENT)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::setHeader);
    return answer(Http.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString()));
  }

  static Answer get(int port, String token, String query) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:"
                        + port
                        + "/graphql?query="
                        + URLEncoder.encode(query, StandardCharsets.UTF_8)))
            .timeout(Duration.ofSeconds(30))
            .header("accept", "application/graphql-response+json");
    if (token != null) request.header("authorization", "Bearer " + token);
    return answer(Http.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString()));
  }

  private static Answer answer(HttpResponse<String> response) throws Exception {
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (Exception e) {
      body = JSON.createObjectNode().put("unreadable", response.body());
    }
    return new Answer(response.statusCode(), body, response);
  }

  static Answer ok(Answer answer) {
    assertThat(answer.status()).as("%s", answer).isEqualTo(200);
    assertThat(answer.body().has("errors")).as("%s", answer).isFalse();
    return answer;
  }

  static JsonNode rest(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  @Test
  void queriesReadWhatRestReadsAndProjectsWithMembersAreOneCall() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      String ann = Http.signUp(port, "ann@example.org");
      Http.signUp(port, "bob@example.org");
      List<String> projects = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        JsonNode created =
            ok(graphql(
                    port,
                    ann,
                    "mutation($name: String!) { createProject(name: $name) { projectId name role"
                        + " } }",
                    Map.of("name", "Project " + i)))
                .data()
                .path("createProject");
        assertThat(created.path("name").asText()).isEqualTo("Project " + i);
        assertThat(created.path("role").asText()).isEqualTo("owner");
        projects.add(created.path("projectId").asText());
        ok(
            graphql(
                port,
                ann,
                "mutation($p: ID!) { addMember(projectId: $p, email: \"bob@example.org\", role:"
                    + " \"viewer\") { members { email role } } }",
                Map.of("p", projects.get(i))));
      }
      Http.post(
          port,
          "/v1/projects/" + projects.get(0) + "/canvases",
          "{\"title\":\"First canvas\"}",
          ann);

      Answer listed =
          ok(
              graphql(
                  port,
                  ann,
                  "{ viewer { userId email displayName totpEnabled recoveryCodesLeft createdAt }"
                      + " projects { projects { projectId name role createdAt archived orgId"
                      + " members { userId role since email displayName }"
                      + " canvases { canvasId title addedBy addedAt } } nextPageToken } }"));
      // GetMe and ListProjects: two calls for five projects and their members, not 2 + 5.
      assertThat(listed.apiCalls()).isEqualTo(2);

      // The same fields, under the same names, with the same values as REST (which leaves out
      // fields at their default, as proto3 JSON does; GraphQL answers what is asked).
      JsonNode me = rest(Http.get(port, "/v1/users/me", ann));
      JsonNode viewer = listed.data().path("viewer");
      for (String field : List.of("userId", "email", "displayName", "createdAt")) {
        assertThat(viewer.path(field)).as(field).isEqualTo(me.path(field));
      }
      assertThat(viewer.path("totpEnabled").asBoolean())
          .isEqualTo(me.path("totpEnabled").asBoolean(false))
          .isFalse();
      assertThat(viewer.path("recoveryCodesLeft").asInt()).isEqualTo(0);
      JsonNode restProjects = rest(Http.get(port, "/v1/projects", ann)).path("projects");
      JsonNode graphProjects = listed.data().at("/projects/projects");
      assertThat(graphProjects).hasSize(5);
      assertThat(listed.data().at("/projects/nextPageToken").asText()).isEmpty();
      for (int i = 0; i < 5; i++) {
        JsonNode mine = graphProjects.path(i);
        JsonNode theirs = restProjects.path(i);
        for (String field : List.of("projectId", "name", "role", "createdAt")) {
          assertThat(mine.path(field)).as(field).isEqualTo(theirs.path(field));
        }
        assertThat(mine.path("members")).isEqualTo(theirs.path("members"));
        assertThat(mine.path("archived").asBoolean()).isFalse();
      }
      assertThat(graphProjects.path(0).path("canvases").path(0).path("title").asText())
          .isEqualTo("First canvas");

      // Each field that calls the API is one call (ListProjects, GetProject, and GetCanvas for the
      // one canvas); int64 is a string, as in REST.
      Answer again =
          ok(
              graphql(
                  port,
                  ann,
                  "query($p: ID!) { projects { projects { projectId } } project(projectId: $p) {"
                      + " name canvases { canvas { canvasId version title document } } } }",
                  Map.of("p", projects.get(0))));
      assertThat(again.apiCalls()).isEqualTo(3);
      JsonNode canvas = again.data().at("/project/canvases/0/canvas");
      assertThat(canvas.path("version").isTextual()).isTrue();
      assertThat(canvas.path("version").asText()).isEqualTo("1");
      assertThat(canvas.path("document").path("title").asText()).isEqualTo("First canvas");

      // Pages of two projects, each page's token asking for the next, come to all five in order.
      List<String> paged = new ArrayList<>();
      String token = "";
      int pages = 0;
      do {
        JsonNode page =
            ok(graphql(
                    port,
                    ann,
                    "query($t: String) { projects(pageSize: 2, pageToken: $t) {"
                        + " projects { projectId } nextPageToken } }",
                    Map.of("t", token)))
                .data()
                .path("projects");
        assertThat(page.path("projects").size()).isLessThanOrEqualTo(2);
        page.path("projects").forEach(project -> paged.add(project.path("projectId").asText()));
        token = page.path("nextPageToken").asText();
        pages++;
      } while (!token.isEmpty() && pages < 10);
      assertThat(paged).isEqualTo(projects);
      assertThat(pages).isGreaterThanOrEqualTo(3);

      // The same project twice (aliases) is asked for once.
      Answer twice =
          ok(
              graphql(
                  port,
                  ann,
                  "query($p: ID!) { a: project(projectId: $p) { name } b: project(projectId: $p) {"
                      + " role } }",
                  Map.of("p", projects.get(1))));
      assertThat(twice.apiCalls()).isEqualTo(1);
      assertThat(twice.data().at("/a/name").asText()).isEqualTo("Project 1");

      // Activity pages through ListProjectActivity, by GET as well as POST.
      Answer activity =
          get(
              port,
              ann,
              "{ project(projectId: \""
                  + projects.get(0)
                  + "\") { activity(pageSize: 2) { entries { kind actorUserId } nextPageToken }"
                  + " } }");
      assertThat(activity.status()).as("%s", activity).isEqualTo(200);
      JsonNode entries = activity.data().at("/project/activity/entries");
      assertThat(entries).hasSize(2);
      assertThat(entries.path(0).path("kind").asText()).isEqualTo("canvas_created");
      assertThat(activity.data().at("/project/activity/nextPageToken").asText()).isNotEmpty();

      // A project's canvas at an earlier version, after an op moved it on.
      String firstCanvas = canvas.path("canvasId").asText();
      rest(
          Http.post(
              port,
              "/v1/canvases/" + firstCanvas + "/ops",
              "{\"version\":\"1\",\"op\":[{\"p\":[\"title\",0],\"si\":\"New \"}]}",
              ann));
      JsonNode versions =
          ok(graphql(
                  port,
                  ann,
                  "query($p: ID!) { project(projectId: $p) { canvases {"
                      + " then: canvas(version: 1) { version document }"
                      + " now: canvas { version document } } } }",
                  Map.of("p", projects.get(0))))
              .data()
              .at("/project/canvases/0");
      assertThat(versions.at("/then/version").asText()).isEqualTo("1");
      assertThat(versions.at("/then/document/title").asText()).isEqualTo("First canvas");
      assertThat(versions.at("/now/version").asText()).isEqualTo("2");
      assertThat(versions.at("/now/document/title").asText()).isEqualTo("New First canvas");
    }
  }

  @Test
  void writesPassTheSameRulesAsGrpcAndRest() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      String owner = Http.signUp(port, "olga@example.org");
      String viewer = Http.signUp(port, "vic@example.org");
      String stranger = Http.signUp(port, "sam@example.org");
      String project = Http.createProject(port, owner, "Rules");
      ok(
          graphql(
              port,
              owner,
              "mutation($p: ID!) { addMember(projectId: $p, email: \"vic@example.org\", role:"
                  + " \"viewer\") { projectId } }",
              Map.of("p", project)));
      JsonNode canvas =
          ok(graphql(
                  port,
                  owner,
                  "mutation($p: ID!) { createProjectCanvas(projectId: $p, title: \"Q3\") {"
                      + " canvasId version } }",
                  Map.of("p", project)))
              .data()
              .path("createProjectCanvas");
      String canvasId = canvas.path("canvasId").asText();
      assertThat(canvas.path("version").asText()).isEqualTo("1");

      // The owner's op goes through; the Int64 version may be sent as a number or a string.
      String submit =
          "mutation($c: ID!, $v: Int64!, $op: JSON!) { submitOp(canvasId: $c, version: $v, op:"
              + " $op) { version op } }";
      List<Object> op = List.of(Map.of("p", List.of("title", 0), "si", "Big "));
      JsonNode applied =
          ok(graphql(port, owner, submit, Map.of("c", canvasId, "v", 1, "op", op)))
              .data()
              .path("submitOp");
      assertThat(applied.path("version").asText()).isEqualTo("1");
      assertThat(applied.at("/op/0/si").asText()).isEqualTo("Big ");
      assertThat(applied.at("/op/0/p/0").asText()).isEqualTo("title");
      assertThat(applied.at("/op/0/p/1").asInt()).isEqualTo(0);

      // A viewer's op: refused with the code and reason REST gives, nothing applied.
      Answer refused = graphql(port, viewer, submit, Map.of("c", canvasId, "v", "2", "op", op));
      assertThat(refused.status()).as("%s", refused).isEqualTo(200);
      assertThat(refused.data().path("submitOp").isNull()).isTrue();
      assertThat(refused.error(0).path("path").path(0).asText()).isEqualTo("submitOp");
      assertThat(refused.error(0).at("/extensions/code").asText()).isEqualTo("PERMISSION_DENIED");
      HttpResponse<String> byRest =
          Http.post(
              port,
              "/v1/canvases/" + canvasId + "/ops",
              "{\"version\":\"2\",\"op\":" + JSON.writeValueAsString(op) + "}",
              viewer);
      assertThat(byRest.statusCode()).isEqualTo(403);
      JsonNode restError = JSON.readTree(byRest.body());
      assertThat(refused.error(0).at("/extensions/reason").asText())
          .isNotEmpty()
          .isEqualTo(restError.at("/details/0/reason").asText());
      assertThat(refused.error(0).path("message").asText())
          .isEqualTo(restError.path("message").asText());
      assertThat(rest(Http.get(port, "/v1/canvases/" + canvasId, owner)).path("version").asText())
          .isEqualTo("2");

      // A stranger's read: NOT_FOUND, as for gRPC and REST; no data leaks.
      Answer hidden =
          graphql(
              port,
              stranger,
              "query($p: ID!) { project(projectId: $p) { name members { email } } }",
              Map.of("p", project));
      assertThat(hidden.status()).isEqualTo(200);
      assertThat(hidden.data().path("project").isNull()).isTrue();
      assertThat(hidden.error(0).at("/extensions/code").asText()).isEqualTo("NOT_FOUND");
      assertThat(hidden.error(0).at("/extensions/reason").asText())
          .isEqualTo(
              JSON.readTree(Http.get(port, "/v1/projects/" + project, stranger).body())
                  .at("/details/0/reason")
                  .asText());
      assertThat(hidden.body().toString()).doesNotContain("olga@example.org");

      // Without a credential: UNAUTHENTICATED for each field, as ApiPolicy says.
      Answer anonymous = graphql(port, null, "{ viewer { email } projects { projects { name } } }");
      assertThat(anonymous.body().path("errors")).hasSize(2);
      assertThat(anonymous.error(0).at("/extensions/code").asText()).isEqualTo("UNAUTHENTICATED");

      // A viewer may not rename; the owner may; the name is what the owner set.
      Answer rename =
          graphql(
              port,
              viewer,
              "mutation($p: ID!) { renameProject(projectId: $p, name: \"Mine\") { name } }",
              Map.of("p", project));
      assertThat(rename.error(0).at("/extensions/code").asText()).isEqualTo("PERMISSION_DENIED");
      ok(
          graphql(
              port,
              owner,
              "mutation($p: ID!) { renameProject(projectId: $p, name: \"Rules EU\") { name } }",
              Map.of("p", project)));
      assertThat(rest(Http.get(port, "/v1/projects/" + project, owner)).path("name").asText())
          .isEqualTo("Rules EU");

      // Empty answers are true; the project is gone for everyone afterwards.
      Answer deleted =
          ok(
              graphql(
                  port,
                  owner,
                  "mutation($p: ID!) { deleteProject(projectId: $p) }",
                  Map.of("p", project)));
      assertThat(deleted.data().path("deleteProject").asBoolean()).isTrue();
      assertThat(Http.get(port, "/v1/projects/" + project, owner).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void apiKeysActThroughGraphqlWithinTheirScopeAndProject() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      String owner = Http.signUp(port, "kim@example.org");
      String mine = Http.createProject(port, owner, "Keyed");
      String other = Http.createProject(port, owner, "Other");
      JsonNode created =
          ok(graphql(
                  port,
                  owner,
                  "mutation($p: ID!) { createApiKey(name: \"reader\", scopes: [\"read\"],"
                      + " projectId: $p) { keyId secret apiKey { name scopes projectId } } }",
                  Map.of("p", mine)))
              .data()
              .path("createApiKey");
      assertThat(created.at("/apiKey/scopes/0").asText()).isEqualTo("read");
      String secret = created.path("secret").asText();
      assertThat(secret).startsWith("ek_");
      Map<String, String> key = Map.of("x-api-key", secret);
      String read = "query($p: ID!) { project(projectId: $p) { name } }";

      Answer own = ok(post(port, body(read, Map.of("p", mine)), key));
      assertThat(own.data().at("/project/name").asText()).isEqualTo("Keyed");
      // Another project of the same owner does not exist for a key of one project.
      Answer elsewhere = post(port, body(read, Map.of("p", other)), key);
      assertThat(elsewhere.error(0).at("/extensions/code").asText()).isEqualTo("NOT_FOUND");
      // A read key may not write; a key may not act as the person.
      Answer write =
          post(
              port,
              body(
                  "mutation($p: ID!) { renameProject(projectId: $p, name: \"By key\") { name }"
                      + " }",
                  Map.of("p", mine)),
              key);
      assertThat(write.error(0).at("/extensions/code").asText()).isEqualTo("PERMISSION_DENIED");
      assertThat(write.error(0).at("/extensions/reason").asText()).isEqualTo("API_KEY_NOT_ALLOWED");
      Answer person = post(port, body("{ viewer { email } }", Map.of()), key);
      assertThat(person.error(0).at("/extensions/reason").asText())
          .isEqualTo("API_KEY_NOT_ALLOWED");

      Answer revoked =
          ok(
              graphql(
                  port,
                  owner,
                  "mutation($k: ID!) { revokeApiKey(keyId: $k) }",
                  Map.of("k", created.path("keyId").asText())));
      assertThat(revoked.data().path("revokeApiKey").asBoolean()).isTrue();
      Answer after = post(port, body(read, Map.of("p", mine)), key);
      assertThat(after.error(0).at("/extensions/code").asText()).isEqualTo("UNAUTHENTICATED");
      assertThat(rest(Http.get(port, "/v1/projects/" + mine, owner)).path("name").asText())
          .isEqualTo("Keyed");
    }
  }

  static String body(String query, Map<String, Object> variables) throws Exception {
    return JSON.writeValueAsString(Map.of("query", query, "variables", variables));
  }

  @Test
  void changesAreRecordedWithTheCallersAddressAndUserAgent() throws Exception {
    try (EaselNode node =
        TestNodes.start(dataDir, Map.of("easel.http.trusted-proxies", "127.0.0.1"))) {
      int port = node.httpPort();
      String owner = Http.signUp(port, "ada@example.org");
      String project = Http.createProject(port, owner, "Origins");
      // Behind a trusted proxy that names the client; GraphQL's own calls to the API must record
      // that client and its user agent, not the loopback connection they travel on.
      Answer renamed =
          post(
              port,
              JSON.writeValueAsString(
                  Map.of(
                      "query",
                      "mutation { renameProject(projectId: \""
                          + project
                          + "\", name: \"Origins 2\") { name } }")),
              Map.of("authorization", "Bearer " + owner, "x-forwarded-for", "203.0.113.7"));
      ok(renamed);
      // A client cannot name its own address with the loopback header: it lacks the secret.
      HttpResponse<String> forged =
          Http.CLIENT.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + port + "/v1/projects/" + project))
                  .header("authorization", "Bearer " + owner)
                  .header("content-type", "application/json")
                  .header("x-easel-loopback", "guessed")
                  .header("x-easel-loopback-client", "198.51.100.9")
                  .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"name\":\"Origins 3\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(forged.statusCode()).as(forged.body()).isEqualTo(200);
      JsonNode events =
          rest(Http.get(port, "/v1/projects/" + project + "/auditEvents", owner)).path("events");
      assertThat(events.path(0).path("name").asText()).isEqualTo("Origins 3");
      assertThat(events.path(0).path("clientAddress").asText()).isEqualTo("127.0.0.1");
      assertThat(events.path(1).path("name").asText()).isEqualTo("Origins 2");
      assertThat(events.path(1).path("clientAddress").asText()).isEqualTo("203.0.113.7");
      assertThat(events.path(1).path("userAgent").asText()).isEqualTo(AGENT);
    }
  }

  @Test
  void badRequestsAreRefusedNamingTheProblemAndChangeNothing() throws Exception {
    try (EaselNode node =
        TestNodes.start(
            dataDir,
            Map.of(
                "easel.graphql.max-depth",
                3,
                "easel.graphql.max-complexity",
                60,
                "easel.graphql.introspection",
                false,
                "easel.http.max-request-size",
                "64KiB"))) {
      int port = node.httpPort();
      String owner = Http.signUp(port, "bea@example.org");
      String project = Http.createProject(port, owner, "Unchanged");
      Map<String, String> auth = Map.of("authorization", "Bearer " + owner);
      String rename =
          "mutation { renameProject(projectId: \"" + project + "\", name: \"Changed\") { name } }";

      assertRefused(
          post(port, "{\"query\": \"mutation { renameProject(", auth),
          400,
          "MALFORMED_JSON",
          "not valid JSON");
      assertRefused(
          post(port, JSON.writeValueAsString(List.of(rename)), auth),
          400,
          "MALFORMED_REQUEST",
          "object");
      assertRefused(
          post(port, "{\"variables\": {}}", auth), 400, "MALFORMED_REQUEST", "'query' is missing");
      assertRefused(
          post(port, JSON.writeValueAsString(Map.of("query", List.of(rename))), auth),
          400,
          "MALFORMED_REQUEST",
          "'query' must be a string");
      assertRefused(
          post(
              port,
              "{\"query\": " + JSON.writeValueAsString(rename) + ", \"variables\": [1]}",
              auth),
          400,
          "MALFORMED_REQUEST",
          "'variables' must be a JSON object");
      Answer textPlain =
          post(
              port,
              JSON.writeValueAsString(Map.of("query", rename)),
              Map.of("authorization", "Bearer " + owner, "content-type", "text/plain"));
      assertRefused(textPlain, 415, "UNSUPPORTED_MEDIA_TYPE", "application/json");
      Answer html =
          post(
              port,
              JSON.writeValueAsString(Map.of("query", rename)),
              Map.of("authorization", "Bearer " + owner, "accept", "text/html"));
      assertThat(html.status()).isEqualTo(406);

      // GraphQL refuses what does not fit the schema, naming it, before anything runs.
      String field = "renameProject(projectId: \"" + project + "\", name: \"Changed\")";
      assertInvalid(graphql(port, owner, "mutation { " + field + " { name colour } }"), "colour");
      assertInvalid(
          graphql(
              port,
              owner,
              "mutation { renameProject(projectId: \""
                  + project
                  + "\", name: \"Changed\", colour: \"red\") { name } }"),
          "colour");
      assertInvalid(
          graphql(
              port,
              owner,
              "mutation { renameProject(projectId: \"" + project + "\", name: 5) { name } }"),
          "name");
      assertInvalid(
          graphql(
              port, owner, "mutation { renameProject(projectId: \"" + project + "\") { name } }"),
          "name");
      assertInvalid(
          graphql(
              port,
              owner,
              "mutation($v: Int64!) { submitOp(canvasId: \"c\", version: $v, op: []) { version"
                  + " } }",
              Map.of("v", "seven")),
          "Int64");
      assertInvalid(graphql(port, owner, "mutation { " + field), "Invalid syntax");

      // Over the limits: named, with the setting to change.
      Answer deep =
          graphql(
              port,
              owner,
              "{ project(projectId: \"" + project + "\") { canvases { canvas { title } } } }");
      assertInvalid(deep, "project.canvases.canvas.title");
      assertThat(deep.error(0).at("/extensions/reason").asText()).isEqualTo("QUERY_TOO_DEEP");
      assertThat(deep.error(0).path("message").asText()).contains("easel.graphql.max-depth");
      Answer costly =
          graphql(
              port,
              owner,
              "{ a: viewer { email } b: viewer { email } c: viewer { email } d: viewer { email }"
                  + " e: viewer { email } f: viewer { email } }");
      // 6 x (1 + 10 for viewer, 1 for email) = 72 > 60
      assertInvalid(costly, "easel.graphql.max-complexity");
      assertThat(costly.error(0).at("/extensions/reason").asText()).isEqualTo("QUERY_TOO_COMPLEX");
      assertThat(costly.apiCalls()).isZero();
      Answer introspection = graphql(port, owner, "{ __schema { types { name } } }");
      assertThat(introspection.status()).isEqualTo(400);
      assertThat(introspection.body().toString()).containsIgnoringCase("introspection");

      // Too large a body: 413, as for any request over easel.http.max-request-size.
      String huge =
          JSON.writeValueAsString(
              Map.of("query", rename, "variables", Map.of("pad", "x".repeat(100_000))));
      assertThat(post(port, huge, auth).status()).isEqualTo(413);

      // A mutation by GET: 405, only POST changes anything; a subscription over HTTP: 400.
      Answer byGet = get(port, owner, rename);
      assertRefused(byGet, 405, "METHOD_NOT_ALLOWED", "POST");
      assertThat(byGet.response().headers().firstValue("allow")).hasValue("GET, POST");
      assertRefused(
          graphql(port, owner, "subscription { canvasOps(canvasId: \"c\") { version } }"),
          400,
          "USE_WEBSOCKET",
          "graphql-transport-ws");

      // A client of plain application/json gets 200 for a well-formed request, as the spec says.
      Answer legacy =
          post(
              port,
              JSON.writeValueAsString(Map.of("query", "{ viewer { colour } }")),
              Map.of("authorization", "Bearer " + owner, "accept", "application/json"));
      assertThat(legacy.status()).isEqualTo(200);
      assertThat(legacy.response().headers().firstValue("content-type").orElse(""))
          .startsWith("application/json");
      assertThat(legacy.error(0).path("message").asText()).contains("colour");

      assertThat(rest(Http.get(port, "/v1/projects/" + project, owner)).path("name").asText())
          .isEqualTo("Unchanged");
    }
  }

  @Test
  void cookieSessionsNeedTheCsrfTokenForPosts() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      String email = "carl@example.org";
      String password = "carl's long password";
      assertThat(
              Http.post(
                      port,
                      "/v1/auth:register",
                      "{\"email\":\""
                          + email
                          + "\",\"password\":\""
                          + password
                          + "\",\"displayName\":\"Carl\"}")
                  .statusCode())
          .isEqualTo(200);
      var login =
          Http.post(
              port,
              "/v1/auth/browser/login",
              "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
      assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
      var cookies = SetCookies.of(login);
      String cookie =
          SetCookies.header(
              cookies.get("easel_refresh"), cookies.get("easel_access"), cookies.get("easel_csrf"));
      String csrf = cookies.get("easel_csrf").value();
      String create =
          JSON.writeValueAsString(
              Map.of("query", "mutation { createProject(name: \"By cookie\") { name } }"));

      Answer noToken = post(port, create, Map.of("cookie", cookie));
      assertThat(noToken.status()).isEqualTo(403);
      assertThat(noToken.body().path("message").asText()).contains("X-CSRF-Token");
      Answer foreign =
          post(
              port,
              create,
              Map.of("cookie", cookie, "x-csrf-token", csrf, "origin", "https://evil.example"));
      assertThat(foreign.status()).isEqualTo(403);
      Answer created = ok(post(port, create, Map.of("cookie", cookie, "x-csrf-token", csrf)));
      assertThat(created.data().at("/createProject/name").asText()).isEqualTo("By cookie");

      // A query by GET reads with the cookie alone, as REST's GETs do.
      HttpResponse<String> read =
          Http.CLIENT.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:"
                              + port
                              + "/graphql?query="
                              + URLEncoder.encode(
                                  "{ viewer { email } projects { projects { name } } }",
                                  StandardCharsets.UTF_8)))
                  .header("cookie", cookie)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode body = JSON.readTree(read.body());
      assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
      assertThat(body.at("/data/viewer/email").asText()).isEqualTo(email);
      assertThat(body.at("/data/projects/projects/0/name").asText()).isEqualTo("By cookie");
    }
  }

  @Test
  void signingUpAndInRunsOverGraphqlWithoutACredential() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      Answer registered =
          ok(
              graphql(
                  port,
                  null,
                  "mutation($e: String, $p: String) { register(email: $e, password: $p,"
                      + " displayName: \"Gil\") { userId } }",
                  Map.of("e", "gil@example.org", "p", "gil's password")));
      assertThat(registered.apiCalls()).isEqualTo(1);
      String userId = registered.data().at("/register/userId").asText();
      assertThat(userId).isNotEmpty();

      // The tokens come back in the answer, with the fields REST gives them.
      String login =
          "mutation($e: String, $p: String) { login(email: $e, password: $p) {"
              + " accessToken refreshToken expiresIn tokenType } }";
      JsonNode pair =
          ok(graphql(port, null, login, Map.of("e", "gil@example.org", "p", "gil's password")))
              .data()
              .path("login");
      JsonNode byRest =
          rest(
              Http.post(
                  port,
                  "/v1/auth:login",
                  "{\"email\":\"gil@example.org\",\"password\":\"gil's password\"}"));
      List<String> fields = new ArrayList<>();
      byRest.fieldNames().forEachRemaining(fields::add);
      assertThat(fields)
          .containsExactlyInAnyOrder("accessToken", "refreshToken", "expiresIn", "tokenType");
      for (String field : fields) assertThat(pair.path(field).asText()).as(field).isNotEmpty();
      assertThat(pair.path("tokenType")).isEqualTo(byRest.path("tokenType"));
      assertThat(pair.path("expiresIn")).isEqualTo(byRest.path("expiresIn"));
      String access = pair.path("accessToken").asText();
      assertThat(
              ok(graphql(port, access, "{ viewer { userId email } }")).data().at("/viewer/userId"))
          .isEqualTo(registered.data().at("/register/userId"));

      // A refresh gives a new pair; signing out ends it, and its refresh token is refused.
      String refresh =
          "mutation($t: String) { refresh(refreshToken: $t) { accessToken refreshToken } }";
      JsonNode renewed =
          ok(graphql(port, null, refresh, Map.of("t", pair.path("refreshToken").asText())))
              .data()
              .path("refresh");
      assertThat(renewed.path("refreshToken").asText())
          .isNotEmpty()
          .isNotEqualTo(pair.path("refreshToken").asText());
      Answer loggedOut =
          ok(
              graphql(
                  port,
                  null,
                  "mutation($t: String) { logout(refreshToken: $t) }",
                  Map.of("t", renewed.path("refreshToken").asText())));
      assertThat(loggedOut.data().path("logout").asBoolean()).isTrue();
      Answer spent =
          graphql(port, null, refresh, Map.of("t", renewed.path("refreshToken").asText()));
      assertThat(spent.data().path("refresh").isNull()).as("%s", spent).isTrue();
      assertThat(spent.error(0).at("/extensions/code").asText()).isEqualTo("UNAUTHENTICATED");

      // A wrong password is refused as on REST, naming the reason, with no tokens.
      Answer wrong =
          graphql(port, null, login, Map.of("e", "gil@example.org", "p", "not the password"));
      assertThat(wrong.data().path("login").isNull()).as("%s", wrong).isTrue();
      assertThat(wrong.error(0).at("/extensions/code").asText()).isEqualTo("UNAUTHENTICATED");
      assertThat(wrong.error(0).at("/extensions/reason").asText())
          .isEqualTo(
              JSON.readTree(
                      Http.post(
                              port,
                              "/v1/auth:login",
                              "{\"email\":\"gil@example.org\",\"password\":\"not it\"}")
                          .body())
                  .at("/details/0/reason")
                  .asText());
    }
  }

  @Test
  void introspectionIsOnByDefault() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      Answer schema =
          ok(graphql(node.httpPort(), null, "{ __type(name: \"Project\") { fields { name } } }"));
      List<String> fields = new ArrayList<>();
      schema.data().at("/__type/fields").forEach(field -> fields.add(field.path("name").asText()));
      assertThat(fields).contains("projectId", "members", "canvases", "activity");
      assertThat(schema.apiCalls()).isZero();
    }
  }

  @Test
  void subscriptionsOverGraphqlWsSeeEveryOpInOrderAndTheActivity() throws Exception {
    try (EaselNode node =
        TestNodes.start(dataDir, Map.of("easel.http.socket-recheck-interval", "500ms"))) {
      int port = node.httpPort();
      String owner = Http.signUp(port, "sue@example.org");
      String stranger = Http.signUp(port, "stan@example.org");
      String viewer = Http.signUp(port, "val@example.org");
      String viewerId = rest(Http.get(port, "/v1/users/me", viewer)).path("userId").asText();
      // A second sign-in of the owner, with its refresh token, to sign out while its socket is
      // open.
      JsonNode session =
          rest(
              Http.post(
                  port,
                  "/v1/auth:login",
                  "{\"email\":\"sue@example.org\",\"password\":\"test password"
                      + " sue@example.org\"}"));
      String project = Http.createProject(port, owner, "Live");
      rest(
          Http.post(
              port,
              "/v1/projects/" + project + "/members",
              "{\"email\":\"val@example.org\",\"role\":\"viewer\"}",
              owner));
      String canvas =
          rest(Http.post(
                  port, "/v1/projects/" + project + "/canvases", "{\"title\":\"Live\"}", owner))
              .path("canvasId")
              .asText();
      String ownerId = rest(Http.get(port, "/v1/users/me", owner)).path("userId").asText();
      NodeScript.Result result =
          NodeScript.run(
              "graphql-subscriptions.js",
              "--url",
              "http://127.0.0.1:" + port,
              "--token",
              owner,
              "--stranger",
              stranger,
              "--project",
              project,
              "--canvas",
              canvas,
              "--viewer",
              viewer,
              "--viewer-id",
              viewerId,
              "--session",
              session.path("accessToken").asText(),
              "--session-refresh",
              session.path("refreshToken").asText(),
              "--ops",
              "8");
      assertThat(result.exitCode()).as("%s", result).isZero();
      JsonNode verdict = JSON.readTree(result.lastLine());

      // Eight ops over REST and one as a mutation over the socket: versions 1 to 9, in order.
      List<Integer> versions = new ArrayList<>();
      verdict.path("versions").forEach(v -> versions.add(v.asInt()));
      assertThat(versions).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
      assertThat(verdict.path("received")).isEqualTo(verdict.path("sent"));
      JsonNode first = verdict.path("first");
      assertThat(first.path("canvasId").asText()).isEqualTo(canvas);
      assertThat(first.path("version").asText()).isEqualTo("1");
      assertThat(first.path("src").asText()).isEqualTo("graphql-it");
      assertThat(first.path("seq").asText()).isEqualTo("1");
      assertThat(first.path("author").asText()).isEqualTo(ownerId);
      assertThat(first.path("time").asText()).isNotEmpty();
      assertThat(verdict.at("/mutation/0/data/submitOp/version").asText()).isEqualTo("9");
      assertThat(rest(Http.get(port, "/v1/canvases/" + canvas, owner)).path("version").asText())
          .isEqualTo("10");

      // The activity: the latest entry first (the canvas), then what happened, the rename.
      JsonNode activity = verdict.path("activity");
      assertThat(activity.path(0).path("kind").asText()).isEqualTo("canvas_created");
      assertThat(activity.path(0).path("canvasId").asText()).isEqualTo(canvas);
      // (an edit of the canvas may be noted before or after the rename)
      JsonNode renamed = null;
      for (JsonNode entry : activity) {
        if (entry.path("kind").asText().equals("renamed")) renamed = entry;
      }
      assertThat(renamed).as("%s", activity).isNotNull();
      assertThat(renamed.path("name").asText()).isEqualTo("Watched");
      assertThat(renamed.path("actorUserId").asText()).isEqualTo(ownerId);

      // A stranger learns nothing: NOT_FOUND, as gRPC's StreamOps answers.
      assertThat(verdict.at("/strangerError/extensions/code").asText()).isEqualTo("NOT_FOUND");
      assertThat(verdict.at("/strangerError/extensions/reason").asText()).isNotEmpty();

      // A member removed from the project: their activity stream ends, NOT_FOUND.
      assertThat(verdict.at("/viewerEnd/seen/0").asText()).isNotEmpty();
      assertThat(verdict.at("/viewerEnd/error/extensions/code").asText()).isEqualTo("NOT_FOUND");
      // A sign-in that ends closes its sockets (4403), as for /ws.
      assertThat(verdict.at("/signedOut/code").asInt()).isEqualTo(4403);
      assertThat(verdict.at("/signedOut/reason").asText()).contains("signed out");

      // The upgrade is checked like /ws; protocol errors close with graphql-ws's codes.
      assertThat(verdict.at("/refusals/noCredential").asInt()).isEqualTo(401);
      assertThat(verdict.at("/refusals/foreignOrigin").asInt()).isEqualTo(403);
      assertThat(verdict.at("/protocol/subscribeBeforeInit").asInt()).isEqualTo(4401);
      assertThat(verdict.at("/protocol/doubleInit").asInt()).isEqualTo(4429);
      assertThat(verdict.at("/protocol/notJson").asInt()).isEqualTo(4400);
      assertThat(verdict.at("/protocol/duplicateId").asInt()).isEqualTo(4409);
    }
  }

  /** A request refused before it ran: its status, the reason, and the problem named. */
  static void assertRefused(Answer answer, int status, String reason, String named) {
    assertThat(answer.status()).as("%s", answer).isEqualTo(status);
    assertThat(answer.error(0).at("/extensions/reason").asText())
        .as("%s", answer)
        .isEqualTo(reason);
    assertThat(answer.error(0).path("message").asText()).as("%s", answer).contains(named);
    assertThat(answer.body().has("data")).isFalse();
  }

  /** A request GraphQL refused (400, no data) with a message naming {@code named}. */
  static void assertInvalid(Answer answer, String named) {
    assertThat(answer.status()).as("%s", answer).isEqualTo(400);
    assertThat(answer.body().has("data")).as("%s", answer).isFalse();
    assertThat(answer.body().path("errors").toString()).as("%s", answer).contains(named);
  }
}
