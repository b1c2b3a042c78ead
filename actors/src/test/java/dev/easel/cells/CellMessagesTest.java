package dev.easel.cells;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.easel.CborSerializable;
import dev.easel.EntityTestKits;
import dev.easel.canvas.CanvasEntity;
import dev.easel.canvas.CanvasOp;
import dev.easel.canvas.ChangeKind;
import dev.easel.query.DatasetTable;
import dev.easel.query.QueryWorker;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Every message of the cell runner goes through Jackson CBOR and comes back equal. */
class CellMessagesTest {
  static final ActorTestKit testKit =
      ActorTestKit.create(
          "cell-messages-test",
          ConfigFactory.parseResources("serialization.conf")
              .withFallback(ConfigFactory.load())
              .resolve());

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  @Test
  void everyMessageRoundTripsThroughCbor() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode op = json.readTree("[{\"p\":[\"cells\",\"c1\",\"source\",0],\"si\":\"S\"}]");
    JsonNode state = json.readTree("{\"state\":\"done\",\"rowCount\":1,\"preview\":[[\"1\"]]}");
    Instant at = Instant.parse("2026-12-02T08:00:00Z");
    CanvasOp canvasOp = new CanvasOp(3, "src", 1, ChangeKind.EDIT, op, "ann", at);
    List<CborSerializable> samples =
        List.of(
            new CanvasRunner.CanvasChanged("p1", canvasOp),
            new CanvasRunner.RunCell(
                "c1", "ann", testKit.<CanvasRunner.CellRun>createTestProbe().getRef()),
            new CanvasRunner.CellRun("c1", state, null),
            new CanvasRunner.CellRun("c1", null, CanvasRunner.Refusal.CELL_NOT_FOUND),
            new CanvasRunner.Loaded(
                new CanvasEntity.Snapshot("c", 3, json.readTree("{\"title\":\"T\"}"), at, "p1"),
                new CanvasEntity.Snapshot("c", 0, null, null, null),
                null),
            new CanvasRunner.Settle(),
            new CanvasRunner.Analysed(
                2,
                Map.of(),
                List.of(new DatasetTable("orders", "d_1", 2, "/data/orders.parquet")),
                null),
            new CanvasRunner.QueryDone(
                "r1",
                new QueryWorker.Result(
                    List.of(new QueryWorker.Column("n", "BIGINT")),
                    json.readTree("[[\"1\"]]"),
                    1,
                    false,
                    "r1",
                    "k1"),
                null,
                null),
            new CanvasRunner.QueryDone(
                "r2",
                null,
                new QueryWorker.Failed(
                    dev.easel.query.QueryFailure.Kind.INVALID, "SQL_ERROR", "no such table"),
                null),
            new CanvasRunner.QueryProgressed("r1", 0.5),
            new CanvasRunner.RunsWriteFailed("why"),
            new CanvasRunner.DatasetsChanged(),
            new CanvasRunner.RunsWritten());
    EntityTestKits.assertRoundTripThroughCbor(testKit.system(), samples);

    Set<Class<?>> sampled = new HashSet<>();
    for (Object sample : samples) sampled.add(sample.getClass());
    assertThat(sampled)
        .containsAll(EntityTestKits.messageTypes(List.of(CanvasRunner.Command.class)));
  }
}
