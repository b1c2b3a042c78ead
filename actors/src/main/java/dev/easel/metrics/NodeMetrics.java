package dev.easel.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ClusterSharding;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.pattern.Patterns;

/**
 * The meters of one node, served as Prometheus text on {@code /metrics}: the JVM's, the cluster's
 * as this node sees it (members by status, unreachable members), the shards and entities each
 * entity type has on this node, and what the node's parts record (canvas writes, ShareDB acks,
 * sockets, queries, HTTP requests). One registry per actor system, so several nodes in one JVM (the
 * tests) keep apart.
 */
public final class NodeMetrics implements Extension {

  /** The extension's id: {@code NodeMetrics.get(system)}. */
  public static final ExtensionId<NodeMetrics> ID =
      new ExtensionId<>() {
        @Override
        public NodeMetrics createExtension(ActorSystem<?> system) {
          return new NodeMetrics(system);
        }
      };

  /** How often the shard and entity counts of this node are asked of its shard regions. */
  static final Duration SHARDING_POLL = Duration.ofSeconds(5);

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  /** Per entity type: {shards, entities} on this node, as last answered by its region. */
  private final Map<String, AtomicLongArray> sharding = new ConcurrentHashMap<>();

  private NodeMetrics(ActorSystem<?> system) {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    bindCluster(system);
    pollSharding(system);
  }

  public static NodeMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /**
   * A latency timer with the histogram Prometheus needs for quantiles across nodes (buckets from 1
   * ms to 1 min).
   */
  public static Timer.Builder latency(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(1));
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * The meters in the Prometheus text format, or in OpenMetrics when {@code accept} (the scraper's
   * Accept header, may be null) asks for it.
   */
  public String scrape(String accept) {
    return registry.scrape(accept == null ? "" : accept);
  }

  /** The content type of {@link #scrape}'s answer for {@code accept}. */
  public static String contentType(String accept) {
    return accept != null && accept.contains("application/openmetrics-text")
        ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
        : "text/plain; version=0.0.4; charset=utf-8";
  }

  private void bindCluster(ActorSystem<?> system) {
    Cluster cluster = Cluster.get(system);
    for (MemberStatus status :
        new MemberStatus[] {
          MemberStatus.joining(),
          MemberStatus.weaklyUp(),
          MemberStatus.up(),
          MemberStatus.leaving(),
          MemberStatus.exiting(),
          MemberStatus.down(),
          MemberStatus.removed()
        }) {
      String name = status.toString().toLowerCase(java.util.Locale.ROOT);
      Gauge.builder("easel.cluster.members", cluster, c -> count(c.state(), status))
          .description("Members of the cluster as this node sees them, by status")
          .tag("status", name)
          .register(registry);
    }
    Gauge.builder("easel.cluster.unreachable", cluster, c -> c.state().getUnreachable().size())
        .description("Members this node's failure detector cannot reach")
        .register(registry);
    Gauge.builder(
            "easel.cluster.up", cluster, c -> c.selfMember().status() == MemberStatus.up() ? 1 : 0)
        .description("1 when this node is Up in the cluster")
        .register(registry);
  }

  private static long count(ClusterEvent.CurrentClusterState state, MemberStatus status) {
    long n = 0;
    for (Member member : state.getMembers()) if (member.status() == status) n++;
    return n;
  }

  /**
   * Asks every shard region of this node, now and every {@link #SHARDING_POLL}, how many shards and
   * entities it holds; the gauges of an entity type appear with its first answer.
   */
  private void pollSharding(ActorSystem<?> system) {
    org.apache.pekko.actor.ActorSystem classic =
        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system);
    system
        .scheduler()
        .scheduleWithFixedDelay(
            Duration.ofSeconds(1),
            SHARDING_POLL,
            () -> {
              ClusterSharding sharding = ClusterSharding.get(classic);
              for (String type : sharding.getShardTypeNames()) {
                Patterns.ask(
                        sharding.shardRegion(type),
                        ShardRegion.getShardRegionStateInstance(),
                        Duration.ofSeconds(5))
                    .whenComplete(
                        (answer, failure) -> {
                          if (answer instanceof ShardRegion.CurrentShardRegionState state) {
                            long entities = 0;
                            for (ShardRegion.ShardState shard : state.getShards()) {
                              entities += shard.getEntityIds().size();
                            }
                            record(type, state.getShards().size(), entities);
                          }
                        });
              }
            },
            system.executionContext());
  }

  private void record(String type, long shards, long entities) {
    AtomicLongArray counts =
        sharding.computeIfAbsent(
            type,
            t -> {
              AtomicLongArray fresh = new AtomicLongArray(2);
              Gauge.builder("easel.sharding.shards", fresh, c -> c.get(0))
                  .description("Shards of an entity type hosted by this node")
                  .tag("type", t)
                  .register(registry);
              Gauge.builder("easel.sharding.entities", fresh, c -> c.get(1))
                  .description("Live entities of an entity type hosted by this node")
                  .tag("type", t)
                  .register(registry);
              return fresh;
            });
    counts.set(0, shards);
    counts.set(1, entities);
  }
}
