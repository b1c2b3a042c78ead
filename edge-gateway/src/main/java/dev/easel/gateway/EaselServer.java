package dev.easel.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.typesafe.config.Config;
import dev.easel.canvas.CanvasFeeds;
import dev.easel.canvas.Canvases;
import dev.easel.persistence.CanvasCatalog;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.net.InetSocketAddress;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The gateway role's HTTP/2 server on one port: gRPC (with reflection and the standard health
 * service), REST/JSON transcoded from the {@code google.api.http} annotations, the ShareDB socket
 * on {@code /ws}, and {@code /health}.
 */
public final class EaselServer implements AutoCloseable {
  private final Server server;
  private final CanvasCatalog catalog;

  private EaselServer(Server server, CanvasCatalog catalog) {
    this.server = server;
    this.catalog = catalog;
  }

  /** Starts serving; {@code easel.http.port} 0 picks a free port. */
  public static EaselServer start(ActorSystem<?> system) {
    Config config = system.settings().config().getConfig("easel.http");
    ObjectMapper mapper = new ObjectMapper();
    Canvases canvases = new Canvases(system);
    CanvasFeeds feeds = new CanvasFeeds(system, canvases);
    CanvasCatalog catalog =
        new CanvasCatalog(
            system, system.settings().config().getString("easel.canvas.read-journal"));
    HealthStatusManager grpcHealth = new HealthStatusManager();
    GrpcService grpc =
        GrpcService.builder()
            .addService(new CanvasServiceImpl(mapper, canvases, feeds, catalog))
            .addService(ProtoReflectionServiceV1.newInstance())
            .addService(grpcHealth.getHealthService())
            .enableHttpJsonTranscoding(true)
            .maxRequestMessageLength((int) config.getMemorySize("max-message-size").toBytes())
            .build();
    Server server =
        Server.builder()
            .http(new InetSocketAddress(config.getString("host"), config.getInt("port")))
            .service(
                "/ws",
                ShareDbSocket.service(
                    new ShareDbSocket(mapper, canvases, feeds),
                    (int) config.getMemorySize("max-frame-size").toBytes()))
            .service("/health", new Health(system, grpcHealth))
            .service(grpc)
            .build();
    server.start().join();
    return new EaselServer(server, catalog);
  }

  public int port() {
    return server.activeLocalPort();
  }

  @Override
  public void close() {
    server.stop().join();
    catalog.close();
  }
}
