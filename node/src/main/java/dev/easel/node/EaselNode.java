package dev.easel.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.easel.canvas.CanvasEntity;
import dev.easel.cells.CanvasRunner;
import dev.easel.dataset.DatasetCatalogEntity;
import dev.easel.gateway.EaselServer;
import dev.easel.gateway.FlightSqlServer;
import dev.easel.identity.EmailIndexEntity;
import dev.easel.identity.IdentityIndexEntity;
import dev.easel.identity.SecurityLogEntity;
import dev.easel.identity.SessionEntity;
import dev.easel.identity.UserEntity;
import dev.easel.identity.UserSessionsEntity;
import dev.easel.persistence.JournalSchema;
import dev.easel.project.MembershipEntity;
import dev.easel.project.OrganizationEntity;
import dev.easel.project.ProjectEntity;
import dev.easel.query.DeletedProjects;
import dev.easel.query.QueryEngine;
import dev.easel.query.QueryWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Easel node: an actor system named {@code easel} with the roles from configuration, joined to
 * its cluster (itself, when no seed nodes are configured), and what each role needs started.
 */
public final class EaselNode implements AutoCloseable {
  public static final List<String> ALL_ROLES = List.of("gateway", "core", "query", "gpu");
  private static final Logger log = LoggerFactory.getLogger(EaselNode.class);

  private final ActorSystem<Void> system;
  private final EaselServer server;
  private final FlightSqlServer flight;
  private final Path dataDir;

  private EaselNode(
      ActorSystem<Void> system, EaselServer server, FlightSqlServer flight, Path dataDir) {
    this.system = system;
    this.server = server;
    this.flight = flight;
    this.dataDir = dataDir;
  }

  public static void main(String[] args) throws Exception {
    EaselNode node = start(ConfigFactory.empty());
    List<String> roles = node.roles();
    System.out.println(
        "Easel is running"
            + (node.server == null
                ? ""
                : " on "
                    + (node.server.secure() ? "https" : "http")
                    + "://localhost:"
                    + node.httpPort())
            + "  (roles: "
            + String.join(", ", roles)
            + "; data: "
            + node.dataDir
            + "). Press Ctrl-C to stop.");
    CoordinatedShutdown.get(node.system)
        .addTask(
            CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "say-stopped",
            () -> {
              System.out.println("Easel stopped: shards handed off, data saved in " + node.dataDir);
              return CompletableFuture.completedFuture(Done.getInstance());
            });
    node.system.getWhenTerminated().toCompletableFuture().join();
  }

  /** Starts a node with {@code overrides} on top of application.conf and the environment. */
  public static EaselNode start(Config overrides) throws Exception {
    Config config = load(overrides);
    Path dataDir = Path.of(config.getString("easel.data-dir")).toAbsolutePath().normalize();
    Files.createDirectories(dataDir);
    config =
        load(
            ConfigFactory.parseMap(Map.of("easel.data-dir", dataDir.toString()))
                .withFallback(overrides));

    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "easel", config);
    try {
      Cluster cluster = Cluster.get(system);
      if (config.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }
      List<String> roles = config.getStringList("pekko.cluster.roles");
      if (roles.contains("core")) {
        JournalSchema.createIfMissing(system, Duration.ofSeconds(30));
        CanvasEntity.init(system, CanvasRunner.init(system));
        UserEntity.init(system);
        EmailIndexEntity.init(system);
        IdentityIndexEntity.init(system);
        SessionEntity.init(system);
        UserSessionsEntity.init(system);
        SecurityLogEntity.init(system);
        ProjectEntity.init(system);
        OrganizationEntity.init(system);
        MembershipEntity.init(system);
        DatasetCatalogEntity.init(system);
      }
      QueryEngine engine = null;
      if (roles.contains(QueryWorker.ROLE) || roles.contains("gateway")) {
        // Query nodes host the workers; gateway nodes reach them through a sharding proxy.
        engine = QueryWorker.init(system);
      }
      // A deleted project's query database goes from every node that has one. The topic starts on
      // every node now, so that it knows the others' listeners by the time a project is deleted.
      DeletedProjects deletedProjects = DeletedProjects.get(system);
      if (engine != null) deletedProjects.discardIn(engine);
      EaselServer server = roles.contains("gateway") ? EaselServer.start(system) : null;
      if (server != null) {
        CoordinatedShutdown.get(system)
            .addTask(
                CoordinatedShutdown.PhaseServiceUnbind(),
                "stop-http",
                () ->
                    CompletableFuture.supplyAsync(
                        () -> {
                          server.close();
                          return Done.getInstance();
                        }));
      }
      FlightSqlServer flight = null;
      if (engine != null && server != null) {
        flight = FlightSqlServer.start(system, engine, server);
        FlightSqlServer started = flight;
        CoordinatedShutdown.get(system)
            .addTask(
                CoordinatedShutdown.PhaseServiceUnbind(),
                "stop-flight-sql",
                () ->
                    CompletableFuture.supplyAsync(
                        () -> {
                          started.close();
                          return Done.getInstance();
                        }));
      } else if (engine != null) {
        log.warn(
            "Flight SQL is not served: it needs the gateway role on the query node in this"
                + " version");
      }
      return new EaselNode(system, server, flight, dataDir);
    } catch (Exception | Error e) {
      system.terminate();
      throw e;
    }
  }

  private static Config load(Config overrides) {
    Config withRoles = overrides;
    String roles = System.getenv("EASEL_ROLES");
    if (roles != null && !roles.isBlank() && !overrides.hasPath("pekko.cluster.roles")) {
      withRoles =
          overrides.withValue(
              "pekko.cluster.roles", ConfigValueFactory.fromIterable(parseRoles(roles)));
    }
    ConfigFactory.invalidateCaches();
    return ConfigFactory.load(
        withRoles.withFallback(ConfigFactory.parseResources("application.conf")));
  }

  /** Roles from a comma-separated list such as {@code EASEL_ROLES}; refuses unknown ones. */
  static List<String> parseRoles(String roles) {
    List<String> list =
        Arrays.stream(roles.split(",")).map(String::trim).filter(r -> !r.isEmpty()).toList();
    if (list.isEmpty()) throw new IllegalArgumentException("EASEL_ROLES names no role");
    for (String role : list) {
      if (!ALL_ROLES.contains(role)) {
        throw new IllegalArgumentException(
            "EASEL_ROLES: unknown role '" + role + "'; roles are " + String.join(", ", ALL_ROLES));
      }
    }
    return list.stream().distinct().toList();
  }

  public int httpPort() {
    return server == null ? -1 : server.port();
  }

  /** The Flight SQL port, or -1 when this node serves no Flight SQL. */
  public int flightPort() {
    return flight == null ? -1 : flight.port();
  }

  public Path dataDir() {
    return dataDir;
  }

  public List<String> roles() {
    return system.settings().config().getStringList("pekko.cluster.roles");
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** Leaves the cluster through coordinated shutdown (shards handed off) and waits for the end. */
  @Override
  public void close() {
    CoordinatedShutdown.get(system).run(CoordinatedShutdown.unknownReason());
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("node did not stop within 60 s", e);
    }
    log.debug("node stopped");
  }
}
