package dev.easel.dataset;

import dev.easel.dataset.DatasetCatalogEntity.DatasetView;
import dev.easel.identity.RequestOrigin;
import dev.easel.project.OrderedPages;
import dev.easel.project.ProjectEntity;
import dev.easel.project.ProjectPolicy;
import dev.easel.project.Projects;
import dev.easel.query.DatasetTable;
import dev.easel.query.DeletedProjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A project's datasets as its members use them: uploads become versions ({@link DatasetImporter},
 * then {@link DatasetCatalogEntity}), and the catalog is listed, read, previewed, renamed and
 * deleted. Who may do what is the project's roles, through {@link Projects#authorize}: members read
 * ({@link ProjectPolicy.Action#DATASET_READ}), editors and owners upload and rename ({@link
 * ProjectPolicy.Action#DATASET_WRITE}) and delete ({@link ProjectPolicy.Action#DATASET_DELETE}); in
 * an archived project nobody changes them; to anyone else the project does not exist.
 *
 * <p>An upload is converted to Parquet in the project's staging folder and recorded only once that
 * file is complete; a file that cannot be read, or a catalog that refuses it, leaves neither a
 * version nor a file. Refusals are {@link Projects.Refusal}s (reason {@code DATASET_NOT_FOUND},
 * {@code DATASET_EXISTS}, {@code INVALID_ARGUMENT} naming the field...), bad files {@link
 * DatasetImportException}s.
 */
public final class Datasets {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Logger log = LoggerFactory.getLogger(Datasets.class);

  /** A new version, as recorded, with its preview. */
  public record Uploaded(
      DatasetView dataset,
      DatasetCatalogEntity.DatasetVersion version,
      DatasetImporter.Preview preview) {}

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final Projects projects;
  private final DatasetImporter importer;
  private final DatasetFiles files;
  private final Executor fileWork;

  public Datasets(
      ActorSystem<?> system, Projects projects, DatasetImporter importer, DatasetFiles files) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = system.settings().config().getDuration("easel.canvas.ask-timeout");
    this.projects = projects;
    this.importer = importer;
    this.files = files;
    this.fileWork = system.dispatchers().lookup(DispatcherSelector.blocking());
  }

  /**
   * Whether the caller may upload dataset {@code name} to the project: checked before an upload is
   * read, so that a refused one reads no byte.
   */
  public CompletionStage<Void> mayUpload(String userId, String projectId, String name) {
    if (!DatasetCatalogEntity.validName(name)) return failed(invalidName("name", name));
    return projects
        .authorize(userId, projectId, ProjectPolicy.Action.DATASET_WRITE)
        .thenApply(allowed -> null);
  }

  /**
   * Makes the file {@code upload} (read as {@code declared}, or sniffed when null) the next version
   * of dataset {@code name}, a new dataset if the project has none of that name, asked from {@code
   * origin}. The upload itself is the caller's to delete.
   */
  public CompletionStage<Uploaded> upload(
      String userId,
      String projectId,
      String name,
      Path upload,
      DatasetFormat declared,
      RequestOrigin origin) {
    return mayUpload(userId, projectId, name)
        .thenCompose(allowed -> stagedFile(projectId))
        .thenCompose(
            staged ->
                importer
                    .convert(upload, declared, staged)
                    .thenCompose(
                        imported ->
                            catalog(projectId)
                                .<DatasetCatalogEntity.Result>ask(
                                    replyTo ->
                                        new DatasetCatalogEntity.AddVersion(
                                            name,
                                            "d_" + randomHex(12),
                                            staged.toString(),
                                            imported.format(),
                                            imported.columns(),
                                            imported.rowCount(),
                                            imported.byteSize(),
                                            userId,
                                            replyTo),
                                    askTimeout))
                    .whenCompleteAsync((result, failure) -> deleteQuietly(staged), fileWork))
        .thenCompose(
            result -> {
              DatasetCatalogEntity.Changed added = changed(result);
              DatasetCatalogEntity.DatasetVersion version =
                  added.dataset().version(added.version());
              return recorded(
                      projectId,
                      ProjectEntity.DatasetChange.UPLOADED,
                      added.dataset(),
                      null,
                      version.version(),
                      userId,
                      origin)
                  .thenCompose(
                      done ->
                          importer.preview(
                              files.versionFile(
                                  projectId, added.dataset().datasetId(), version.version()),
                              DatasetImporter.PREVIEW_ROWS))
                  .thenApply(preview -> new Uploaded(added.dataset(), version, preview));
            });
  }

  /**
   * A page of the project's datasets, in the order they were created: {@code pageSize} of them (0:
   * 50, at most 200) after {@code pageToken} (empty: from the first).
   */
  public CompletionStage<OrderedPages.Page<DatasetView>> list(
      String userId, String projectId, int pageSize, String pageToken) {
    int size;
    try {
      size = OrderedPages.size(pageSize);
    } catch (Projects.Refusal refusal) {
      return failed(refusal);
    }
    return read(userId, projectId)
        .thenCompose(
            allowed ->
                catalog(projectId)
                    .<DatasetCatalogEntity.Catalog>ask(
                        DatasetCatalogEntity.ListDatasets::new, askTimeout))
        .thenApply(
            catalog ->
                OrderedPages.slice(
                    "datasets of " + projectId,
                    catalog.datasets(),
                    dataset -> new OrderedPages.Place(dataset.createdAt(), dataset.datasetId()),
                    size,
                    pageToken,
                    false));
  }

  /** Dataset {@code name} of the project, with its versions. */
  public CompletionStage<DatasetView> get(String userId, String projectId, String name) {
    if (!DatasetCatalogEntity.validName(name)) return failed(invalidName("name", name));
    return read(userId, projectId).thenCompose(allowed -> named(projectId, name));
  }

  /** The preview of version {@code version} (0: the latest) of dataset {@code name}. */
  public CompletionStage<DatasetImporter.Preview> preview(
      String userId, String projectId, String name, long version) {
    if (version < 0) {
      return failed(invalid("version", "version must be 1 or more (0: the latest)"));
    }
    return get(userId, projectId, name)
        .thenCompose(
            dataset -> {
              DatasetCatalogEntity.DatasetVersion shown =
                  version == 0 ? dataset.latest() : dataset.version(version);
              if (shown == null) {
                return failed(
                    new Projects.Refusal(
                        Projects.Refusal.Kind.NOT_FOUND,
                        "DATASET_VERSION_NOT_FOUND",
                        "Dataset "
                            + name
                            + " has no version "
                            + version
                            + "; its latest is "
                            + dataset.latest().version(),
                        "version"));
              }
              return importer.preview(
                  files.versionFile(projectId, dataset.datasetId(), shown.version()),
                  DatasetImporter.PREVIEW_ROWS);
            });
  }

  /** Renames dataset {@code name} to {@code newName}, asked from {@code origin}. */
  public CompletionStage<DatasetView> rename(
      String userId, String projectId, String name, String newName, RequestOrigin origin) {
    if (!DatasetCatalogEntity.validName(name)) return failed(invalidName("name", name));
    if (!DatasetCatalogEntity.validName(newName)) return failed(invalidName("newName", newName));
    return change(
            userId,
            projectId,
            ProjectPolicy.Action.DATASET_WRITE,
            replyTo -> new DatasetCatalogEntity.Rename(name, newName, userId, replyTo))
        .thenCompose(
            renamed ->
                recorded(
                        projectId,
                        ProjectEntity.DatasetChange.RENAMED,
                        renamed,
                        name,
                        0,
                        userId,
                        origin)
                    .thenApply(done -> renamed));
  }

  /**
   * Removes dataset {@code name} from the catalog, then its files; answers the dataset as it was.
   * Asked from {@code origin}.
   */
  public CompletionStage<DatasetView> delete(
      String userId, String projectId, String name, RequestOrigin origin) {
    if (!DatasetCatalogEntity.validName(name)) return failed(invalidName("name", name));
    return change(
            userId,
            projectId,
            ProjectPolicy.Action.DATASET_DELETE,
            replyTo -> new DatasetCatalogEntity.Delete(name, userId, replyTo))
        .thenCompose(
            deleted ->
                recorded(
                        projectId,
                        ProjectEntity.DatasetChange.DELETED,
                        deleted,
                        null,
                        0,
                        userId,
                        origin)
                    .thenApply(done -> deleted))
        .thenApplyAsync(
            deleted -> {
              deleteTree(files.datasetDirectory(projectId, deleted.datasetId()));
              return deleted;
            },
            fileWork);
  }

  /**
   * Records a change the catalog has made in the project's activity feed and audit log ({@link
   * Projects#recordDatasetChange}). The change stands whatever happens here: an entry that cannot
   * be recorded is logged, not answered as a failure of the change.
   */
  private CompletionStage<Void> recorded(
      String projectId,
      ProjectEntity.DatasetChange change,
      DatasetView dataset,
      String previousName,
      long version,
      String userId,
      RequestOrigin origin) {
    return projects
        .recordDatasetChange(
            projectId,
            change,
            dataset.datasetId(),
            dataset.name(),
            previousName,
            version,
            userId,
            origin)
        .exceptionally(
            failure -> {
              log.warn(
                  "the {} of dataset {} of project {} is not in its activity feed and audit log",
                  change,
                  dataset.datasetId(),
                  projectId,
                  failure);
              return null;
            });
  }

  /** Asks the catalog for a change once the caller may make it; the dataset as changed. */
  private CompletionStage<DatasetView> change(
      String userId,
      String projectId,
      ProjectPolicy.Action action,
      Function<ActorRef<DatasetCatalogEntity.Result>, DatasetCatalogEntity.Command> command) {
    return projects
        .authorize(userId, projectId, action)
        .thenCompose(
            allowed ->
                catalog(projectId).<DatasetCatalogEntity.Result>ask(command::apply, askTimeout))
        .thenApply(result -> changed(result).dataset());
  }

  /**
   * The project's current tables (dataset, id, latest version, Parquet file), for its query worker;
   * no caller is checked: the worker runs for the project.
   */
  public CompletionStage<List<DatasetTable>> tables(String projectId) {
    return catalog(projectId)
        .<DatasetCatalogEntity.Tables>ask(DatasetCatalogEntity.GetDatasets::new, askTimeout)
        .thenApply(DatasetCatalogEntity.Tables::tables);
  }

  /**
   * Removes staged files older than {@code age} from every project's staging folder: those of
   * imports that a stopped node never finished (blocking).
   */
  public void sweepStaging(Duration age) {
    Path root = files.root();
    if (!Files.isDirectory(root)) return;
    Instant before = Instant.now().minus(age);
    try (DirectoryStream<Path> projects = Files.newDirectoryStream(root)) {
      for (Path project : projects) {
        Path staging = project.resolve(DatasetCatalogEntity.STAGING);
        if (!Files.isDirectory(staging)) continue;
        try (DirectoryStream<Path> staged = Files.newDirectoryStream(staging)) {
          for (Path file : staged) {
            if (Files.getLastModifiedTime(file).toInstant().isBefore(before)) deleteQuietly(file);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot sweep the staging folders under " + root, e);
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private CompletionStage<ProjectPolicy.Standing> read(String userId, String projectId) {
    return projects.authorize(userId, projectId, ProjectPolicy.Action.DATASET_READ);
  }

  private CompletionStage<DatasetView> named(String projectId, String name) {
    return catalog(projectId)
        .<DatasetCatalogEntity.Lookup>ask(
            replyTo -> new DatasetCatalogEntity.Get(name, replyTo), askTimeout)
        .thenApply(
            lookup -> {
              if (lookup.dataset() == null) {
                throw new Projects.Refusal(
                    Projects.Refusal.Kind.NOT_FOUND,
                    DatasetCatalogEntity.DatasetError.DATASET_NOT_FOUND.name(),
                    "The project has no dataset named " + name);
              }
              return lookup.dataset();
            });
  }

  /** A new file in the project's staging folder, which is created when missing. */
  private CompletionStage<Path> stagedFile(String projectId) {
    return CompletableFuture.supplyAsync(
        () -> {
          Path staging = files.projectDirectory(projectId).resolve(DatasetCatalogEntity.STAGING);
          try {
            Files.createDirectories(staging);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return staging.resolve(randomHex(16) + ".parquet");
        },
        fileWork);
  }

  private static DatasetCatalogEntity.Changed changed(DatasetCatalogEntity.Result result) {
    return switch (result) {
      case DatasetCatalogEntity.Changed changed -> changed;
      case DatasetCatalogEntity.Refused refused ->
          throw new Projects.Refusal(
              switch (refused.code()) {
                case INVALID_ARGUMENT -> Projects.Refusal.Kind.INVALID;
                case DATASET_NOT_FOUND -> Projects.Refusal.Kind.NOT_FOUND;
                case DATASET_EXISTS -> Projects.Refusal.Kind.ALREADY_EXISTS;
                case STORAGE_FAILED -> Projects.Refusal.Kind.FAILED_PRECONDITION;
              },
              refused.code().name(),
              refused.message());
    };
  }

  private EntityRef<DatasetCatalogEntity.Command> catalog(String projectId) {
    return sharding.entityRefFor(DatasetCatalogEntity.KEY, projectId);
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("could not delete the staged file {}", file, e);
    }
  }

  /**
   * Removes the data of project {@code projectId}, which was deleted (so that nobody may read it
   * any more): every node drops its query database ({@link DeletedProjects}), and the project's
   * dataset files, all versions, are deleted. A query that was already reading a file reads on (a
   * deleted file stays readable while it is open).
   */
  public CompletionStage<Void> removeDeletedProject(String projectId) {
    DeletedProjects.get(system).announce(projectId);
    return CompletableFuture.runAsync(
        () -> deleteTree(files.projectDirectory(projectId)), fileWork);
  }

  /** Deletes a folder and everything in it (nothing when it does not exist). */
  static void deleteTree(Path folder) {
    if (!Files.exists(folder)) return;
    try {
      Files.walkFileTree(
          folder,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure)
                throws IOException {
              if (failure != null) throw failure;
              Files.delete(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("the files of a deleted dataset stay in " + folder, e);
    }
  }

  private static Projects.Refusal invalidName(String field, String name) {
    return invalid(field, DatasetCatalogEntity.nameRule(name));
  }

  private static Projects.Refusal invalid(String field, String message) {
    return new Projects.Refusal(Projects.Refusal.Kind.INVALID, "INVALID_ARGUMENT", message, field);
  }

  private static <T> CompletionStage<T> failed(Throwable failure) {
    return CompletableFuture.failedFuture(failure);
  }

  private static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return HexFormat.of().formatHex(random);
  }
}
