package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Accounts and sign-in over REST against a real node: register, log in, refresh, log out. */
class AuthIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dataDir;

  static JsonNode body(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  static HttpResponse<String> me(int port, String accessToken) throws Exception {
    return Http.CLIENT.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/users/me"))
            .timeout(Duration.ofSeconds(30))
            .header("authorization", "Bearer " + accessToken)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void registerLogInRefreshAndLogOut() throws Exception {
    String password = "correct horse battery";
    String accessToken;
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      var registered =
          Http.post(
              port,
              "/v1/auth:register",
              "{\"email\":\"Ada@Example.org\",\"password\":\""
                  + password
                  + "\",\"displayName\":\"Ada\"}");
      assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
      String userId = body(registered).path("userId").asText();
      assertThat(userId).startsWith("u_");

      var again =
          Http.post(
              port,
              "/v1/auth:register",
              "{\"email\":\"ada@example.org\",\"password\":\"another good one\",\"displayName\":\"A\"}");
      assertThat(again.statusCode()).isEqualTo(409);
      assertThat(again.body()).contains("already exists");

      var weak =
          Http.post(
              port,
              "/v1/auth:register",
              "{\"email\":\"bob@example.org\",\"password\":\"short\",\"displayName\":\"Bob\"}");
      assertThat(weak.statusCode()).isEqualTo(400);
      assertThat(weak.body()).doesNotContain("\"short\"");

      var wrong =
          Http.post(
              port,
              "/v1/auth:login",
              "{\"email\":\"ada@example.org\",\"password\":\"not the password\"}");
      assertThat(wrong.statusCode()).isEqualTo(401);
      var unknown =
          Http.post(
              port,
              "/v1/auth:login",
              "{\"email\":\"eve@example.org\",\"password\":\"whatever1234\"}");
      assertThat(unknown.statusCode()).isEqualTo(401);
      assertThat(body(unknown).path("message").asText())
          .isEqualTo(body(wrong).path("message").asText());

      var login =
          Http.post(
              port,
              "/v1/auth:login",
              "{\"email\":\"ada@example.org\",\"password\":\"" + password + "\"}");
      assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
      JsonNode tokens = body(login);
      accessToken = tokens.path("accessToken").asText();
      assertThat(tokens.path("expiresIn").asText()).isEqualTo("900");

      var whoAmI = me(port, accessToken);
      assertThat(whoAmI.statusCode()).isEqualTo(200);
      assertThat(body(whoAmI).path("email").asText()).isEqualTo("ada@example.org");
      assertThat(body(whoAmI).path("userId").asText()).isEqualTo(userId);
      assertThat(Http.get(port, "/v1/users/me").statusCode()).isEqualTo(401);
      String tampered = accessToken.substring(0, accessToken.length() - 4) + "AAAA";
      assertThat(me(port, tampered).statusCode()).isEqualTo(401);

      // The token's key is published.
      String kid =
          JSON.readTree(
                  Base64.getUrlDecoder().decode(accessToken.substring(0, accessToken.indexOf('.'))))
              .path("kid")
              .asText();
      var jwks = Http.get(port, "/.well-known/jwks.json");
      assertThat(jwks.statusCode()).isEqualTo(200);
      assertThat(jwks.body()).contains(kid).doesNotContain("\"d\"");

      // Refresh rotates; presenting the spent token again revokes the whole sign-in.
      String first = tokens.path("refreshToken").asText();
      var refreshed = Http.post(port, "/v1/auth:refresh", "{\"refreshToken\":\"" + first + "\"}");
      assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
      String second = body(refreshed).path("refreshToken").asText();
      assertThat(second).isNotEqualTo(first);
      var reused = Http.post(port, "/v1/auth:refresh", "{\"refreshToken\":\"" + first + "\"}");
      assertThat(reused.statusCode()).isEqualTo(401);
      assertThat(reused.body()).contains("revoked");
      var afterReuse = Http.post(port, "/v1/auth:refresh", "{\"refreshToken\":\"" + second + "\"}");
      assertThat(afterReuse.statusCode()).isEqualTo(401);

      // Logout ends a sign-in.
      var other =
          body(
              Http.post(
                  port,
                  "/v1/auth:login",
                  "{\"email\":\"ada@example.org\",\"password\":\"" + password + "\"}"));
      String refresh = other.path("refreshToken").asText();
      assertThat(
              Http.post(port, "/v1/auth:logout", "{\"refreshToken\":\"" + refresh + "\"}")
                  .statusCode())
          .isEqualTo(200);
      assertThat(
              Http.post(port, "/v1/auth:refresh", "{\"refreshToken\":\"" + refresh + "\"}")
                  .statusCode())
          .isEqualTo(401);
      assertThat(Http.post(port, "/v1/auth:refresh", "{\"refreshToken\":\"garbage\"}").statusCode())
          .isEqualTo(401);
    }
    // Signing keys and accounts survive a restart: the access token still verifies.
    try (EaselNode node = TestNodes.start(dataDir)) {
      var whoAmI = me(node.httpPort(), accessToken);
      assertThat(whoAmI.statusCode()).as(whoAmI.body()).isEqualTo(200);
      assertThat(new String(whoAmI.body().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
          .contains("ada@example.org");
    }
  }
}
