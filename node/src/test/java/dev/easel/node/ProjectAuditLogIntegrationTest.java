package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A project's audit log over REST against a real node: every change, newest first, one entry each,
 * with who made it, what it was done to, the roles before and after, the invited addresses, and the
 * client address and user agent it came from; read in pages that do not change as the log grows; by
 * owners and the admins of the project's organization only (403 for other members, 404 for
 * strangers, 401 without a token); and still by its owners once the project is deleted.
 */
class ProjectAuditLogIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PASSWORD = "correct horse battery";
  static final String OWNER_AGENT = "AuditIT-Owner/1.0 (+https://easel.dev)";
  static final String MEMBER_AGENT = "AuditIT-Member/2.0";

  /** No proxy is trusted: this made-up X-Forwarded-For must not be what the log records. */
  static final String FORGED_ADDRESS = "6.6.6.6";

  @TempDir Path dataDir;

  @Test
  void ownersReadEveryChangeNewestFirstWithWhoToWhatAndFromWhere() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      Client owners = new Client(node.httpPort(), OWNER_AGENT);
      Client members = new Client(node.httpPort(), MEMBER_AGENT);
      User ann = owners.signUp("ann@example.org", "Ann");
      User bob = members.signUp("bob@example.org", "Bob");
      User cy = members.signUp("cy@example.org", "Cy");
      User dee = members.signUp("dee@example.org", "Dee");
      User eve = members.signUp("eve@example.org", "Eve");

      String projectId =
          body(ok(owners.post(ann, "/v1/projects", "{\"name\":\"Audit\"}")))
              .path("projectId")
              .asText();
      String project = "/v1/projects/" + projectId;
      String log = project + "/auditEvents";
      ok(owners.patch(ann, project, "{\"name\":\"Audit EU\"}"));
      ok(
          owners.post(
              ann, project + "/members", "{\"email\":\"bob@example.org\",\"role\":\"editor\"}"));
      // An editor may not read the log.
      HttpResponse<String> byEditor = members.get(bob, log);
      assertThat(byEditor.statusCode()).as(byEditor.body()).isEqualTo(403);
      assertThat(body(byEditor).path("message").asText()).contains("editor").contains("audit log");
      ok(
          owners.post(
              ann, project + "/members", "{\"email\":\"cy@example.org\",\"role\":\"viewer\"}"));
      JsonNode deeInvitation =
          body(
              ok(
                  owners.post(
                      ann,
                      project + "/invitations",
                      "{\"email\":\"Dee@Example.org\",\"role\":\"commenter\"}")));
      String revokedId =
          body(ok(
                  owners.post(
                      ann,
                      project + "/invitations",
                      "{\"email\":\"fay@example.org\",\"role\":\"viewer\"}")))
              .path("invitationId")
              .asText();
      ok(owners.delete(ann, project + "/invitations/" + revokedId));
      ok(
          members.post(
              dee,
              "/v1/invitations:accept",
              JSON.createObjectNode()
                  .put("token", deeInvitation.path("token").asText())
                  .toString()));
      ok(owners.patch(ann, project + "/members/" + bob.id(), "{\"role\":\"viewer\"}"));
      String canvasId =
          body(ok(owners.post(ann, project + "/canvases", "{\"title\":\"Q3 plan\"}")))
              .path("canvasId")
              .asText();
      ok(owners.post(ann, project + ":archive", "{}"));
      ok(owners.post(ann, project + ":unarchive", "{}"));
      ok(owners.delete(ann, project + "/members/" + cy.id()));
      ok(members.delete(dee, project + "/members/" + dee.id()));

      HttpResponse<String> read = owners.get(ann, log + "?pageSize=200");
      JsonNode page = body(ok(read));
      List<JsonNode> events = list(page.path("events"));
      assertThat(kinds(events))
          .containsExactly(
              "member_left",
              "member_removed",
              "unarchived",
              "archived",
              "canvas_created",
              "role_changed",
              "invitation_accepted",
              "invitation_revoked",
              "invited",
              "invited",
              "member_added",
              "member_added",
              "renamed",
              "created");
      assertThat(page.path("nextPageToken").asText()).isEmpty();
      // Each entry's place in the log (newest first) and its RFC 3339 time.
      for (int i = 0; i < events.size(); i++) {
        JsonNode event = events.get(i);
        assertThat(event.path("sequence").asLong()).isEqualTo(events.size() - i);
        assertThat(Instant.parse(event.path("at").asText())).isNotNull();
        // Where it came from: the connection's address (not the forged header) and the client's
        // own User-Agent.
        assertThat(event.path("clientAddress").asText())
            .as(event.toString())
            .isEqualTo("127.0.0.1");
        String agent =
            event.path("actorUserId").asText().equals(ann.id()) ? OWNER_AGENT : MEMBER_AGENT;
        assertThat(event.path("userAgent").asText()).as(event.toString()).isEqualTo(agent);
      }
      assertThat(read.body()).doesNotContain(FORGED_ADDRESS);

      JsonNode left = events.get(0);
      assertThat(left.path("actorUserId").asText()).isEqualTo(dee.id());
      assertThat(left.path("actorDisplayName").asText()).isEqualTo("Dee");
      assertThat(left.path("subjectUserId").asText()).isEqualTo(dee.id());
      assertThat(left.path("userAgent").asText()).isEqualTo(MEMBER_AGENT);
      JsonNode removed = events.get(1);
      assertThat(removed.path("actorDisplayName").asText()).isEqualTo("Ann");
      assertThat(removed.path("subjectUserId").asText()).isEqualTo(cy.id());
      assertThat(removed.path("subjectDisplayName").asText()).isEqualTo("Cy");
      assertThat(removed.path("userAgent").asText()).isEqualTo(OWNER_AGENT);
      JsonNode canvas = events.get(4);
      assertThat(canvas.path("canvasId").asText()).isEqualTo(canvasId);
      assertThat(canvas.path("canvasTitle").asText()).isEqualTo("Q3 plan");
      JsonNode roleChanged = events.get(5);
      assertThat(roleChanged.path("subjectUserId").asText()).isEqualTo(bob.id());
      assertThat(roleChanged.path("subjectDisplayName").asText()).isEqualTo("Bob");
      assertThat(roleChanged.path("previousRole").asText()).isEqualTo("editor");
      assertThat(roleChanged.path("role").asText()).isEqualTo("viewer");
      JsonNode accepted = events.get(6);
      assertThat(accepted.path("actorUserId").asText()).isEqualTo(dee.id());
      assertThat(accepted.path("invitationId").asText())
          .isEqualTo(deeInvitation.path("invitationId").asText());
      assertThat(accepted.path("email").asText()).isEqualTo("dee@example.org");
      assertThat(accepted.path("role").asText()).isEqualTo("commenter");
      assertThat(accepted.path("userAgent").asText()).isEqualTo(MEMBER_AGENT);
      JsonNode revoked = events.get(7);
      assertThat(revoked.path("invitationId").asText()).isEqualTo(revokedId);
      assertThat(revoked.path("email").asText()).isEqualTo("fay@example.org");
      JsonNode invited = events.get(9);
      assertThat(invited.path("email").asText()).isEqualTo("dee@example.org");
      assertThat(invited.path("role").asText()).isEqualTo("commenter");
      assertThat(invited.path("expiresAt").asText())
          .isEqualTo(deeInvitation.path("expiresAt").asText());
      // The invitation's token (a secret of the invited person) is never in the log.
      assertThat(read.body()).doesNotContain(deeInvitation.path("token").asText());
      JsonNode added = events.get(11);
      assertThat(added.path("subjectUserId").asText()).isEqualTo(bob.id());
      assertThat(added.path("role").asText()).isEqualTo("editor");
      assertThat(events.get(12).path("name").asText()).isEqualTo("Audit EU");
      JsonNode created = events.get(13);
      assertThat(created.path("name").asText()).isEqualTo("Audit");
      assertThat(created.path("actorUserId").asText()).isEqualTo(ann.id());

      // Only owners read it: a viewer is refused, strangers and ids that do not exist are not
      // found, and without a token nothing.
      assertThat(members.get(bob, log).statusCode()).isEqualTo(403);
      assertThat(members.get(eve, log).statusCode()).isEqualTo(404);
      assertThat(members.get(cy, log).statusCode()).isEqualTo(404);
      assertThat(
              owners.get(ann, "/v1/projects/p_000000000000000000000000/auditEvents").statusCode())
          .isEqualTo(404);
      HttpResponse<String> anonymous = owners.get("", log);
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.body()).doesNotContain("dee@example.org");

      // Pages of four walk the same log without gaps or repeats.
      List<JsonNode> paged = owners.wholeLog(ann, log, 4);
      assertThat(paged).isEqualTo(events);
      // Bad paging is refused, naming the problem.
      for (String query :
          List.of(
              "?pageSize=201",
              "?pageSize=-1",
              "?pageToken=garbage",
              "?pageToken=" + otherProjectsToken(members, eve))) {
        HttpResponse<String> refused = owners.get(ann, log + query);
        assertThat(refused.statusCode()).as(query + " " + refused.body()).isEqualTo(400);
        assertThat(refused.body()).containsAnyOf("pageSize", "pageToken");
      }

      // The log only grows: pages read before new changes read the same after them.
      JsonNode first = body(ok(owners.get(ann, log + "?pageSize=4")));
      String second = first.path("nextPageToken").asText();
      JsonNode secondBefore = body(ok(owners.get(ann, log + "?pageSize=4&pageToken=" + second)));
      ok(owners.patch(ann, project, "{\"name\":\"Audit final\"}"));
      ok(owners.post(ann, project + ":transferOwnership", "{\"userId\":\"" + bob.id() + "\"}"));
      JsonNode secondAfter = body(ok(owners.get(bob, log + "?pageSize=4&pageToken=" + second)));
      assertThat(secondAfter).isEqualTo(secondBefore);
      List<JsonNode> newest = list(body(ok(members.get(bob, log + "?pageSize=6"))).path("events"));
      assertThat(kinds(newest))
          .containsExactly(
              "ownership_transferred",
              "renamed",
              "member_left",
              "member_removed",
              "unarchived",
              "archived");
      assertThat(newest.get(0).path("subjectUserId").asText()).isEqualTo(bob.id());
      assertThat(newest.get(0).path("role").asText()).isEqualTo("owner");
      assertThat(newest.get(0).path("sequence").asLong()).isEqualTo(16);
      assertThat(newest.subList(2, 6)).isEqualTo(list(first.path("events")));
      // Ann, an editor now, reads it no longer.
      assertThat(owners.get(ann, log).statusCode()).isEqualTo(403);

      // A member whose account is gone shows as "deleted user".
      ok(members.send(cy, "DELETE", "/v1/users/me", "{\"password\":\"" + PASSWORD + "\"}"));
      JsonNode removedNow =
          list(body(ok(members.get(bob, log + "?pageSize=200"))).path("events")).get(3);
      assertThat(removedNow.path("kind").asText()).isEqualTo("member_removed");
      assertThat(removedNow.path("subjectUserId").asText()).isEqualTo(cy.id());
      assertThat(removedNow.path("subjectDisplayName").asText()).isEqualTo("deleted user");
    }
  }

  @Test
  void orgAdminsReadItAndOwnersStillDoOnceTheProjectIsDeleted() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      Client api = new Client(node.httpPort(), OWNER_AGENT);
      User ann = api.signUp("ann@example.org", "Ann");
      User bob = api.signUp("bob@example.org", "Bob");
      User cy = api.signUp("cy@example.org", "Cy");
      String orgId =
          body(ok(api.post(ann, "/v1/organizations", "{\"name\":\"Acme\"}")))
              .path("orgId")
              .asText();
      ok(
          api.post(
              ann,
              "/v1/organizations/" + orgId + "/members",
              "{\"email\":\"bob@example.org\",\"admin\":false}"));
      JsonNode created =
          body(ok(api.post(bob, "/v1/projects", "{\"name\":\"Ops\",\"orgId\":\"" + orgId + "\"}")));
      String project = "/v1/projects/" + created.path("projectId").asText();
      String log = project + "/auditEvents";
      ok(api.post(bob, project + "/members", "{\"email\":\"cy@example.org\",\"role\":\"editor\"}"));

      // The organization's admin, who manages the project's members without being one, reads it.
      JsonNode byAdmin = body(ok(api.get(ann, log)));
      assertThat(kinds(list(byAdmin.path("events")))).containsExactly("member_added", "created");
      assertThat(byAdmin.at("/events/1/orgId").asText()).isEqualTo(orgId);
      assertThat(api.get(cy, log).statusCode()).isEqualTo(403);

      ok(api.delete(bob, project));
      assertThat(api.get(bob, project).statusCode()).isEqualTo(404);
      // Its owner still reads who deleted it, and from where; nobody else finds it.
      JsonNode afterDeletion = body(ok(api.get(bob, log)));
      assertThat(kinds(list(afterDeletion.path("events"))))
          .containsExactly("deleted", "member_added", "created");
      JsonNode deleted = afterDeletion.at("/events/0");
      assertThat(deleted.path("actorUserId").asText()).isEqualTo(bob.id());
      assertThat(deleted.path("actorDisplayName").asText()).isEqualTo("Bob");
      assertThat(deleted.path("userAgent").asText()).isEqualTo(OWNER_AGENT);
      assertThat(deleted.path("clientAddress").asText()).isEqualTo("127.0.0.1");
      assertThat(api.get(cy, log).statusCode()).isEqualTo(404);
      assertThat(api.get(ann, log).statusCode()).isEqualTo(404);
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** A page token of another project's log, made by {@code user} who owns that project. */
  static String otherProjectsToken(Client api, User user) throws Exception {
    String other =
        body(ok(api.post(user, "/v1/projects", "{\"name\":\"Other\"}"))).path("projectId").asText();
    String otherProject = "/v1/projects/" + other;
    ok(api.patch(user, otherProject, "{\"name\":\"Other 2\"}"));
    String token =
        body(ok(api.get(user, otherProject + "/auditEvents?pageSize=1")))
            .path("nextPageToken")
            .asText();
    assertThat(token).isNotEmpty();
    return token;
  }

  static JsonNode body(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  static HttpResponse<String> ok(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response;
  }

  static List<JsonNode> list(JsonNode array) {
    List<JsonNode> items = new ArrayList<>();
    array.forEach(items::add);
    return items;
  }

  static List<String> kinds(List<JsonNode> events) {
    return events.stream().map(event -> event.path("kind").asText()).toList();
  }

  /** A signed-in user: its id and an access token. */
  record User(String id, String token) {}

  /**
   * REST calls with a User-Agent of their own, each with a forged {@code X-Forwarded-For} that the
   * server (which trusts no proxy) must ignore.
   */
  record Client(int port, String userAgent) {
    User signUp(String email, String name) throws Exception {
      HttpResponse<String> registered =
          ok(
              send(
                  "",
                  "POST",
                  "/v1/auth:register",
                  JSON.createObjectNode()
                      .put("email", email)
                      .put("password", PASSWORD)
                      .put("displayName", name)
                      .toString()));
      HttpResponse<String> login =
          ok(
              send(
                  "",
                  "POST",
                  "/v1/auth:login",
                  JSON.createObjectNode()
                      .put("email", email)
                      .put("password", PASSWORD)
                      .toString()));
      return new User(
          body(registered).path("userId").asText(), body(login).path("accessToken").asText());
    }

    HttpResponse<String> get(User user, String path) throws Exception {
      return get(user.token(), path);
    }

    HttpResponse<String> get(String token, String path) throws Exception {
      return send(token, "GET", path, null);
    }

    HttpResponse<String> post(User user, String path, String json) throws Exception {
      return send(user.token(), "POST", path, json);
    }

    HttpResponse<String> patch(User user, String path, String json) throws Exception {
      return send(user.token(), "PATCH", path, json);
    }

    HttpResponse<String> delete(User user, String path) throws Exception {
      return send(user.token(), "DELETE", path, null);
    }

    HttpResponse<String> send(User user, String method, String path, String json) throws Exception {
      return send(user.token(), method, path, json);
    }

    HttpResponse<String> send(String token, String method, String path, String json)
        throws Exception {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(Duration.ofSeconds(30))
              .header("user-agent", userAgent)
              .header("x-forwarded-for", FORGED_ADDRESS)
              .method(
                  method,
                  json == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(json));
      if (json != null) request.header("content-type", "application/json");
      if (!token.isEmpty()) request.header("authorization", "Bearer " + token);
      return Http.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Every event of the log at {@code path}, following the page tokens. */
    List<JsonNode> wholeLog(User user, String path, int pageSize) throws Exception {
      List<JsonNode> events = new ArrayList<>();
      String pageToken = "";
      int pages = 0;
      do {
        JsonNode page =
            body(
                ok(
                    get(
                        user,
                        path
                            + "?pageSize="
                            + pageSize
                            + "&pageToken="
                            + URLEncoder.encode(pageToken, StandardCharsets.UTF_8))));
        assertThat(page.path("events").size()).isBetween(1, pageSize);
        page.path("events").forEach(events::add);
        pageToken = page.path("nextPageToken").asText();
        assertThat(++pages).isLessThan(100);
      } while (!pageToken.isEmpty());
      return events;
    }
  }
}
