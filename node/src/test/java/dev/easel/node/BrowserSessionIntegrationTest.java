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
 * The web app's cookie session against a real node: sign-in sets HttpOnly, SameSite=Lax cookies;
 * changes made with those cookies need the CSRF token (and an allowed origin); bearer calls do not;
 * refresh rotates through the cookie; logout revokes and clears.
 */
class BrowserSessionIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String EMAIL = "dana@example.org";
  static final String PASSWORD = "dana's long password";
  @TempDir Path dataDir;

  static HttpResponse<String> send(
      int port, String method, String path, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) request.header("content-type", "application/json");
    headers.forEach(request::setHeader);
    return Http.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  @Test
  void cookieSessionWithCsrfProtection() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      String credentials = "{\"email\":\"" + EMAIL + "\",\"password\":\"" + PASSWORD + "\"}";
      var registered =
          Http.post(
              port,
              "/v1/auth:register",
              "{\"email\":\""
                  + EMAIL
                  + "\",\"password\":\""
                  + PASSWORD
                  + "\",\"displayName\":\"D\"}");
      assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);

      // Sign-in: three cookies, their attributes, and the CSRF token in the body.
      var login = send(port, "POST", "/v1/auth/browser/login", credentials, Map.of());
      assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
      assertThat(login.headers().firstValue("cache-control")).hasValue("no-store");
      var cookies = SetCookies.of(login);
      var refresh = cookies.get("easel_refresh");
      var access = cookies.get("easel_access");
      var csrf = cookies.get("easel_csrf");
      assertThat(refresh.value()).startsWith("rt_");
      assertThat(refresh.has("HttpOnly")).isTrue();
      assertThat(refresh.attribute("SameSite")).isEqualTo("Lax");
      assertThat(refresh.attribute("Path")).isEqualTo("/v1/auth");
      assertThat(refresh.attribute("Max-Age")).isEqualTo(String.valueOf(30 * 24 * 3600));
      assertThat(access.has("HttpOnly")).isTrue();
      assertThat(access.attribute("SameSite")).isEqualTo("Lax");
      assertThat(access.attribute("Path")).isEqualTo("/");
      assertThat(access.attribute("Max-Age")).isEqualTo("900");
      assertThat(csrf.has("HttpOnly")).as("page scripts read the CSRF cookie").isFalse();
      assertThat(csrf.attribute("SameSite")).isEqualTo("Lax");
      assertThat(csrf.attribute("Path")).isEqualTo("/");
      // plain http to localhost: Secure would make the browser drop them
      assertThat(refresh.has("Secure") || access.has("Secure") || csrf.has("Secure")).isFalse();
      assertThat(json(login).path("csrfToken").asText()).isEqualTo(csrf.value()).hasSize(43);
      assertThat(json(login).path("expiresIn").asLong()).isEqualTo(900);

      var wrongPassword =
          send(
              port,
              "POST",
              "/v1/auth/browser/login",
              "{\"email\":\"" + EMAIL + "\",\"password\":\"not it at all\"}",
              Map.of());
      assertThat(wrongPassword.statusCode()).isEqualTo(401);
      assertThat(SetCookies.of(wrongPassword)).isEmpty();
      var asForm =
          send(
              port,
              "POST",
              "/v1/auth/browser/login",
              credentials,
              Map.of("content-type", "text/plain"));
      assertThat(asForm.statusCode()).isEqualTo(415);
      var foreignLogin =
          send(
              port,
              "POST",
              "/v1/auth/browser/login",
              credentials,
              Map.of("origin", "https://evil.example"));
      assertThat(foreignLogin.statusCode()).isEqualTo(403);
      assertThat(json(foreignLogin).path("message").asText()).contains("https://evil.example");

      // Reading with the access cookie needs no CSRF token.
      String sessionCookies = SetCookies.header(refresh, access, csrf);
      var me = send(port, "GET", "/v1/users/me", null, Map.of("cookie", sessionCookies));
      assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
      assertThat(json(me).path("email").asText()).isEqualTo(EMAIL);

      // A change made with the cookies needs X-CSRF-Token equal to the cookie.
      String project = "{\"name\":\"Cookies\"}";
      var noToken = send(port, "POST", "/v1/projects", project, Map.of("cookie", sessionCookies));
      assertThat(noToken.statusCode()).isEqualTo(403);
      assertThat(json(noToken).path("message").asText()).contains("X-CSRF-Token");
      var wrongToken =
          send(
              port,
              "POST",
              "/v1/projects",
              project,
              Map.of("cookie", sessionCookies, "x-csrf-token", "A".repeat(43)));
      assertThat(wrongToken.statusCode()).isEqualTo(403);
      assertThat(json(wrongToken).path("message").asText()).contains("does not match");
      var planted =
          send(
              port,
              "POST",
              "/v1/projects",
              project,
              Map.of(
                  "cookie",
                  sessionCookies + "; easel_csrf=" + "B".repeat(43),
                  "x-csrf-token",
                  "B".repeat(43)));
      assertThat(planted.statusCode()).as("a second, planted CSRF cookie").isEqualTo(403);
      var withToken =
          send(
              port,
              "POST",
              "/v1/projects",
              project,
              Map.of("cookie", sessionCookies, "x-csrf-token", csrf.value()));
      assertThat(withToken.statusCode()).as(withToken.body()).isEqualTo(200);
      assertThat(json(withToken).path("projectId").asText()).isNotEmpty();
      var sameOrigin =
          send(
              port,
              "POST",
              "/v1/projects",
              project,
              Map.of(
                  "cookie",
                  sessionCookies,
                  "x-csrf-token",
                  csrf.value(),
                  "origin",
                  "http://127.0.0.1:" + port));
      assertThat(sameOrigin.statusCode()).as(sameOrigin.body()).isEqualTo(200);
      var crossSite =
          send(
              port,
              "POST",
              "/v1/projects",
              project,
              Map.of(
                  "cookie",
                  sessionCookies,
                  "x-csrf-token",
                  csrf.value(),
                  "origin",
                  "https://evil.example"));
      assertThat(crossSite.statusCode()).isEqualTo(403);
      assertThat(json(crossSite).path("message").asText()).contains("cross-site");

      // A call signed in by its Authorization header is not a browser's: no CSRF token needed,
      // even when stale cookies ride along.
      String bearer =
          json(Http.post(port, "/v1/auth:login", credentials)).path("accessToken").asText();
      var byBearer = Http.post(port, "/v1/projects", project, bearer);
      assertThat(byBearer.statusCode()).as(byBearer.body()).isEqualTo(200);
      var bearerWithCookies =
          send(
              port,
              "POST",
              "/v1/projects",
              project,
              Map.of("authorization", "Bearer " + bearer, "cookie", sessionCookies));
      assertThat(bearerWithCookies.statusCode()).as(bearerWithCookies.body()).isEqualTo(200);

      // Refresh through the cookie: CSRF-checked, rotates the refresh token, keeps the CSRF token.
      var refreshNoToken =
          send(port, "POST", "/v1/auth/browser/refresh", null, Map.of("cookie", sessionCookies));
      assertThat(refreshNoToken.statusCode()).isEqualTo(403);
      var refreshed =
          send(
              port,
              "POST",
              "/v1/auth/browser/refresh",
              null,
              Map.of("cookie", sessionCookies, "x-csrf-token", csrf.value()));
      assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
      var renewed = SetCookies.of(refreshed);
      assertThat(renewed.get("easel_refresh").value())
          .startsWith("rt_")
          .isNotEqualTo(refresh.value());
      assertThat(renewed.get("easel_refresh").attribute("Path")).isEqualTo("/v1/auth");
      assertThat(renewed.get("easel_access").value()).isNotEmpty();
      assertThat(renewed.get("easel_csrf").value()).isEqualTo(csrf.value());
      assertThat(json(refreshed).path("csrfToken").asText()).isEqualTo(csrf.value());
      String renewedCookies =
          SetCookies.header(
              renewed.get("easel_refresh"), renewed.get("easel_access"), renewed.get("easel_csrf"));
      var meAgain = send(port, "GET", "/v1/users/me", null, Map.of("cookie", renewedCookies));
      assertThat(meAgain.statusCode()).isEqualTo(200);

      // Logout revokes the sign-in and clears the cookies.
      var logout =
          send(
              port,
              "POST",
              "/v1/auth/browser/logout",
              null,
              Map.of("cookie", renewedCookies, "x-csrf-token", csrf.value()));
      assertThat(logout.statusCode()).as(logout.body()).isEqualTo(200);
      var cleared = SetCookies.of(logout);
      assertThat(cleared.keySet()).contains("easel_refresh", "easel_access", "easel_csrf");
      assertThat(cleared.values()).allMatch(SetCookies.SetCookie::cleared);
      assertThat(cleared.get("easel_refresh").attribute("Path")).isEqualTo("/v1/auth");
      var afterLogout =
          send(
              port,
              "POST",
              "/v1/auth/browser/refresh",
              null,
              Map.of("cookie", renewedCookies, "x-csrf-token", csrf.value()));
      assertThat(afterLogout.statusCode()).isEqualTo(401);
      assertThat(SetCookies.of(afterLogout).values()).allMatch(SetCookies.SetCookie::cleared);
      var noCookie = send(port, "POST", "/v1/auth/browser/refresh", null, Map.of());
      assertThat(noCookie.statusCode()).isEqualTo(401);
      assertThat(json(noCookie).path("message").asText()).contains("easel_refresh");
    }
  }
}
