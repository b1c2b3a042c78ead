package dev.easel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;

/**
 * The configuration every entity test runs on: Pekko's persistence test journal and snapshot store,
 * Easel's serialization bindings and entity settings, quiet logs.
 */
public final class EntityTestKits {
  private EntityTestKits() {}

  /** That configuration with {@code settings} (HOCON) on top. */
  public static Config config(String settings) {
    return ConfigFactory.parseString(settings + "\npekko.loglevel = WARNING")
        .withFallback(EventSourcedBehaviorTestKit.config())
        .withFallback(PersistenceTestKitSnapshotPlugin.config())
        .withFallback(ConfigFactory.parseResources("serialization.conf"))
        .withFallback(ConfigFactory.parseResources("canvas.conf"))
        .withFallback(ConfigFactory.parseResources("identity.conf"))
        .withFallback(ConfigFactory.load())
        .resolve();
  }
}
