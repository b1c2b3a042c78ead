package dev.easel.gateway;

import com.linecorp.armeria.common.Flags;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerListener;
import com.linecorp.armeria.server.websocket.WebSocketService;
import com.typesafe.config.Config;
import java.util.Locale;
import java.util.Set;

/**
 * {@code /graphql}: GraphQL over HTTP ({@link GraphqlHttp}) and, on the same path, over a WebSocket
 * ({@link GraphqlSocket}), both running {@link GraphqlApi}, whose fields call the gRPC API of this
 * server through {@link LoopbackApi}. The server wires three things: {@link #service()} on the
 * path, {@link #listener()} (the loopback connection follows the server's life) and {@link
 * #loopbackDecorator()} (which lets the loopback calls name their client).
 */
final class GraphqlEndpoint {
  static final String PATH = "/graphql";

  private final LoopbackApi loopback = new LoopbackApi();
  private final HttpService service;

  /**
   * @param graphql the {@code easel.graphql} settings
   * @param http the {@code easel.http} settings: the largest body ({@code max-request-size}) and
   *     frame ({@code max-frame-size}), and how often an open socket re-checks its credential
   *     ({@code socket-recheck-interval})
   */
  GraphqlEndpoint(
      Config graphql, Config http, Callers callers, RateLimits limits, Set<String> allowedOrigins) {
    GraphqlApi api = new GraphqlApi(GraphqlApi.Settings.load(graphql));
    GraphqlHttp overHttp = new GraphqlHttp(api, loopback);
    long maxBody = http.getMemorySize("max-request-size").toBytes();
    WebSocketService socket =
        WebSocketService.builder(
                new GraphqlSocket(
                    api, loopback, callers, http.getDuration("socket-recheck-interval")))
            .subprotocols(GraphqlSocket.PROTOCOL)
            .maxFramePayloadLength((int) http.getMemorySize("max-frame-size").toBytes())
            .aggregateContinuation(true)
            // Origins are checked by the upgrade guard, where a request without one may pass.
            .allowedOrigins("*")
            .fallbackService(overHttp)
            .build();
    DecoratingHttpServiceFunction guard =
        ShareDbSocket.upgradeGuard(callers, allowedOrigins, limits);
    this.service =
        socket.decorate(
            (delegate, ctx, req) -> {
              if (isUpgrade(req.headers())) return guard.serve(delegate, ctx, req);
              // The socket's route has no length or time limit; a plain request has those of
              // every other request.
              ctx.setMaxRequestLength(maxBody);
              ctx.setRequestTimeoutMillis(
                  TimeoutMode.SET_FROM_NOW, Flags.defaultRequestTimeoutMillis());
              return overHttp.serve(ctx, req);
            });
  }

  /** The service of {@value #PATH}. */
  HttpService service() {
    return service;
  }

  /** Connects the loopback client once the server listens, and closes it when it stops. */
  ServerListener listener() {
    return loopback.listener();
  }

  /** Believes the client address the loopback calls name; see {@link LoopbackApi#decorator()}. */
  DecoratingHttpServiceFunction loopbackDecorator() {
    return loopback.decorator();
  }

  /** Whether a request asks for a WebSocket: HTTP/1.1 {@code Upgrade} or HTTP/2 CONNECT. */
  static boolean isUpgrade(RequestHeaders headers) {
    if (headers.method() == HttpMethod.CONNECT) {
      return "websocket".equalsIgnoreCase(headers.get(HttpHeaderNames.PROTOCOL));
    }
    String upgrade = headers.get(HttpHeaderNames.UPGRADE);
    return headers.method() == HttpMethod.GET
        && upgrade != null
        && upgrade.toLowerCase(Locale.ROOT).contains("websocket");
  }
}
