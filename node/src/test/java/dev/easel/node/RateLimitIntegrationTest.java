package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.easel.api.v1.AuthServiceGrpc;
import dev.easel.api.v1.GetMeRequest;
import dev.easel.api.v1.LoginRequest;
import dev.easel.api.v1.UserServiceGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rate limits against a real node, over REST, gRPC, the browser sign-in and the socket: brute force
 * on sign-in is answered 429 (RESOURCE_EXHAUSTED) with {@code Retry-After} after the per-account
 * limit (the node's defaults), even for the right password; other accounts from the same address go
 * on until the per-address limit; a signed-in user over the per-user limit is refused the same way.
 */
class RateLimitIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PASSWORD = "correct horse battery";

  @TempDir Path dataDir;

  static HttpResponse<String> login(int port, String email, String password) throws Exception {
    return Http.post(
        port, "/v1/auth:login", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
  }

  static HttpResponse<String> browserLogin(int port, String email, String password)
      throws Exception {
    return Http.post(
        port,
        "/v1/auth/browser/login",
        "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
  }

  static void register(int port, String email) throws Exception {
    HttpResponse<String> registered =
        Http.post(
            port,
            "/v1/auth:register",
            "{\"email\":\""
                + email
                + "\",\"password\":\""
                + PASSWORD
                + "\",\"displayName\":\"Tester\"}");
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
  }

  /** A 429 with a positive Retry-After, whose body names the limit; returns the body. */
  static JsonNode tooMany(HttpResponse<String> response, String limit) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
    assertThat(response.headers().firstValue("retry-after"))
        .as("Retry-After of " + response.body())
        .hasValueSatisfying(seconds -> assertThat(Long.parseLong(seconds)).isPositive());
    assertThat(response.body()).contains("RATE_LIMITED").contains(limit);
    return JSON.readTree(response.body());
  }

  /** The RESOURCE_EXHAUSTED of a gRPC call, with its RetryInfo and the limit in its ErrorInfo. */
  static void exhausted(StatusRuntimeException refused, String limit)
      throws InvalidProtocolBufferException {
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    com.google.rpc.Status status = StatusProto.fromThrowable(refused);
    assertThat(status).isNotNull();
    RetryInfo retry = null;
    ErrorInfo info = null;
    for (Any detail : status.getDetailsList()) {
      if (detail.is(RetryInfo.class)) retry = detail.unpack(RetryInfo.class);
      if (detail.is(ErrorInfo.class)) info = detail.unpack(ErrorInfo.class);
    }
    assertThat(retry).as("RetryInfo in " + status).isNotNull();
    assertThat(retry.getRetryDelay().getSeconds()).isPositive();
    assertThat(info).as("ErrorInfo in " + status).isNotNull();
    assertThat(info.getReason()).isEqualTo("RATE_LIMITED");
    assertThat(info.getMetadataMap()).containsEntry("limit", limit);
  }

  @Test
  void bruteForceOnSignInIsRefusedWith429AfterTheDefaultLimits() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      register(port, "ada@example.org");

      // Guessing Ada's password: the default is 10 failed attempts per 5 minutes per account, a
      // new one every 30 s. The loop is bounded; the refusal must come.
      int refusedAsWrong = 0;
      HttpResponse<String> guess = login(port, "ada@example.org", "guess number 0");
      while (guess.statusCode() == 401 && refusedAsWrong < 30) {
        refusedAsWrong++;
        guess = login(port, "ada@example.org", "guess number " + refusedAsWrong);
      }
      assertThat(refusedAsWrong).isGreaterThanOrEqualTo(10);
      JsonNode body = tooMany(guess, "login-per-account");
      assertThat(body.path("message").asText())
          .contains("sign-in attempts for this account")
          .doesNotContain("ada@example.org")
          .doesNotContain("guess");

      // The right password does not get past the limit, in any spelling of the email.
      tooMany(login(port, "ada@example.org", PASSWORD), "login-per-account");
      tooMany(login(port, " ADA@example.org", PASSWORD), "login-per-account");

      // Nor over gRPC...
      var auth =
          GrpcClients.builder("http://127.0.0.1:" + port)
              .build(AuthServiceGrpc.AuthServiceBlockingStub.class);
      StatusRuntimeException refused =
          (StatusRuntimeException)
              catchThrown(
                  () ->
                      auth.login(
                          LoginRequest.newBuilder()
                              .setEmail("ada@example.org")
                              .setPassword(PASSWORD)
                              .build()));
      exhausted(refused, "login-per-account");

      // ...nor over GraphQL...
      GraphqlIntegrationTest.Answer overGraphql =
          GraphqlIntegrationTest.graphql(
              port,
              null,
              "mutation($e: String, $p: String) { login(email: $e, password: $p) { accessToken } }",
              Map.of("e", "ada@example.org", "p", PASSWORD));
      assertThat(overGraphql.data().path("login").isNull()).as("%s", overGraphql).isTrue();
      JsonNode limited = overGraphql.error(0).path("extensions");
      assertThat(limited.path("code").asText()).isEqualTo("RESOURCE_EXHAUSTED");
      assertThat(limited.path("reason").asText()).isEqualTo("RATE_LIMITED");
      assertThat(limited.at("/metadata/limit").asText()).isEqualTo("login-per-account");

      // ...nor through the browser's sign-in.
      JsonNode browser =
          tooMany(browserLogin(port, "ada@example.org", PASSWORD), "login-per-account");
      // The API's error body: ErrorInfo with the reason and limit, RetryInfo with the wait.
      assertThat(browser.path("grpc-code").asText()).isEqualTo("RESOURCE_EXHAUSTED");
      assertThat(browser.at("/details/0/reason").asText()).isEqualTo("RATE_LIMITED");
      assertThat(browser.at("/details/0/metadata/limit").asText()).isEqualTo("login-per-account");
      assertThat(browser.at("/details/1/retryDelay").asText()).matches("[1-9][0-9]*s");

      // Another account from the same address still signs in...
      register(port, "bob@example.org");
      assertThat(login(port, "bob@example.org", "not bob's password").statusCode()).isEqualTo(401);
      HttpResponse<String> bob = login(port, "bob@example.org", PASSWORD);
      assertThat(bob.statusCode()).as(bob.body()).isEqualTo(200);
      assertThat(
              auth.login(
                      LoginRequest.newBuilder()
                          .setEmail("bob@example.org")
                          .setPassword(PASSWORD)
                          .build())
                  .getAccessToken())
          .isNotEmpty();
      assertThat(browserLogin(port, "bob@example.org", PASSWORD).statusCode()).isEqualTo(200);

      // ...until the address has tried too many accounts: 60 failed attempts a minute by
      // default. Each guess is at another email, so no account's limit is reached first.
      int spread = 0;
      HttpResponse<String> sprayed = login(port, "spray0@example.org", "guess");
      while (sprayed.statusCode() == 401 && spread < 200) {
        spread++;
        sprayed = login(port, "spray" + spread + "@example.org", "guess");
      }
      assertThat(spread).isGreaterThan(10);
      tooMany(sprayed, "login-per-address");
    }
  }

  @Test
  void aStolenAccessTokenCannotGuessThePasswordEither() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      int port = node.httpPort();
      String token = Http.signUp(port, "ada@example.org");
      String password = "test password ada@example.org";
      // Deleting the account, changing the password: each wrong guess counts like a sign-in.
      int refusedAsWrong = 0;
      HttpResponse<String> guess = deleteMe(port, token, "guess 0");
      while (guess.statusCode() == 403 && refusedAsWrong < 30) {
        refusedAsWrong++;
        guess =
            refusedAsWrong % 2 == 0
                ? deleteMe(port, token, "guess " + refusedAsWrong)
                : Http.post(
                    port,
                    "/v1/users/me:changePassword",
                    "{\"currentPassword\":\"guess "
                        + refusedAsWrong
                        + "\",\"newPassword\":\"a new long password\"}",
                    token);
      }
      assertThat(refusedAsWrong).isGreaterThanOrEqualTo(10);
      tooMany(guess, "login-per-account");
      // The right password waits too, and the account is still there.
      tooMany(deleteMe(port, token, password), "login-per-account");
      assertThat(Http.get(port, "/v1/users/me", token).statusCode()).isEqualTo(200);
    }
  }

  static HttpResponse<String> deleteMe(int port, String token, String password) throws Exception {
    return Http.send(port, "DELETE", "/v1/users/me", "{\"password\":\"" + password + "\"}", token);
  }

  @Test
  void theAddressLimitCoversEveryAccountAndSignUpButNotSuccessfulSignIns() throws Exception {
    // Eight failed attempts an hour per address, so that none comes back during the test.
    Map<String, Object> limits =
        Map.of(
            "easel.http.rate-limits.login-per-address.requests",
            8,
            "easel.http.rate-limits.login-per-address.period",
            "1h");
    try (EaselNode node = TestNodes.start(dataDir, limits)) {
      int port = node.httpPort();
      register(port, "ada@example.org");
      register(port, "bob@example.org");
      var auth =
          GrpcClients.builder("http://127.0.0.1:" + port)
              .build(AuthServiceGrpc.AuthServiceBlockingStub.class);
      // Signing in successfully, more often than the limit, takes nothing.
      for (int i = 0; i < 10; i++) {
        assertThat(login(port, "ada@example.org", PASSWORD).statusCode()).isEqualTo(200);
      }
      // Two sign-ups and six failures, each at another account: then the address is refused.
      for (String email : new String[] {"ada", "bob", "carol", "dan", "eve", "fay"}) {
        assertThat(login(port, email + "@example.org", "a wrong guess").statusCode())
            .isEqualTo(401);
      }
      JsonNode refused =
          tooMany(login(port, "gil@example.org", "a wrong guess"), "login-per-address");
      assertThat(refused.path("message").asText())
          .contains("from this address")
          .doesNotContain("127.0.0.1");
      // The right password from that address waits too, over REST, gRPC and the browser's route,
      // and so does signing up.
      tooMany(login(port, "bob@example.org", PASSWORD), "login-per-address");
      tooMany(browserLogin(port, "bob@example.org", PASSWORD), "login-per-address");
      exhausted(
          (StatusRuntimeException)
              catchThrown(
                  () ->
                      auth.login(
                          LoginRequest.newBuilder()
                              .setEmail("bob@example.org")
                              .setPassword(PASSWORD)
                              .build())),
          "login-per-address");
      tooMany(
          Http.post(
              port,
              "/v1/auth:register",
              "{\"email\":\"carol@example.org\",\"password\":\""
                  + PASSWORD
                  + "\",\"displayName\":\"Carol\"}"),
          "login-per-address");
    }
  }

  @Test
  void aSignedInUserOverTheLimitIsRefusedOverRestGrpcAndTheSocket() throws Exception {
    // Five requests an hour, so that none comes back during the test.
    Map<String, Object> limits =
        Map.of(
            "easel.http.rate-limits.per-user.requests",
            5,
            "easel.http.rate-limits.per-user.period",
            "1h",
            "easel.http.rate-limits.per-api-key.requests",
            3,
            "easel.http.rate-limits.per-api-key.period",
            "1h");
    try (EaselNode node = TestNodes.start(dataDir, limits)) {
      int port = node.httpPort();
      String ada = Http.signUp(port, "ada@example.org");
      String bob = Http.signUp(port, "bob@example.org");

      // The socket's upgrade is one request.
      WebSocket socket = openSocket(port, ada).get(30, TimeUnit.SECONDS);
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(30, TimeUnit.SECONDS);

      int answered = 1;
      HttpResponse<String> me = Http.get(port, "/v1/users/me", ada);
      while (me.statusCode() == 200 && answered < 50) {
        answered++;
        me = Http.get(port, "/v1/users/me", ada);
      }
      assertThat(answered).isEqualTo(5);
      JsonNode body = tooMany(me, "per-user");
      assertThat(body.path("message").asText()).contains("requests from this user");

      var users =
          GrpcClients.builder("http://127.0.0.1:" + port)
              .addHeader("authorization", "Bearer " + ada)
              .build(UserServiceGrpc.UserServiceBlockingStub.class);
      exhausted(
          (StatusRuntimeException)
              catchThrown(() -> users.getMe(GetMeRequest.getDefaultInstance())),
          "per-user");

      assertThatThrownBy(() -> openSocket(port, ada).join())
          .isInstanceOf(CompletionException.class)
          .cause()
          .isInstanceOfSatisfying(
              WebSocketHandshakeException.class,
              handshake -> {
                assertThat(handshake.getResponse().statusCode()).isEqualTo(429);
                assertThat(handshake.getResponse().headers().firstValue("retry-after")).isPresent();
              });

      // An API key has a bucket of its own, not its owner's.
      var created = Http.post(port, "/v1/apiKeys", "{\"name\":\"ci\",\"scopes\":[\"read\"]}", bob);
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
      String key = JSON.readTree(created.body()).path("secret").asText();
      for (int i = 0; i < 3; i++) {
        assertThat(Http.get(port, "/v1/projects", key).statusCode()).isEqualTo(200);
      }
      tooMany(Http.get(port, "/v1/projects", key), "per-api-key");

      // Bob has a bucket of his own; and Ada may still sign in (sign-in is not a user's call).
      assertThat(Http.get(port, "/v1/users/me", bob).statusCode()).isEqualTo(200);
      assertThat(login(port, "ada@example.org", "test password ada@example.org").statusCode())
          .isEqualTo(200);
    }
  }

  static java.util.concurrent.CompletableFuture<WebSocket> openSocket(int port, String token) {
    return Http.CLIENT
        .newWebSocketBuilder()
        .header("authorization", "Bearer " + token)
        .connectTimeout(Duration.ofSeconds(10))
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WebSocket.Listener() {});
  }

  static Throwable catchThrown(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("the call was not refused");
  }
}
