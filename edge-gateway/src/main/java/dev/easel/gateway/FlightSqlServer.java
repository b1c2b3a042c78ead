package dev.easel.gateway;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.typesafe.config.Config;
import dev.easel.cells.CellResults;
import dev.easel.project.ProjectPolicy;
import dev.easel.project.Projects;
import dev.easel.query.QueryEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;
import org.apache.arrow.flight.grpc.StatusUtils;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Arrow Flight SQL over a project's data, on {@code easel.flight.port} ({@code EASEL_FLIGHT_PORT},
 * default 8815) of a node that runs the project's query workers. Every call carries a credential as
 * the API does ({@code Authorization: Bearer} with an access token or an API key, or {@code
 * x-api-key}), checked by the gateway's own {@link Callers}; the project is the API key's, or for
 * an access token the {@code project} header (the JDBC driver sends a {@code project=} URL property
 * as one). The caller must be allowed to query the project ({@link ProjectPolicy.Action#QUERY}: any
 * member); else the call is refused UNAUTHENTICATED or PERMISSION_DENIED. What the calls do is
 * {@link ProjectFlightSqlProducer}'s. With {@code easel.flight.tls.certificate} and {@code .key}
 * ({@code EASEL_FLIGHT_TLS_CERT}, {@code EASEL_FLIGHT_TLS_KEY}: PEM files) it speaks TLS only; with
 * {@code easel.flight.advertised-host} its endpoints name that address.
 */
public final class FlightSqlServer implements AutoCloseable {
  /** The header (or JDBC URL property) that names the project for an access token. */
  static final String PROJECT_HEADER = "project";

  private final FlightServer server;
  private final BufferAllocator allocator;

  private FlightSqlServer(FlightServer server, BufferAllocator allocator) {
    this.server = server;
    this.allocator = allocator;
  }

  /**
   * Starts serving the projects whose workers {@code engine} runs, checking callers as {@code
   * gateway} does; {@code easel.flight.port} 0 picks a free port.
   */
  public static FlightSqlServer start(
      ActorSystem<?> system, QueryEngine engine, EaselServer gateway) {
    var config = system.settings().config();
    String host = config.getString("easel.flight.host");
    int port = config.getInt("easel.flight.port");
    Path certificate = file(config, "easel.flight.tls.certificate");
    Path key = file(config, "easel.flight.tls.key");
    if ((certificate == null) != (key == null)) {
      throw new IllegalArgumentException(
          "Flight SQL over TLS needs both easel.flight.tls.certificate (EASEL_FLIGHT_TLS_CERT) and"
              + " easel.flight.tls.key (EASEL_FLIGHT_TLS_KEY); only one is set");
    }
    boolean tls = certificate != null;
    Duration askTimeout = config.getDuration("easel.canvas.ask-timeout");
    BufferAllocator allocator = new RootAllocator();
    ProjectFlightSqlProducer producer =
        new ProjectFlightSqlProducer(
            engine, allocator, gateway::projectTables, new CellResults(system), askTimeout);
    FlightServer.Builder builder =
        FlightServer.builder(
                allocator,
                tls ? Location.forGrpcTls(host, port) : Location.forGrpcInsecure(host, port),
                producer)
            .headerAuthenticator(
                new ProjectAuthenticator(gateway.callers(), gateway.projects(), askTimeout));
    FlightServer server;
    try {
      if (tls) builder.useTls(certificate.toFile(), key.toFile());
      server = builder.build();
      server.start();
    } catch (IOException | RuntimeException e) {
      allocator.close();
      throw new IllegalStateException(
          "Flight SQL cannot listen on "
              + host
              + ":"
              + port
              + (tls ? " with the certificate " + certificate + " and key " + key : "")
              + ": "
              + e.getMessage(),
          e);
    }
    String advertised = config.getString("easel.flight.advertised-host").strip();
    if (!advertised.isEmpty()) {
      int advertisedPort = config.getInt("easel.flight.advertised-port");
      int at = advertisedPort > 0 ? advertisedPort : server.getPort();
      producer.advertise(
          tls ? Location.forGrpcTls(advertised, at) : Location.forGrpcInsecure(advertised, at));
    }
    return new FlightSqlServer(server, allocator);
  }

  /** A PEM file a setting names, or null when it is empty; one that is not there is refused. */
  private static Path file(Config config, String setting) {
    String value = config.getString(setting).strip();
    if (value.isEmpty()) return null;
    Path path = Path.of(value);
    if (!Files.isReadable(path)) {
      throw new IllegalArgumentException(setting + " names " + value + ", which cannot be read");
    }
    return path;
  }

  /** The port the server listens on. */
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    try {
      server.shutdown();
      server.awaitTermination(10, TimeUnit.SECONDS);
      server.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    allocator.close();
  }

  /**
   * The caller of a Flight call, as {@link ProjectFlightSqlProducer} reads it from the call's peer
   * identity: the user and the project.
   */
  record Peer(String userId, String projectId) {
    String identity() {
      return userId + "\n" + projectId;
    }

    static Peer of(String identity) {
      int cut = identity == null ? -1 : identity.indexOf('\n');
      if (cut < 0) throw CallStatus.UNAUTHENTICATED.withDescription("sign in").toRuntimeException();
      return new Peer(identity.substring(0, cut), identity.substring(cut + 1));
    }
  }

  /** Checks each call's credential and the caller's right to query the project it names. */
  private record ProjectAuthenticator(Callers callers, Projects projects, Duration askTimeout)
      implements CallHeaderAuthenticator {
    @Override
    public AuthResult authenticate(CallHeaders headers) {
      RequestHeadersBuilder request = RequestHeaders.builder(HttpMethod.POST, "/flight");
      copy(headers, HttpHeaderNames.AUTHORIZATION.toString(), request);
      copy(headers, Callers.API_KEY_HEADER, request);
      Caller caller = await(callers.authenticate(request.build()));
      String named = headers.get(PROJECT_HEADER);
      String projectId = named != null && !named.isBlank() ? named.strip() : caller.onlyProject();
      if (projectId == null) {
        throw CallStatus.INVALID_ARGUMENT
            .withDescription(
                "name the project: with an access token, send the project header (JDBC URL"
                    + " property project=p_...); an API key of one project names it itself")
            .toRuntimeException();
      }
      if (!caller.reaches(projectId)) {
        throw CallStatus.UNAUTHORIZED
            .withDescription("this API key is for another project than " + projectId)
            .toRuntimeException();
      }
      if (!caller.allows(ProjectPolicy.scopeFor(ProjectPolicy.Action.QUERY))) {
        throw CallStatus.UNAUTHORIZED
            .withDescription("this API key's scopes do not allow reading project data")
            .toRuntimeException();
      }
      await(projects.authorize(caller.userId(), projectId, ProjectPolicy.Action.QUERY));
      String identity = new Peer(caller.userId(), projectId).identity();
      return () -> identity;
    }

    private static void copy(CallHeaders from, String name, RequestHeadersBuilder to) {
      String value = from.get(name);
      if (value != null) to.add(name, value);
    }

    private <T> T await(java.util.concurrent.CompletionStage<T> stage) {
      try {
        return stage.toCompletableFuture().get(askTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CallStatus.CANCELLED.withDescription("interrupted").toRuntimeException();
      } catch (ExecutionException | TimeoutException e) {
        throw refusal(e instanceof ExecutionException ? e.getCause() : e);
      }
    }
  }

  /** A failure in Flight's terms: the API's own status (code and message) for it. */
  static FlightRuntimeException refusal(Throwable failure) {
    if (failure instanceof FlightRuntimeException flight) return flight;
    return StatusUtils.fromGrpcRuntimeException(ApiErrors.from(failure));
  }
}
