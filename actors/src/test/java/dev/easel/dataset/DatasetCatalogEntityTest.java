package dev.easel.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.easel.EntityTestKits;
import dev.easel.dataset.DatasetCatalogEntity.Changed;
import dev.easel.dataset.DatasetCatalogEntity.DatasetError;
import dev.easel.dataset.DatasetCatalogEntity.Refused;
import dev.easel.query.DatasetTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A project's dataset catalog on the Pekko persistence test journal, with serialization of every
 * command, event and state checked on each step, and its files in a real folder.
 */
class DatasetCatalogEntityTest {
  static final ActorTestKit testKit =
      ActorTestKit.create("dataset-catalog-entity-test", EntityTestKits.config(""));
  static final List<DatasetColumn> COLUMNS =
      List.of(new DatasetColumn("id", "BIGINT"), new DatasetColumn("name", "VARCHAR"));

  @TempDir Path root;
  DatasetFiles files;
  String projectId;
  EventSourcedBehaviorTestKit<
          DatasetCatalogEntity.Command, DatasetCatalogEntity.Event, DatasetCatalogEntity.State>
      catalog;
  int staged;

  @BeforeEach
  void setUp() {
    files = new DatasetFiles(root);
    projectId = "p_" + System.nanoTime();
    catalog =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            DatasetCatalogEntity.create(projectId, files),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  DatasetCatalogEntity.Result run(
      Function<ActorRef<DatasetCatalogEntity.Result>, DatasetCatalogEntity.Command> command) {
    return catalog.runCommand(command).reply();
  }

  /** A complete "Parquet" file in the project's staging folder (the entity only moves it). */
  Path stage(String content) throws IOException {
    Path staging = files.projectDirectory(projectId).resolve(DatasetCatalogEntity.STAGING);
    Files.createDirectories(staging);
    Path file = staging.resolve("upload-" + ++staged + ".parquet");
    Files.writeString(file, content);
    return file;
  }

  DatasetCatalogEntity.Result add(String name, String newId, Path file) {
    return run(
        replyTo ->
            new DatasetCatalogEntity.AddVersion(
                name,
                newId,
                file.toString(),
                DatasetFormat.CSV,
                COLUMNS,
                2,
                Files.exists(file) ? file.toFile().length() : 0,
                "u_1",
                replyTo));
  }

  List<DatasetTable> tables() {
    return catalog.runCommand(DatasetCatalogEntity.GetDatasets::new).reply().tables();
  }

  @Test
  void aNewNameIsANewDatasetAndTheSameNameItsNextVersion() throws IOException {
    Path first = stage("first");
    Changed one = (Changed) add("sales", "d_1", first);
    assertThat(one.version()).isEqualTo(1);
    assertThat(one.dataset().datasetId()).isEqualTo("d_1");
    assertThat(one.dataset().createdBy()).isEqualTo("u_1");
    assertThat(first).doesNotExist();
    Path v1 = files.versionFile(projectId, "d_1", 1);
    assertThat(v1).hasContent("first");

    Changed two = (Changed) add("sales", "d_ignored", stage("second"));
    assertThat(two.version()).isEqualTo(2);
    assertThat(two.dataset().datasetId()).isEqualTo("d_1");
    assertThat(two.dataset().versions())
        .extracting(DatasetCatalogEntity.DatasetVersion::version)
        .containsExactly(1L, 2L);
    assertThat(v1).hasContent("first");
    assertThat(files.versionFile(projectId, "d_1", 2)).hasContent("second");
    assertThat(tables())
        .containsExactly(
            new DatasetTable("sales", "d_1", 2, files.versionFile(projectId, "d_1", 2).toString()));

    catalog.restart();
    assertThat(tables()).hasSize(1);
    assertThat(
            catalog
                .runCommand(
                    (ActorRef<DatasetCatalogEntity.Lookup> r) ->
                        new DatasetCatalogEntity.Get("sales", r))
                .reply()
                .dataset())
        .isEqualTo(two.dataset());
  }

  @Test
  void badNamesAndFilesOutsideTheStagingFolderAreRefusedAndNothingMoves() throws IOException {
    for (String name : List.of("", "Sales", "1st", "a-b", "x".repeat(64))) {
      Path file = stage("x");
      assertThat(add(name, "d_1", file))
          .isInstanceOfSatisfying(
              Refused.class, r -> assertThat(r.code()).isEqualTo(DatasetError.INVALID_ARGUMENT));
      assertThat(file).exists();
    }
    Path elsewhere = files.projectDirectory(projectId).resolve("elsewhere.parquet");
    Files.writeString(elsewhere, "x");
    assertThat(add("sales", "d_1", elsewhere)).isInstanceOf(Refused.class);
    assertThat(elsewhere).exists();
    assertThat(add("sales", "d_1", files.projectDirectory(projectId).resolve("gone.parquet")))
        .isInstanceOf(Refused.class);
    Path missing =
        files
            .projectDirectory(projectId)
            .resolve(DatasetCatalogEntity.STAGING)
            .resolve("never-written.parquet");
    assertThat(add("sales", "d_1", missing))
        .isInstanceOfSatisfying(
            Refused.class, r -> assertThat(r.code()).isEqualTo(DatasetError.STORAGE_FAILED));
    assertThat(tables()).isEmpty();
  }

  @Test
  void datasetsAreRenamedUniquelyAndDeleted() throws IOException {
    add("sales", "d_1", stage("a"));
    add("costs", "d_2", stage("b"));
    assertThat(run(r -> new DatasetCatalogEntity.Rename("sales", "costs", "u_1", r)))
        .isInstanceOfSatisfying(
            Refused.class, r -> assertThat(r.code()).isEqualTo(DatasetError.DATASET_EXISTS));
    assertThat(run(r -> new DatasetCatalogEntity.Rename("nope", "other", "u_1", r)))
        .isInstanceOfSatisfying(
            Refused.class, r -> assertThat(r.code()).isEqualTo(DatasetError.DATASET_NOT_FOUND));
    Changed renamed =
        (Changed) run(r -> new DatasetCatalogEntity.Rename("sales", "revenue", "u_1", r));
    assertThat(renamed.dataset().name()).isEqualTo("revenue");
    assertThat(renamed.dataset().datasetId()).isEqualTo("d_1");
    assertThat(tables()).extracting(DatasetTable::name).containsExactly("costs", "revenue");

    Changed deleted = (Changed) run(r -> new DatasetCatalogEntity.Delete("costs", "u_1", r));
    assertThat(deleted.dataset().datasetId()).isEqualTo("d_2");
    assertThat(tables()).extracting(DatasetTable::name).containsExactly("revenue");
    assertThat(run(r -> new DatasetCatalogEntity.Delete("costs", "u_1", r)))
        .isInstanceOf(Refused.class);
    // the name is free again: a new dataset, with a new id
    Changed again = (Changed) add("costs", "d_3", stage("c"));
    assertThat(again.dataset().datasetId()).isEqualTo("d_3");
    assertThat(again.version()).isEqualTo(1);
  }

  @Test
  void watchersHearOfEveryChangeToTheTables() throws IOException {
    TestProbe<DatasetCatalogEntity.TablesChanged> watcher = testKit.createTestProbe();
    catalog.runCommand(new DatasetCatalogEntity.Watch(watcher.getRef()));
    catalog.runCommand(new DatasetCatalogEntity.Watch(watcher.getRef())); // once is enough

    add("sales", "d_1", stage("a"));
    assertThat(watcher.receiveMessage().projectId()).isEqualTo(projectId);
    run(r -> new DatasetCatalogEntity.Rename("sales", "revenue", "u_1", r));
    watcher.receiveMessage();
    run(r -> new DatasetCatalogEntity.Rename("nope", "other", "u_1", r)); // refused: no change
    run(r -> new DatasetCatalogEntity.Delete("revenue", "u_1", r));
    watcher.receiveMessage();
    watcher.expectNoMessage();
  }

  @Test
  void theRepliesGoThroughCbor() throws IOException {
    Changed added = (Changed) add("sales", "d_1", stage("a"));
    EntityTestKits.assertRoundTripThroughCbor(
        testKit.system(),
        List.of(
            added,
            new Refused(DatasetError.DATASET_EXISTS, "taken"),
            new DatasetCatalogEntity.Lookup(added.dataset()),
            new DatasetCatalogEntity.Lookup(null),
            new DatasetCatalogEntity.Catalog(List.of(added.dataset())),
            new DatasetCatalogEntity.Tables(tables()),
            new DatasetCatalogEntity.Watch(
                testKit.<DatasetCatalogEntity.TablesChanged>createTestProbe().getRef()),
            new DatasetCatalogEntity.TablesChanged(projectId)));
  }
}
