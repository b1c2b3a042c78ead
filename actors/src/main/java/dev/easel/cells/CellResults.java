package dev.easel.cells;

import com.fasterxml.jackson.databind.JsonNode;
import dev.easel.canvas.CanvasEntity;
import dev.easel.canvas.Canvases;
import dev.easel.canvas.DocumentKind;
import dev.easel.project.ProjectEntity;
import dev.easel.query.CellTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Finds the latest result of a SQL cell, as its canvas shows it: the result id its run-state
 * document ({@code canvas-runs}) holds. What partners pull by ticket over Flight SQL, and read as
 * the tables of the project's catalog ({@link #tables}): schema {@code canvas_<canvasId>}, one
 * table per SQL cell with a result, named after the cell.
 */
public final class CellResults {
  private final Canvases canvases;
  private final Canvases runs;
  private final ClusterSharding sharding;
  private final Duration askTimeout;

  public CellResults(ActorSystem<?> system) {
    this.canvases = new Canvases(system, DocumentKind.CANVAS);
    this.runs = new Canvases(system, DocumentKind.RUNS);
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = system.settings().config().getDuration("easel.canvas.ask-timeout");
  }

  /**
   * The tables of the SQL cells of {@code projectId}'s canvases that have a latest result ({@link
   * #tables(String, CanvasEntity.Snapshot, CanvasEntity.Snapshot)}), canvas by canvas in the
   * project's order.
   */
  public CompletionStage<List<CellTable>> tables(String projectId) {
    return sharding
        .entityRefFor(ProjectEntity.KEY, projectId)
        .<ProjectEntity.ProjectView>ask(ProjectEntity.Get::new, askTimeout)
        .thenCompose(
            project -> {
              List<CompletableFuture<List<CellTable>>> each = new ArrayList<>();
              for (ProjectEntity.CanvasEntry entry : project.canvases()) {
                String canvasId = entry.canvasId();
                each.add(
                    canvases
                        .snapshot(canvasId)
                        .thenCombine(
                            runs.snapshot(canvasId),
                            (canvas, state) -> tables(projectId, canvas, state))
                        .toCompletableFuture());
              }
              return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                  .thenApply(
                      done -> {
                        List<CellTable> all = new ArrayList<>();
                        for (CompletableFuture<List<CellTable>> tables : each) {
                          all.addAll(tables.join());
                        }
                        return List.copyOf(all);
                      });
            });
  }

  /** The catalog schema of a canvas's cells: {@code canvas_<canvasId>}. */
  public static String schema(String canvasId) {
    return CellTable.SCHEMA_PREFIX + canvasId;
  }

  /**
   * The tables of one canvas of {@code projectId} (none if it is gone or another project's): each
   * SQL cell whose run state holds a result, in schema {@link #schema}, named after the cell's
   * {@code name}, or its id where it has none or where its name is another cell's name or id too
   * (names compared as DuckDB does, ignoring case), so that every table of a canvas has a name of
   * its own.
   */
  static List<CellTable> tables(
      String projectId, CanvasEntity.Snapshot canvas, CanvasEntity.Snapshot state) {
    if (!canvas.exists() || !projectId.equals(canvas.projectId()) || !state.exists()) {
      return List.of();
    }
    JsonNode cells = canvas.data().path("cells");
    Map<String, Integer> uses = new HashMap<>();
    cells
        .properties()
        .forEach(
            entry -> {
              uses.merge(entry.getKey().toLowerCase(Locale.ROOT), 1, Integer::sum);
              String name = entry.getValue().path("name").asText("").strip();
              if (!name.isEmpty()) uses.merge(name.toLowerCase(Locale.ROOT), 1, Integer::sum);
            });
    List<CellTable> tables = new ArrayList<>();
    cells
        .properties()
        .forEach(
            entry -> {
              JsonNode cell = entry.getValue();
              if (!"sql".equals(cell.path("kind").asText())) return;
              String resultId =
                  state.data().path("cells").path(entry.getKey()).path("resultId").asText("");
              if (resultId.isEmpty()) return;
              String name = cell.path("name").asText("").strip();
              boolean own = !name.isEmpty() && uses.get(name.toLowerCase(Locale.ROOT)) == 1;
              tables.add(
                  new CellTable(schema(canvas.canvasId()), own ? name : entry.getKey(), resultId));
            });
    return tables;
  }

  /** The latest result of a cell, or why there is none ({@code resultId} null then). */
  public record Latest(String resultId, Missing missing, String message) {}

  /** Why a cell has no result to read. */
  public enum Missing {
    /** No such canvas in the project, or no such cell in the canvas. */
    NOT_FOUND,
    /** A cell that does not run (markdown, chart...), or one that has not run successfully. */
    NO_RESULT
  }

  /** The latest result of cell {@code cellId} of canvas {@code canvasId} in {@code projectId}. */
  public CompletionStage<Latest> latest(String projectId, String canvasId, String cellId) {
    String problem = Canvases.checkId(canvasId);
    if (problem != null) {
      return CompletableFuture.completedFuture(new Latest(null, Missing.NOT_FOUND, problem));
    }
    return canvases
        .snapshot(canvasId)
        .thenCombine(
            runs.snapshot(canvasId), (canvas, state) -> latest(canvas, state, projectId, cellId));
  }

  private static Latest latest(
      CanvasEntity.Snapshot canvas, CanvasEntity.Snapshot state, String projectId, String cellId) {
    if (!canvas.exists() || !projectId.equals(canvas.projectId())) {
      return new Latest(
          null, Missing.NOT_FOUND, "No canvas " + canvas.canvasId() + " in project " + projectId);
    }
    JsonNode cell = canvas.data().path("cells").path(cellId);
    if (!cell.isObject()) {
      return new Latest(
          null, Missing.NOT_FOUND, "Canvas " + canvas.canvasId() + " has no cell " + cellId);
    }
    if (!"sql".equals(cell.path("kind").asText())) {
      return new Latest(null, Missing.NO_RESULT, "Cell " + cellId + " is not a SQL cell");
    }
    JsonNode run = state.exists() ? state.data().path("cells").path(cellId) : null;
    String resultId = run == null ? "" : run.path("resultId").asText("");
    if (resultId.isEmpty()) {
      return new Latest(
          null,
          Missing.NO_RESULT,
          "Cell "
              + cellId
              + " has no result yet"
              + (run == null ? "" : " (it is " + run.path("state").asText("idle") + ")")
              + ": run it first");
    }
    return new Latest(resultId, null, null);
  }
}
