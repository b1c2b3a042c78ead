package dev.easel;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.serialization.SerializationExtension;

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
        .withFallback(ConfigFactory.parseResources("projects.conf"))
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  /** Every sample goes through Jackson CBOR and comes back equal. */
  public static void assertRoundTripThroughCbor(
      ActorSystem<?> system, List<? extends CborSerializable> samples) {
    SerializationTestKit serialization = new SerializationTestKit(system);
    var extension = SerializationExtension.get(system.classicSystem());
    for (CborSerializable sample : samples) {
      assertThat(serialization.verifySerialization(sample, true)).isEqualTo(sample);
      assertThat(extension.findSerializerFor(sample).getClass().getSimpleName())
          .as("serializer of %s", sample.getClass())
          .isEqualTo("JacksonCborSerializer");
    }
  }

  /** The records that implement these sealed types, through sealed sub-interfaces too. */
  public static List<Class<?>> messageTypes(List<Class<?>> sealedTypes) {
    List<Class<?>> types = new ArrayList<>();
    for (Class<?> sealed : sealedTypes) addPermitted(sealed, types);
    return types;
  }

  private static void addPermitted(Class<?> sealed, List<Class<?>> into) {
    for (Class<?> permitted : sealed.getPermittedSubclasses()) {
      if (permitted.isSealed()) {
        addPermitted(permitted, into);
      } else {
        into.add(permitted);
      }
    }
  }
}
