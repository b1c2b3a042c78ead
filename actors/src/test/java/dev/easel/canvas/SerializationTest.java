package dev.easel.canvas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.easel.CborSerializable;
import dev.easel.EntityTestKits;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Every message, event and snapshot type goes through Jackson CBOR and comes back equal. */
class SerializationTest {
  static final ActorTestKit testKit =
      ActorTestKit.create(
          "serialization-test",
          ConfigFactory.parseResources("serialization.conf")
              .withFallback(ConfigFactory.parseResources("canvas.conf"))
              .withFallback(ConfigFactory.load())
              .resolve());

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  static List<CborSerializable> samples() throws Exception {
    JsonNode op =
        new ObjectMapper().readTree("[{\"p\":[\"cells\",\"c1\",\"source\",3],\"si\":\"é😀\"}]");
    JsonNode doc = new ObjectMapper().readTree("{\"title\":\"T\",\"cells\":{}}");
    Instant at = Instant.parse("2026-11-29T10:15:30.123456Z");
    ActorRef<CanvasEntity.SubmitResult> results =
        testKit.createTestProbe(CanvasEntity.SubmitResult.class).getRef();
    ActorRef<CanvasEntity.Feed> feed = testKit.createTestProbe(CanvasEntity.Feed.class).getRef();
    ActorRef<CanvasEntity.Command> canvas =
        testKit.createTestProbe(CanvasEntity.Command.class).getRef();
    CanvasOp canvasOp = new CanvasOp(4, "src", 7, ChangeKind.EDIT, op, "ann", at);
    NamedVersion named = new NamedVersion("k3x9", 4, "Before the rewrite", "Q3 numbers", "ann", at);
    ActorRef<CanvasEntity.VersionResult> versionResults =
        testKit.createTestProbe(CanvasEntity.VersionResult.class).getRef();
    CanvasEntity.Submit submit =
        new CanvasEntity.Submit("src", 7, 4, ChangeKind.EDIT, op, "ann", null, results);
    return List.of(
        submit,
        new CanvasEntity.GetSnapshot(testKit.createTestProbe(CanvasEntity.Snapshot.class).getRef()),
        new CanvasEntity.Subscribe(feed),
        new CanvasEntity.Unsubscribe(feed),
        new CanvasEntity.FeedStopped(feed),
        new CanvasEntity.HistoryLoaded(submit, List.of(canvasOp), null),
        new CanvasEntity.WriteBatch(),
        new CanvasEntity.Applied(4, op, List.of(canvasOp)),
        new CanvasEntity.AlreadyApplied(3, List.of(canvasOp)),
        new CanvasEntity.Rejected(
            CanvasError.ERR_CANVAS_INVALID, "cell 'c1': source must be a string"),
        new CanvasEntity.Snapshot("c", 5, doc, at, "p1"),
        new CanvasEntity.Snapshot("c", 0, null, null, null),
        new CanvasEntity.Live("c", 5, canvas),
        new CanvasEntity.Published("c", canvasOp),
        new CanvasEntity.CanvasCreated(0, "src", 1, doc, "ann", at, "p1"),
        new CanvasEntity.OpApplied(4, "src", 7, op, "ann", at),
        new CanvasEntity.CanvasDeleted(5, "src", 8, "ann", at),
        new CanvasEntity.CanvasSnapshot(5, doc, at, "p1", List.of(named), List.of(3L, 4L)),
        new CanvasEntity.CanvasSnapshot(6, null, at, null, null, null),
        new CanvasEntity.NameVersion(0, "Release", "", "ann", versionResults),
        new CanvasEntity.UpdateVersion("k3x9", null, "new words", "ann", versionResults),
        new CanvasEntity.DeleteVersion("k3x9", "ann", versionResults),
        new CanvasEntity.GetHistoryIndex(
            testKit.createTestProbe(CanvasEntity.HistoryIndex.class).getRef()),
        new CanvasEntity.VersionDone(named),
        new CanvasEntity.HistoryIndex("c", 6, true, "p1", List.of(named), List.of(4L)),
        new CanvasEntity.VersionNamed(named),
        new CanvasEntity.VersionUpdated("k3x9", "After", "", "ann", at),
        new CanvasEntity.VersionNameDeleted("k3x9", "ann", at),
        named,
        canvasOp);
  }

  @Test
  void everyMessageRoundTripsThroughCbor() throws Exception {
    EntityTestKits.assertRoundTripThroughCbor(testKit.system(), samples());
  }

  @Test
  void everyMessageTypeHasASample() throws Exception {
    Set<Class<?>> sampled = new HashSet<>();
    for (Object sample : samples()) sampled.add(sample.getClass());
    List<Class<?>> declared =
        new ArrayList<>(
            EntityTestKits.messageTypes(
                List.of(
                    CanvasEntity.Command.class,
                    CanvasEntity.SubmitResult.class,
                    CanvasEntity.VersionResult.class,
                    CanvasEntity.Feed.class,
                    CanvasEntity.Event.class)));
    declared.add(CanvasEntity.Snapshot.class);
    declared.add(CanvasEntity.CanvasSnapshot.class);
    declared.add(CanvasEntity.HistoryIndex.class);
    declared.add(NamedVersion.class);
    declared.add(CanvasOp.class);
    assertThat(sampled).containsAll(declared);
  }
}
