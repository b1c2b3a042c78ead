package dev.easel.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.easel.CborSerializable;
import dev.easel.EntityTestKits;
import dev.easel.dataset.DatasetFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A project's query worker as an actor: it answers queries run on the pool, stops them on cancel
 * and timeout (and stays usable), and closes its database when idle.
 */
class QueryWorkerTest {
  /** Runs until stopped: a billion rows against a million, with one thread. */
  static final String ENDLESS =
      "SELECT count(*) FROM range(1000000000) a, range(1000000) b WHERE a.range + b.range = -1";

  static final ActorTestKit testKit = ActorTestKit.create(EntityTestKits.config(""));

  @TempDir static Path dataDir;
  static DatasetFiles files;
  static DatasetTable orders;

  private QueryEngine engine;

  @BeforeAll
  static void writeDatasets() throws Exception {
    files = new DatasetFiles(dataDir.resolve("datasets"));
    orders =
        QueryFixtures.dataset(files, "p1", "orders", 1, "orders", "SELECT * FROM range(3) t(id)");
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  @AfterEach
  void closeEngine() {
    if (engine != null) engine.close();
  }

  private ActorRef<QueryWorker.Command> worker(String projectId, QuerySettings settings) {
    engine = engine != null ? engine : new QueryEngine(settings, files, dataDir);
    return testKit.spawn(QueryWorker.create(projectId, engine, null));
  }

  private static QueryWorker.Execute execute(
      String queryId, String sql, TestProbe<QueryWorker.Outcome> replies) {
    return new QueryWorker.Execute(
        queryId, "ann", sql, List.of(), List.of(orders), List.of(), replies.getRef(), null);
  }

  @Test
  void answersAQuery() {
    var worker = worker("p1", QueryFixtures.settings(Duration.ofSeconds(60), 100));
    TestProbe<QueryWorker.Outcome> replies = testKit.createTestProbe();

    worker.tell(
        new QueryWorker.Execute(
            "q1",
            "ann",
            "SELECT sum(id) + ? AS total FROM orders",
            List.of(JsonNodeFactory.instance.numberNode(10)),
            List.of(orders),
            List.of(),
            replies.getRef(),
            null));

    QueryWorker.Result result = replies.expectMessageClass(QueryWorker.Result.class);
    assertThat(result.rows().toString()).isEqualTo("[[\"13\"]]");
    assertThat(result.queryId()).isEqualTo("q1");
  }

  @Test
  void aQueryPastTheTimeLimitIsStoppedAndTheWorkerGoesOn() {
    var worker = worker("p1", QueryFixtures.settings(Duration.ofSeconds(2), 100));
    TestProbe<QueryWorker.Outcome> replies = testKit.createTestProbe();

    worker.tell(execute("slow", ENDLESS, replies));

    QueryWorker.Failed failed =
        replies.expectMessageClass(QueryWorker.Failed.class, Duration.ofSeconds(30));
    assertThat(failed.kind()).isEqualTo(QueryFailure.Kind.TIMEOUT);
    assertThat(failed.reason()).isEqualTo("QUERY_TIMEOUT");
    assertThat(failed.message()).contains("time limit of 2 s (easel.query.timeout)");

    worker.tell(execute("slow", "SELECT count(*) AS n FROM orders", replies));
    assertThat(replies.expectMessageClass(QueryWorker.Result.class).rows().toString())
        .isEqualTo("[[\"3\"]]");
  }

  @Test
  void theCallerCancelsItsQuery() {
    var worker = worker("p1", QueryFixtures.settings(Duration.ofSeconds(600), 100));
    TestProbe<QueryWorker.Outcome> replies = testKit.createTestProbe();
    TestProbe<QueryWorker.CancelResult> cancels = testKit.createTestProbe();
    worker.tell(execute("long", ENDLESS, replies));

    worker.tell(new QueryWorker.Cancel("long", "bob", cancels.getRef()));
    assertThat(cancels.receiveMessage().cancelled()).as("someone else's query").isFalse();
    worker.tell(new QueryWorker.Cancel("other", "ann", cancels.getRef()));
    assertThat(cancels.receiveMessage().cancelled()).as("no such query").isFalse();
    worker.tell(execute("long", "SELECT 1", replies));
    assertThat(replies.expectMessageClass(QueryWorker.Failed.class).reason())
        .isEqualTo("QUERY_ID_IN_USE");

    worker.tell(new QueryWorker.Cancel("long", "ann", cancels.getRef()));
    assertThat(cancels.receiveMessage().cancelled()).isTrue();
    QueryWorker.Failed failed =
        replies.expectMessageClass(QueryWorker.Failed.class, Duration.ofSeconds(30));
    assertThat(failed.kind()).isEqualTo(QueryFailure.Kind.CANCELLED);
    assertThat(failed.message()).isEqualTo("Query long was cancelled");

    worker.tell(execute("long", "SELECT 7 AS seven", replies));
    assertThat(replies.expectMessageClass(QueryWorker.Result.class).rows().toString())
        .isEqualTo("[[7]]");
  }

  @Test
  void aQueryCancelledWhileWaitingNeverRuns() {
    QuerySettings oneThread =
        new QuerySettings(
            Duration.ofSeconds(600),
            "256MB",
            1,
            "1GB",
            1,
            100,
            1 << 20,
            Duration.ofMinutes(10),
            1L << 30);
    var first = worker("p1", oneThread);
    var second = worker("p2", oneThread);
    TestProbe<QueryWorker.Outcome> busy = testKit.createTestProbe();
    TestProbe<QueryWorker.Outcome> waiting = testKit.createTestProbe();
    TestProbe<QueryWorker.CancelResult> cancels = testKit.createTestProbe();
    first.tell(execute("busy", ENDLESS, busy));
    second.tell(
        new QueryWorker.Execute(
            "queued", "ann", ENDLESS, List.of(), List.of(), List.of(), waiting.getRef(), null));

    second.tell(new QueryWorker.Cancel("queued", "ann", cancels.getRef()));
    assertThat(cancels.receiveMessage().cancelled()).isTrue();
    assertThat(waiting.expectMessageClass(QueryWorker.Failed.class).kind())
        .isEqualTo(QueryFailure.Kind.CANCELLED);
    busy.expectNoMessage(Duration.ofMillis(200));

    first.tell(new QueryWorker.Cancel("busy", "ann", cancels.getRef()));
    assertThat(cancels.receiveMessage().cancelled()).isTrue();
    assertThat(busy.expectMessageClass(QueryWorker.Failed.class, Duration.ofSeconds(30)).kind())
        .isEqualTo(QueryFailure.Kind.CANCELLED);
  }

  @Test
  void anIdleWorkerClosesItsDatabaseAndStops() {
    QuerySettings quickIdle =
        new QuerySettings(
            Duration.ofSeconds(60),
            "256MB",
            1,
            "1GB",
            1,
            100,
            1 << 20,
            Duration.ofMillis(200),
            1L << 30);
    var worker = worker("p1", quickIdle);
    TestProbe<QueryWorker.Outcome> replies = testKit.createTestProbe();
    worker.tell(execute("q", "SELECT 1", replies));
    replies.expectMessageClass(QueryWorker.Result.class);
    assertThat(engine.database("p1").isOpen()).isTrue();

    replies.expectTerminated(worker, Duration.ofSeconds(30));
    assertThat(engine.database("p1").isOpen()).isFalse();
  }

  @Test
  void aStoppingWorkerAnswersItsRunningQueries() {
    var worker = worker("p1", QueryFixtures.settings(Duration.ofSeconds(600), 100));
    TestProbe<QueryWorker.Outcome> replies = testKit.createTestProbe();
    worker.tell(execute("long", ENDLESS, replies));

    worker.tell(new QueryWorker.Stop());

    QueryWorker.Failed failed =
        replies.expectMessageClass(QueryWorker.Failed.class, Duration.ofSeconds(30));
    assertThat(failed.reason()).isEqualTo("QUERY_WORKER_STOPPED");
    replies.expectTerminated(worker);
  }

  @Test
  void everyMessageRoundTripsThroughCbor() {
    TestProbe<QueryWorker.Outcome> outcomes = testKit.createTestProbe();
    TestProbe<QueryWorker.CancelResult> cancels = testKit.createTestProbe();
    TestProbe<QueryWorker.PageOutcome> pages = testKit.createTestProbe();
    TestProbe<QueryWorker.ExportOutcome> exports = testKit.createTestProbe();
    TestProbe<QueryWorker.Progress> progress = testKit.createTestProbe();
    List<CborSerializable> samples =
        List.of(
            new QueryWorker.Execute(
                "q1",
                "ann",
                "SELECT ?",
                List.of(
                    JsonNodeFactory.instance.numberNode(1),
                    JsonNodeFactory.instance.textNode("x"),
                    JsonNodeFactory.instance.nullNode()),
                List.of(orders),
                List.of(new ResultTable("earlier", "0123456789abcdef0123456789abcdef")),
                outcomes.getRef(),
                progress.getRef()),
            new QueryWorker.Progress("q1", 0.42),
            new QueryWorker.Cancel("q1", "ann", cancels.getRef()),
            new QueryWorker.ReadPage("0123456789abcdef0123456789abcdef", 1000, 500, pages.getRef()),
            new QueryWorker.OpenExport("0123456789abcdef0123456789abcdef", "csv", exports.getRef()),
            new QueryWorker.ReadExport("e1", 131072, exports.getRef()),
            new QueryWorker.CloseExport("e1"),
            new QueryWorker.Page(
                List.of(new QueryWorker.Column("n", "BIGINT")),
                JsonNodeFactory.instance
                    .arrayNode()
                    .add(JsonNodeFactory.instance.arrayNode().add("1")),
                1001,
                -1),
            new QueryWorker.ExportOpened("e1", 12345),
            new QueryWorker.ExportChunk(new byte[] {1, 2, 3}),
            QueryWorker.Finished.of(
                "q1", new QueryWorker.Failed(QueryFailure.Kind.CANCELLED, "QUERY_CANCELLED", "x")),
            new QueryWorker.TimedOut("q1"),
            new QueryWorker.Reinterrupt("q1"),
            new QueryWorker.IdleCheck(),
            new QueryWorker.Stop(),
            new QueryWorker.Result(
                List.of(new QueryWorker.Column("n", "BIGINT")),
                JsonNodeFactory.instance
                    .arrayNode()
                    .add(JsonNodeFactory.instance.arrayNode().add("1")),
                1,
                false,
                "q1",
                "0123456789abcdef0123456789abcdef"),
            new QueryWorker.Failed(QueryFailure.Kind.NOT_ALLOWED, "SQL_NOT_ALLOWED", "COPY is not"),
            new QueryWorker.Column("n", "BIGINT"),
            new QueryWorker.CancelResult(true),
            orders);
    EntityTestKits.assertRoundTripThroughCbor(testKit.system(), samples);

    Set<Class<?>> sampled = new HashSet<>();
    for (Object sample : samples) sampled.add(sample.getClass());
    assertThat(sampled)
        .containsAll(
            EntityTestKits.messageTypes(
                List.of(
                    QueryWorker.Command.class,
                    QueryWorker.Outcome.class,
                    QueryWorker.PageOutcome.class,
                    QueryWorker.ExportOutcome.class)));
  }
}
