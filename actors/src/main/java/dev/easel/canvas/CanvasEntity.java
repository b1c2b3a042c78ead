package dev.easel.canvas;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.easel.CborSerializable;
import dev.easel.Entities;
import dev.easel.ot.Json0;
import dev.easel.ot.Json0Exception;
import dev.easel.project.ProjectEntity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * One canvas: the single writer and sequencer of its json0 document. Every change arrives as a
 * {@link Submit}, is transformed against the changes that landed since the version it was made
 * against (exactly as ShareDB does), checked against {@link CanvasSchema}, persisted as an event,
 * acknowledged, and pushed to every subscribed {@link Feed} in version order.
 *
 * <p>Changes are written in batches: each is decided (transformed, checked, applied to the document
 * in memory) as it arrives, and the changes that arrive while one write is in progress go into the
 * next write together, as one atomic journal write. Acknowledgements and publications are sent only
 * once their change is written; reads of the document wait for the write, so nobody sees a change
 * that is not yet durable.
 *
 * <p>A canvas in a project tells the project who edited it ({@link EditListener}), at most once per
 * author per {@code easel.projects.activity-edit-interval}, for the project's activity feed.
 */
public final class CanvasEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        CanvasEntity.Command, CanvasEntity.Event, CanvasEntity.State> {

  /** The canvases ({@link DocumentKind#CANVAS}). */
  public static final EntityTypeKey<Command> KEY = DocumentKind.CANVAS.key();

  /** The run-state documents of canvases ({@link DocumentKind#RUNS}). */
  public static final EntityTypeKey<Command> RUNS_KEY = DocumentKind.RUNS.key();

  /** The ShareDB type names that mean json0. */
  public static final Set<String> JSON0_TYPES = Set.of("json0", "http://sharejs.org/types/JSONv0");

  // ---- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /**
   * Apply a change made against version {@code v} ({@code -1}: against the current version), from
   * client {@code src} with its sequence number {@code seq}. A create names the project the canvas
   * belongs to ({@code projectId}; null for none); other changes leave it null.
   */
  public record Submit(
      String src,
      long seq,
      long v,
      ChangeKind kind,
      JsonNode body,
      String author,
      String projectId,
      ActorRef<SubmitResult> replyTo)
      implements Command {}

  /** Reply with the current document. */
  public record GetSnapshot(ActorRef<Snapshot> replyTo) implements Command {}

  /** Push every change from now on to {@code feed}, starting with a {@link Live} message. */
  public record Subscribe(ActorRef<Feed> feed) implements Command {}

  /** Stop pushing changes to {@code feed}. */
  public record Unsubscribe(ActorRef<Feed> feed) implements Command {}

  /** Internal: a subscribed feed stopped. */
  record FeedStopped(ActorRef<Feed> feed) implements Command {}

  /** Internal: ops older than the in-memory window were read back from the journal. */
  record HistoryLoaded(Submit submit, List<CanvasOp> ops, String failure) implements Command {}

  /** Internal: write the changes decided since the last write. */
  record WriteBatch() implements Command {}

  /**
   * Give version {@code version} ({@code 0}: the current one) a name and a description, as {@code
   * author}.
   */
  public record NameVersion(
      long version, String name, String description, String author, ActorRef<VersionResult> replyTo)
      implements Command {}

  /**
   * Rename named version {@code versionId} and/or change its description; a null {@code name} or
   * {@code description} keeps the one it has.
   */
  public record UpdateVersion(
      String versionId,
      String name,
      String description,
      String author,
      ActorRef<VersionResult> replyTo)
      implements Command {}

  /** Remove the name of named version {@code versionId} (the version itself stays). */
  public record DeleteVersion(String versionId, String author, ActorRef<VersionResult> replyTo)
      implements Command {}

  /** Reply with what a reader of the canvas's history needs: {@link HistoryIndex}. */
  public record GetHistoryIndex(ActorRef<HistoryIndex> replyTo) implements Command {}

  // ---- replies --------------------------------------------------------------------------------

