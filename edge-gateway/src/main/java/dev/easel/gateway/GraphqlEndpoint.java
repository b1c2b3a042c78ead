package dev.easel.gateway;

import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerListener;
import com.typesafe.config.Config;

/**
 * {@code /graphql}: GraphQL over HTTP ({@link GraphqlHttp}) running {@link GraphqlApi}, whose
 * fields call the gRPC API of this server through {@link LoopbackApi}. The server wires three
 * things: {@link #service()} on the path, {@link #listener()} (the loopback connection follows the
 * server's life) and {@link #loopbackDecorator()} (which lets the loopback calls name their
 * client).
 */
final class GraphqlEndpoint {
  static final String PATH = "/graphql";

  private final LoopbackApi loopback = new LoopbackApi();
  private final HttpService service;

  /**
   * @param graphql the {@code easel.graphql} settings
   * @param http the {@code easel.http} settings: the largest body ({@code max-message-size})
   */
  GraphqlEndpoint(Config graphql, Config http) {
    GraphqlApi api = new GraphqlApi(GraphqlApi.Settings.load(graphql));
    long maxBody = http.getMemorySize("max-message-size").toBytes();
    this.service =
        new GraphqlHttp(api, loopback)
            .decorate(
                (delegate, ctx, req) -> {
                  ctx.setMaxRequestLength(maxBody);
                  return delegate.serve(ctx, req);
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
}
