package dev.easel.cells;

import com.fasterxml.jackson.databind.JsonNode;
import dev.easel.canvas.CanvasEntity;
import dev.easel.canvas.Canvases;
import dev.easel.canvas.DocumentKind;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Finds the latest result of a SQL cell, as its canvas shows it: the result id its run-state
 * document ({@code canvas-runs}) holds. What partners pull by ticket over Flight SQL.
 */
public final class CellResults {
  private final Canvases canvases;
  private final Canvases runs;

  public CellResults(ActorSystem<?> system) {
    this.canvases = new Canvases(system, DocumentKind.CANVAS);
    this.runs = new Canvases(system, DocumentKind.RUNS);
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
      return java.util.concurrent.CompletableFuture.completedFuture(
          new Latest(null, Missing.NOT_FOUND, problem));
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
