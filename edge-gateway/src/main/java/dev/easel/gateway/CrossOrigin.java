package dev.easel.gateway;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.cors.CorsService;
import java.time.Duration;
import java.util.Set;
import java.util.function.Function;

/**
 * Cross-origin access (CORS) for the pages of {@code easel.http.allowed-origins}, the same list
 * that may open {@code /ws}: they may call the REST API, gRPC-Web and the REST streams from the
 * browser, send the headers those need ({@code Authorization}, {@code x-api-key}, {@code
 * X-CSRF-Token}, gRPC-Web's {@code x-grpc-web}, {@code x-user-agent} and {@code grpc-timeout},
 * {@code Last-Event-ID}) and read gRPC's status from the response headers ({@code grpc-status},
 * {@code grpc-message}, {@code grpc-status-details-bin}) and {@code Retry-After}. Other origins are
 * granted nothing, so a browser keeps them from reading answers and from sending anything but
 * simple requests; a page of the server's own origin needs no grant.
 */
final class CrossOrigin {
  static final Duration PREFLIGHT_CACHE = Duration.ofHours(1);

  private CrossOrigin() {}

  /** The CORS decorator for {@code allowedOrigins}; null when none are allowed. */
  static Function<? super HttpService, ? extends HttpService> decorator(
      Set<String> allowedOrigins) {
    if (allowedOrigins.isEmpty()) return null;
    return CorsService.builder(allowedOrigins::contains)
        .allowCredentials()
        .allowRequestMethods(
            HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE)
        .allowRequestHeaders(
            HttpHeaderNames.AUTHORIZATION,
            HttpHeaderNames.CONTENT_TYPE,
            HttpHeaderNames.ACCEPT,
            Callers.API_KEY_HEADER,
            BrowserCookies.CSRF_HEADER,
            "x-grpc-web",
            "x-user-agent",
            GrpcHeaderNames.GRPC_TIMEOUT,
            GrpcHeaderNames.GRPC_ACCEPT_ENCODING,
            "last-event-id")
        .exposeHeaders(
            GrpcHeaderNames.GRPC_STATUS,
            GrpcHeaderNames.GRPC_MESSAGE,
            GrpcHeaderNames.GRPC_STATUS_DETAILS_BIN,
            GrpcHeaderNames.GRPC_ENCODING,
            HttpHeaderNames.RETRY_AFTER)
        .maxAge(PREFLIGHT_CACHE)
        .newDecorator();
  }
}
