package dev.easel.gateway;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.identity.AccessTokens;
import dev.easel.identity.Accounts;
import dev.easel.identity.InvalidTokenException;

/**
 * Who is calling: reads {@code Authorization: Bearer <access token>} from the request in progress
 * and verifies it. The reason a token is refused is said; the token itself never is.
 */
final class Callers {
  private final AccessTokens accessTokens;

  Callers(AccessTokens accessTokens) {
    this.accessTokens = accessTokens;
  }

  /** The user id of the current request's verified access token. */
  String signedInUser() {
    String authorization =
        ServiceRequestContext.current().request().headers().get(HttpHeaderNames.AUTHORIZATION);
    if (authorization == null || authorization.isBlank()) {
      throw new Accounts.Refusal(
          Accounts.Refusal.Kind.UNAUTHENTICATED, "sign in: send Authorization: Bearer <token>");
    }
    if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new Accounts.Refusal(
          Accounts.Refusal.Kind.UNAUTHENTICATED, "the Authorization header must be Bearer");
    }
    try {
      return accessTokens.verify(authorization.substring(7).strip()).subject();
    } catch (InvalidTokenException e) {
      throw new Accounts.Refusal(
          Accounts.Refusal.Kind.UNAUTHENTICATED, "access token refused: " + e.getMessage());
    }
  }
}
