package dev.easel.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.rpc.Code;
import dev.easel.api.v1.CellColumn;
import dev.easel.api.v1.CellError;
import dev.easel.api.v1.CellRun;
import dev.easel.cells.CanvasRunner;

/** {@code CanvasService.RunCell}'s answer: a cell's run state (JSON of canvas-runs) as protobuf. */
final class CellRunReplies {
  private CellRunReplies() {}

  /** The run state of {@code run}, or its refusal as the API's error. */
  static CellRun answer(String canvasId, CanvasRunner.CellRun run) {
    if (run.refusal() != null) {
      throw switch (run.refusal()) {
        case CANVAS_NOT_FOUND -> ApiErrors.notFound(canvasId);
        case CELL_NOT_FOUND ->
            ApiErrors.status(
                Code.NOT_FOUND,
                "CELL_NOT_FOUND",
                "Canvas " + canvasId + " has no cell " + run.cellId(),
                "cellId");
        case NOT_A_SQL_CELL ->
            ApiErrors.status(
                Code.FAILED_PRECONDITION,
                "NOT_A_SQL_CELL",
                "Cell " + run.cellId() + " is not a SQL or chart cell: only those run",
                "cellId");
      };
    }
    JsonNode state = run.state();
    CellRun.Builder answer =
        CellRun.newBuilder()
            .setCellId(run.cellId())
            .setState(state.path("state").asText("idle"))
            .setResultId(state.path("resultId").asText(""))
            .setRowCount(state.path("rowCount").asLong(0))
            .setTruncated(state.path("truncated").asBoolean(false))
            .setDurationMs(state.path("durationMs").asLong(0))
            .setStartedAt(state.path("startedAt").asText(""))
            .setFinishedAt(state.path("finishedAt").asText(""));
    for (JsonNode column : state.path("columns")) {
      answer.addColumns(
          CellColumn.newBuilder()
              .setName(column.path("name").asText())
              .setType(column.path("type").asText()));
    }
    for (JsonNode row : state.path("preview")) answer.addPreview(ProtoValues.list(row));
    JsonNode error = state.path("error");
    if (error.isObject()) {
      answer.setError(
          CellError.newBuilder()
              .setMessage(error.path("message").asText(""))
              .setReason(error.path("reason").asText(""))
              .setPosition(error.path("position").asInt(-1))
              .setLine(error.path("line").asInt(-1))
              .setColumn(error.path("column").asInt(-1)));
    }
    return answer.build();
  }
}
