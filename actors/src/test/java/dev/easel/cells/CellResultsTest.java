package dev.easel.cells;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.easel.canvas.CanvasEntity;
import dev.easel.query.CellTable;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The tables a canvas's cells are in the Flight SQL catalog: which cells, under which names. */
class CellResultsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static CanvasEntity.Snapshot snapshot(String projectId, String json) throws Exception {
    return new CanvasEntity.Snapshot("Cv1", 3, JSON.readTree(json), Instant.EPOCH, projectId);
  }

  @Test
  void eachSqlCellWithAResultIsATableNamedAfterItInTheCanvasSchema() throws Exception {
    CanvasEntity.Snapshot canvas =
        snapshot(
            "p1",
            """
            {"cells": {
              "c1": {"kind": "sql", "name": " Totals ", "source": "SELECT 1"},
              "c2": {"kind": "sql", "name": "", "source": "SELECT 2"},
              "c3": {"kind": "sql", "name": "twin", "source": "SELECT 3"},
              "c4": {"kind": "sql", "name": "TWIN", "source": "SELECT 4"},
              "c5": {"kind": "sql", "name": "c1", "source": "SELECT 5"},
              "c6": {"kind": "sql", "name": "never", "source": "SELECT 6"},
              "c7": {"kind": "markdown", "name": "notes", "source": "# hi"},
              "c8": {"kind": "sql", "name": "failed", "source": "SELEC"}}}
            """);
    CanvasEntity.Snapshot runs =
        snapshot(
            "p1",
            """
            {"cells": {
              "c1": {"state": "done", "resultId": "r1"},
              "c2": {"state": "stale", "resultId": "r2"},
              "c3": {"state": "done", "resultId": "r3"},
              "c4": {"state": "done", "resultId": "r4"},
              "c5": {"state": "done", "resultId": "r5"},
              "c6": {"state": "running"},
              "c7": {"state": "done", "resultId": "r7"},
              "c8": {"state": "failed", "error": {"message": "Parser Error"}}}}
            """);
    // A name of its own is the table's name; unnamed cells, names used twice (ignoring case) and a
    // name that is another cell's id are listed under their ids: every table has a name of its own.
    assertThat(CellResults.tables("p1", canvas, runs))
        .containsExactly(
            new CellTable("canvas_Cv1", "Totals", "r1"),
            new CellTable("canvas_Cv1", "c2", "r2"),
            new CellTable("canvas_Cv1", "c3", "r3"),
            new CellTable("canvas_Cv1", "c4", "r4"),
            new CellTable("canvas_Cv1", "c5", "r5"));
    // A canvas of another project (or one that is gone) has no tables in this one.
    assertThat(CellResults.tables("p2", canvas, runs)).isEmpty();
    assertThat(CellResults.tables("p1", snapshot(null, "null"), runs)).isEmpty();
  }
}
