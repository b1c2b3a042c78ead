package dev.easel.gateway;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.canvas.CanvasEntity;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * {@code GET /health}: 200 with a JSON body once this node is Up in the cluster and canvas sharding
 * answers, 503 (with what is missing) before. Also drives the standard gRPC health service.
 */
final class Health implements HttpService {
  private final ActorSystem<?> system;
  private final List<String> roles;
  private final HealthStatusManager grpcHealth;
  private final AtomicBoolean shardingReady = new AtomicBoolean();

  Health(ActorSystem<?> system, HealthStatusManager grpcHealth) {
    this.system = system;
    this.roles = List.copyOf(system.settings().config().getStringList("pekko.cluster.roles"));
    this.grpcHealth = grpcHealth;
    grpcHealth.setStatus("", ServingStatus.NOT_SERVING);
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    MemberStatus status = Cluster.get(system).selfMember().status();
    boolean up = status.equals(MemberStatus.up());
    CompletableFuture<Boolean> sharding =
        up ? shardingReady() : CompletableFuture.completedFuture(false);
    return HttpResponse.of(
        sharding.thenApply(
            ready -> {
              boolean healthy = up && ready;
              grpcHealth.setStatus("", healthy ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
              String body =
                  "{\"status\":\""
                      + (healthy ? "UP" : "STARTING")
                      + "\",\"member\":\""
                      + status
                      + "\",\"sharding\":"
                      + ready
                      + ",\"roles\":"
                      + roles.stream().map(r -> "\"" + r + "\"").toList()
                      + "}";
              return HttpResponse.of(
                  healthy ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE,
                  MediaType.JSON_UTF_8,
                  body);
            }));
  }

  /** True once the shard coordinator has answered a stats query for canvases. */
  private CompletableFuture<Boolean> shardingReady() {
    if (shardingReady.get() || !roles.contains("core")) {
      return CompletableFuture.completedFuture(true);
    }
    return AskPattern.<ClusterShardingQuery, ShardRegion.ClusterShardingStats>ask(
            ClusterSharding.get(system).shardState(),
            replyTo ->
                new GetClusterShardingStats(CanvasEntity.KEY, Duration.ofSeconds(2), replyTo),
            Duration.ofSeconds(3),
            system.scheduler())
        .handle(
            (stats, failure) -> {
              boolean ready = failure == null;
              if (ready) shardingReady.set(true);
              return ready;
            })
        .toCompletableFuture();
  }
}