  /** The outcome of a {@link Submit}. */
  public sealed interface SubmitResult extends CborSerializable {}

  /**
   * Applied at version {@code v} as {@code applied} (the op after transformation). {@code missed}
   * are the changes the submitter had not seen, which it was transformed against; a submitter must
   * learn of them before the acknowledgement.
   */
  public record Applied(long v, JsonNode applied, List<CanvasOp> missed) implements SubmitResult {}

  /**
   * The same {@code (src, seq)} was applied before, at version {@code v}: acknowledge again, after
   * {@code missed}, the changes between the version the resubmission was made against and {@code
   * v}.
   */
  public record AlreadyApplied(long v, List<CanvasOp> missed) implements SubmitResult {}

  /** Refused: nothing was changed or persisted. */
  public record Rejected(CanvasError code, String message) implements SubmitResult, VersionResult {}

  /** The outcome of {@link NameVersion}, {@link UpdateVersion} or {@link DeleteVersion}. */
  public sealed interface VersionResult extends CborSerializable {}

  /** Done: the named version as it is now (for a delete: as it was). */
  public record VersionDone(NamedVersion named) implements VersionResult {}

  /**
   * The written state of a canvas's history: its current {@code version}, whether it exists now,
   * its named versions (oldest first) and {@code markers}, the version the canvas was at when each
   * event that changes no version (naming one, say) was written, in order. An event's sequence
   * number in the journal is one more than the events before it, so the document at version {@code
   * v} is the state after sequence number {@code v + (markers <= v - 1)}.
   */
  public record HistoryIndex(
      String canvasId,
      long version,
      boolean exists,
      String projectId,
      List<NamedVersion> namedVersions,
      List<Long> markers)
      implements CborSerializable {
    public HistoryIndex {
      namedVersions = namedVersions == null ? List.of() : List.copyOf(namedVersions);
      markers = markers == null ? List.of() : List.copyOf(markers);
    }

    /** The journal sequence number after which the document is at {@code version} (>= 1). */
    public long sequenceNrOf(long version) {
      long before = 0;
      for (long marker : markers) if (marker <= version - 1) before++;
      return version + before;
    }
  }

  /**
   * The current document; {@code data} is null when the canvas does not exist (yet, or now). {@code
   * projectId} is the project it was created in (null for none).
   */
  public record Snapshot(
      String canvasId, long v, JsonNode data, Instant createdAt, String projectId)
      implements CborSerializable {
    public Snapshot {
      data = CanvasOp.absentIfNull(data);
    }

    public boolean exists() {
      return data != null;
    }
  }

  /** What a canvas pushes to a subscribed feed. */
  public sealed interface Feed extends CborSerializable {}

  /**
   * The subscription is live: every change at version {@code v} and later will follow, in order.
   * {@code canvas} stops when the entity stops (passivation, rebalance), after which the feed must
   * subscribe again.
   */
  public record Live(String canvasId, long v, ActorRef<Command> canvas) implements Feed {}

  /** A change was applied. */
  public record Published(String canvasId, CanvasOp op) implements Feed {}

  // ---- events ---------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {}

  /** An event that changes the document and moves it to the next version. */
  public sealed interface Change extends Event {
    long v();

    /** This event as the change it records. */
    CanvasOp toOp();
  }

  /**
   * The canvas was created at version {@code v} with document {@code data}, in project {@code
   * projectId} (null for none).
   */
  public record CanvasCreated(
      long v, String src, long seq, JsonNode data, String author, Instant at, String projectId)
      implements Change {
    @Override
    public CanvasOp toOp() {
      return new CanvasOp(v, src, seq, ChangeKind.CREATE, data, author, at);
    }
  }

  /** A json0 op (already transformed) was applied at version {@code v}. */
  public record OpApplied(long v, String src, long seq, JsonNode op, String author, Instant at)
      implements Change {
    @Override
    public CanvasOp toOp() {
      return new CanvasOp(v, src, seq, ChangeKind.EDIT, op, author, at);
    }
  }

