package dev.easel.gateway;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.identity.AccessTokens;
import dev.easel.identity.Accounts;
import dev.easel.identity.ApiKeySecrets;
import dev.easel.identity.ApiKeys;
import dev.easel.identity.InvalidTokenException;
import io.grpc.stub.StreamObserver;
import io.netty.util.AttributeKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Who is calling. A request carries one credential: an access token as {@code Authorization: Bearer
 * <token>} (or, for browsers, the {@code easel_access} cookie), or an API key as {@code
 * Authorization: Bearer ek_...} or {@code x-api-key: ek_...}. {@link ApiPolicy} authenticates each
 * call before its service runs and keeps the {@link Caller} in the request's context, where the
 * services read it. The reason a credential is refused is said; the credential itself never is.
 */
final class Callers {
  static final String ACCESS_COOKIE = "easel_access";
  static final String API_KEY_HEADER = "x-api-key";

  /** The authenticated caller of a request, set by {@link ApiPolicy} and the socket upgrade. */
  static final AttributeKey<Caller> CALLER = AttributeKey.valueOf(Callers.class, "CALLER");

  private final AccessTokens accessTokens;
  private final ApiKeys apiKeys;
  private final Accounts accounts;

  Callers(AccessTokens accessTokens, ApiKeys apiKeys, Accounts accounts) {
    this.accessTokens = accessTokens;
    this.apiKeys = apiKeys;
    this.accounts = accounts;
  }

  /**
   * Authenticates a request with these headers: at once for an access token, after asking the key's
   * account for an API key.
   *
   * @return a stage failed with an {@link Accounts.Refusal} of kind UNAUTHENTICATED when the
   *     request has no credential, two, or one that is refused
   */
  CompletionStage<Caller> authenticate(RequestHeaders headers) {
    try {
      String apiKey = headers.get(API_KEY_HEADER);
      String bearer = bearer(headers.get(HttpHeaderNames.AUTHORIZATION));
      if (apiKey != null && bearer != null) {
        throw unauthenticated(
            "send one credential: either Authorization: Bearer or x-api-key, not both");
      }
      if (apiKey == null && bearer != null && bearer.startsWith(ApiKeySecrets.PREFIX)) {
        apiKey = bearer;
      }
      if (apiKey != null) return apiKeys.authenticate(apiKey).thenApply(Caller::of);
      String token = bearer != null ? bearer : accessCookie(headers.get(HttpHeaderNames.COOKIE));
      if (token == null) {
        throw unauthenticated(
            "sign in: send Authorization: Bearer <access token or API key>, or x-api-key");
      }
      try {
        return CompletableFuture.completedFuture(Caller.of(accessTokens.verify(token)));
      } catch (InvalidTokenException e) {
        throw unauthenticated("access token refused: " + e.getMessage());
      }
    } catch (Accounts.Refusal refusal) {
      return CompletableFuture.failedFuture(refusal);
    }
  }

  /**
   * Whether {@code caller}'s credential still stands: its API key not revoked, its sign-in not
   * ended (an access token itself stays valid until it expires, but open sockets should not).
   */
  CompletionStage<Boolean> stillValid(Caller caller) {
    if (caller.viaApiKey()) return apiKeys.isActive(caller.userId(), caller.key().keyId());
    if (caller.sessionId() == null) return CompletableFuture.completedFuture(true);
    return accounts.signInActive(caller.userId(), caller.sessionId());
  }

  /** The caller of the current request, as authenticated by {@link ApiPolicy}. */
  Caller current() {
    Caller caller = ServiceRequestContext.current().attr(CALLER);
    if (caller == null) throw unauthenticated("sign in: this call needs a credential");
    return caller;
  }

  /** The caller of the current call, or null after answering the call with the refusal. */
  Caller current(StreamObserver<?> response) {
    try {
      return current();
    } catch (RuntimeException e) {
      response.onError(ApiErrors.from(e));
      return null;
    }
  }

  /** The user id the current request acts for. */
  String signedInUser() {
    return current().userId();
  }

  /** The user id the current call acts for, or null after answering the call with the refusal. */
  String signedInUser(StreamObserver<?> response) {
    Caller caller = current(response);
    return caller == null ? null : caller.userId();
  }

  private static String bearer(String authorization) {
    if (authorization == null || authorization.isBlank()) return null;
    if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw unauthenticated("the Authorization header must be Bearer <access token or API key>");
    }
    return authorization.substring(7).strip();
  }

  /** The access token of the {@code easel_access} cookie in a {@code Cookie} header, or null. */
  static String accessCookie(String cookies) {
    if (cookies == null) return null;
    for (String cookie : cookies.split(";")) {
      String trimmed = cookie.strip();
      if (trimmed.startsWith(ACCESS_COOKIE + "=")) {
        return trimmed.substring(ACCESS_COOKIE.length() + 1);
      }
    }
    return null;
  }

  private static Accounts.Refusal unauthenticated(String message) {
    return new Accounts.Refusal(Accounts.Refusal.Kind.UNAUTHENTICATED, message);
  }
}
