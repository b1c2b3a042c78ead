package dev.easel.gateway;

import com.google.rpc.Code;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Set;

/**
 * Cross-site request forgery protection for the whole server. A change (POST, PUT, PATCH, DELETE:
 * gRPC, REST transcoded from it, the browser session endpoints) that a browser authenticates with
 * Easel's cookies must
 *
 * <ul>
 *   <li>come from an allowed page, when it says where from ({@code Origin}: the server's own origin
 *       or one of {@code easel.http.allowed-origins}, as for {@code /ws});
 *   <li>carry the {@code X-CSRF-Token} header equal to the {@code easel_csrf} cookie (compared in
 *       constant time), which a page of another site can neither read nor set. Signing in ({@code
 *       POST /v1/auth/browser/login}) needs no token, as there is no session yet.
 * </ul>
 *
 * gRPC-Web calls (and gRPC's) are changes like any other: POSTs that a page can make with the
 * browser's cookies, so one signed in by cookie carries the token too, and is refused with gRPC's
 * PERMISSION_DENIED otherwise. Requests with an {@code Authorization} header are authenticated by
 * it, not by cookies (as {@link Callers} reads them), and pass untouched; so do requests without
 * Easel's cookies. The browser endpoints are origin-checked even without cookies, so no other site
 * can sign a browser in.
 */
final class CsrfGuard implements DecoratingHttpServiceFunction {
  static final String BROWSER_PATHS = "/v1/auth/browser/";
  static final String LOGIN_PATH = "/v1/auth/browser/login";
  private static final Set<HttpMethod> CHANGES =
      Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE);

  private final Set<String> allowedOrigins;

  CsrfGuard(Set<String> allowedOrigins) {
    this.allowedOrigins = allowedOrigins;
  }

  @Override
  public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req)
      throws Exception {
    RequestHeaders headers = req.headers();
    if (!CHANGES.contains(headers.method())) return delegate.serve(ctx, req);
    String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
    if (authorization != null && !authorization.isBlank()) return delegate.serve(ctx, req);
    String path = ctx.path();
    boolean browserEndpoint = path.startsWith(BROWSER_PATHS);
    boolean cookies =
        !BrowserCookies.values(headers, BrowserCookies.ACCESS).isEmpty()
            || !BrowserCookies.values(headers, BrowserCookies.REFRESH).isEmpty();
    if (!cookies && !browserEndpoint) return delegate.serve(ctx, req);
    String origin = headers.get(HttpHeaderNames.ORIGIN);
    if (origin != null && !ShareDbSocket.originAllowed(origin, headers, allowedOrigins)) {
      return refuse(
          headers,
          "cross-site request refused: a page of "
              + origin
              + " may not act with this browser's Easel session; see easel.http.allowed-origins");
    }
    if (!cookies || path.equals(LOGIN_PATH)) return delegate.serve(ctx, req);
    String header = headers.get(BrowserCookies.CSRF_HEADER);
    if (header == null || header.isEmpty()) {
      return refuse(
          headers,
          "this request is signed in by cookie: send the value of the easel_csrf cookie in the"
              + " X-CSRF-Token header");
    }
    List<String> expected = BrowserCookies.values(headers, BrowserCookies.CSRF);
    if (expected.isEmpty()) {
      return refuse(
          headers, "there is no easel_csrf cookie to check X-CSRF-Token against: sign in again");
    }
    byte[] presented = header.getBytes(StandardCharsets.UTF_8);
    for (String cookie : expected) {
      // Every copy must match: a cookie planted by a sibling site must not slip through.
      if (cookie.isEmpty()
          || !MessageDigest.isEqual(presented, cookie.getBytes(StandardCharsets.UTF_8))) {
        return refuse(headers, "X-CSRF-Token does not match the easel_csrf cookie");
      }
    }
    return delegate.serve(ctx, req);
  }

  /**
   * 403 with the REST API's error body; a gRPC or gRPC-Web call gets PERMISSION_DENIED in gRPC's
   * own terms instead, so its client shows the message.
   */
  private static HttpResponse refuse(RequestHeaders headers, String message) {
    if (HttpReplies.isGrpc(headers)) {
      return HttpReplies.grpcRefusal(
          headers, ApiErrors.status(Code.PERMISSION_DENIED, "PERMISSION_DENIED", message));
    }
    return HttpReplies.error(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", message);
  }
}