  /** The canvas was deleted at version {@code v}. */
  public record CanvasDeleted(long v, String src, long seq, String author, Instant at)
      implements Change {
    @Override
    public CanvasOp toOp() {
      return new CanvasOp(v, src, seq, ChangeKind.DELETE, null, author, at);
    }
  }

  /** A version of the canvas was given a name ({@link NamedVersion#at()}: when). */
  public record VersionNamed(NamedVersion named) implements Event {}

  /** Named version {@code versionId} now has this name and description. */
  public record VersionUpdated(
      String versionId, String name, String description, String author, Instant at)
      implements Event {}

  /** Named version {@code versionId} lost its name. */
  public record VersionNameDeleted(String versionId, String author, Instant at) implements Event {}

  // ---- state ----------------------------------------------------------------------------------

  /**
   * The live document (json0 document model, mutated in place so that a keystroke costs little),
   * its version, and the most recent ops. Not shared outside the entity.
   */
  public static final class State {
    Object doc;
    long version;
    Instant createdAt;
    String projectId;
    final ArrayDeque<CanvasOp> recent = new ArrayDeque<>();

    /** The named versions by id, oldest first. */
    final Map<String, NamedVersion> namedVersions = new LinkedHashMap<>();

    /** See {@link HistoryIndex#markers()}. */
    final List<Long> markers = new ArrayList<>();

    /**
     * Events whose change the command handler has already applied to {@link #doc} while deciding
     * them, so the event handler does not apply them twice. Empty during recovery.
     */
    final Set<Event> preApplied = Collections.newSetFromMap(new IdentityHashMap<>());

    boolean exists() {
      return doc != null;
    }
  }

  /** What a snapshot of a canvas holds. */
  public record CanvasSnapshot(
      long version,
      JsonNode data,
      Instant createdAt,
      String projectId,
      List<NamedVersion> namedVersions,
      List<Long> markers)
      implements CborSerializable {
    public CanvasSnapshot {
      data = CanvasOp.absentIfNull(data);
      // snapshots written before named versions existed have neither
      namedVersions = namedVersions == null ? List.of() : List.copyOf(namedVersions);
      markers = markers == null ? List.of() : List.copyOf(markers);
    }
  }

  /**
   * Settings from {@code easel.canvas}, and from {@code easel.projects} how often an author's edits
   * are reported to the project.
   */
  public record Settings(
      int snapshotEvery, int opWindow, String readJournal, Duration editReportInterval) {
    public static Settings from(Config config) {
      Config c = config.getConfig("easel.canvas");
      return new Settings(
          c.getInt("snapshot-every"),
          c.getInt("op-window"),
          c.getString("read-journal"),
          config.getDuration("easel.projects.activity-edit-interval"));
    }
  }

  /**
   * Hears that {@code author} changed canvas {@code canvasId} of project {@code projectId}: edited
   * it ({@link ChangeKind#EDIT}, at most once per author and report interval) or deleted it ({@link
   * ChangeKind#DELETE}).
   */
  @FunctionalInterface
  public interface EditListener {
    void changed(String projectId, String canvasId, String author, Instant at, ChangeKind kind);
  }

  /**
   * Hears every change of a canvas in project {@code projectId} once it is written, in version
   * order: how the canvas's cell runner follows its cells.
   */
  @FunctionalInterface
  public interface ChangeListener {
    void written(String projectId, String canvasId, CanvasOp op);

    /** Hears nothing. */
    ChangeListener NONE = (projectId, canvasId, op) -> {};
  }

  // ---- wiring ---------------------------------------------------------------------------------

  private final DocumentKind kind;
  private final String canvasId;
  private final ActorContext<Command> context;
  private final Settings settings;
  private final CanvasHistory history;
  private final Set<ActorRef<Feed>> feeds = new HashSet<>();
  private final EditListener editListener;
  private final ChangeListener changeListener;

  /** Decided changes, already in the document, not yet written: the next write. */
  private final List<Change> batch = new ArrayList<>();

  /** What to send once the batch is written: publications and replies, in order. */
  private final List<Runnable> afterWrite = new ArrayList<>();

