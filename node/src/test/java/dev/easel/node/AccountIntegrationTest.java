package dev.easel.node;

import static dev.easel.node.MfaIntegrationTest.body;
import static dev.easel.node.MfaIntegrationTest.reason;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Self-service account management over REST against a real node: the profile, a password change
 * that ends the other sign-ins, and deleting an account (with a password, or an authenticator code
 * for an account with two-step sign-in).
 */
class AccountIntegrationTest {
  @TempDir Path dataDir;

  static HttpResponse<String> register(int port, String email, String password) throws Exception {
    return Http.post(
        port,
        "/v1/auth:register",
        "{\"email\":\""
            + email
            + "\",\"password\":\""
            + password
            + "\",\"displayName\":\"Tester\"}");
  }

  static HttpResponse<String> login(int port, String email, String password) throws Exception {
    return Http.post(
        port, "/v1/auth:login", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
  }

  static JsonNode signIn(int port, String email, String password) throws Exception {
    var login = login(port, email, password);
    assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
    return body(login);
  }

  static HttpResponse<String> refresh(int port, String refreshToken) throws Exception {
    return Http.post(port, "/v1/auth:refresh", "{\"refreshToken\":\"" + refreshToken + "\"}");
  }

  static HttpResponse<String> patchMe(int port, String json, String token) throws Exception {
    return Http.send(port, "PATCH", "/v1/users/me", json, token);
  }

  @Test
  void theProfileChangesAndBadValuesAreRefusedByName() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      String token = Http.signUp(port, "cy@example.org");

      var updated =
          patchMe(
              port,
              "{\"displayName\":\"  Cy Young \",\"avatarUrl\":\"https://cdn.example.org/cy.png\"}",
              token);
      assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
      assertThat(body(updated).path("displayName").asText()).isEqualTo("Cy Young");
      JsonNode me = body(Http.get(port, "/v1/users/me", token));
      assertThat(me.path("displayName").asText()).isEqualTo("Cy Young");
      assertThat(me.path("avatarUrl").asText()).isEqualTo("https://cdn.example.org/cy.png");

      // A field left out stays; an empty avatar removes it.
      var nameOnly = patchMe(port, "{\"displayName\":\"Cy\"}", token);
      assertThat(body(nameOnly).path("avatarUrl").asText())
          .isEqualTo("https://cdn.example.org/cy.png");
      var noAvatar = patchMe(port, "{\"avatarUrl\":\"\"}", token);
      assertThat(noAvatar.statusCode()).as(noAvatar.body()).isEqualTo(200);
      me = body(Http.get(port, "/v1/users/me", token));
      assertThat(me.path("displayName").asText()).isEqualTo("Cy");
      assertThat(me.path("avatarUrl").asText()).isEmpty();

      assertRefused(patchMe(port, "{\"displayName\":\"\"}", token), "displayName");
      assertRefused(
          patchMe(port, "{\"displayName\":\"" + "x".repeat(201) + "\"}", token), "displayName");
      assertRefused(
          patchMe(port, "{\"avatarUrl\":\"http://cdn.example.org/cy.png\"}", token),
          "avatarUrl must be an https URL");
      assertRefused(
          patchMe(port, "{\"avatarUrl\":\"javascript:alert(1)\"}", token),
          "avatarUrl must be an https URL");
      var hugeAvatar =
          patchMe(
              port, "{\"avatarUrl\":\"https://cdn.example.org/" + "a".repeat(5000) + "\"}", token);
      assertRefused(hugeAvatar, "at most 2048 characters");
      assertThat(hugeAvatar.body()).doesNotContain("aaaaaaaaaa");
      assertThat(patchMe(port, "{\"displayName\":7,", token).statusCode()).isEqualTo(400);
      assertThat(patchMe(port, "{\"displayName\":\"Eve\"}", null).statusCode()).isEqualTo(401);
      // Nothing refused was stored.
      assertThat(body(Http.get(port, "/v1/users/me", token)).path("displayName").asText())
          .isEqualTo("Cy");
    }
  }

  @Test
  void aNewPasswordEndsTheOtherSignInsButNotTheCallers() throws Exception {
    String email = "dee@example.org";
    String oldPassword = "first password 1";
    String newPassword = "second password 2";
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      assertThat(register(port, email, oldPassword).statusCode()).isEqualTo(200);
      JsonNode mine = signIn(port, email, oldPassword);
      JsonNode other = signIn(port, email, oldPassword);
      String token = mine.path("accessToken").asText();

      var wrongCurrent =
          Http.post(
              port,
              "/v1/users/me:changePassword",
              "{\"currentPassword\":\"not it at all\",\"newPassword\":\"" + newPassword + "\"}",
              token);
      assertThat(wrongCurrent.statusCode()).isEqualTo(403);
      assertThat(reason(wrongCurrent)).isEqualTo("REAUTHENTICATION_FAILED");
      assertRefused(
          Http.post(
              port,
              "/v1/users/me:changePassword",
              "{\"currentPassword\":\"" + oldPassword + "\",\"newPassword\":\"short\"}",
              token),
          "newPassword");
      assertRefused(
          Http.post(
              port,
              "/v1/users/me:changePassword",
              "{\"currentPassword\":\""
                  + oldPassword
                  + "\",\"newPassword\":\""
                  + "p".repeat(300)
                  + "\"}",
              token),
          "at most 256");
      assertRefused(
          Http.post(
              port,
              "/v1/users/me:changePassword",
              "{\"newPassword\":\"" + newPassword + "\"}",
              token),
          "currentPassword is required");
      // Nothing changed so far: the other sign-in still refreshes.
      var stillThere = refresh(port, other.path("refreshToken").asText());
      assertThat(stillThere.statusCode()).as(stillThere.body()).isEqualTo(200);
      String otherRefresh = body(stillThere).path("refreshToken").asText();

      var changed =
          Http.post(
              port,
              "/v1/users/me:changePassword",
              "{\"currentPassword\":\""
                  + oldPassword
                  + "\",\"newPassword\":\""
                  + newPassword
                  + "\"}",
              token);
      assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);

      assertThat(login(port, email, oldPassword).statusCode()).isEqualTo(401);
      assertThat(login(port, email, newPassword).statusCode()).isEqualTo(200);
      var otherEnded = refresh(port, otherRefresh);
      assertThat(otherEnded.statusCode()).isEqualTo(401);
      assertThat(body(otherEnded).path("message").asText()).contains("ended");
      var mineKept = refresh(port, mine.path("refreshToken").asText());
      assertThat(mineKept.statusCode()).as(mineKept.body()).isEqualTo(200);
    }
  }

  @Test
  void aDeletedAccountIsGoneAndItsEmailFree() throws Exception {
    String email = "eve@example.org";
    String password = "a long password";
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      var registered = register(port, email, password);
      String userId = body(registered).path("userId").asText();
      JsonNode tokens = signIn(port, email, password);
      JsonNode otherSignIn = signIn(port, email, password);
      String token = tokens.path("accessToken").asText();

      var withoutPassword = Http.send(port, "DELETE", "/v1/users/me", "{}", token);
      assertRefused(withoutPassword, "password");
      var wrongPassword =
          Http.send(port, "DELETE", "/v1/users/me", "{\"password\":\"wrong password\"}", token);
      assertThat(wrongPassword.statusCode()).isEqualTo(403);
      assertThat(reason(wrongPassword)).isEqualTo("REAUTHENTICATION_FAILED");
      var codeWithoutAuthenticator =
          Http.send(port, "DELETE", "/v1/users/me", "{\"totpCode\":\"123456\"}", token);
      assertRefused(codeWithoutAuthenticator, "no authenticator");
      assertThat(Http.get(port, "/v1/users/me", token).statusCode()).isEqualTo(200);

      var deleted =
          Http.send(port, "DELETE", "/v1/users/me", "{\"password\":\"" + password + "\"}", token);
      assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);

      assertThat(login(port, email, password).statusCode()).isEqualTo(401);
      var me = Http.get(port, "/v1/users/me", token);
      assertThat(me.statusCode()).isEqualTo(401);
      assertThat(body(me).path("message").asText()).contains("no longer exists");
      assertThat(refresh(port, tokens.path("refreshToken").asText()).statusCode()).isEqualTo(401);
      assertThat(refresh(port, otherSignIn.path("refreshToken").asText()).statusCode())
          .isEqualTo(401);
      assertThat(patchMe(port, "{\"displayName\":\"Zombie\"}", token).statusCode()).isEqualTo(401);
      assertThat(
              Http.send(
                      port, "DELETE", "/v1/users/me", "{\"password\":\"" + password + "\"}", token)
                  .statusCode())
          .isEqualTo(401);

      // The address may register again, as a new account.
      var again = register(port, email, "another password");
      assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
      assertThat(body(again).path("userId").asText()).isNotEqualTo(userId);
      String newToken = signIn(port, email, "another password").path("accessToken").asText();
      assertThat(body(Http.get(port, "/v1/users/me", newToken)).path("email").asText())
          .isEqualTo(email);
      assertThat(Http.get(port, "/v1/users/me", token).statusCode()).isEqualTo(401);
    }
  }

  @Test
  void anAccountWithTwoStepSignInIsDeletedWithACodeOfItsAuthenticator() throws Exception {
    String email = "fay@example.org";
    String password = "fay's password";
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      assertThat(register(port, email, password).statusCode()).isEqualTo(200);
      String token = signIn(port, email, password).path("accessToken").asText();
      var enrolled = Http.post(port, "/v1/users/me/totp:enroll", "{}", token);
      Rfc6238 authenticator = Rfc6238.ofBase32(body(enrolled).path("secret").asText());
      var confirmed =
          Http.post(
              port,
              "/v1/users/me/totp:confirm",
              "{\"code\":\"" + authenticator.nextCode() + "\",\"password\":\"" + password + "\"}",
              token);
      assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(200);

      assertRefused(
          Http.send(port, "DELETE", "/v1/users/me", "{\"totpCode\":\"12 34\"}", token), "totpCode");
      var wrongCode =
          Http.send(
              port,
              "DELETE",
              "/v1/users/me",
              "{\"totpCode\":\"" + MfaIntegrationTest.wrongCode(authenticator) + "\"}",
              token);
      assertThat(wrongCode.statusCode()).isEqualTo(403);
      assertThat(reason(wrongCode)).isEqualTo("TOTP_CODE_INVALID");

      var deleted =
          Http.send(
              port,
              "DELETE",
              "/v1/users/me",
              "{\"totpCode\":\"" + authenticator.nextCode() + "\"}",
              token);
      assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
      assertThat(Http.get(port, "/v1/users/me", token).statusCode()).isEqualTo(401);
      assertThat(register(port, email, password).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void anAccountLeavesItsProjectsWithAnOwnerOrDeletesThoseItAloneBelongsTo() throws Exception {
    String password = "a long password";
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      String ownerId = body(register(port, "olga@example.org", password)).path("userId").asText();
      String owner = signIn(port, "olga@example.org", password).path("accessToken").asText();
      String memberId = body(register(port, "max@example.org", password)).path("userId").asText();
      String member = signIn(port, "max@example.org", password).path("accessToken").asText();
      String shared = Http.createProject(port, owner, "Shared");
      String alone = Http.createProject(port, owner, "Alone");
      var added =
          Http.post(
              port,
              "/v1/projects/" + shared + "/members",
              "{\"email\":\"max@example.org\",\"role\":\"editor\"}",
              owner);
      assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
      var org = Http.post(port, "/v1/organizations", "{\"name\":\"Olga's team\"}", owner);
      assertThat(org.statusCode()).as(org.body()).isEqualTo(200);
      String orgId = body(org).path("orgId").asText();
      String addToOrg = "{\"email\":\"max@example.org\",\"admin\":false}";
      var joined = Http.post(port, "/v1/organizations/" + orgId + "/members", addToOrg, owner);
      assertThat(joined.statusCode()).as(joined.body()).isEqualTo(200);
      String deleteMe = "{\"password\":\"" + password + "\"}";

      // The only owner of a project others belong to cannot leave it ownerless.
      var refused = Http.send(port, "DELETE", "/v1/users/me", deleteMe, owner);
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
      assertThat(reason(refused)).isEqualTo("SOLE_OWNER");
      assertThat(body(refused).path("message").asText())
          .contains("project \"Shared\" (" + shared + ")")
          .contains("organization \"Olga's team\" (" + orgId + ")")
          .doesNotContain(alone);
      assertThat(Http.get(port, "/v1/users/me", owner).statusCode()).isEqualTo(200);

      // Once another member is an owner too, the account goes: it leaves the shared project and
      // the project it alone belonged to is deleted.
      var promoted =
          Http.send(
              port,
              "PATCH",
              "/v1/projects/" + shared + "/members/" + memberId,
              "{\"role\":\"owner\"}",
              owner);
      assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
      var stillAdmin = Http.send(port, "DELETE", "/v1/users/me", deleteMe, owner);
      assertThat(stillAdmin.statusCode()).as(stillAdmin.body()).isEqualTo(400);
      assertThat(body(stillAdmin).path("message").asText()).contains(orgId).doesNotContain(shared);
      var promotedInOrg =
          Http.post(
              port,
              "/v1/organizations/" + orgId + "/members",
              "{\"email\":\"max@example.org\",\"admin\":true}",
              owner);
      assertThat(promotedInOrg.statusCode()).as(promotedInOrg.body()).isEqualTo(200);
      var deleted = Http.send(port, "DELETE", "/v1/users/me", deleteMe, owner);
      assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
      JsonNode team = body(Http.get(port, "/v1/organizations/" + orgId, member));
      assertThat(team.path("members").toString()).doesNotContain(ownerId).contains(memberId);

      JsonNode project = body(Http.get(port, "/v1/projects/" + shared, member));
      assertThat(project.path("members").toString()).doesNotContain(ownerId).contains(memberId);
      assertThat(body(Http.get(port, "/v1/projects", member)).path("projects")).hasSize(1);
      // Nobody can reach the deleted one, not even by id.
      String stranger = Http.signUp(port, "sam@example.org");
      assertThat(Http.get(port, "/v1/projects/" + alone, stranger).statusCode()).isEqualTo(404);
    }
  }

  static void assertRefused(HttpResponse<String> response, String mentioning) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(body(response).path("message").asText()).contains(mentioning);
  }
}
