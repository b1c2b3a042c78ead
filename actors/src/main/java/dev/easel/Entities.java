package dev.easel;

import java.time.Duration;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * What every sharded entity of Easel shares: it lives on {@code core} nodes, restarts with backoff
 * after a journal failure, and tags its events with one of a fixed number of tags per kind.
 */
public final class Entities {
  /** Tags per entity kind. Never change it once events exist: tags are stored with them. */
  public static final int TAG_COUNT = 8;

  private Entities() {}

  /** Starts sharding for {@code key} on nodes with the {@code core} role. */
  public static <C> void shardOnCore(
      ActorSystem<?> system, EntityTypeKey<C> key, Function<String, Behavior<C>> create) {
    ClusterSharding.get(system)
        .init(Entity.of(key, ctx -> create.apply(ctx.getEntityId())).withRole("core"));
  }

  /** Restart after a failed write, backing off from 200 ms to 5 s. */
  public static BackoffSupervisorStrategy restartWithBackoff() {
    return SupervisorStrategy.restartWithBackoff(
        Duration.ofMillis(200), Duration.ofSeconds(5), 0.1);
  }

  /** The tag of entity {@code id} of a kind: {@code <kind>-<0..7>}. */
  public static Set<String> tag(String kind, String id) {
    return Set.of(kind + "-" + Math.floorMod(id.hashCode(), TAG_COUNT));
  }
}
