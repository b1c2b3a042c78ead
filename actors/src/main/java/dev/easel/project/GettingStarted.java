package dev.easel.project;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.easel.canvas.CanvasEntity;
import dev.easel.canvas.Canvases;
import dev.easel.canvas.ChangeKind;
import dev.easel.dataset.DatasetFormat;
import dev.easel.dataset.Datasets;
import dev.easel.identity.RequestOrigin;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The first run of a new account: its "Getting started" project, holding the sample dataset {@code
 * penguins} (the Palmer penguins, 344 rows, CC0: see {@code getting-started/README.md} in the
 * resources) and the canvas {@code getting-started-<userId>} with a SQL query over it, a chart cell
 * of that query and a markdown note. The canvas's cells run by themselves (auto-run), so their
 * results are there when the person arrives.
 *
 * <p>Idempotent: the canvas id is the account's, so a second {@link #prepare} finds the canvas and
 * creates nothing.
 */
public final class GettingStarted {
  public static final String PROJECT_NAME = "Getting started";
  public static final String CANVAS_TITLE = "Welcome to Easel";
  public static final String DATASET = "penguins";
  private static final String SAMPLE = "/getting-started/penguins.csv";
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** Where a new account lands: its getting-started canvas, in its project. */
  public record Landing(String projectId, String canvasId) {}

  private final Projects projects;
  private final Datasets datasets;
  private final Canvases canvases;
  private final Path uploads;

  /** {@code uploads}: a folder the dataset importer reads from, where the sample is staged. */
  public GettingStarted(Projects projects, Datasets datasets, Canvases canvases, Path uploads) {
    this.projects = projects;
    this.datasets = datasets;
    this.canvases = canvases;
    this.uploads = uploads;
  }

  /** The getting-started canvas of {@code userId}. */
  public static String canvasIdOf(String userId) {
    return "getting-started-" + userId;
  }

  /** Makes sure {@code userId} has its getting-started project and canvas; answers where. */
  public CompletionStage<Landing> prepare(String userId) {
    String canvasId = canvasIdOf(userId);
    return canvases
        .snapshot(canvasId)
        .thenCompose(
            existing -> {
              if (existing.exists()) {
                return CompletableFuture.completedFuture(
                    new Landing(existing.projectId(), canvasId));
              }
              return projects
                  .create(userId, PROJECT_NAME, null)
                  .thenApply(view -> view.project().projectId())
                  .thenCompose(
                      projectId ->
                          upload(userId, projectId)
                              .thenCompose(
                                  uploaded ->
                                      projects.createCanvas(
                                          userId, projectId, CANVAS_TITLE, canvasId))
                              .thenCompose(created -> addCells(created, userId))
                              .thenApply(done -> new Landing(projectId, canvasId)));
            });
  }

  private CompletionStage<Datasets.Uploaded> upload(String userId, String projectId) {
    Path staged;
    try (InputStream sample = GettingStarted.class.getResourceAsStream(SAMPLE)) {
      if (sample == null) throw new IllegalStateException(SAMPLE + " is missing from the build");
      Files.createDirectories(uploads);
      staged = uploads.resolve("getting-started-" + UUID.randomUUID() + ".csv");
      Files.copy(sample, staged, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(new UncheckedIOException(e));
    }
    return datasets
        .upload(userId, projectId, DATASET, staged, DatasetFormat.CSV, RequestOrigin.UNKNOWN)
        .whenComplete(
            (done, failure) -> {
              try {
                Files.deleteIfExists(staged);
              } catch (IOException e) {
                // the uploads folder is swept of old files anyway
              }
            });
  }

  private CompletionStage<Void> addCells(Projects.ProjectCanvas canvas, String userId) {
    ArrayNode op = JSON.arrayNode();
    for (var cell : cells().properties()) {
      ObjectNode insert = op.addObject();
      insert.putArray("p").add("cells").add(cell.getKey());
      insert.set("oi", cell.getValue());
    }
    return canvases
        .submit(
            canvas.canvasId(), "getting-started", 1, canvas.version(), ChangeKind.EDIT, op, userId)
        .thenAccept(
            result -> {
              if (result instanceof CanvasEntity.Rejected rejected) {
                throw new IllegalStateException(
                    "the getting-started cells were refused: " + rejected.message());
              }
            });
  }

  /** The cells of the getting-started canvas: a note, a query over the sample and its chart. */
  static ObjectNode cells() {
    ObjectNode cells = JSON.objectNode();
    cells.set(
        "note",
        cell(
            "markdown",
            "welcome",
            String.join(
                "\n",
                "# Welcome to Easel",
                "",
                "This canvas is yours to change. The query on the left reads the sample dataset",
                "**penguins** (344 penguins of the Palmer Archipelago); the chart draws its result.",
                "",
                "- Edit the SQL and press **Shift+Enter** (or **Run**) to run it again.",
                "- Add a chart with **+ Chart**, pick the query as its source and map its columns.",
                "- Invite someone from the project page: you will see each other's edits live."),
            layout(0, 0, 26, 13),
            JSON.objectNode()));
    cells.set(
        "query",
        cell(
            "sql",
            "penguins_measured",
            String.join(
                "\n",
                "SELECT species, island, sex, bill_length_mm, flipper_length_mm, body_mass_g",
                "FROM penguins",
                "WHERE body_mass_g IS NOT NULL AND sex IS NOT NULL",
                "ORDER BY species, island"),
            layout(0, 15, 34, 16),
            JSON.objectNode()));
    ObjectNode chart = JSON.objectNode();
    chart.put("source", "query").put("mark", "bar");
    chart.putObject("x").put("field", "species").put("type", "nominal");
    chart
        .putObject("y")
        .put("field", "body_mass_g")
        .put("type", "quantitative")
        .put("aggregate", "mean");
    chart.putObject("color").put("field", "sex").put("type", "nominal");
    cells.set("chart", cell("chart", "mass_by_species", "", layout(36, 0, 30, 31), chart));
    return cells;
  }

  private static ObjectNode cell(
      String kind, String name, String source, ObjectNode layout, JsonNode config) {
    ObjectNode cell = JSON.objectNode();
    cell.put("kind", kind).put("name", name).put("source", source);
    cell.set("layout", layout);
    cell.set("config", config);
    return cell;
  }

  private static ObjectNode layout(int x, int y, int w, int h) {
    return JSON.objectNode().put("x", x).put("y", y).put("w", w).put("h", h);
  }
}
