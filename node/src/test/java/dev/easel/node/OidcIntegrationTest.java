package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.NettyWrapper;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sign-in with an OpenID provider against a real node, with mock-oauth2-server as the provider and
 * the JDK's HTTP client as the browser (redirects followed by hand, cookies carried by hand): new
 * accounts, linking by verified email only, and refusals of tampered state, a foreign nonce and
 * unsafe redirects. A GitHub-flavoured provider runs against the same server's OAuth endpoints and
 * a stand-in for GitHub's user API.
 */
class OidcIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** The fields that the BadRequest of an error answer names. */
  static List<String> violatedFields(HttpResponse<String> response) throws Exception {
    List<String> fields = new ArrayList<>();
    for (JsonNode detail : JSON.readTree(response.body()).path("details")) {
      for (JsonNode violation : detail.path("fieldViolations")) {
        fields.add(violation.path("field").asText());
      }
    }
    return fields;
  }

  static final String CLIENT_ID = "easel-test-client";
  @TempDir static Path dataDir;
  static MockOAuth2Server provider;
  static HttpServer gitHubApi;
  static volatile String gitHubEmails = "[]";
  static EaselNode node;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    // Netty front end: the default MockWebServer one needs JUnit 4.
    provider =
        new MockOAuth2Server(
            new OAuth2Config(
                false, null, null, false, new OAuth2TokenProvider(), Set.of(), new NettyWrapper()));
    provider.start();
    gitHubApi = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    gitHubApi.createContext(
        "/api/user",
        exchange -> {
          boolean signedIn =
              exchange.getRequestHeaders().getFirst("authorization").startsWith("Bearer ");
          byte[] body =
              (exchange.getRequestURI().getPath().endsWith("/emails")
                      ? gitHubEmails
                      : "{\"id\":4242,\"login\":\"octo\",\"name\":\"\"}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("content-type", "application/json");
          exchange.sendResponseHeaders(signedIn ? 200 : 401, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    gitHubApi.start();
    String issuer = provider.issuerUrl("default").toString();
    String mockBase = issuer.substring(0, issuer.length() - "/default".length());
    Map<String, Object> settings = new LinkedHashMap<>();
    // Short, so that a test can let a sign-in grow too old to delete the account with.
    settings.put(
        "easel.identity.reauthentication-window", REAUTHENTICATION_WINDOW.toMillis() + "ms");
    settings.put("easel.identity.oidc.providers.mock.issuer", issuer);
    settings.put("easel.identity.oidc.providers.mock.client-id", CLIENT_ID);
    settings.put("easel.identity.oidc.providers.mock.client-secret", "mock secret");
    settings.put("easel.identity.oidc.providers.hub.preset", "github");
    settings.put("easel.identity.oidc.providers.hub.client-id", CLIENT_ID);
    settings.put("easel.identity.oidc.providers.hub.client-secret", "hub secret");
    // the mock's authorize endpoint insists on openid
    settings.put("easel.identity.oidc.providers.hub.scopes", "openid user:email");
    settings.put(
        "easel.identity.oidc.providers.hub.authorization-endpoint", mockBase + "/hub/authorize");
    settings.put("easel.identity.oidc.providers.hub.token-endpoint", mockBase + "/hub/token");
    settings.put(
        "easel.identity.oidc.providers.hub.api-url",
        "http://127.0.0.1:" + gitHubApi.getAddress().getPort() + "/api");
    node = TestNodes.start(dataDir, settings);
    port = node.httpPort();
  }

  @AfterAll
  static void stop() {
    if (node != null) node.close();
    if (gitHubApi != null) gitHubApi.stop(0);
    if (provider != null) provider.shutdown();
  }

  // ---- the browser ----------------------------------------------------------------------------

  static HttpResponse<String> get(String url, String cookie, String accept) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    if (cookie != null) request.header("cookie", cookie);
    if (accept != null) request.header("accept", accept);
    // Http.CLIENT follows no redirects: each hop is checked here.
    return Http.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String easel(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  static Map<String, String> query(URI uri) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      params.put(
          URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return params;
  }

  static String location(HttpResponse<?> response) {
    return response.headers().firstValue("location").orElseThrow();
  }

  /** A sign-in sent to the provider and back, up to (not including) Easel's callback. */
  record Started(String callbackUrl, SetCookies.SetCookie stateCookie, Map<String, String> asked) {}

  static Started startSignIn(String providerName, String redirect, Map<String, Object> claims)
      throws Exception {
    var start =
        get(
            easel(
                "/v1/auth/oidc/"
                    + providerName
                    + "/start?redirect="
                    + URLEncoder.encode(redirect, StandardCharsets.UTF_8)),
            null,
            null);
    assertThat(start.statusCode()).as(start.body()).isEqualTo(302);
    URI authorize = URI.create(location(start));
    Map<String, String> asked = query(authorize);
    SetCookies.SetCookie stateCookie = SetCookies.of(start).get("easel_oidc");
    assertThat(stateCookie.has("HttpOnly")).isTrue();
    assertThat(stateCookie.attribute("SameSite")).isEqualTo("Lax");
    assertThat(stateCookie.attribute("Path")).isEqualTo("/v1/auth/oidc");
    assertThat(stateCookie.attribute("Max-Age")).isEqualTo("600");
    assertThat(stateCookie.value()).doesNotContain(asked.get("state") + ".");
    if (claims != null) {
      provider.enqueueCallback(
          new DefaultOAuth2TokenCallback(
              "default", (String) claims.get("sub"), "JWT", null, claims, 3600));
    }
    var authorized = get(authorize.toString(), null, null);
    assertThat(authorized.statusCode()).as(authorized.body()).isEqualTo(302);
    return new Started(location(authorized), stateCookie, asked);
  }

  /** Signs in through the mock provider as the person {@code claims} describe. */
  static HttpResponse<String> signIn(Map<String, Object> claims, String redirect) throws Exception {
    Started started = startSignIn("mock", redirect, claims);
    return get(started.callbackUrl(), SetCookies.header(started.stateCookie()), null);
  }

  static Map<String, Object> person(String sub, String email, boolean verified, String name) {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("sub", sub);
    claims.put("email", email);
    claims.put("email_verified", verified);
    claims.put("name", name);
    return claims;
  }

  static JsonNode me(HttpResponse<String> signedIn) throws Exception {
    var cookies = SetCookies.of(signedIn);
    var me = get(easel("/v1/users/me"), SetCookies.header(cookies.get("easel_access")), null);
    assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
    return JSON.readTree(me.body());
  }

  /** The kinds and details of the security log of the account signed in, newest first. */
  static List<String> securityLog(HttpResponse<String> signedIn) throws Exception {
    var cookies = SetCookies.of(signedIn);
    var log =
        get(
            easel("/v1/users/me/securityLog"),
            SetCookies.header(cookies.get("easel_access")),
            null);
    assertThat(log.statusCode()).as(log.body()).isEqualTo(200);
    List<String> entries = new ArrayList<>();
    for (JsonNode event : JSON.readTree(log.body()).path("events")) {
      entries.add(event.path("kind").asText() + " " + event.path("detail").asText());
    }
    return entries;
  }

  static String register(String email, String password) throws Exception {
    var registered =
        Http.post(
            port,
            "/v1/auth:register",
            "{\"email\":\""
                + email
                + "\",\"password\":\""
                + password
                + "\",\"displayName\":\"Pass Word\"}");
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
    return JSON.readTree(registered.body()).path("userId").asText();
  }

  // ---- the tests ------------------------------------------------------------------------------

  @Test
  void aNewPersonGetsAnAccountAndLandsWhereTheyAsked() throws Exception {
    Started started =
        startSignIn(
            "mock",
            "/projects/p1?tab=members",
            person("alice-1", "Alice@Example.org", true, "Alice A"));
    Map<String, String> asked = started.asked();
    assertThat(asked.get("response_type")).isEqualTo("code");
    assertThat(asked.get("client_id")).isEqualTo(CLIENT_ID);
    assertThat(asked.get("scope")).isEqualTo("openid email profile");
    assertThat(asked.get("code_challenge_method")).isEqualTo("S256");
    assertThat(asked.get("code_challenge")).hasSize(43);
    assertThat(asked.get("state")).hasSize(43);
    assertThat(asked.get("nonce")).hasSize(43).isNotEqualTo(asked.get("state"));
    assertThat(asked.get("redirect_uri")).isEqualTo(easel("/v1/auth/oidc/mock/callback"));
    assertThat(started.callbackUrl()).startsWith(easel("/v1/auth/oidc/mock/callback?"));

    var signedIn = get(started.callbackUrl(), SetCookies.header(started.stateCookie()), null);
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(302);
    assertThat(location(signedIn)).isEqualTo("/projects/p1?tab=members");
    var cookies = SetCookies.of(signedIn);
    assertThat(cookies.get("easel_oidc").cleared()).as("the state is answered once").isTrue();
    assertThat(cookies.get("easel_refresh").value()).startsWith("rt_");
    assertThat(cookies.get("easel_refresh").has("HttpOnly")).isTrue();
    assertThat(cookies.get("easel_refresh").attribute("Path")).isEqualTo("/v1/auth");
    assertThat(cookies.get("easel_access").attribute("SameSite")).isEqualTo("Lax");
    assertThat(cookies.get("easel_csrf").value()).hasSize(43);
    JsonNode account = me(signedIn);
    assertThat(account.path("email").asText()).isEqualTo("alice@example.org");
    assertThat(account.path("displayName").asText()).isEqualTo("Alice A");

    // Easel's two-step sign-in protects password sign-in, which this account does not have.
    var enroll =
        Http.post(port, "/v1/users/me/totp:enroll", "{}", cookies.get("easel_access").value());
    assertThat(enroll.statusCode()).as(enroll.body()).isEqualTo(400);
    assertThat(enroll.body()).contains("NO_PASSWORD").contains("identity provider");

    // The same person again: the same account, found by the link.
    var again = signIn(person("alice-1", "alice.new@example.org", true, "Alice"), "/");
    assertThat(again.statusCode()).as(again.body()).isEqualTo(302);
    assertThat(location(again)).isEqualTo("/");
    assertThat(me(again).path("userId").asText()).isEqualTo(account.path("userId").asText());
    assertThat(securityLog(again))
        .containsExactly(
            "SIGNED_IN_WITH_PROVIDER mock",
            "SIGNED_IN_WITH_PROVIDER mock",
            "IDENTITY_LINKED mock",
            "ACCOUNT_CREATED with mock");
  }

  @Test
  void aVerifiedEmailLinksThePasswordAccountThatHasIt() throws Exception {
    String userId = register("bob@example.org", "bob's password here");
    var signedIn = signIn(person("bob-1", "Bob@Example.org", true, "Bob"), "/");
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(302);
    assertThat(me(signedIn).path("userId").asText()).isEqualTo(userId);
    // the password still signs in to the same account
    var login =
        Http.post(
            port,
            "/v1/auth:login",
            "{\"email\":\"bob@example.org\",\"password\":\"bob's password here\"}");
    assertThat(login.statusCode()).isEqualTo(200);
    // another identity of the same provider cannot take over the linked account
    var other = signIn(person("bob-2", "bob@example.org", true, "Not Bob"), "/");
    assertThat(other.statusCode()).isEqualTo(409);
    assertThat(other.body()).contains("linked to another mock account");
    assertThat(securityLog(signedIn))
        .containsExactly(
            "SIGNED_IN password",
            "SIGNED_IN_WITH_PROVIDER mock",
            "IDENTITY_LINKED mock",
            "ACCOUNT_CREATED with a password");
  }

  @Test
  void anUnverifiedEmailNeitherLinksNorClaimsAnAddress() throws Exception {
    String userId = register("carol@example.org", "carol's password here");
    var refused = signIn(person("carol-1", "carol@example.org", false, "Carol?"), "/");
    assertThat(refused.statusCode()).isEqualTo(403);
    JsonNode error = JSON.readTree(refused.body());
    assertThat(error.at("/details/0/reason").asText()).isEqualTo("EMAIL_NOT_VERIFIED");
    assertThat(error.path("message").asText())
        .contains("has not verified")
        .contains("carol@example.org");
    assertThat(SetCookies.of(refused)).doesNotContainKey("easel_access");
    assertThat(SetCookies.of(refused).get("easel_oidc").cleared()).isTrue();

    // Nothing was linked: once the provider verifies the address, the identity links to Carol.
    var verified = signIn(person("carol-1", "carol@example.org", true, "Carol"), "/");
    assertThat(verified.statusCode()).as(verified.body()).isEqualTo(302);
    assertThat(me(verified).path("userId").asText()).isEqualTo(userId);

    // An unverified address of nobody creates no account: its owner can still sign up.
    Started started = startSignIn("mock", "/", person("dave-1", "dave@example.org", false, "D"));
    var page =
        get(started.callbackUrl(), SetCookies.header(started.stateCookie()), "text/html,*/*");
    assertThat(page.statusCode()).isEqualTo(403);
    assertThat(page.headers().firstValue("content-type").orElseThrow()).contains("text/html");
    assertThat(page.body()).contains("Sign-in failed").contains("dave@example.org");
    register("dave@example.org", "dave's own password");
  }

  @Test
  void refusesMissingAndTamperedState() throws Exception {
    Started started = startSignIn("mock", "/", person("eve-1", "eve@example.org", true, "Eve"));
    String callback = started.callbackUrl();

    var noCookie = get(callback, null, null);
    assertThat(noCookie.statusCode()).isEqualTo(400);
    assertThat(noCookie.body()).contains("no sign-in is under way");

    String state = query(URI.create(callback)).get("state");
    var otherState =
        get(
            callback.replace("state=" + state, "state=" + "x".repeat(43)),
            SetCookies.header(started.stateCookie()),
            null);
    assertThat(otherState.statusCode()).isEqualTo(400);
    assertThat(otherState.body()).contains("state does not match");
    assertThat(violatedFields(otherState)).containsExactly("state");
    var noState =
        get(
            callback.replace("state=" + state, "other=1"),
            SetCookies.header(started.stateCookie()),
            null);
    assertThat(noState.statusCode()).isEqualTo(400);
    assertThat(violatedFields(noState)).containsExactly("state");

    String sealed = started.stateCookie().value();
    String[] parts = sealed.split("\\.");
    String payload =
        new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
            .replace("\"return_to\":\"/\"", "\"return_to\":\"//evil.example\"");
    String forged =
        parts[0]
            + "."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[2];
    var tampered = get(callback, "easel_oidc=" + forged, null);
    assertThat(tampered.statusCode()).isEqualTo(400);
    assertThat(tampered.body()).contains("sign-in state refused");

    // A state started for one provider does not finish at another.
    var elsewhere =
        get(
            callback.replace("/oidc/mock/", "/oidc/hub/"),
            SetCookies.header(started.stateCookie()),
            null);
    assertThat(elsewhere.statusCode()).isEqualTo(400);

    // The untouched state still works (none of the refusals used it up at the provider).
    var signedIn = get(callback, SetCookies.header(started.stateCookie()), null);
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(302);
  }

  @Test
  void refusesAnIdTokenForAnotherSignIn() throws Exception {
    Map<String, Object> claims = person("frank-1", "frank@example.org", true, "Frank");
    claims.put("nonce", "a nonce of some other sign-in");
    var refused = signIn(claims, "/");
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.body()).contains("nonce does not match");
    assertThat(SetCookies.of(refused)).doesNotContainKey("easel_access");

    Map<String, Object> foreign = person("frank-1", "frank@example.org", true, "Frank");
    foreign.put("aud", List.of("someone-else"));
    foreign.put("azp", "someone-else");
    var notForUs = signIn(foreign, "/");
    assertThat(notForUs.statusCode()).isEqualTo(401);
    assertThat(notForUs.body()).contains("ID token");
  }

  @Test
  void refusesUnsafeRedirectsAndUnknownProviders() throws Exception {
    for (String redirect :
        List.of(
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "evil",
            "/\r\nSet-Cookie: x=1")) {
      var start =
          get(
              easel(
                  "/v1/auth/oidc/mock/start?redirect="
                      + URLEncoder.encode(redirect, StandardCharsets.UTF_8)),
              null,
              null);
      assertThat(start.statusCode()).as(redirect).isEqualTo(400);
      assertThat(start.body()).contains("path of this site");
      assertThat(violatedFields(start)).containsExactly("redirect");
    }
    var unknown = get(easel("/v1/auth/oidc/nope/start"), null, null);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("hub, mock");
    var denied = get(easel("/v1/auth/oidc/mock/callback?error=access_denied"), null, null);
    assertThat(denied.statusCode()).isEqualTo(401);
    assertThat(denied.body()).contains("access_denied");
  }

  @Test
  void gitHubSignsInWithTheVerifiedPrimaryEmail() throws Exception {
    gitHubEmails =
        "[{\"email\":\"octo@old.example\",\"primary\":false,\"verified\":false},"
            + "{\"email\":\"Octo@Example.org\",\"primary\":true,\"verified\":true}]";
    Started started = startSignIn("hub", "/", null);
    assertThat(started.asked()).doesNotContainKey("nonce").containsKey("code_challenge");
    var signedIn = get(started.callbackUrl(), SetCookies.header(started.stateCookie()), null);
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(302);
    JsonNode account = me(signedIn);
    assertThat(account.path("email").asText()).isEqualTo("octo@example.org");
    assertThat(account.path("displayName").asText()).isEqualTo("octo");

    gitHubEmails = "[{\"email\":\"someone@example.org\",\"primary\":true,\"verified\":false}]";
    // id 4242 is linked now: it signs in whatever its emails say
    Started again = startSignIn("hub", "/", null);
    var linked = get(again.callbackUrl(), SetCookies.header(again.stateCookie()), null);
    assertThat(linked.statusCode()).isEqualTo(302);
    assertThat(me(linked).path("userId").asText()).isEqualTo(account.path("userId").asText());
  }

  static final Duration REAUTHENTICATION_WINDOW = Duration.ofSeconds(10);

  @Test
  void anAccountWithoutAPasswordIsDeletedFromAFreshSignIn() throws Exception {
    // Just signed in at the provider: that confirms who it is.
    var signedIn = signIn(person("leaver-1", "leaver@example.org", true, "Lea"), "/");
    String token = SetCookies.of(signedIn).get("easel_access").value();
    var deleted = Http.send(port, "DELETE", "/v1/users/me", "{}", token);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    assertThat(Http.get(port, "/v1/users/me", token).statusCode()).isEqualTo(401);

    // A sign-in older than the window does not; signing in again does.
    var earlier = signIn(person("stayer-1", "stayer@example.org", true, "Sty"), "/");
    String oldToken = SetCookies.of(earlier).get("easel_access").value();
    long since = System.nanoTime();
    while (System.nanoTime() - since < REAUTHENTICATION_WINDOW.plusSeconds(1).toNanos()) {
      Thread.sleep(250);
    }
    var stale = Http.send(port, "DELETE", "/v1/users/me", "{}", oldToken);
    assertThat(stale.statusCode()).as(stale.body()).isEqualTo(403);
    assertThat(stale.body()).contains("REAUTHENTICATION_REQUIRED").contains("sign in again");
    assertThat(Http.get(port, "/v1/users/me", oldToken).statusCode()).isEqualTo(200);
    var again = signIn(person("stayer-1", "stayer@example.org", true, "Sty"), "/");
    String freshToken = SetCookies.of(again).get("easel_access").value();
    var gone = Http.send(port, "DELETE", "/v1/users/me", "{}", freshToken);
    assertThat(gone.statusCode()).as(gone.body()).isEqualTo(200);
  }
}