  /** When each author's edits were last reported to the project (while this incarnation lives). */
  private final Map<String, Instant> editsReported = new HashMap<>();

  /**
   * Starts sharding for canvases and their run-state documents on nodes with the {@code core} role;
   * edits are reported to the canvas's {@link ProjectEntity}, and every written change of a canvas
   * to {@code changes} (its cell runner).
   */
  public static void init(ActorSystem<?> system, ChangeListener changes) {
    Settings settings = Settings.from(system.settings().config());
    ClusterSharding sharding = ClusterSharding.get(system);
    EditListener toProject =
        (projectId, canvasId, author, at, kind) -> {
          var project = sharding.entityRefFor(ProjectEntity.KEY, projectId);
          if (kind == ChangeKind.DELETE) {
            // the canvas leaves the project's catalog; the project records who removed it
            project.tell(
                new ProjectEntity.RemoveCanvas(canvasId, author, null, system.ignoreRef()));
          } else {
            project.tell(new ProjectEntity.RecordCanvasEdit(canvasId, author, at));
          }
        };
    Entities.shardOnCore(
        system, KEY, id -> create(DocumentKind.CANVAS, id, settings, toProject, changes));
    Entities.shardOnCore(
        system,
        RUNS_KEY,
        id ->
            create(
                DocumentKind.RUNS,
                id,
                settings,
                (projectId, canvasId, author, at, kind) -> {},
                ChangeListener.NONE));
  }

  /** A canvas whose edits go to {@code editListener}. */
  public static Behavior<Command> create(
      String canvasId, Settings settings, EditListener editListener) {
    return create(DocumentKind.CANVAS, canvasId, settings, editListener, ChangeListener.NONE);
  }

  public static Behavior<Command> create(
      DocumentKind kind,
      String canvasId,
      Settings settings,
      EditListener editListener,
      ChangeListener changeListener) {
    return Behaviors.setup(
        context ->
            new CanvasEntity(kind, canvasId, context, settings, editListener, changeListener));
  }

  private CanvasEntity(
      DocumentKind kind,
      String canvasId,
      ActorContext<Command> context,
      Settings settings,
      EditListener editListener,
      ChangeListener changeListener) {
    super(PersistenceId.of(kind.key().name(), canvasId), Entities.restartWithBackoff());
    this.kind = kind;
    this.canvasId = canvasId;
    this.context = context;
    this.settings = settings;
    this.editListener = editListener;
    this.changeListener = changeListener;
    this.history = new CanvasHistory(context.getSystem(), settings.readJournal(), kind);
  }

  @Override
  public State emptyState() {
    return new State();
  }

  /**
   * A snapshot every {@code snapshot-every} events, and all of them are kept: the document at any
   * past version is read from the nearest snapshot before it plus the events after it ({@link
   * PastDocuments}).
   */
  @Override
  public boolean shouldSnapshot(State state, Event event, long sequenceNr) {
    return sequenceNr % settings.snapshotEvery() == 0;
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return kind == DocumentKind.CANVAS ? Entities.tag("canvas", canvasId) : Set.of();
  }

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(State state) {
        return new CanvasSnapshot(
            state.version,
            state.exists() ? Json0.toJson(state.doc) : null,
            state.createdAt,
            state.projectId,
            List.copyOf(state.namedVersions.values()),
            state.markers);
      }

