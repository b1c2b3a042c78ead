package dev.easel.gateway;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.identity.Accounts;
import dev.easel.identity.RequestOrigin;
import dev.easel.identity.VerifiedToken;

/**
 * The {@link RequestOrigin} of a request, for the account's security log: the client's address (the
 * connection's peer, or for a peer listed in {@code easel.http.trusted-proxies} the client those
 * proxies name: see {@link TrustedProxies}) and the {@code User-Agent} header.
 */
final class RequestOrigins {
  private RequestOrigins() {}

  /** The origin of the request being served, outside any sign-in. */
  static RequestOrigin current() {
    return of(ServiceRequestContext.current());
  }

  /** The origin of the request being served, within the sign-in of {@code caller}'s token. */
  static RequestOrigin current(VerifiedToken caller) {
    return current().withSession(sessionOf(caller));
  }

  /** The origin of the request of {@code ctx}, outside any sign-in. */
  static RequestOrigin of(ServiceRequestContext ctx) {
    return new RequestOrigin(
        TrustedProxies.clientOf(ctx).getHostAddress(),
        ctx.request().headers().get(HttpHeaderNames.USER_AGENT));
  }

  /** The sign-in (refresh-token family) an access token belongs to, or null. */
  static String sessionOf(VerifiedToken caller) {
    return caller.claims().get(Accounts.SESSION_CLAIM) instanceof String sid ? sid : null;
  }
}
