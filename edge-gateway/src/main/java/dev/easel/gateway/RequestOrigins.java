package dev.easel.gateway;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.identity.RequestOrigin;

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

  /** The origin of the request being served, within the sign-in of {@code caller}, if any. */
  static RequestOrigin current(Caller caller) {
    return current().withSession(caller.sessionId());
  }

  /** The origin of the request of {@code ctx}, outside any sign-in. */
  static RequestOrigin of(ServiceRequestContext ctx) {
    return new RequestOrigin(
        TrustedProxies.clientOf(ctx).getHostAddress(),
        ctx.request().headers().get(HttpHeaderNames.USER_AGENT));
  }
}
