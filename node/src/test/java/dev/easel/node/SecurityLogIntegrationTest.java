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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The account's security log over REST against a real node: what a user does to their account's
 * security is listed newest first with the client's address and user agent, in pages; nobody else
 * reads it; it holds no secret; a client cannot choose the address recorded for it unless it is a
 * trusted proxy; and deleting the account erases the log from the journal.
 */
class SecurityLogIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String USER_AGENT = "SecurityLogIntegrationTest/1.0 (audit; +https://easel.dev)";
  static final String PASSWORD = "correct horse battery";
  static final String NEW_PASSWORD = "another good passphrase";

  @TempDir Path dataDir;

  /** An HTTP client that sends its own User-Agent and, optionally, an X-Forwarded-For header. */
  record Client(int port, String forwardedFor) {
    HttpResponse<String> send(String method, String path, String json, String token)
        throws Exception {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(Duration.ofSeconds(30))
              .header("user-agent", USER_AGENT)
              .method(
                  method,
                  json == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(json));
      if (json != null) request.header("content-type", "application/json");
      if (token != null) request.header("authorization", "Bearer " + token);
      if (forwardedFor != null) request.header("x-forwarded-for", forwardedFor);
      return Http.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String json, String token) throws Exception {
      return send("POST", path, json, token);
    }

    HttpResponse<String> get(String path, String token) throws Exception {
      return send("GET", path, null, token);
    }

    JsonNode ok(HttpResponse<String> response) throws Exception {
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return JSON.readTree(response.body());
    }

    String register(String email) throws Exception {
      return ok(post(
              "/v1/auth:register",
              "{\"email\":\""
                  + email
                  + "\",\"password\":\""
                  + PASSWORD
                  + "\",\"displayName\":\"Ada\"}",
              null))
          .path("userId")
          .asText();
    }

    HttpResponse<String> login(String email, String password) throws Exception {
      return post(
          "/v1/auth:login",
          "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}",
          null);
    }

    /** Every event of the log, following the page tokens. */
    List<JsonNode> wholeLog(String token, int pageSize) throws Exception {
      List<JsonNode> events = new ArrayList<>();
      String pageToken = "";
      int pages = 0;
      do {
        JsonNode page =
            ok(
                get(
                    "/v1/users/me/securityLog?pageSize="
                        + pageSize
                        + "&pageToken="
                        + URLEncoder.encode(pageToken, StandardCharsets.UTF_8),
                    token));
        page.path("events").forEach(events::add);
        assertThat(page.path("events").size()).isLessThanOrEqualTo(pageSize);
        pageToken = page.path("nextPageToken").asText();
        assertThat(++pages).isLessThan(100);
      } while (!pageToken.isEmpty());
      return events;
    }
  }

  static List<String> kinds(JsonNode events) {
    List<String> kinds = new ArrayList<>();
    events.forEach(event -> kinds.add(event.path("kind").asText()));
    return kinds;
  }

  @Test
  void recordsTheAccountsSecurityEventsNewestFirstForItsOwnerOnly() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      // No proxy is trusted: an X-Forwarded-For header that a client makes up is ignored.
      Client client = new Client(node.httpPort(), "6.6.6.6");
      String email = "ada@example.org";
      String userId = client.register(email);

      assertThat(client.login(email, "not the password at all").statusCode()).isEqualTo(401);
      assertThat(client.login("nobody@example.org", PASSWORD).statusCode()).isEqualTo(401);
      JsonNode signedIn = client.ok(client.login(email, PASSWORD));
      String token = signedIn.path("accessToken").asText();
      String firstRefresh = signedIn.path("refreshToken").asText();

      // A refresh token used twice ends its sign-in.
      String secondRefresh =
          client
              .ok(
                  client.post(
                      "/v1/auth:refresh", "{\"refreshToken\":\"" + firstRefresh + "\"}", null))
              .path("refreshToken")
              .asText();
      assertThat(
              client
                  .post("/v1/auth:refresh", "{\"refreshToken\":\"" + firstRefresh + "\"}", null)
                  .statusCode())
          .isEqualTo(401);

      String totpSecret =
          client.ok(client.post("/v1/users/me/totp:enroll", "{}", token)).path("secret").asText();
      JsonNode confirmed =
          client.ok(
              client.post(
                  "/v1/users/me/totp:confirm",
                  "{\"code\":\""
                      + Rfc6238.ofBase32(totpSecret).nextCode()
                      + "\",\"password\":\""
                      + PASSWORD
                      + "\"}",
                  token));
      List<String> recoveryCodes = new ArrayList<>();
      confirmed.path("recoveryCodes").forEach(code -> recoveryCodes.add(code.asText()));
      assertThat(recoveryCodes).isNotEmpty();

      JsonNode key =
          client.ok(
              client.post(
                  "/v1/apiKeys", "{\"name\":\"Nightly export\",\"scopes\":[\"read\"]}", token));
      String keyId = key.path("keyId").asText();
      String keySecret = key.path("secret").asText();
      client.ok(client.send("DELETE", "/v1/apiKeys/" + keyId, null, token));

      client.ok(
          client.post(
              "/v1/users/me:changePassword",
              "{\"currentPassword\":\"" + PASSWORD + "\",\"newPassword\":\"" + NEW_PASSWORD + "\"}",
              token));

      HttpResponse<String> listed = client.get("/v1/users/me/securityLog", token);
      JsonNode events = client.ok(listed).path("events");
      assertThat(kinds(events))
          .containsExactly(
              "PASSWORD_CHANGED",
              "API_KEY_REVOKED",
              "API_KEY_CREATED",
              "MFA_ENABLED",
              "MFA_ENROLLED",
              "SESSION_REVOKED_ON_REUSE",
              "SIGNED_IN",
              "SIGN_IN_FAILED",
              "ACCOUNT_CREATED");
      for (JsonNode event : events) {
        assertThat(event.path("clientAddress").asText())
            .as(event.toString())
            .isEqualTo("127.0.0.1");
        assertThat(event.path("userAgent").asText()).as(event.toString()).isEqualTo(USER_AGENT);
        assertThat(event.path("at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
      }
      assertThat(events.get(7).path("detail").asText()).isEqualTo("WRONG_PASSWORD");
      assertThat(events.get(6).path("detail").asText()).isEqualTo("password");
      assertThat(events.get(2).path("detail").asText()).contains(keyId).contains("Nightly export");
      assertThat(events.get(1).path("detail").asText()).isEqualTo(keyId);
      assertThat(listed.body()).doesNotContain("6.6.6.6");

      // No secret of any kind reaches the log.
      List<String> secrets =
          new ArrayList<>(
              List.of(
                  PASSWORD,
                  NEW_PASSWORD,
                  "not the password at all",
                  totpSecret,
                  keySecret,
                  keySecret.substring(keySecret.lastIndexOf('_') + 1),
                  firstRefresh,
                  secondRefresh,
                  token));
      secrets.addAll(recoveryCodes);
      for (String secret : secrets) assertThat(listed.body()).doesNotContain(secret);

      // Pages of two, newest first: no overlap, no gap, the same events.
      List<JsonNode> paged = client.wholeLog(token, 2);
      assertThat(paged).hasSize(events.size());
      for (int i = 0; i < paged.size(); i++) assertThat(paged.get(i)).isEqualTo(events.get(i));
      JsonNode firstPage = client.ok(client.get("/v1/users/me/securityLog?pageSize=2", token));
      assertThat(kinds(firstPage.path("events")))
          .containsExactly("PASSWORD_CHANGED", "API_KEY_REVOKED");
      String next = firstPage.path("nextPageToken").asText();
      JsonNode secondPage =
          client.ok(client.get("/v1/users/me/securityLog?pageSize=2&pageToken=" + next, token));
      assertThat(kinds(secondPage.path("events")))
          .containsExactly("API_KEY_CREATED", "MFA_ENABLED");

      // Bad paging is refused, naming the problem.
      for (String bad : List.of("not-a-token!", "AAAAAAAAAAAAAAAA", "A".repeat(100))) {
        HttpResponse<String> refused =
            client.get(
                "/v1/users/me/securityLog?pageToken="
                    + URLEncoder.encode(bad, StandardCharsets.UTF_8),
                token);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(refused.body()).contains("pageToken").contains("INVALID_ARGUMENT");
      }
      HttpResponse<String> negative = client.get("/v1/users/me/securityLog?pageSize=-1", token);
      assertThat(negative.statusCode()).isEqualTo(400);
      assertThat(negative.body()).contains("pageSize");

      // Only the account's owner reads it: without a token, nothing; another user sees their own
      // log, and there is no path to anyone else's.
      assertThat(client.get("/v1/users/me/securityLog", null).statusCode()).isEqualTo(401);
      String bobToken = Http.signUp(node.httpPort(), "bob@example.org");
      HttpResponse<String> bobs = client.get("/v1/users/me/securityLog", bobToken);
      assertThat(kinds(client.ok(bobs).path("events")))
          .containsExactly("SIGNED_IN", "ACCOUNT_CREATED");
      assertThat(bobs.body()).doesNotContain(keyId).doesNotContain(USER_AGENT);
      assertThat(client.get("/v1/users/" + userId + "/securityLog", bobToken).statusCode())
          .isEqualTo(404);
      assertThat(client.get("/v1/users/me/securityLog?userId=" + userId, bobToken).body())
          .doesNotContain(keyId);
    }
  }

  @Test
  void aTrustedProxyNamesTheClientAndBrowserSignInsAndSignOutsAreRecorded() throws Exception {
    try (EaselNode node =
        TestNodes.start(dataDir, Map.of("easel.http.trusted-proxies", "127.0.0.1"))) {
      // Left of the address our proxy appended stands what the client wrote: never used.
      Client client = new Client(node.httpPort(), "6.6.6.6, 203.0.113.7");
      String email = "cy@example.org";
      client.register(email);
      HttpResponse<String> browser =
          client.post(
              "/v1/auth/browser/login",
              "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}",
              null);
      assertThat(browser.statusCode()).as(browser.body()).isEqualTo(200);
      JsonNode signedIn = client.ok(client.login(email, PASSWORD));
      client.ok(
          client.post(
              "/v1/auth:logout",
              "{\"refreshToken\":\"" + signedIn.path("refreshToken").asText() + "\"}",
              null));

      JsonNode events =
          client
              .ok(client.get("/v1/users/me/securityLog", signedIn.path("accessToken").asText()))
              .path("events");
      assertThat(kinds(events))
          .containsExactly("SIGNED_OUT", "SIGNED_IN", "SIGNED_IN", "ACCOUNT_CREATED");
      for (JsonNode event : events) {
        assertThat(event.path("clientAddress").asText())
            .as(events.toString())
            .isEqualTo("203.0.113.7");
      }
    }
  }

  @Test
  void deletingTheAccountErasesItsLogFromTheJournal() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      Client client = new Client(node.httpPort(), null);
      String email = "dee@example.org";
      String userId = client.register(email);
      String token = client.ok(client.login(email, PASSWORD)).path("accessToken").asText();
      client.ok(client.send("PATCH", "/v1/users/me", "{\"displayName\":\"Dee Dee\"}", token));
      assertThat(kinds(client.ok(client.get("/v1/users/me/securityLog", token)).path("events")))
          .containsExactly("PROFILE_CHANGED", "SIGNED_IN", "ACCOUNT_CREATED");
      assertThat(journalRows(userId)).hasSize(3);

      client.ok(
          client.send("DELETE", "/v1/users/me", "{\"password\":\"" + PASSWORD + "\"}", token));

      // The access token is still unexpired, but the log is nobody's to read any more...
      HttpResponse<String> gone = client.get("/v1/users/me/securityLog", token);
      assertThat(gone.statusCode()).isEqualTo(401);
      assertThat(gone.body()).contains("no longer exists");
      // ...and its events are deleted: the journal keeps only the closing event, marked deleted,
      // which holds the time of closing and nothing about the client.
      List<String> rows = journalRows(userId);
      assertThat(rows).hasSize(1);
      assertThat(rows.getFirst()).startsWith("deleted ");
      assertThat(rows.getFirst()).doesNotContain(USER_AGENT).doesNotContain("127.0.0.1");

      // The address may register again: a new account with a log of its own.
      String again = client.register(email);
      String newToken = client.ok(client.login(email, PASSWORD)).path("accessToken").asText();
      assertThat(again).isNotEqualTo(userId);
      assertThat(kinds(client.ok(client.get("/v1/users/me/securityLog", newToken)).path("events")))
          .containsExactly("SIGNED_IN", "ACCOUNT_CREATED");
    }
  }

  /** The journal rows of the log of {@code userId}: "deleted|live", then the payload as text. */
  List<String> journalRows(String userId) throws Exception {
    String url =
        "jdbc:h2:file:"
            + dataDir.toAbsolutePath().normalize()
            + "/journal/easel;DB_CLOSE_ON_EXIT=FALSE";
    try (Connection connection = DriverManager.getConnection(url, "easel", "");
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT \"deleted\", \"event_payload\" FROM \"event_journal\""
                    + " WHERE \"persistence_id\" = ? ORDER BY \"sequence_number\"")) {
      query.setString(1, "SecurityLog|" + userId);
      List<String> rows = new ArrayList<>();
      try (ResultSet result = query.executeQuery()) {
        while (result.next()) {
          rows.add(
              (result.getBoolean(1) ? "deleted " : "live ")
                  + new String(result.getBytes(2), StandardCharsets.ISO_8859_1));
        }
      }
      return rows;
    }
  }
}
