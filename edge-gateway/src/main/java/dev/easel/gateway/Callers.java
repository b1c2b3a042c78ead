package dev.easel.gateway;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.identity.AccessTokens;
import dev.easel.identity.Accounts;
import dev.easel.identity.InvalidTokenException;
import dev.easel.identity.VerifiedToken;
import io.grpc.stub.StreamObserver;

/**
 * Who is calling: verifies the access token of a request, sent as {@code Authorization: Bearer
 * <token>} or, for browsers opening the collaboration socket, as the {@code easel_access} cookie.
 * The reason a token is refused is said; the token itself never is.
 */
final class Callers {
  static final String ACCESS_COOKIE = "easel_access";
  private final AccessTokens accessTokens;

  Callers(AccessTokens accessTokens) {
    this.accessTokens = accessTokens;
  }

  /** The user id of the current request's verified access token. */
  String signedInUser() {
    return verify(ServiceRequestContext.current().request().headers()).subject();
  }

  /**
   * The user id of the current call's verified access token, or null after answering the call with
   * the refusal.
   */
  String signedInUser(StreamObserver<?> response) {
    try {
      return signedInUser();
    } catch (RuntimeException e) {
      response.onError(ApiErrors.from(e));
      return null;
    }
  }

  /** The verified access token of a request with these headers. */
  VerifiedToken verify(RequestHeaders headers) {
    String token = bearer(headers.get(HttpHeaderNames.AUTHORIZATION));
    if (token == null) token = cookie(headers.get(HttpHeaderNames.COOKIE));
    if (token == null) {
      throw unauthenticated("sign in: send Authorization: Bearer <access token>");
    }
    try {
      return accessTokens.verify(token);
    } catch (InvalidTokenException e) {
      throw unauthenticated("access token refused: " + e.getMessage());
    }
  }

  private static String bearer(String authorization) {
    if (authorization == null || authorization.isBlank()) return null;
    if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw unauthenticated("the Authorization header must be Bearer <access token>");
    }
    return authorization.substring(7).strip();
  }

  private static String cookie(String cookies) {
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
