package dev.easel.gateway;

import dev.easel.api.v1.CellDiff;
import dev.easel.api.v1.JsonChange;
import dev.easel.api.v1.TextEdit;
import dev.easel.canvas.CanvasDiff;
import dev.easel.canvas.TextDiff;
import java.util.List;
import java.util.Locale;

/** {@code CanvasService.DiffCanvas}'s answer: a {@link CanvasDiff} as protobuf. */
final class CanvasDiffs {
  private CanvasDiffs() {}

  static dev.easel.api.v1.CanvasDiff toProto(
      String canvasId, long fromVersion, long toVersion, CanvasDiff diff) {
    var proto =
        dev.easel.api.v1.CanvasDiff.newBuilder()
            .setCanvasId(canvasId)
            .setFromVersion(fromVersion)
            .setToVersion(toVersion)
            .setTitleChanged(diff.titleChanged())
            .setTitleBefore(diff.titleBefore())
            .setTitleAfter(diff.titleAfter());
    for (CanvasDiff.CellDiff cell : diff.cells()) {
      CellDiff.Builder out =
          proto
              .addCellsBuilder()
              .setCellId(cell.cellId())
              .setChange(cell.change().name().toLowerCase(Locale.ROOT))
              .setMoved(cell.moved())
              .setResized(cell.resized())
              .setRenamed(cell.renamed())
              .setKindChanged(cell.kindChanged())
              .setSourceChanged(cell.sourceChanged());
      if (cell.before() != null) out.setBefore(JsonStructs.struct(cell.before()));
      if (cell.after() != null) out.setAfter(JsonStructs.struct(cell.after()));
      addEdits(cell.sourceLines(), out::addSourceLines);
      addEdits(cell.sourceWords(), out::addSourceWords);
      for (CanvasDiff.JsonChange change : cell.config()) {
        JsonChange.Builder json = out.addConfigBuilder().setPath(change.path());
        if (change.before() == null) json.setOp("add");
        else if (change.after() == null) json.setOp("remove");
        else json.setOp("replace");
        if (change.before() != null) json.setBefore(JsonStructs.value(change.before()));
        if (change.after() != null) json.setAfter(JsonStructs.value(change.after()));
      }
    }
    return proto.build();
  }

  private static void addEdits(
      List<TextDiff.Edit> edits, java.util.function.Consumer<TextEdit> add) {
    for (TextDiff.Edit edit : edits) {
      add.accept(
          TextEdit.newBuilder()
              .setOp(edit.op().name().toLowerCase(Locale.ROOT))
              .setText(edit.text())
              .build());
    }
  }
}
