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
 * Managing projects and organizations over REST against a real node: renaming, archiving (which
 * makes canvases read-only over REST and /ws), roles, the last owner, leaving, handing over
 * ownership, invitations by signed link, deletion, organizations and their projects, and the
 * activity feed that shows all of it.
 */
class ProjectManagementIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PASSWORD = "correct horse battery";
  @TempDir Path dataDir;

  @Test
  void ownersManageTheirProjectAndTheFeedShowsWhoDidWhat() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      Client api = new Client(node.httpPort());
      User ann = api.signUp("ann@example.org", "Ann");
      User bob = api.signUp("bob@example.org", "Bob");
      User cy = api.signUp("cy@example.org", "Cy");
      User eve = api.signUp("eve@example.org", "Eve");
      String projectId =
          body(api.post(ann, "/v1/projects", "{\"name\":\"Sales\"}")).path("projectId").asText();
      String project = "/v1/projects/" + projectId;
      String members = project + "/members";

      // Rename: owners only; strangers are told the project does not exist.
      var renamed = api.patch(ann, project, "{\"name\":\" Sales EU \"}");
      assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(200);
      assertThat(body(renamed).path("name").asText()).isEqualTo("Sales EU");
      assertThat(api.patch(eve, project, "{\"name\":\"Mine\"}").statusCode()).isEqualTo(404);
      assertThat(api.patch(ann, project, "{\"name\":\"  \"}").statusCode()).isEqualTo(400);

      // Members are shown with their names and addresses.
      ok(api.post(ann, members, "{\"email\":\"bob@example.org\",\"role\":\"editor\"}"));
      JsonNode withCy =
          body(ok(api.post(ann, members, "{\"email\":\"cy@example.org\",\"role\":\"commenter\"}")));
      JsonNode cyShown = member(withCy, cy.id());
      assertThat(cyShown.path("displayName").asText()).isEqualTo("Cy");
      assertThat(cyShown.path("email").asText()).isEqualTo("cy@example.org");
      assertThat(cyShown.path("role").asText()).isEqualTo("commenter");

      // Bob edits a canvas; the project notes that he did.
      String canvasId =
          body(ok(api.post(ann, project + "/canvases", "{\"title\":\"Q3\"}")))
              .path("canvasId")
              .asText();
      ok(api.post(bob, ops(canvasId), op(1, " plan")));
      awaitActivity(api, ann, projectId, "canvas_edited");

      // Archive: owners only. An archived project refuses edits and new canvases, with a reason.
      assertThat(api.post(bob, project + ":archive", "{}").statusCode()).isEqualTo(403);
      var archived = api.post(ann, project + ":archive", "{}");
      assertThat(archived.statusCode()).as(archived.body()).isEqualTo(200);
      assertThat(body(archived).path("archived").asBoolean()).isTrue();
      var refusedEdit = api.post(bob, ops(canvasId), op(2, "!"));
      assertThat(refusedEdit.statusCode()).isEqualTo(400);
      assertThat(refusedEdit.body()).contains("PROJECT_ARCHIVED");
      assertThat(body(refusedEdit).path("message").asText()).contains("archived");
      var refusedCanvas = api.post(ann, project + "/canvases", "{\"title\":\"Q4\"}");
      assertThat(refusedCanvas.statusCode()).isEqualTo(400);
      assertThat(refusedCanvas.body()).contains("PROJECT_ARCHIVED");
      assertThat(api.patch(ann, project, "{\"name\":\"X\"}").statusCode()).isEqualTo(400);
      JsonNode wsRefusal = submitOverSocket(node.httpPort(), bob, canvasId, 2);
      assertThat(wsRefusal.at("/error/code").asText()).isEqualTo("ERR_PROJECT_ARCHIVED");
      assertThat(wsRefusal.at("/error/message").asText()).contains("archived");
      // Reading goes on, and nothing was changed.
      var read = ok(api.get(bob, "/v1/canvases/" + canvasId));
      assertThat(body(read).path("title").asText()).isEqualTo("Q3 plan");
      assertThat(body(read).path("version").asLong()).isEqualTo(2);
      assertThat(body(ok(api.get(ann, project))).path("canvases")).hasSize(1);
      // Unarchived, it takes edits and canvases again.
      assertThat(api.post(bob, project + ":unarchive", "{}").statusCode()).isEqualTo(403);
      assertThat(body(ok(api.post(ann, project + ":unarchive", "{}"))).path("archived").asBoolean())
          .isFalse();
      ok(api.post(bob, ops(canvasId), op(2, "!")));
      String q4 =
          body(ok(api.post(ann, project + "/canvases", "{\"title\":\"Q4\"}")))
              .path("canvasId")
              .asText();
      assertThat(body(ok(api.get(ann, project))).path("canvases")).hasSize(2);
      // An owner deletes a canvas over the socket: it leaves the project's catalog too.
      ShareDbTestSocket socket =
          ShareDbTestSocket.open(node.httpPort(), "Authorization", "Bearer " + ann.token());
      try {
        JsonNode deleted =
            socket.request(
                "{\"a\":\"op\",\"c\":\"canvases\",\"d\":\""
                    + q4
                    + "\",\"v\":1,\"src\":\"jdk\",\"seq\":1,\"del\":true}");
        assertThat(deleted.has("error")).as(deleted.toString()).isFalse();
      } finally {
        socket.webSocket().abort();
      }
      awaitActivity(api, ann, projectId, "canvas_removed");
      JsonNode catalog = body(ok(api.get(ann, project))).path("canvases");
      assertThat(catalog).hasSize(1);
      assertThat(catalog.get(0).path("canvasId").asText()).isEqualTo(canvasId);

      // Roles: owners change them; a commenter may not, and nothing changes.
      JsonNode demoted =
          body(ok(api.patch(ann, members + "/" + bob.id(), "{\"role\":\"viewer\"}")));
      assertThat(member(demoted, bob.id()).path("role").asText()).isEqualTo("viewer");
      var byCommenter = api.patch(cy, members + "/" + bob.id(), "{\"role\":\"owner\"}");
      assertThat(byCommenter.statusCode()).isEqualTo(403);
      assertThat(body(byCommenter).path("message").asText()).contains("commenter");
      assertThat(api.patch(eve, members + "/" + bob.id(), "{\"role\":\"owner\"}").statusCode())
          .isEqualTo(404);
      assertThat(member(body(api.get(ann, project)), bob.id()).path("role").asText())
          .isEqualTo("viewer");
      assertThat(api.patch(ann, members + "/" + bob.id(), "{\"role\":\"boss\"}").statusCode())
          .isEqualTo(400);

      // The last owner can neither be demoted nor leave.
      var demoteLast = api.patch(ann, members + "/" + ann.id(), "{\"role\":\"editor\"}");
      assertThat(demoteLast.statusCode()).isEqualTo(400);
      assertThat(demoteLast.body()).contains("LAST_OWNER");
      assertThat(body(demoteLast).path("message").asText()).contains("at least one owner");
      var leaveLast = api.delete(ann, members + "/" + ann.id());
      assertThat(leaveLast.statusCode()).isEqualTo(400);
      assertThat(leaveLast.body()).contains("LAST_OWNER");

      // Anyone may leave; only owners remove others.
      assertThat(api.delete(bob, members + "/" + cy.id()).statusCode()).isEqualTo(403);
      ok(api.delete(cy, members + "/" + cy.id()));
      assertThat(api.get(cy, project).statusCode()).isEqualTo(404);
      assertThat(body(api.get(cy, "/v1/projects")).path("projects")).isEmpty();

      // Invitations: a signed link for one address, shown once, accepted once.
      String invitations = project + "/invitations";
      var invited =
          api.post(ann, invitations, "{\"email\":\" Dee@Example.org\",\"role\":\"editor\"}");
      assertThat(invited.statusCode()).as(invited.body()).isEqualTo(200);
      String token = body(invited).path("token").asText();
      String invitationId = body(invited).path("invitationId").asText();
      assertThat(token.split("\\.")).hasSize(3);
      assertThat(body(invited).path("acceptUrl").asText()).endsWith("#token=" + token);
      assertThat(body(invited).path("expiresAt").asText()).isNotBlank();
      // This node sends no mail (easel.mail.host is empty): nothing was mailed, and no error.
      assertThat(body(invited).path("mailed").asBoolean()).isFalse();
      assertThat(body(invited).path("mailError").asText()).isEmpty();
      var pending = ok(api.get(ann, invitations));
      assertThat(body(pending).path("invitations")).hasSize(1);
      assertThat(body(pending).at("/invitations/0/email").asText()).isEqualTo("dee@example.org");
      assertThat(body(pending).at("/invitations/0/role").asText()).isEqualTo("editor");
      assertThat(body(pending).at("/invitations/0/invitedBy").asText()).isEqualTo(ann.id());
      assertThat(pending.body()).doesNotContain(token).doesNotContain("token");
      assertThat(api.get(bob, invitations).statusCode()).isEqualTo(403);
      assertThat(
              api.post(bob, invitations, "{\"email\":\"x@example.org\",\"role\":\"viewer\"}")
                  .statusCode())
          .isEqualTo(403);
      assertThat(
              api.post(ann, invitations, "{\"email\":\"not-an-address\",\"role\":\"viewer\"}")
                  .statusCode())
          .isEqualTo(400);
      // An invitation token is no access token.
      assertThat(api.get(token, "/v1/projects").statusCode()).isEqualTo(401);
      User dee = api.signUp("dee@example.org", "Dee");
      var otherEmail = api.post(eve, "/v1/invitations:accept", accept(token));
      assertThat(otherEmail.statusCode()).isEqualTo(403);
      assertThat(body(otherEmail).path("message").asText()).contains("another email address");
      var tampered = api.post(dee, "/v1/invitations:accept", accept(tamper(token)));
      assertThat(tampered.statusCode()).isEqualTo(400);
      assertThat(tampered.body()).contains("INVITE_INVALID");
      assertThat(api.post(dee, "/v1/invitations:accept", accept("")).statusCode()).isEqualTo(400);
      var joined = api.post(dee, "/v1/invitations:accept", accept(token));
      assertThat(joined.statusCode()).as(joined.body()).isEqualTo(200);
      assertThat(body(joined).path("role").asText()).isEqualTo("editor");
      assertThat(body(joined).path("projectId").asText()).isEqualTo(projectId);
      var reused = api.post(dee, "/v1/invitations:accept", accept(token));
      assertThat(reused.statusCode()).isEqualTo(400);
      assertThat(reused.body()).contains("INVITE_USED");
      assertThat(body(ok(api.get(ann, invitations))).path("invitations")).isEmpty();
      // A revoked invitation's link stops working.
      String eveToken =
          body(ok(
                  api.post(
                      ann, invitations, "{\"email\":\"eve@example.org\",\"role\":\"viewer\"}")))
              .path("token")
              .asText();
      String eveInvitation =
          body(ok(api.get(ann, invitations))).at("/invitations/0/invitationId").asText();
      assertThat(api.delete(bob, invitations + "/" + eveInvitation).statusCode()).isEqualTo(403);
      ok(api.delete(ann, invitations + "/" + eveInvitation));
      assertThat(body(ok(api.get(ann, invitations))).path("invitations")).isEmpty();
      var revoked = api.post(eve, "/v1/invitations:accept", accept(eveToken));
      assertThat(revoked.statusCode()).isEqualTo(404);
      assertThat(body(revoked).path("message").asText()).contains("revoked");
      assertThat(api.get(eve, project).statusCode()).isEqualTo(404);

      // Ownership is handed over to a member: Ann becomes an editor.
      assertThat(
              api.post(bob, project + ":transferOwnership", "{\"userId\":\"" + dee.id() + "\"}")
                  .statusCode())
          .isEqualTo(403);
      assertThat(
              api.post(ann, project + ":transferOwnership", "{\"userId\":\"" + eve.id() + "\"}")
                  .statusCode())
          .isEqualTo(404);
      JsonNode handedOver =
          body(
              ok(
                  api.post(
                      ann, project + ":transferOwnership", "{\"userId\":\"" + dee.id() + "\"}")));
      assertThat(handedOver.path("role").asText()).isEqualTo("editor");
      assertThat(member(handedOver, dee.id()).path("role").asText()).isEqualTo("owner");
      assertThat(api.patch(ann, members + "/" + bob.id(), "{\"role\":\"editor\"}").statusCode())
          .isEqualTo(403);

      // The feed: everything above, newest first, with the names of who did it.
      var feed = ok(api.get(bob, project + "/activity?pageSize=200"));
      List<String> kinds = new ArrayList<>();
      for (JsonNode entry : body(feed).path("entries")) kinds.add(entry.path("kind").asText());
      assertThat(kinds.reversed())
          .containsExactly(
              "created",
              "renamed",
              "member_added",
              "member_added",
              "canvas_created",
              "canvas_edited",
              "archived",
              "unarchived",
              "canvas_created",
              "canvas_removed",
              "role_changed",
              "member_removed",
              "invited",
              "invitation_accepted",
              "invited",
              "invitation_revoked",
              "ownership_transferred");
      assertThat(body(feed).path("nextPageToken").asText()).isEmpty();
      List<JsonNode> entries = new ArrayList<>();
      body(feed).path("entries").forEach(entries::add);
      JsonNode transferred = entries.get(0);
      assertThat(transferred.path("actorDisplayName").asText()).isEqualTo("Ann");
      assertThat(transferred.path("subjectUserId").asText()).isEqualTo(dee.id());
      assertThat(transferred.path("subjectDisplayName").asText()).isEqualTo("Dee");
      JsonNode acceptedEntry = entries.get(3);
      assertThat(acceptedEntry.path("actorDisplayName").asText()).isEqualTo("Dee");
      assertThat(acceptedEntry.path("role").asText()).isEqualTo("editor");
      JsonNode left = entries.get(5);
      assertThat(left.path("actorUserId").asText()).isEqualTo(cy.id());
      assertThat(left.path("subjectUserId").asText()).isEqualTo(cy.id());
      JsonNode roleChanged = entries.get(6);
      assertThat(roleChanged.path("previousRole").asText()).isEqualTo("editor");
      assertThat(roleChanged.path("role").asText()).isEqualTo("viewer");
      assertThat(roleChanged.path("subjectDisplayName").asText()).isEqualTo("Bob");
      JsonNode removed = entries.get(7);
      assertThat(removed.path("kind").asText()).isEqualTo("canvas_removed");
      assertThat(removed.path("actorDisplayName").asText()).isEqualTo("Ann");
      JsonNode edited = entries.get(11);
      assertThat(edited.path("actorDisplayName").asText()).isEqualTo("Bob");
      assertThat(edited.path("canvasId").asText()).isEqualTo(canvasId);
      assertThat(edited.path("canvasTitle").asText()).isEqualTo("Q3");
      assertThat(entries.get(15).path("name").asText()).isEqualTo("Sales EU");
      assertThat(entries.get(16).path("actorDisplayName").asText()).isEqualTo("Ann");
      assertThat(entries.get(16).path("at").asText()).isNotBlank();

      // Pages of three walk the same feed without gaps or repeats.
      List<String> paged = new ArrayList<>();
      String pageToken = "";
      int pages = 0;
      do {
        var page = ok(api.get(bob, project + "/activity?pageSize=3&pageToken=" + pageToken));
        JsonNode list = body(page).path("entries");
        assertThat(list.size()).isBetween(1, 3);
        for (JsonNode entry : list) paged.add(entry.path("kind").asText());
        pageToken = body(page).path("nextPageToken").asText();
        pages++;
      } while (!pageToken.isEmpty() && pages < 20);
      assertThat(pages).isEqualTo(6);
      assertThat(paged).isEqualTo(kinds);
      assertThat(api.get(bob, project + "/activity?pageSize=500").statusCode()).isEqualTo(400);
      assertThat(api.get(bob, project + "/activity?pageToken=garbage").statusCode()).isEqualTo(400);
      assertThat(api.get(cy, project + "/activity").statusCode()).isEqualTo(404);
      assertThat(body(ok(api.get(bob, project + "/activity"))).path("entries")).hasSize(17);
    }
  }

  @Test
  void aDeletedProjectIsGoneForItsMembersWithItsCanvases() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      Client api = new Client(node.httpPort());
      User ann = api.signUp("ann@example.org", "Ann");
      User bob = api.signUp("bob@example.org", "Bob");
      String projectId =
          body(api.post(ann, "/v1/projects", "{\"name\":\"Scratch\"}")).path("projectId").asText();
      String project = "/v1/projects/" + projectId;
      ok(
          api.post(
              ann, project + "/members", "{\"email\":\"bob@example.org\",\"role\":\"editor\"}"));
      String canvasId =
          body(ok(api.post(ann, project + "/canvases", "{\"title\":\"T\"}")))
              .path("canvasId")
              .asText();
      assertThat(api.delete(bob, project).statusCode()).isEqualTo(403);
      assertThat(api.delete(ann, project).statusCode()).isEqualTo(200);
      for (User member : List.of(ann, bob)) {
        assertThat(api.get(member, project).statusCode()).isEqualTo(404);
        assertThat(body(ok(api.get(member, "/v1/projects"))).path("projects")).isEmpty();
        assertThat(api.get(member, "/v1/canvases/" + canvasId).statusCode()).isEqualTo(404);
        assertThat(api.post(member, ops(canvasId), op(1, "x")).statusCode()).isEqualTo(404);
        assertThat(api.get(member, project + "/activity").statusCode()).isEqualTo(404);
      }
      assertThat(api.delete(ann, project).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void organizationsHaveAdminsMembersAndProjects() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      Client api = new Client(node.httpPort());
      User ann = api.signUp("ann@example.org", "Ann");
      User bob = api.signUp("bob@example.org", "Bob");
      User eve = api.signUp("eve@example.org", "Eve");

      var created = api.post(ann, "/v1/organizations", "{\"name\":\" Acme \"}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
      String orgId = body(created).path("orgId").asText();
      String org = "/v1/organizations/" + orgId;
      assertThat(body(created).path("name").asText()).isEqualTo("Acme");
      assertThat(body(created).path("admin").asBoolean()).isTrue();
      assertThat(body(created).at("/members/0/userId").asText()).isEqualTo(ann.id());
      assertThat(body(created).at("/members/0/displayName").asText()).isEqualTo("Ann");
      assertThat(body(created).at("/members/0/email").asText()).isEqualTo("ann@example.org");
      assertThat(api.post(ann, "/v1/organizations", "{\"name\":\"\"}").statusCode()).isEqualTo(400);
      assertThat(api.get(eve, org).statusCode()).isEqualTo(404);
      assertThat(api.get(ann, "/v1/organizations/o_000000000000000000000000").statusCode())
          .isEqualTo(404);

      // Admins add members; members see the organization but do not manage it.
      JsonNode withBob =
          body(
              ok(
                  api.post(
                      ann, org + "/members", "{\"email\":\"bob@example.org\",\"admin\":false}")));
      assertThat(withBob.path("members")).hasSize(2);
      JsonNode seenByBob = body(ok(api.get(bob, org)));
      assertThat(seenByBob.path("admin").asBoolean()).isFalse();
      assertThat(api.post(bob, org + "/members", "{\"email\":\"eve@example.org\"}").statusCode())
          .isEqualTo(403);
      assertThat(api.post(ann, org + "/members", "{\"email\":\"nobody@example.org\"}").statusCode())
          .isEqualTo(404);

      // Members create projects in it; others cannot.
      var orgProject =
          api.post(bob, "/v1/projects", "{\"name\":\"Acme ops\",\"orgId\":\"" + orgId + "\"}");
      assertThat(orgProject.statusCode()).as(orgProject.body()).isEqualTo(200);
      assertThat(body(orgProject).path("orgId").asText()).isEqualTo(orgId);
      String project = "/v1/projects/" + body(orgProject).path("projectId").asText();
      assertThat(
              api.post(eve, "/v1/projects", "{\"name\":\"X\",\"orgId\":\"" + orgId + "\"}")
                  .statusCode())
          .isEqualTo(404);

      // The org admin manages the members of the org's projects without being a member...
      JsonNode seenByAdmin = body(ok(api.get(ann, project)));
      assertThat(seenByAdmin.path("role").asText()).isEmpty();
      JsonNode withEve =
          body(
              ok(
                  api.post(
                      ann,
                      project + "/members",
                      "{\"email\":\"eve@example.org\",\"role\":\"viewer\"}")));
      assertThat(member(withEve, eve.id()).path("role").asText()).isEqualTo("viewer");
      ok(api.patch(ann, project + "/members/" + eve.id(), "{\"role\":\"commenter\"}"));
      ok(
          api.post(
              ann, project + "/invitations", "{\"email\":\"x@example.org\",\"role\":\"viewer\"}"));
      // ...but does not run the project or read its canvases.
      assertThat(api.post(ann, project + ":archive", "{}").statusCode()).isEqualTo(403);
      assertThat(api.delete(ann, project).statusCode()).isEqualTo(403);
      assertThat(api.post(ann, project + "/canvases", "{\"title\":\"x\"}").statusCode())
          .isEqualTo(403);
      // The project's member Eve is no admin of the organization.
      assertThat(api.get(eve, org).statusCode()).isEqualTo(404);

      // Removing members: admins only, and the last admin stays.
      var lastAdmin = api.delete(ann, org + "/members/" + ann.id());
      assertThat(lastAdmin.statusCode()).isEqualTo(400);
      assertThat(lastAdmin.body()).contains("LAST_ADMIN");
      assertThat(api.delete(bob, org + "/members/" + ann.id()).statusCode()).isEqualTo(403);
      ok(api.delete(ann, org + "/members/" + bob.id()));
      assertThat(api.get(bob, org).statusCode()).isEqualTo(404);
      assertThat(body(ok(api.get(ann, org))).path("members")).hasSize(1);
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  static JsonNode body(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  static HttpResponse<String> ok(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response;
  }

  static JsonNode member(JsonNode project, String userId) {
    for (JsonNode member : project.path("members")) {
      if (member.path("userId").asText().equals(userId)) return member;
    }
    return JSON.missingNode();
  }

  static String ops(String canvasId) {
    return "/v1/canvases/" + canvasId + "/ops";
  }

  /** An op made against {@code version} that appends {@code text} to the title "Q3". */
  static String op(long version, String text) {
    return "{\"version\":\""
        + version
        + "\",\"op\":[{\"p\":[\"title\","
        + (version == 1 ? 2 : 7)
        + "],\"si\":\""
        + text
        + "\"}]}";
  }

  static String accept(String token) {
    return JSON.createObjectNode().put("token", token).toString();
  }

  /** The token with one claim's character changed, its signature kept. */
  static String tamper(String token) {
    String[] parts = token.split("\\.");
    char[] payload = parts[1].toCharArray();
    payload[5] = payload[5] == 'A' ? 'B' : 'A';
    return parts[0] + "." + new String(payload) + "." + parts[2];
  }

  /** Waits (bounded) until the project's newest activity is of {@code kind}. */
  static void awaitActivity(Client api, User user, String projectId, String kind) throws Exception {
    String last = "";
    for (int i = 0; i < 100; i++) {
      var feed = ok(api.get(user, "/v1/projects/" + projectId + "/activity?pageSize=1"));
      last = body(feed).at("/entries/0/kind").asText();
      if (last.equals(kind)) return;
      Thread.sleep(100);
    }
    throw new AssertionError("the newest activity is " + last + ", never " + kind);
  }

  /** Submits an op over the collaboration socket and returns the answer to it. */
  static JsonNode submitOverSocket(int port, User user, String canvasId, long version)
      throws Exception {
    ShareDbTestSocket socket =
        ShareDbTestSocket.open(port, "Authorization", "Bearer " + user.token());
    try {
      return socket.request(
          JSON.createObjectNode()
              .put("a", "op")
              .put("c", "canvases")
              .put("d", canvasId)
              .put("v", version)
              .put("src", "jdk-client")
              .put("seq", 1)
              .set("op", JSON.readTree("[{\"p\":[\"title\",0],\"si\":\"x\"}]"))
              .toString());
    } finally {
      socket.webSocket().abort();
    }
  }

  /** A signed-in user: its id and an access token. */
  record User(String id, String token) {}

  /** REST calls as a user. */
  static final class Client {
    final int port;

    Client(int port) {
      this.port = port;
    }

    User signUp(String email, String name) throws Exception {
      var registered =
          send(
              "",
              "/v1/auth:register",
              "POST",
              JSON.createObjectNode()
                  .put("email", email)
                  .put("password", PASSWORD)
                  .put("displayName", name)
                  .toString());
      ok(registered);
      var login =
          send(
              "",
              "/v1/auth:login",
              "POST",
              JSON.createObjectNode().put("email", email).put("password", PASSWORD).toString());
      ok(login);
      return new User(
          body(registered).path("userId").asText(), body(login).path("accessToken").asText());
    }

    HttpResponse<String> get(User user, String path) throws Exception {
      return get(user.token(), path);
    }

    HttpResponse<String> get(String token, String path) throws Exception {
      return send(token, path, "GET", null);
    }

    HttpResponse<String> post(User user, String path, String json) throws Exception {
      return send(user.token(), path, "POST", json);
    }

    HttpResponse<String> patch(User user, String path, String json) throws Exception {
      return send(user.token(), path, "PATCH", json);
    }

    HttpResponse<String> delete(User user, String path) throws Exception {
      return send(user.token(), path, "DELETE", null);
    }

    private HttpResponse<String> send(String token, String path, String method, String json)
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
      if (!token.isEmpty()) request.header("authorization", "Bearer " + token);
      return Http.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
  }
}
