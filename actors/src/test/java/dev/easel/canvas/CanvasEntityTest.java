package dev.easel.canvas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.easel.EntityTestKits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.apache.pekko.persistence.testkit.query.javadsl.PersistenceTestKitReadJournal;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The canvas entity on the real Pekko persistence test journal, with serialization of every
 * command, event and snapshot checked on each step.
 */
class CanvasEntityTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final ActorTestKit testKit =
      ActorTestKit.create(
          "canvas-entity-test",
          EntityTestKits.config(
              "easel.canvas.read-journal = \""
                  + PersistenceTestKitReadJournal.Identifier()
                  + "\"\n easel.canvas.op-window = 3\n easel.canvas.snapshot-every = 4\n"));

  EventSourcedBehaviorTestKit<CanvasEntity.Command, CanvasEntity.Event, CanvasEntity.State> canvas;
  String canvasId;

  /** What the canvas told its project: "project canvas author". */
  final Queue<String> editsReported = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void setUp() {
    canvasId = "c-" + System.nanoTime();
    canvas =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            CanvasEntity.create(
                canvasId,
                CanvasEntity.Settings.from(testKit.system().settings().config()),
                (projectId, canvas, author, at, kind) ->
                    editsReported.add(projectId + " " + canvas + " " + author + " " + kind)),
            // The live state is not a message: its snapshot form is checked in SerializationTest.
            EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false));
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  CanvasEntity.SubmitResult submit(String src, long seq, long v, ChangeKind kind, String body) {
    return submit(src, seq, v, kind, body, "tester");
  }

  CanvasEntity.SubmitResult submit(
      String src, long seq, long v, ChangeKind kind, String body, String author) {
    TestProbe<CanvasEntity.SubmitResult> probe = testKit.createTestProbe();
    canvas.runCommand(
        new CanvasEntity.Submit(
            src,
            seq,
            v,
            kind,
            body == null ? null : json(body),
            author,
            kind == ChangeKind.CREATE ? "p1" : null,
            probe.getRef()));
    return probe.receiveMessage();
  }

  CanvasEntity.Snapshot snapshot() {
    TestProbe<CanvasEntity.Snapshot> probe = testKit.createTestProbe();
    canvas.runCommand(new CanvasEntity.GetSnapshot(probe.getRef()));
    return probe.receiveMessage();
  }

  void create() {
    assertThat(submit("a", 1, 0, ChangeKind.CREATE, "{'title':'T','cells':{}}"))
        .isInstanceOf(CanvasEntity.Applied.class);
  }

  static final String ADD_CELL =
      "[{'p':['cells','c1'],'oi':{'kind':'sql','source':'SELECT 1','name':'q',"
          + "'layout':{'x':0,'y':0,'w':6,'h':4},'config':{}}}]";

  @Test
  void createsEditsAndDeletes() {
    create();
    assertThat(submit("a", 2, 1, ChangeKind.EDIT, ADD_CELL))
        .isEqualTo(new CanvasEntity.Applied(1, json(ADD_CELL), List.of()));
    submit("a", 3, 2, ChangeKind.EDIT, "[{'p':['cells','c1','source',8],'si':'0'}]");
    CanvasEntity.Snapshot snapshot = snapshot();
    assertThat(snapshot.v()).isEqualTo(3);
    assertThat(snapshot.projectId()).isEqualTo("p1");
    assertThat(snapshot.data().at("/cells/c1/source").asText()).isEqualTo("SELECT 10");
    assertThat(submit("a", 4, 3, ChangeKind.DELETE, null)).isInstanceOf(CanvasEntity.Applied.class);
    assertThat(snapshot().exists()).isFalse();
    assertThat(snapshot().v()).isEqualTo(4);
  }

  @Test
  void tellsItsProjectWhoEditedAtMostOncePerAuthorPerInterval() {
    create();
    assertThat(editsReported).isEmpty(); // creating is not editing
    submit("a", 2, 1, ChangeKind.EDIT, ADD_CELL);
    submit("a", 3, 2, ChangeKind.EDIT, "[{'p':['title',0],'si':'x'}]");
    submit("b", 1, 3, ChangeKind.EDIT, "[{'p':['title',0],'si':'y'}]", "ann");
    submit("a", 4, 4, ChangeKind.EDIT, "[{'p':['title',0],'si':'z'}]");
    // a refused op is no edit
    submit("b", 2, 5, ChangeKind.EDIT, "[{'p':['cells','c2'],'oi':{'kind':'bogus'}}]", "bob");
    assertThat(editsReported)
        .containsExactly("p1 " + canvasId + " tester EDIT", "p1 " + canvasId + " ann EDIT");
    // a deletion is always told: the canvas leaves the project's catalog
    submit("c", 1, 5, ChangeKind.DELETE, null, "ann");
    assertThat(editsReported).endsWith("p1 " + canvasId + " ann DELETE");
  }

  @Test
  void transformsAnOpMadeAgainstAnOlderVersion() {
    create();
    submit("a", 2, 1, ChangeKind.EDIT, ADD_CELL);
    submit("a", 3, 2, ChangeKind.EDIT, "[{'p':['cells','c1','source',0],'si':'A'}]");
    // b typed at the same place without having seen a's insert
    var result = submit("b", 1, 2, ChangeKind.EDIT, "[{'p':['cells','c1','source',0],'si':'B'}]");
    assertThat(result).isInstanceOf(CanvasEntity.Applied.class);
    var applied = (CanvasEntity.Applied) result;
    assertThat(applied.v()).isEqualTo(3);
    assertThat(applied.missed()).extracting(CanvasOp::src).containsExactly("a");
    // as in ShareDB, the op being sequenced wins the tie: it is transformed as the left op
    assertThat(applied.applied()).isEqualTo(json("[{'p':['cells','c1','source',0],'si':'B'}]"));
    assertThat(snapshot().data().at("/cells/c1/source").asText()).isEqualTo("BASELECT 1");
  }

  @Test
  void appliesAResubmittedOpOnce() {
    create();
    submit("a", 2, 1, ChangeKind.EDIT, ADD_CELL);
    submit("b", 1, 2, ChangeKind.EDIT, "[{'p':['title',0],'si':'x'}]");
    var again = submit("b", 1, 2, ChangeKind.EDIT, "[{'p':['title',0],'si':'x'}]");
    assertThat(again).isEqualTo(new CanvasEntity.AlreadyApplied(2, List.of()));
    assertThat(snapshot().data().path("title").asText()).isEqualTo("xT");
    assertThat(snapshot().v()).isEqualTo(3);
  }

  @Test
  void readsOpsOlderThanTheWindowBackFromTheJournal() {
    create();
    submit("a", 2, 1, ChangeKind.EDIT, ADD_CELL);
    for (int i = 0; i < 6; i++) {
      submit("a", 3 + i, 2 + i, ChangeKind.EDIT, "[{'p':['cells','c1','source',0],'si':'a'}]");
    }
    // made at version 2, six ops ago; the window holds three
    var result = submit("b", 1, 2, ChangeKind.EDIT, "[{'p':['cells','c1','source',8],'si':'!'}]");
    assertThat(result).isInstanceOf(CanvasEntity.Applied.class);
    assertThat(((CanvasEntity.Applied) result).missed()).hasSize(6);
    assertThat(snapshot().data().at("/cells/c1/source").asText()).isEqualTo("aaaaaaSELECT 1!");
  }

  @Test
  void refusesAnOpThatBreaksTheSchemaAndKeepsTheDocument() {
    create();
    submit("a", 2, 1, ChangeKind.EDIT, ADD_CELL);
    var before = snapshot();
    var nullSnapshot = new CanvasEntity.Snapshot("c", 0, json("null"), null, null);
    assertThat(nullSnapshot.exists()).isFalse();
    var result =
        submit("a", 3, 2, ChangeKind.EDIT, "[{'p':['cells','c1','kind'],'od':'sql','oi':'bogus'}]");
    assertThat(result).isInstanceOf(CanvasEntity.Rejected.class);
    assertThat(((CanvasEntity.Rejected) result).code()).isEqualTo(CanvasError.ERR_CANVAS_INVALID);
    assertThat(((CanvasEntity.Rejected) result).message()).contains("kind must be one of");
    assertThat(snapshot()).isEqualTo(before);
    var noSource =
        submit("a", 4, 2, ChangeKind.EDIT, "[{'p':['cells','c1','source'],'od':'SELECT 1'}]");
    assertThat(((CanvasEntity.Rejected) noSource).message()).contains("source must be a string");
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void refusesMalformedAndMisplacedOps() {
    assertThat(submit("a", 1, 0, ChangeKind.EDIT, "[{'p':['title',0],'si':'x'}]"))
        .isEqualTo(
            new CanvasEntity.Rejected(
                CanvasError.ERR_DOC_DOES_NOT_EXIST, "Document does not exist"));
    create();
    var bad = submit("a", 2, 1, ChangeKind.EDIT, "[{'p':'title','si':5}]");
    assertThat(((CanvasEntity.Rejected) bad).code()).isEqualTo(CanvasError.ERR_OT_OP_BADLY_FORMED);
    var future = submit("a", 3, 9, ChangeKind.EDIT, "[]");
    assertThat(((CanvasEntity.Rejected) future).code())
        .isEqualTo(CanvasError.ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT);
    var subtype = submit("a", 4, 1, ChangeKind.EDIT, "[{'p':['title'],'t':'text0','o':[]}]");
    assertThat(((CanvasEntity.Rejected) subtype).message()).contains("subtype");
    var twice = submit("b", 1, 1, ChangeKind.CREATE, "{'title':'T','cells':{}}");
    assertThat(((CanvasEntity.Rejected) twice).code())
        .isEqualTo(CanvasError.ERR_DOC_ALREADY_CREATED);
    assertThat(snapshot().v()).isEqualTo(1);
  }

  @Test
  void recoversTheSameDocumentFromSnapshotAndEvents() {
    create();
    submit("a", 2, 1, ChangeKind.EDIT, ADD_CELL);
    for (int i = 0; i < 9; i++) {
      submit(
          "a", 3 + i, 2 + i, ChangeKind.EDIT, "[{'p':['cells','c1','source',0],'si':'" + i + "'}]");
    }
    var before = snapshot();
    canvas.restart();
    assertThat(snapshot()).isEqualTo(before);
    // and a stale op still transforms after recovery (its ops come from the journal)
    var result = submit("b", 1, 3, ChangeKind.EDIT, "[{'p':['title',1],'si':'!'}]");
    assertThat(result).isInstanceOf(CanvasEntity.Applied.class);
    assertThat(snapshot().data().path("title").asText()).isEqualTo("T!");
  }

  @Test
  void pushesEveryChangeToSubscribedFeedsInOrder() {
    TestProbe<CanvasEntity.Feed> feed = testKit.createTestProbe();
    create();
    canvas.runCommand(new CanvasEntity.Subscribe(feed.getRef()));
    var live = feed.expectMessageClass(CanvasEntity.Live.class);
    assertThat(live.v()).isEqualTo(1);
    submit("a", 2, 1, ChangeKind.EDIT, ADD_CELL);
    submit("a", 3, 2, ChangeKind.EDIT, "[{'p':['title',0],'si':'x'}]");
    assertThat(feed.expectMessageClass(CanvasEntity.Published.class).op().v()).isEqualTo(1);
    assertThat(feed.expectMessageClass(CanvasEntity.Published.class).op().v()).isEqualTo(2);
  }

  /** A canvas spawned directly, so that several commands can wait in its mailbox together. */
  ActorRef<CanvasEntity.Command> spawnCanvas(String id) {
    return testKit.spawn(
        CanvasEntity.create(
            id,
            CanvasEntity.Settings.from(testKit.system().settings().config()),
            (projectId, canvas, author, at, kind) ->
                editsReported.add(projectId + " " + canvas + " " + author + " " + kind)));
  }

  static CanvasEntity.Submit titleEdit(int i, TestProbe<Object> replies) {
    return new CanvasEntity.Submit(
        "w" + i,
        1,
        1,
        ChangeKind.EDIT,
        json("[{'p':['title',0],'si':'" + i + "'}]"),
        "tester",
        null,
        replies.getRef().narrow());
  }

  @Test
  void writesChangesThatArriveTogetherInOneBatchAndAnswersReadsAfterTheWrite() {
    String id = "batch-" + System.nanoTime();
    ActorRef<CanvasEntity.Command> entity = spawnCanvas(id);
    TestProbe<Object> replies = testKit.createTestProbe();
    entity.tell(
        new CanvasEntity.Submit(
            "a",
            1,
            0,
            ChangeKind.CREATE,
            json("{'title':'T','cells':{}}"),
            "tester",
            "p1",
            replies.getRef().narrow()));
    // Five edits, all made against version 1, and a read between them, sent in one go.
    for (int i = 0; i < 3; i++) entity.tell(titleEdit(i, replies));
    entity.tell(new CanvasEntity.GetSnapshot(replies.getRef().narrow()));
    for (int i = 3; i < 5; i++) entity.tell(titleEdit(i, replies));

    // The read waited for the write: it comes after the acknowledgements of every change sent
    // before it, and sees those changes. The two sent after it are in it only when they were
    // decided before the batch holding the earlier ones was written; which happens depends on
    // when the entity wrote, so the read may come before or after their acknowledgements.
    List<Object> answers = new ArrayList<>();
    for (int i = 0; i < 7; i++) answers.add(replies.receiveMessage());
    List<CanvasEntity.Applied> applied = new ArrayList<>();
    CanvasEntity.Snapshot read = null;
    for (Object answer : answers) {
      if (answer instanceof CanvasEntity.Snapshot snapshot) {
        // exactly the changes acknowledged before it
        assertThat(snapshot.v()).isEqualTo(applied.size());
        read = snapshot;
      } else {
        applied.add((CanvasEntity.Applied) answer);
      }
    }
    assertThat(applied.get(0).v()).isZero();
    for (int i = 0; i < 5; i++) {
      assertThat(applied.get(1 + i).v()).isEqualTo(1 + i);
      // transformed past the ones decided before it
      assertThat(applied.get(1 + i).missed()).hasSize(i);
    }
    assertThat(read).isNotNull();
    assertThat(read.v()).isBetween(4L, 6L);
    assertThat(read.data().path("title").asText()).hasSize((int) read.v());
    entity.tell(new CanvasEntity.GetSnapshot(replies.getRef().narrow()));
    var latest = (CanvasEntity.Snapshot) replies.receiveMessage();
    assertThat(latest.v()).isEqualTo(6);
    assertThat(latest.data().path("title").asText()).hasSize(6);

    // All of it was written: a fresh incarnation recovers the same document.
    testKit.stop(entity);
    ActorRef<CanvasEntity.Command> again = spawnCanvas(id);
    again.tell(new CanvasEntity.GetSnapshot(replies.getRef().narrow()));
    assertThat(replies.receiveMessage()).isEqualTo(latest);
  }

  @Test
  void acknowledgesNothingOfABatchWhoseWriteFails() {
    String id = "fail-" + System.nanoTime();
    ActorRef<CanvasEntity.Command> entity = spawnCanvas(id);
    TestProbe<Object> replies = testKit.createTestProbe();
    entity.tell(
        new CanvasEntity.Submit(
            "a",
            1,
            0,
            ChangeKind.CREATE,
            json("{'title':'T','cells':{}}"),
            "tester",
            "p1",
            replies.getRef().narrow()));
    replies.expectMessageClass(CanvasEntity.Applied.class);

    PersistenceTestKit.create(testKit.system()).failNextPersisted("Canvas|" + id);
    entity.tell(titleEdit(0, replies));
    replies.expectNoMessage();

    // The entity restarted from the journal: the edit is not there, and it can be sent again.
    var fresh = testKit.<Object>createTestProbe();
    entity.tell(new CanvasEntity.GetSnapshot(fresh.getRef().narrow()));
    var read = (CanvasEntity.Snapshot) fresh.receiveMessage();
    assertThat(read.v()).isEqualTo(1);
    assertThat(read.data().path("title").asText()).isEqualTo("T");
    entity.tell(titleEdit(0, fresh));
    assertThat(((CanvasEntity.Applied) fresh.receiveMessage()).v()).isEqualTo(1);
  }

  CanvasEntity.VersionResult versionCommand(
      java.util.function.Function<ActorRef<CanvasEntity.VersionResult>, CanvasEntity.Command>
          command) {
    TestProbe<CanvasEntity.VersionResult> probe = testKit.createTestProbe();
    canvas.runCommand(command.apply(probe.getRef()));
    return probe.receiveMessage();
  }

  NamedVersion named(CanvasEntity.VersionResult result) {
    assertThat(result).isInstanceOf(CanvasEntity.VersionDone.class);
    return ((CanvasEntity.VersionDone) result).named();
  }

  CanvasEntity.HistoryIndex index() {
    TestProbe<CanvasEntity.HistoryIndex> probe = testKit.createTestProbe();
    canvas.runCommand(new CanvasEntity.GetHistoryIndex(probe.getRef()));
    return probe.receiveMessage();
  }

  CanvasError refusal(CanvasEntity.VersionResult result) {
    assertThat(result).isInstanceOf(CanvasEntity.Rejected.class);
    return ((CanvasEntity.Rejected) result).code();
  }

  @Test
  void namesRenamesAndDeletesVersionsAndKeepsThemThroughRecovery() {
    assertThat(refusal(versionCommand(r -> new CanvasEntity.NameVersion(0, "Early", "", "ann", r))))
        .isEqualTo(CanvasError.ERR_DOC_DOES_NOT_EXIST);
    create();
    submit("a", 2, 1, ChangeKind.EDIT, ADD_CELL);
    NamedVersion first =
        named(versionCommand(r -> new CanvasEntity.NameVersion(1, " First ", "empty", "ann", r)));
    assertThat(first.version()).isEqualTo(1);
    assertThat(first.name()).isEqualTo("First");
    assertThat(first.author()).isEqualTo("ann");
    NamedVersion current =
        named(versionCommand(r -> new CanvasEntity.NameVersion(0, "With a cell", "", "bob", r)));
    assertThat(current.version()).isEqualTo(2);
    // a name is unique within the canvas; versions must exist; names must be sensible
    assertThat(refusal(versionCommand(r -> new CanvasEntity.NameVersion(2, "First", "", "x", r))))
        .isEqualTo(CanvasError.ERR_VERSION_NAME_TAKEN);
    assertThat(refusal(versionCommand(r -> new CanvasEntity.NameVersion(3, "Later", "", "x", r))))
        .isEqualTo(CanvasError.ERR_VERSION_INVALID);
    assertThat(refusal(versionCommand(r -> new CanvasEntity.NameVersion(-1, "Neg", "", "x", r))))
        .isEqualTo(CanvasError.ERR_VERSION_INVALID);
    assertThat(refusal(versionCommand(r -> new CanvasEntity.NameVersion(1, "  ", "", "x", r))))
        .isEqualTo(CanvasError.ERR_VERSION_INVALID);
    assertThat(
            refusal(
                versionCommand(r -> new CanvasEntity.NameVersion(1, "x".repeat(101), "", "x", r))))
        .isEqualTo(CanvasError.ERR_VERSION_INVALID);
    assertThat(
            refusal(
                versionCommand(
                    r -> new CanvasEntity.NameVersion(1, "ok", "d".repeat(2001), "x", r))))
        .isEqualTo(CanvasError.ERR_VERSION_INVALID);
    // rename (description kept), then change only the description
    NamedVersion renamed =
        named(
            versionCommand(
                r -> new CanvasEntity.UpdateVersion(first.versionId(), "Blank", null, "bob", r)));
    assertThat(renamed).isEqualTo(first.with("Blank", "empty"));
    assertThat(
            named(
                    versionCommand(
                        r ->
                            new CanvasEntity.UpdateVersion(
                                first.versionId(), null, "nothing yet", "bob", r)))
                .description())
        .isEqualTo("nothing yet");
    assertThat(
            refusal(
                versionCommand(
                    r ->
                        new CanvasEntity.UpdateVersion(
                            first.versionId(), "With a cell", null, "bob", r))))
        .isEqualTo(CanvasError.ERR_VERSION_NAME_TAKEN);
    assertThat(
            refusal(versionCommand(r -> new CanvasEntity.UpdateVersion("nope", "N", null, "b", r))))
        .isEqualTo(CanvasError.ERR_VERSION_NOT_FOUND);
    assertThat(
            named(versionCommand(r -> new CanvasEntity.DeleteVersion(current.versionId(), "b", r))))
        .isEqualTo(current);
    assertThat(
            refusal(
                versionCommand(r -> new CanvasEntity.DeleteVersion(current.versionId(), "b", r))))
        .isEqualTo(CanvasError.ERR_VERSION_NOT_FOUND);
    // naming changes no version; every naming event is a marker at the version it was written at
    CanvasEntity.HistoryIndex index = index();
    assertThat(index.version()).isEqualTo(2);
    assertThat(index.namedVersions()).containsExactly(first.with("Blank", "nothing yet"));
    assertThat(index.markers()).containsExactly(2L, 2L, 2L, 2L, 2L);
    assertThat(snapshot().v()).isEqualTo(2);
    // and a later op still lands at the next version
    assertThat(submit("a", 3, 2, ChangeKind.EDIT, "[{'p':['title',1],'si':'!'}]"))
        .isInstanceOf(CanvasEntity.Applied.class);
    canvas.restart();
    CanvasEntity.HistoryIndex recovered = index();
    assertThat(recovered.namedVersions()).isEqualTo(index.namedVersions());
    assertThat(recovered.markers()).isEqualTo(index.markers());
    assertThat(recovered.version()).isEqualTo(3);
  }

  @Test
  void readsEveryPastVersionFromTheNearestSnapshotAndKeepsEverySnapshot() throws Exception {
    // snapshot-every = 4: with names written in between, snapshots land at several versions
    create();
    List<JsonNode> documents = new ArrayList<>();
    documents.add(null); // version 0: no canvas yet
    documents.add(snapshot().data());
    submit("a", 2, 1, ChangeKind.EDIT, ADD_CELL);
    documents.add(snapshot().data());
    for (int i = 0; i < 14; i++) {
      if (i % 3 == 0) {
        int n = i;
        named(versionCommand(r -> new CanvasEntity.NameVersion(0, "v" + n, "", "ann", r)));
      }
      submit(
          "a", 3 + i, 2 + i, ChangeKind.EDIT, "[{'p':['cells','c1','source',0],'si':'" + i + "'}]");
      documents.add(snapshot().data());
    }
    assertThat(submit("a", 20, 16, ChangeKind.DELETE, null))
        .isInstanceOf(CanvasEntity.Applied.class);
    documents.add(null);
    CanvasEntity.HistoryIndex index = index();
    assertThat(index.version()).isEqualTo(17);
    String persistenceId = PersistenceId.of(CanvasEntity.KEY.name(), canvasId).id();
    // every snapshot taken is still there
    var snapshots =
        canvas.snapshotTestKit().orElseThrow().persistedInStorage(persistenceId).stream()
            .map(pair -> pair.first().sequenceNr())
            .toList();
    assertThat(snapshots).containsExactly(4L, 8L, 12L, 16L, 20L);
    PastDocuments past = new PastDocuments(testKit.system());
    CanvasHistory history =
        new CanvasHistory(
            testKit.system(), PersistenceTestKitReadJournal.Identifier(), DocumentKind.CANVAS);
    for (long v = 1; v <= 17; v++) {
      // straight from the snapshot and the events after it, never the fallback
      CanvasHistory.DocumentAt fast =
          past.read(persistenceId, index, v).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(fast.version()).as("version %d", v).isEqualTo(v);
      assertThat(fast.data()).as("version %d", v).isEqualTo(documents.get((int) v));
      // the same as replaying the whole history
      assertThat(
              history.documentAt(canvasId, v, -1).toCompletableFuture().get(10, TimeUnit.SECONDS))
          .isEqualTo(fast);
    }
    // an index that does not match the journal is refused, not answered wrongly
    CanvasEntity.HistoryIndex wrong =
        new CanvasEntity.HistoryIndex(canvasId, 17, false, "p1", List.of(), List.of());
    assertThat(past.read(persistenceId, wrong, 9).toCompletableFuture())
        .failsWithin(10, TimeUnit.SECONDS);
    // and then the whole history is replayed instead
    assertThat(
            history
                .documentAt(canvasId, 9, wrong)
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS)
                .data())
        .isEqualTo(documents.get(9));
  }

  @Test
  void groupsTheTimelineIntoSessionsInPages() throws Exception {
    create();
    submit("a", 2, 1, ChangeKind.EDIT, ADD_CELL, "ann");
    submit("a", 3, 2, ChangeKind.EDIT, "[{'p':['title',1],'si':'!'}]", "bob");
    submit("a", 4, 3, ChangeKind.EDIT, "[{'p':['cells','c1','source',0],'si':'x'}]", "ann");
    CanvasHistory history =
        new CanvasHistory(
            testKit.system(), PersistenceTestKitReadJournal.Identifier(), DocumentKind.CANVAS);
    // one session: everything within the gap
    CanvasHistory.TimelinePage all =
        history.timeline(canvasId, 4, 10, Duration.ofHours(1)).toCompletableFuture().get();
    assertThat(all.nextBefore()).isEqualTo(-1);
    assertThat(all.sessions()).hasSize(1);
    EditSession session = all.sessions().get(0);
    assertThat(session.fromVersion()).isZero();
    assertThat(session.toVersion()).isEqualTo(4);
    assertThat(session.changes()).isEqualTo(4);
    assertThat(session.authors()).containsExactly("ann", "bob", "tester");
    assertThat(session.cells()).containsExactly("c1");
    assertThat(session.titleChanged()).isTrue();
    assertThat(session.created()).isTrue();
    assertThat(session.deleted()).isFalse();
    // a gap shorter than any pause: every change its own session, paged newest first
    Duration none = Duration.ofNanos(-1);
    List<Long> seen = new ArrayList<>();
    long before = 4;
    while (before > 0) {
      CanvasHistory.TimelinePage page =
          history.timeline(canvasId, before, 3, none).toCompletableFuture().get();
      assertThat(page.sessions()).hasSizeLessThanOrEqualTo(3);
      for (EditSession one : page.sessions()) seen.add(one.fromVersion());
      before = page.nextBefore();
    }
    assertThat(seen).containsExactly(3L, 2L, 1L, 0L);
  }
}
