package dev.easel.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.api.v1.LoginRequest;
import dev.easel.identity.Accounts;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Sessions of the web app, held in cookies ({@link BrowserCookies}) rather than in page scripts:
 * {@code POST /v1/auth/browser/login} signs in with email and password, {@code POST
 * /v1/auth/browser/refresh} rotates the refresh token of the {@code easel_refresh} cookie, {@code
 * POST /v1/auth/browser/logout} ends the session and clears the cookies. Each answers {@code
 * {expiresIn, csrfToken}}: the access token's lifetime in seconds, and the value to send as {@code
 * X-CSRF-Token} (also readable from the {@code easel_csrf} cookie). Sign-in passes the {@link
 * RateLimits} before the password is checked: over a limit it answers 429 with {@code Retry-After}.
 */
final class BrowserSessions {
  /** Largest request body accepted by these endpoints. */
  static final int MAX_BODY_BYTES = 16 * 1024;

  private final Accounts accounts;
  private final BrowserCookies cookies;
  private final RateLimits limits;

  BrowserSessions(Accounts accounts, BrowserCookies cookies, RateLimits limits) {
    this.accounts = accounts;
    this.cookies = cookies;
    this.limits = limits;
  }

  /**
   * {@code POST /v1/auth/browser/login {email, password, totpCode?, recoveryCode?}}, the fields of
   * the API's {@code LoginRequest}, read as strictly as the API reads it ({@link JsonRequests}): a
   * field it does not have, a value of the wrong type, malformed JSON and a missing email or
   * password are refused naming the field. A JSON body is required, so that a form of another site
   * cannot post it without the browser asking this server first (CORS).
   */
  HttpService login() {
    return (ctx, req) ->
        HttpResponse.of(
            req.aggregate()
                .thenCompose(request -> login(ctx, request))
                .exceptionally(HttpReplies::error));
  }

  private CompletionStage<HttpResponse> login(
      ServiceRequestContext ctx, AggregatedHttpRequest request) {
    MediaType type = request.contentType();
    if (type == null || !type.is(MediaType.JSON)) {
      return done(
          HttpReplies.error(
              StatusCodes.Transport.UNSUPPORTED_MEDIA_TYPE,
              "UNSUPPORTED_MEDIA_TYPE",
              "send the sign-in as JSON (content-type: application/json)"));
    }
    byte[] bytes = request.content().array();
    JsonRequests.Violation violation =
        bytes.length == 0
            ? new JsonRequests.Violation(
                JsonRequests.WRONG_TYPE,
                "",
                "the body must be a JSON object {email, password, totpCode?, recoveryCode?}")
            : JsonRequests.violation(LoginRequest.getDescriptor(), bytes);
    if (violation != null) {
      return done(HttpReplies.error(HttpReplies.Failure.of(violation.status()), List.of()));
    }
    LoginRequest.Builder signIn = LoginRequest.newBuilder();
    try {
      JsonFormat.parser().merge(new String(bytes, StandardCharsets.UTF_8), signIn);
    } catch (InvalidProtocolBufferException e) {
      // Not expected once the checks above passed; refused all the same, as bad input.
      return done(
          HttpReplies.error(Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT", e.getMessage()));
    }
    RateLimits.Attempt attempt;
    try {
      attempt = limits.admitLogin(signIn.getEmail(), TrustedProxies.clientOf(ctx));
    } catch (RateLimits.Exceeded e) {
      return done(HttpReplies.tooMany(e));
    }
    return accounts
        .login(
            signIn.getEmail(),
            signIn.getPassword(),
            signIn.getTotpCode(),
            signIn.getRecoveryCode(),
            RequestOrigins.of(ctx))
        .thenApply(
            tokens -> {
              attempt.succeeded();
              return signedIn(ctx, request.headers(), tokens, BrowserCookies.newCsrfToken());
            });
  }

  /** {@code POST /v1/auth/browser/refresh}: a new token pair for the refresh cookie. */
  HttpService refresh() {
    return (ctx, req) -> {
      RequestHeaders headers = req.headers();
      String refreshToken = BrowserCookies.value(headers, BrowserCookies.REFRESH);
      if (refreshToken == null) {
        return HttpReplies.error(
            HttpReplies.Failure.of(
                Status.Code.UNAUTHENTICATED,
                "UNAUTHENTICATED",
                "no easel_refresh cookie (or more than one): sign in"),
            List.of());
      }
      String csrf = BrowserCookies.value(headers, BrowserCookies.CSRF);
      String keptCsrf = BrowserCookies.isCsrfToken(csrf) ? csrf : BrowserCookies.newCsrfToken();
      return HttpResponse.of(
          accounts
              .refresh(refreshToken, RequestOrigins.of(ctx))
              .thenApply(tokens -> signedIn(ctx, headers, tokens, keptCsrf))
              .exceptionally(
                  failure -> {
                    HttpReplies.Failure why = HttpReplies.failure(failure);
                    // A refused refresh token is dead: the browser should forget it.
                    return HttpReplies.error(
                        why,
                        why.status() == StatusCodes.httpStatus(Status.Code.UNAUTHENTICATED)
                            ? cookies.cleared(ctx, headers)
                            : List.of());
                  }));
    };
  }

  /** {@code POST /v1/auth/browser/logout}: revokes the session and clears its cookies. */
  HttpService logout() {
    return (ctx, req) -> {
      RequestHeaders headers = req.headers();
      String refreshToken = BrowserCookies.value(headers, BrowserCookies.REFRESH);
      List<String> cleared = cookies.cleared(ctx, headers);
      ObjectNode done = HttpReplies.JSON.createObjectNode().put("signedOut", true);
      if (refreshToken == null) return HttpReplies.json(HttpStatus.OK, done, cleared);
      return HttpResponse.of(
          accounts
              .logout(refreshToken, RequestOrigins.of(ctx))
              .thenApply(revoked -> HttpReplies.json(HttpStatus.OK, done, cleared))
              .exceptionally(
                  failure -> {
                    HttpReplies.Failure why = HttpReplies.failure(failure);
                    // Ended already (or never was): the browser is signed out all the same.
                    return why.status() == StatusCodes.httpStatus(Status.Code.UNAUTHENTICATED)
                        ? HttpReplies.json(HttpStatus.OK, done, cleared)
                        : HttpReplies.error(why, List.of());
                  }));
    };
  }

  private HttpResponse signedIn(
      ServiceRequestContext ctx, RequestHeaders headers, Accounts.Tokens tokens, String csrf) {
    ObjectNode body = HttpReplies.JSON.createObjectNode();
    body.put("expiresIn", tokens.expiresIn().toSeconds());
    body.put("csrfToken", csrf);
    return HttpReplies.json(HttpStatus.OK, body, cookies.session(ctx, headers, tokens, csrf));
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return java.util.concurrent.CompletableFuture.completedFuture(response);
  }
}
