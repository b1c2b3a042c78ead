package dev.easel.dataset;

import dev.easel.CborSerializable;
import dev.easel.Entities;
import dev.easel.query.DatasetTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The catalog of one project's datasets, keyed by project id: each dataset's stable id ({@code
 * d_...}), its name (unique in the project, usable as a SQL table name) and its versions, each an
 * immutable Parquet file of {@link DatasetFiles} with its schema, rows, bytes, uploader and time.
 *
 * <p>A version is recorded only once its file is complete and in place: {@link AddVersion} names a
 * Parquet file already written in the project's staging folder, and the entity, the single writer
 * of its project's catalog, moves it to {@code <datasetId>/<version>.parquet} (an atomic rename in
 * the same folder tree) and then persists {@link VersionAdded}. A file left at a version's place by
 * a write that failed after the move is not in the catalog and is replaced by the next version of
 * that number. Deleting a dataset removes it from the catalog; its files are the caller's to remove
 * afterwards ({@link Datasets}).
 *
 * <p>The project's query worker reads the current tables with {@link GetDatasets}: one {@link
 * Table} per dataset, naming the dataset, its id, its latest version and that version's Parquet
 * file (an absolute path), answered at once from memory:
 *
 * <pre>{@code
 * sharding.entityRefFor(DatasetCatalogEntity.KEY, projectId)
 *     .<DatasetCatalogEntity.Tables>ask(DatasetCatalogEntity.GetDatasets::new, timeout)
 * }</pre>
 *
 * <p>Who may do what is decided before a command reaches the entity ({@link Datasets}, with the
 * project's roles); the entity keeps the catalog's invariants: names are unique and well formed,
 * versions count up from 1 without gaps.
 */
public final class DatasetCatalogEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        DatasetCatalogEntity.Command, DatasetCatalogEntity.Event, DatasetCatalogEntity.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "DatasetCatalog");

  /** Save a snapshot every this many events. */
  static final int SNAPSHOT_EVERY = 100;

  /**
   * A dataset name: 1 to 63 lowercase letters, digits and underscores, not starting with a digit,
   * so that SQL cells can name it as a table without quotes.
   */
  public static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /** The folder of a project's datasets where uploads are written before they are recorded. */
  public static final String STAGING = ".staging";

  // ---- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /**
   * Record a new version of dataset {@code name} from the complete Parquet file {@code stagedFile}
   * in the project's {@link #STAGING} folder; a new dataset gets the id {@code newDatasetId}.
   * Answered with {@link Changed} (the dataset and the new version's number) or {@link Refused}.
   */
  public record AddVersion(
      String name,
      String newDatasetId,
      String stagedFile,
      DatasetFormat format,
      List<DatasetColumn> columns,
      long rowCount,
      long byteSize,
      String byUserId,
      ActorRef<Result> replyTo)
      implements Command {}

  /** Rename dataset {@code name} to {@code newName}. */
  public record Rename(String name, String newName, String byUserId, ActorRef<Result> replyTo)
      implements Command {}

  /** Remove dataset {@code name} from the catalog; answered with the dataset as it was. */
  public record Delete(String name, String byUserId, ActorRef<Result> replyTo) implements Command {}

  /** Reply with the dataset named {@code name} ({@link Lookup} with null when there is none). */
  public record Get(String name, ActorRef<Lookup> replyTo) implements Command {}

  /** Reply with every dataset, by name. */
  public record ListDatasets(ActorRef<Catalog> replyTo) implements Command {}

  /** Reply with the project's current tables, for its query worker. */
  public record GetDatasets(ActorRef<Tables> replyTo) implements Command {}

  /**
   * Tell {@code watcher} each time the tables change (a version added, a dataset renamed or
   * deleted), while this incarnation of the catalog lives: a watcher watches again each time it
   * reads the tables. The most recent {@link #MAX_WATCHERS} watchers are kept.
   */
  public record Watch(ActorRef<TablesChanged> watcher) implements Command {}

  /** The project's tables changed. */
  public record TablesChanged(String projectId) implements CborSerializable {}

  /** Watchers kept at most; the longest-known go first. */
  static final int MAX_WATCHERS = 1_000;

  // ---- replies --------------------------------------------------------------------------------

  /** The outcome of a change. */
  public sealed interface Result extends CborSerializable {}

  /** Done: the dataset as it is now (as it was, for a delete) and the version added, if any. */
  public record Changed(DatasetView dataset, long version) implements Result {}

  /** Refused: nothing changed. */
  public record Refused(DatasetError code, String message) implements Result {}

  /** Why a change was refused. */
  public enum DatasetError {
    INVALID_ARGUMENT,
    DATASET_NOT_FOUND,
    DATASET_EXISTS,
    /** The staged file could not be moved into place. */
    STORAGE_FAILED
  }

  /** The dataset looked up, or null. */
  public record Lookup(DatasetView dataset) implements CborSerializable {}

  /** Every dataset of the project, by name. */
  public record Catalog(List<DatasetView> datasets) implements CborSerializable {}

  /**
   * The project's tables for SQL, by name: each dataset at its latest version, with its Parquet
   * file (absolute).
   */
  public record Tables(List<DatasetTable> tables) implements CborSerializable {}

  /** A dataset as shown: id, name, when and by whom it was created, its versions (oldest first). */
  public record DatasetView(
      String datasetId,
      String name,
      Instant createdAt,
      String createdBy,
      List<DatasetVersion> versions)
      implements CborSerializable {
    public DatasetView {
      versions = List.copyOf(versions);
    }

    /** The newest version. */
    public DatasetVersion latest() {
      return versions.get(versions.size() - 1);
    }

    /** Version {@code number}, or null. */
    public DatasetVersion version(long number) {
      for (DatasetVersion version : versions) {
        if (version.version() == number) return version;
      }
      return null;
    }
  }

  /** One immutable version of a dataset. */
  public record DatasetVersion(
      long version,
      DatasetFormat format,
      List<DatasetColumn> columns,
      long rowCount,
      long byteSize,
      String uploadedBy,
      Instant uploadedAt)
      implements CborSerializable {
    public DatasetVersion {
      columns = List.copyOf(columns);
    }
  }

  // ---- events ---------------------------------------------------------------------------------

  /** Something that happened to the catalog. */
  public sealed interface Event extends CborSerializable {}

  /** Version {@code version.version()} of dataset {@code datasetId}, named {@code name}, exists. */
  public record VersionAdded(String datasetId, String name, DatasetVersion version)
      implements Event {}

  /** Dataset {@code datasetId} was renamed. */
  public record DatasetRenamed(
      String datasetId, String from, String to, String byUserId, Instant at) implements Event {}

  /** Dataset {@code datasetId} left the catalog. */
  public record DatasetDeleted(String datasetId, String name, String byUserId, Instant at)
      implements Event {}

  // ---- state ----------------------------------------------------------------------------------

  /** The catalog: datasets by id, in the order they were created. */
  public record State(Map<String, DatasetView> datasets) implements CborSerializable {
    static final State EMPTY = new State(Map.of());

    public State {
      datasets = Collections.unmodifiableMap(new LinkedHashMap<>(datasets));
    }

    /** The dataset named {@code name}, or null. */
    DatasetView named(String name) {
      for (DatasetView dataset : datasets.values()) {
        if (dataset.name().equals(name)) return dataset;
      }
      return null;
    }

    State with(DatasetView dataset) {
      Map<String, DatasetView> next = new LinkedHashMap<>(datasets);
      next.put(dataset.datasetId(), dataset);
      return new State(next);
    }

    State without(String datasetId) {
      Map<String, DatasetView> next = new LinkedHashMap<>(datasets);
      next.remove(datasetId);
      return new State(next);
    }

    List<DatasetView> byName() {
      List<DatasetView> sorted = new ArrayList<>(datasets.values());
      sorted.sort((a, b) -> a.name().compareTo(b.name()));
      return sorted;
    }
  }

  // ---- wiring ---------------------------------------------------------------------------------

  private final String projectId;
  private final DatasetFiles files;

  /** Starts sharding for dataset catalogs on nodes with the {@code core} role. */
  public static void init(ActorSystem<?> system) {
    DatasetFiles files = DatasetFiles.of(system.settings().config());
    Entities.shardOnCore(system, KEY, projectId -> create(projectId, files));
  }

  /** The catalog of project {@code projectId}, whose files are under {@code files}. */
  public static Behavior<Command> create(String projectId, DatasetFiles files) {
    return Behaviors.setup(context -> new DatasetCatalogEntity(projectId, files));
  }

  /** Who hears of changes to the tables (not persisted: watchers watch again). */
  private final java.util.LinkedHashSet<ActorRef<TablesChanged>> watchers =
      new java.util.LinkedHashSet<>();

  private DatasetCatalogEntity(String projectId, DatasetFiles files) {
    super(PersistenceId.of(KEY.name(), projectId), Entities.restartWithBackoff());
    this.projectId = projectId;
    this.files = files;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Entities.tag("dataset-catalog", projectId);
  }

  // ---- commands -------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState().onAnyCommand(this::onCommand);
  }

  private ReplyEffect<Event, State> onCommand(State state, Command command) {
    return switch (command) {
      case Get get -> Effect().reply(get.replyTo(), new Lookup(state.named(get.name())));
      case ListDatasets list -> Effect().reply(list.replyTo(), new Catalog(state.byName()));
      case GetDatasets tables -> Effect().reply(tables.replyTo(), tables(state));
      case Watch watch -> {
        watchers.remove(watch.watcher());
        watchers.add(watch.watcher());
        if (watchers.size() > MAX_WATCHERS) watchers.remove(watchers.iterator().next());
        yield Effect().noReply();
      }
      case AddVersion add -> onAddVersion(state, add);
      case Rename rename -> onRename(state, rename);
      case Delete delete -> onDelete(state, delete);
    };
  }

  private void tablesChanged() {
    TablesChanged changed = new TablesChanged(projectId);
    for (ActorRef<TablesChanged> watcher : watchers) watcher.tell(changed);
  }

  private Tables tables(State state) {
    List<DatasetTable> tables = new ArrayList<>();
    for (DatasetView dataset : state.byName()) {
      long version = dataset.latest().version();
      tables.add(
          new DatasetTable(
              dataset.name(),
              dataset.datasetId(),
              version,
              files.versionFile(projectId, dataset.datasetId(), version).toString()));
    }
    return new Tables(List.copyOf(tables));
  }

  private ReplyEffect<Event, State> onAddVersion(State state, AddVersion add) {
    if (!validName(add.name())) return refuse(add.replyTo(), nameRule(add.name()));
    if (add.format() == null || add.columns() == null || add.columns().isEmpty()) {
      return refuse(add.replyTo(), "A version needs its format and at least one column");
    }
    if (blank(add.byUserId())) return refuse(add.replyTo(), "The uploader (byUserId) is required");
    Path staged = staged(add.stagedFile());
    if (staged == null) {
      return refuse(
          add.replyTo(), "The staged file must be in the project's " + STAGING + " folder");
    }
    DatasetView existing = state.named(add.name());
    String datasetId = existing == null ? add.newDatasetId() : existing.datasetId();
    if (existing == null && state.datasets().containsKey(datasetId)) {
      return Effect()
          .reply(
              add.replyTo(),
              new Refused(DatasetError.DATASET_EXISTS, "A dataset with this id exists already"));
    }
    long version = existing == null ? 1 : existing.latest().version() + 1;
    Path target;
    try {
      target = files.versionFile(projectId, datasetId, version);
      Files.createDirectories(target.getParent());
      Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | IllegalArgumentException e) {
      return Effect()
          .reply(
              add.replyTo(),
              new Refused(
                  DatasetError.STORAGE_FAILED,
                  "The dataset's file could not be stored: " + e.getClass().getSimpleName()));
    }
    VersionAdded added =
        new VersionAdded(
            datasetId,
            add.name(),
            new DatasetVersion(
                version,
                add.format(),
                add.columns(),
                add.rowCount(),
                add.byteSize(),
                add.byUserId(),
                Instant.now()));
    return Effect()
        .persist(added)
        .thenRun(next -> tablesChanged())
        .thenReply(add.replyTo(), next -> new Changed(next.datasets().get(datasetId), version));
  }

  /** The staged file, when it is a file right in the project's staging folder; else null. */
  private Path staged(String stagedFile) {
    if (stagedFile == null) return null;
    Path staging = files.projectDirectory(projectId).resolve(STAGING);
    Path staged = Path.of(stagedFile).toAbsolutePath().normalize();
    return staging.equals(staged.getParent()) ? staged : null;
  }

  private ReplyEffect<Event, State> onRename(State state, Rename rename) {
    if (!validName(rename.newName())) return refuse(rename.replyTo(), nameRule(rename.newName()));
    if (blank(rename.byUserId()))
      return refuse(rename.replyTo(), "The user (byUserId) is required");
    DatasetView dataset = state.named(rename.name());
    if (dataset == null) return notFound(rename.replyTo(), rename.name());
    if (rename.newName().equals(dataset.name())) {
      return Effect().reply(rename.replyTo(), new Changed(dataset, 0));
    }
    if (state.named(rename.newName()) != null) {
      return Effect()
          .reply(
              rename.replyTo(),
              new Refused(
                  DatasetError.DATASET_EXISTS,
                  "The project has a dataset named " + rename.newName() + " already"));
    }
    return Effect()
        .persist(
            new DatasetRenamed(
                dataset.datasetId(),
                dataset.name(),
                rename.newName(),
                rename.byUserId(),
                Instant.now()))
        .thenRun(next -> tablesChanged())
        .thenReply(
            rename.replyTo(), next -> new Changed(next.datasets().get(dataset.datasetId()), 0));
  }

  private ReplyEffect<Event, State> onDelete(State state, Delete delete) {
    if (blank(delete.byUserId()))
      return refuse(delete.replyTo(), "The user (byUserId) is required");
    DatasetView dataset = state.named(delete.name());
    if (dataset == null) return notFound(delete.replyTo(), delete.name());
    return Effect()
        .persist(
            new DatasetDeleted(
                dataset.datasetId(), dataset.name(), delete.byUserId(), Instant.now()))
        .thenRun(next -> tablesChanged())
        .thenReply(delete.replyTo(), next -> new Changed(dataset, 0));
  }

  private ReplyEffect<Event, State> refuse(ActorRef<Result> replyTo, String message) {
    return Effect().reply(replyTo, new Refused(DatasetError.INVALID_ARGUMENT, message));
  }

  private ReplyEffect<Event, State> notFound(ActorRef<Result> replyTo, String name) {
    return Effect()
        .reply(
            replyTo,
            new Refused(
                DatasetError.DATASET_NOT_FOUND, "The project has no dataset named " + name));
  }

  /** Whether {@code name} is a well-formed dataset name ({@link #NAME}). */
  public static boolean validName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /** Why {@code name} is no dataset name. */
  public static String nameRule(String name) {
    return "A dataset name is 1 to 63 lowercase letters, digits and '_', not starting with a digit"
        + " (it is the dataset's table name in SQL): "
        + (name == null || name.isEmpty() ? "none was given" : "'" + shortened(name) + "' is not");
  }

  private static String shortened(String text) {
    return text.length() > 80 ? text.substring(0, 80) + "…" : text;
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  // ---- events ---------------------------------------------------------------------------------

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(DatasetCatalogEntity::apply);
  }

  static State apply(State state, Event event) {
    return switch (event) {
      case VersionAdded e -> {
        DatasetView current = state.datasets().get(e.datasetId());
        List<DatasetVersion> versions =
            current == null ? new ArrayList<>() : new ArrayList<>(current.versions());
        versions.add(e.version());
        yield state.with(
            current == null
                ? new DatasetView(
                    e.datasetId(),
                    e.name(),
                    e.version().uploadedAt(),
                    e.version().uploadedBy(),
                    versions)
                : new DatasetView(
                    current.datasetId(),
                    current.name(),
                    current.createdAt(),
                    current.createdBy(),
                    versions));
      }
      case DatasetRenamed e -> {
        DatasetView current = state.datasets().get(e.datasetId());
        yield state.with(
            new DatasetView(
                current.datasetId(),
                e.to(),
                current.createdAt(),
                current.createdBy(),
                current.versions()));
      }
      case DatasetDeleted e -> state.without(e.datasetId());
    };
  }
}
