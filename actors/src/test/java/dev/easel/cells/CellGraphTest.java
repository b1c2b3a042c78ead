package dev.easel.cells;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.easel.cells.CellGraph.Cell;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CellGraphTest {

  private static Cell cell(String id, String name, String... references) {
    return new Cell(id, name, List.of(references));
  }

  @Test
  void cellsReadCellsByNameAndTheRestAreDatasets() {
    CellGraph graph =
        CellGraph.of(
            List.of(
                cell("c3", "by_region", "Orders_Clean", "regions"),
                cell("c1", "orders_clean", "orders"),
                cell("c2", "", "by_region")));
    assertThat(graph.inputs("c3")).containsExactly("c1");
    assertThat(graph.datasets("c3")).containsExactly("regions");
    assertThat(graph.datasets("c1")).containsExactly("orders");
    assertThat(graph.upstream("c2")).containsExactly("c1", "c3");
    assertThat(graph.downstream("c1")).containsExactly("c3", "c2");
    assertThat(graph.runOrder()).containsExactly("c1", "c3", "c2");
    assertThat(graph.problems()).isEmpty();
  }

  @Test
  void aCycleIsReportedOnEveryCellInItAndOnWhatReadsIt() {
    CellGraph graph =
        CellGraph.of(
            List.of(
                cell("r", "report", "b"),
                cell("a", "a", "c", "orders"),
                cell("b", "b", "a"),
                cell("c", "c", "b"),
                cell("s", "self", "self"),
                cell("ok", "ok", "orders")));
    assertThat(graph.problems())
        .containsEntry("a", "it is in a cycle: a reads c reads b reads a")
        .containsEntry("b", "it is in a cycle: b reads a reads c reads b")
        .containsEntry("c", "it is in a cycle: c reads b reads a reads c")
        .containsEntry("s", "it is in a cycle: self reads self")
        .containsEntry("r", "it reads b, which cannot run")
        .doesNotContainKey("ok");
    assertThat(graph.runOrder()).containsExactly("ok");
  }

  @Test
  void twoCellsWithOneNameCannotRunNorCanTheirReaders() {
    CellGraph graph =
        CellGraph.of(
            List.of(cell("x", "Totals"), cell("y", "totals"), cell("z", "chart", "TOTALS")));
    assertThat(graph.problems())
        .containsEntry("x", "2 cells are named totals: rename all but one")
        .containsEntry("y", "2 cells are named totals: rename all but one")
        .containsEntry("z", "it reads Totals, which cannot run");
  }

  @Test
  void unknownCellsAndRepeatedIdsAreRefused() {
    CellGraph graph = CellGraph.of(List.of(cell("a", "a")));
    assertThatThrownBy(() -> graph.upstream("nope")).hasMessage("no cell nope on this canvas");
    assertThatThrownBy(() -> CellGraph.of(List.of(cell("a", "a"), cell("a", "b"))))
        .hasMessage("cell a is listed twice");
  }

  /**
   * Random graphs against a brute-force closure: upstream and downstream are exactly the cells
   * reachable, every order puts a cell after what it reads, and a cell has a problem exactly when
   * it is on or reads a cycle.
   */
  @Test
  void randomGraphsAgreeWithBruteForce() {
    long seed = Long.getLong("easel.seed", System.nanoTime());
    System.out.println("CellGraphTest seed " + seed + " (replay with -Deasel.seed=" + seed + ")");
    Random random = new Random(seed);
    for (int round = 0; round < 300; round++) {
      int n = 1 + random.nextInt(12);
      boolean[][] reads = new boolean[n][n];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          // mostly reads of earlier cells; sometimes a later one or itself, which may close a cycle
          double p = j < i ? 0.3 : 0.03;
          reads[i][j] = random.nextDouble() < p;
        }
      }
      List<Cell> cells = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        List<String> references = new ArrayList<>();
        for (int j = 0; j < n; j++) if (reads[i][j]) references.add("N" + j);
        if (random.nextBoolean()) references.add("dataset" + random.nextInt(3));
        cells.add(new Cell("id" + i, "n" + i, references));
      }
      CellGraph graph = CellGraph.of(cells);

      boolean[][] reach = new boolean[n][n];
      for (int i = 0; i < n; i++) reach[i] = reads[i].clone();
      for (int k = 0; k < n; k++)
        for (int i = 0; i < n; i++)
          for (int j = 0; j < n; j++) reach[i][j] |= reach[i][k] && reach[k][j];

      String context = "seed " + seed + " round " + round;
      for (int i = 0; i < n; i++) {
        Set<String> up = new HashSet<>();
        Set<String> down = new HashSet<>();
        for (int j = 0; j < n; j++) {
          if (reach[i][j] && j != i) up.add("id" + j);
          if (reach[j][i] && j != i) down.add("id" + j);
        }
        assertThat(graph.upstream("id" + i)).as(context).containsExactlyInAnyOrderElementsOf(up);
        assertThat(graph.downstream("id" + i))
            .as(context)
            .containsExactlyInAnyOrderElementsOf(down);
        boolean blocked = false;
        for (int j = 0; j < n; j++) blocked |= (reach[i][j] || i == j) && reach[j][j];
        assertThat(graph.problems().containsKey("id" + i))
            .as(context + " cell " + i)
            .isEqualTo(blocked);
      }
      List<String> order = graph.runOrder();
      for (int a = 0; a < order.size(); a++) {
        int i = Integer.parseInt(order.get(a).substring(2));
        for (int b = a + 1; b < order.size(); b++) {
          int j = Integer.parseInt(order.get(b).substring(2));
          assertThat(reads[i][j]).as(context + ": " + i + " runs before its input " + j).isFalse();
        }
      }
    }
  }
}