      @Override
      public State fromJournal(Object from) {
        CanvasSnapshot snapshot = (CanvasSnapshot) from;
        State state = new State();
        state.version = snapshot.version();
        state.doc = snapshot.data() == null ? null : Json0.fromJson(snapshot.data());
        state.createdAt = snapshot.createdAt();
        state.projectId = snapshot.projectId();
        for (NamedVersion named : snapshot.namedVersions()) {
          state.namedVersions.put(named.versionId(), named);
        }
        state.markers.addAll(snapshot.markers());
        return state;
      }
    };
  }

  // ---- commands -------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Submit.class, this::onSubmit)
        .onCommand(HistoryLoaded.class, this::onHistoryLoaded)
        .onCommand(WriteBatch.class, (state, cmd) -> writeBatch())
        .onCommand(GetSnapshot.class, this::onGetSnapshot)
        .onCommand(Subscribe.class, this::onSubscribe)
        .onCommand(Unsubscribe.class, (state, cmd) -> removeFeed(cmd.feed()))
        .onCommand(FeedStopped.class, (state, cmd) -> removeFeed(cmd.feed()))
        .onCommand(NameVersion.class, this::onNameVersion)
        .onCommand(UpdateVersion.class, this::onUpdateVersion)
        .onCommand(DeleteVersion.class, this::onDeleteVersion)
        .onCommand(GetHistoryIndex.class, this::onGetHistoryIndex)
        .build();
  }

  private ReplyEffect<Event, State> onSubmit(State state, Submit submit) {
    long head = head(state);
    long v = submit.v() < 0 ? head : submit.v();
    if (v > head) {
      return reject(
          submit,
          CanvasError.ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT,
          "Invalid op submitted. Op version " + v + " is newer than the canvas (" + head + ")");
    }
    List<CanvasOp> missed = changesSince(state, v);
    if (missed == null) {
      // Older than the window: read the missing ops back from the journal first.
      long upTo = state.version;
      context.pipeToSelf(
          history.ops(canvasId, v, upTo),
          (ops, failure) ->
              new HistoryLoaded(
                  submit, ops, failure == null ? null : String.valueOf(failure.getMessage())));
      return Effect().noReply();
    }
    return sequence(state, submit, v, missed);
  }

  private ReplyEffect<Event, State> onHistoryLoaded(State state, HistoryLoaded loaded) {
    Submit submit = loaded.submit();
    long v = submit.v();
    if (loaded.failure() != null) {
      return reject(
          submit,
          CanvasError.ERR_SUBMIT_TRANSFORM_OPS_NOT_FOUND,
          "Op submit failed: could not read ops since version " + v + ": " + loaded.failure());
    }
    List<CanvasOp> missed = new ArrayList<>(loaded.ops());
    long next = missed.isEmpty() ? v : missed.get(missed.size() - 1).v() + 1;
    if (next < head(state)) {
      List<CanvasOp> rest = changesSince(state, next);
      if (rest == null) return onSubmit(state, submit); // the window moved on meanwhile: read again
      missed.addAll(rest);
    }
    if (missed.size() != head(state) - v) {
      return reject(
          submit,
          CanvasError.ERR_SUBMIT_TRANSFORM_OPS_NOT_FOUND,
          "Op submit failed. Journal is missing ops needed to transform it from version " + v);
    }
    return sequence(state, submit, v, missed);
  }

  /** The version the next decided change gets: after the written ones and the batch. */
  private long head(State state) {
    return state.version + batch.size();
  }

  /**
   * The changes at versions {@code v} and later, written (from the window) or decided, or null if
   * the window starts later.
   */
  private List<CanvasOp> changesSince(State state, long v) {
    long head = head(state);
    if (v == head) return List.of();
    if (v >= state.version) {
      return batch.subList((int) (v - state.version), batch.size()).stream()
          .map(Change::toOp)
          .toList();
    }
    CanvasOp oldest = state.recent.peekFirst();
    if (oldest == null || oldest.v() > v) return null;
    List<CanvasOp> ops = new ArrayList<>((int) (head - v));
    for (CanvasOp op : state.recent) {
      if (op.v() >= v) ops.add(op);
    }
    for (Change event : batch) ops.add(event.toOp());
    return ops;
  }

  /** Transforms the submitted change past {@code missed}, checks it, persists it. */
  private ReplyEffect<Event, State> sequence(
      State state, Submit submit, long v, List<CanvasOp> missed) {
    JsonNode body = submit.body();
    if (submit.kind() == ChangeKind.EDIT) {
      try {
        body = Json0.normalize(body);
        Json0.checkValidOp(body);
      } catch (Json0Exception | IllegalArgumentException e) {
        return reject(submit, CanvasError.ERR_OT_OP_BADLY_FORMED, e.getMessage());
      }
    }
    for (int i = 0; i < missed.size(); i++) {
      CanvasOp applied = missed.get(i);
      if (submit.src() != null
          && !submit.src().isEmpty()
          && submit.src().equals(applied.src())
          && submit.seq() == applied.seq()) {
        return reply(
            submit.replyTo(), new AlreadyApplied(applied.v(), List.copyOf(missed.subList(0, i))));
      }
      if (applied.kind() == ChangeKind.DELETE) {
        if (submit.kind() != ChangeKind.DELETE) {
          return reject(submit, CanvasError.ERR_DOC_WAS_DELETED, "Document was deleted");
        }
      } else if (applied.kind() == ChangeKind.CREATE || submit.kind() == ChangeKind.CREATE) {
        return reject(submit, CanvasError.ERR_DOC_ALREADY_CREATED, "Document was created remotely");
      } else if (submit.kind() == ChangeKind.EDIT) {
        try {
          body = Json0.transform(body, applied.body(), "left");
        } catch (Json0Exception e) {
          return reject(submit, CanvasError.ERR_OT_OP_NOT_APPLIED, e.getMessage());
        }
      }
    }
    Instant now = Instant.now();
    long at = head(state);
    Change event;
    switch (submit.kind()) {
      case CREATE -> {
        if (state.exists()) {
          return reject(submit, CanvasError.ERR_DOC_ALREADY_CREATED, "Document already exists");
        }
        String problem = kind.check(Json0.fromJson(body));
        if (problem != null) return reject(submit, CanvasError.ERR_CANVAS_INVALID, problem);
        event =
            new CanvasCreated(
                at, submit.src(), submit.seq(), body, submit.author(), now, submit.projectId());
        state.doc = Json0.fromJson(body);
      }
      case DELETE -> {
        if (!state.exists()) {
          return reject(submit, CanvasError.ERR_DOC_DOES_NOT_EXIST, "Document does not exist");
        }
        event = new CanvasDeleted(at, submit.src(), submit.seq(), submit.author(), now);
        state.doc = null;
      }
      case EDIT -> {
        if (!state.exists()) {
          return reject(submit, CanvasError.ERR_DOC_DOES_NOT_EXIST, "Document does not exist");
        }
        Json0.Applied applied;
        try {
          applied = Json0.applyWithUndo(state.doc, body);
        } catch (Json0Exception e) {
          return reject(submit, CanvasError.ERR_OT_OP_NOT_APPLIED, e.getMessage());
        }
        String problem = kind.check(applied.root(), touchedPaths(body));
        if (problem != null) {
          state.doc = Json0.apply(applied.root(), applied.undo());
          return reject(submit, CanvasError.ERR_CANVAS_INVALID, problem);
        }
        state.doc = applied.root();
        event = new OpApplied(at, submit.src(), submit.seq(), body, submit.author(), now);
      }
      default -> throw new IllegalStateException("unknown change kind " + submit.kind());
    }
    // The change is already in the document: the event handler only records it. If the write
    // fails the entity restarts and rebuilds the document from the journal.
    state.preApplied.add(event);
    if (batch.isEmpty()) context.getSelf().tell(new WriteBatch());
    batch.add(event);
    Applied result = new Applied(at, body, missed);
    afterWrite.add(
        () -> {
          CanvasOp op = event.toOp();
          publish(op);
          String projectId = event instanceof CanvasCreated c ? c.projectId() : state.projectId;
          if (projectId != null) changeListener.written(projectId, canvasId, op);
          if (event instanceof OpApplied) reportEdit(state, submit.author(), now);
          if (event instanceof CanvasDeleted && state.projectId != null) {
            editListener.changed(
                state.projectId, canvasId, submit.author(), now, ChangeKind.DELETE);
          }
          submit.replyTo().tell(result);
        });
    return Effect().noReply();
  }

  /**
   * Writes the batch as one atomic journal write, then publishes and acknowledges its changes and
   * answers the reads that waited for it.
   */
  private ReplyEffect<Event, State> writeBatch() {
    if (batch.isEmpty()) return Effect().noReply();
    List<Event> events = List.copyOf(batch);
    List<Runnable> tells = List.copyOf(afterWrite);
    batch.clear();
    afterWrite.clear();
    return Effect()
        .persist(events)
        .thenRun(written -> tells.forEach(Runnable::run))
        .thenNoReply()
        .thenUnstashAll();
  }

  /** Replies now, or after the batch is written when changes are waiting, to keep the order. */
  private <R> ReplyEffect<Event, State> reply(ActorRef<R> replyTo, R result) {
    if (batch.isEmpty()) return Effect().reply(replyTo, result);
    afterWrite.add(() -> replyTo.tell(result));
    return Effect().noReply();
  }

  /** Tells the project that {@code author} edited, unless it was told so within the interval. */
  private void reportEdit(State state, String author, Instant at) {
    if (state.projectId == null || author == null || author.isBlank()) return;
    Instant last = editsReported.get(author);
    if (last != null && at.isBefore(last.plus(settings.editReportInterval()))) return;
    editsReported.put(author, at);
    editListener.changed(state.projectId, canvasId, author, at, ChangeKind.EDIT);
  }

  private static List<List<Object>> touchedPaths(JsonNode op) {
    List<List<Object>> paths = new ArrayList<>(op.size());
    for (JsonNode component : op) {
      List<Object> path = new ArrayList<>();
      for (JsonNode key : component.path("p")) {
        path.add(key.isNumber() ? (Object) key.intValue() : key.asText());
      }
      if (component.has("lm") && !path.isEmpty()) {
        // a move touches the list that holds both ends
        path.remove(path.size() - 1);
      }
      paths.add(path);
    }
    return paths;
  }

  private ReplyEffect<Event, State> reject(Submit submit, CanvasError code, String message) {
    return reply(submit.replyTo(), new Rejected(code, message));
  }

  private ReplyEffect<Event, State> onGetSnapshot(State state, GetSnapshot get) {
    // The document holds the decided changes of the batch: answer once they are written.
    if (!batch.isEmpty()) return Effect().stash();
    return Effect()
        .reply(
            get.replyTo(),
            new Snapshot(
                canvasId,
                state.version,
                state.exists() ? Json0.toJson(state.doc) : null,
                state.createdAt,
                state.projectId));
  }

  // ---- named versions and history --------------------------------------------------------------

  private ReplyEffect<Event, State> onNameVersion(State state, NameVersion command) {
    // Versions count written changes only: decide once the batch is written.
    if (!batch.isEmpty()) return Effect().stash();
    if (!state.exists()) {
      return Effect()
          .reply(
              command.replyTo(),
              new Rejected(CanvasError.ERR_DOC_DOES_NOT_EXIST, "Document does not exist"));
    }
    long version = command.version() == 0 ? state.version : command.version();
    String problem =
        NamedVersion.problem(version, state.version, command.name(), command.description());
    if (problem == null && state.namedVersions.size() >= NamedVersion.MOST_PER_CANVAS) {
      problem = "a canvas has at most " + NamedVersion.MOST_PER_CANVAS + " named versions";
    }
    if (problem != null) {
      return Effect()
          .reply(command.replyTo(), new Rejected(CanvasError.ERR_VERSION_INVALID, problem));
    }
    String name = command.name().strip();
    if (NamedVersion.taken(name, null, state.namedVersions)) {
      return Effect()
          .reply(
              command.replyTo(),
              new Rejected(
                  CanvasError.ERR_VERSION_NAME_TAKEN,
                  "this canvas already has a version named '" + name + "'"));
    }
    NamedVersion named =
        new NamedVersion(
            NamedVersion.newId(),
            version,
            name,
            command.description() == null ? "" : command.description(),
            command.author(),
            Instant.now());
    return Effect()
        .persist(new VersionNamed(named))
        .thenReply(command.replyTo(), s -> new VersionDone(named));
  }

  private ReplyEffect<Event, State> onUpdateVersion(State state, UpdateVersion command) {
    NamedVersion named = state.namedVersions.get(command.versionId());
    if (named == null) return versionNotFound(command.versionId(), command.replyTo());
    String name = command.name() == null ? named.name() : command.name();
    String description =
        command.description() == null ? named.description() : command.description();
    String problem = NamedVersion.problem(named.version(), state.version, name, description);
    if (problem != null) {
      return Effect()
          .reply(command.replyTo(), new Rejected(CanvasError.ERR_VERSION_INVALID, problem));
    }
    String stripped = name.strip();
    if (NamedVersion.taken(stripped, named.versionId(), state.namedVersions)) {
      return Effect()
          .reply(
              command.replyTo(),
              new Rejected(
                  CanvasError.ERR_VERSION_NAME_TAKEN,
                  "this canvas already has a version named '" + stripped + "'"));
    }
    return Effect()
        .persist(
            new VersionUpdated(
                named.versionId(), stripped, description, command.author(), Instant.now()))
        .thenReply(command.replyTo(), s -> new VersionDone(s.namedVersions.get(named.versionId())));
  }

  private ReplyEffect<Event, State> onDeleteVersion(State state, DeleteVersion command) {
    NamedVersion named = state.namedVersions.get(command.versionId());
    if (named == null) return versionNotFound(command.versionId(), command.replyTo());
    return Effect()
        .persist(new VersionNameDeleted(named.versionId(), command.author(), Instant.now()))
        .thenReply(command.replyTo(), s -> new VersionDone(named));
  }

  private ReplyEffect<Event, State> versionNotFound(
      String versionId, ActorRef<VersionResult> replyTo) {
    return Effect()
        .reply(
            replyTo,
            new Rejected(
                CanvasError.ERR_VERSION_NOT_FOUND,
                "this canvas has no named version " + versionId));
  }

  private ReplyEffect<Event, State> onGetHistoryIndex(State state, GetHistoryIndex get) {
    if (!batch.isEmpty()) return Effect().stash();
    return Effect()
        .reply(
            get.replyTo(),
            new HistoryIndex(
                canvasId,
                state.version,
                state.exists(),
                state.projectId,
                List.copyOf(state.namedVersions.values()),
                state.markers));
  }

  private ReplyEffect<Event, State> onSubscribe(State state, Subscribe subscribe) {
    if (feeds.add(subscribe.feed())) {
      context.watchWith(subscribe.feed(), new FeedStopped(subscribe.feed()));
    }
    subscribe.feed().tell(new Live(canvasId, state.version, context.getSelf()));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> removeFeed(ActorRef<Feed> feed) {
    if (feeds.remove(feed)) context.unwatch(feed);
    return Effect().noReply();
  }

  private void publish(CanvasOp op) {
    Published published = new Published(canvasId, op);
    for (ActorRef<Feed> feed : feeds) feed.tell(published);
  }

  // ---- events ---------------------------------------------------------------------------------

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onAnyEvent(
            (state, event) -> {
              if (event instanceof Change change) return onChange(state, change);
              state.markers.add(state.version);
              switch (event) {
                case VersionNamed named ->
                    state.namedVersions.put(named.named().versionId(), named.named());
                case VersionUpdated updated ->
                    state.namedVersions.computeIfPresent(
                        updated.versionId(),
                        (id, named) -> named.with(updated.name(), updated.description()));
                case VersionNameDeleted deleted -> state.namedVersions.remove(deleted.versionId());
                case Change change -> throw new IllegalStateException("handled above");
              }
              return state;
            });
  }

  private State onChange(State state, Change event) {
    boolean preApplied = state.preApplied.remove(event);
    switch (event) {
      case CanvasCreated created -> {
        if (!preApplied) state.doc = Json0.fromJson(created.data());
        state.createdAt = created.at();
        state.projectId = created.projectId();
      }
      case OpApplied applied -> {
        if (!preApplied) state.doc = Json0.apply(state.doc, applied.op());
      }
      case CanvasDeleted deleted -> state.doc = null;
    }
    state.version = event.v() + 1;
    state.recent.addLast(event.toOp());
    while (state.recent.size() > settings.opWindow()) state.recent.removeFirst();
    return state;
  }
}
