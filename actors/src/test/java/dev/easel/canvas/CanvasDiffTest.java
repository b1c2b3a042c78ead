package dev.easel.canvas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The differences between two canvas documents, and between two texts. */
class CanvasDiffTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode json(String text) throws Exception {
    return JSON.readTree(text.replace('\'', '"'));
  }

  static String side(List<TextDiff.Edit> edits, TextDiff.Op skipped) {
    return edits.stream()
        .filter(e -> e.op() != skipped)
        .map(TextDiff.Edit::text)
        .collect(Collectors.joining());
  }

  @Test
  void namesWhatChangedInEachCell() throws Exception {
    JsonNode before =
        json(
            "{'title':'Q3','cells':{"
                + "'a':{'kind':'sql','name':'orders','source':'SELECT *\\nFROM orders\\nWHERE x = 1\\n',"
                + "'layout':{'x':0,'y':0,'w':6,'h':4},'config':{'limit':10,'tags':['a','b'],'old':true}},"
                + "'b':{'kind':'markdown','source':'# Notes','layout':{'x':6,'y':0,'w':6,'h':4}},"
                + "'gone':{'kind':'sql','source':'SELECT 1'},"
                + "'same':{'kind':'sql','source':'SELECT 2'}}}");
    JsonNode after =
        json(
            "{'title':'Q3 plan','cells':{"
                + "'a':{'kind':'sql','name':'orders_by_region','source':'SELECT *\\nFROM orders\\nWHERE x = 2\\n',"
                + "'layout':{'x':0,'y':4,'w':6,'h':4},'config':{'limit':20,'tags':['a','c'],'new/key':1}},"
                + "'b':{'kind':'chart','source':'# Notes','layout':{'x':6,'y':0,'w':12,'h':4}},"
                + "'new':{'kind':'sql','source':'SELECT 3'},"
                + "'same':{'kind':'sql','source':'SELECT 2'}}}");
    CanvasDiff diff = CanvasDiff.between(before, after);
    assertThat(diff.titleChanged()).isTrue();
    assertThat(diff.titleBefore()).isEqualTo("Q3");
    assertThat(diff.titleAfter()).isEqualTo("Q3 plan");
    assertThat(diff.cells().stream().map(CanvasDiff.CellDiff::cellId))
        .containsExactly("a", "b", "gone", "new");
    CanvasDiff.CellDiff a = diff.cells().get(0);
    assertThat(a.change()).isEqualTo(CanvasDiff.Change.CHANGED);
    assertThat(a.moved()).isTrue();
    assertThat(a.resized()).isFalse();
    assertThat(a.renamed()).isTrue();
    assertThat(a.kindChanged()).isFalse();
    assertThat(a.sourceChanged()).isTrue();
    assertThat(a.sourceLines())
        .containsExactly(
            new TextDiff.Edit(TextDiff.Op.EQUAL, "SELECT *\nFROM orders\n"),
            new TextDiff.Edit(TextDiff.Op.DELETE, "WHERE x = 1\n"),
            new TextDiff.Edit(TextDiff.Op.INSERT, "WHERE x = 2\n"));
    assertThat(a.sourceWords())
        .containsExactly(
            new TextDiff.Edit(TextDiff.Op.EQUAL, "SELECT *\nFROM orders\nWHERE x = "),
            new TextDiff.Edit(TextDiff.Op.DELETE, "1"),
            new TextDiff.Edit(TextDiff.Op.INSERT, "2"),
            new TextDiff.Edit(TextDiff.Op.EQUAL, "\n"));
    assertThat(a.config())
        .containsExactly(
            new CanvasDiff.JsonChange("/limit", json("10"), json("20")),
            new CanvasDiff.JsonChange("/new~1key", null, json("1")),
            new CanvasDiff.JsonChange("/old", json("true"), null),
            new CanvasDiff.JsonChange("/tags/1", json("'b'"), json("'c'")));
    CanvasDiff.CellDiff b = diff.cells().get(1);
    assertThat(b.kindChanged()).isTrue();
    assertThat(b.resized()).isTrue();
    assertThat(b.moved()).isFalse();
    assertThat(b.sourceChanged()).isFalse();
    assertThat(b.config()).isEmpty();
    assertThat(diff.cells().get(2).change()).isEqualTo(CanvasDiff.Change.REMOVED);
    assertThat(diff.cells().get(2).after()).isNull();
    assertThat(diff.cells().get(3).change()).isEqualTo(CanvasDiff.Change.ADDED);
    assertThat(diff.cells().get(3).after()).isEqualTo(after.at("/cells/new"));
    // nothing changed, nothing listed; a canvas that did not exist has no cells
    assertThat(CanvasDiff.between(after, after).cells()).isEmpty();
    assertThat(CanvasDiff.between(after, after).titleChanged()).isFalse();
    CanvasDiff created = CanvasDiff.between(null, after);
    assertThat(created.cells()).hasSize(4).allMatch(c -> c.change() == CanvasDiff.Change.ADDED);
  }

  @Test
  void theOpTurningOneDocumentIntoAnotherMakesThemEqualAndItsInverseUndoesIt() throws Exception {
    JsonNode current =
        json(
            "{'title':'Now','cells':{'a':{'kind':'sql','source':'SELECT 2'},"
                + "'b':{'kind':'markdown','source':'hi'},'c':{'kind':'sql','source':'x'}}}");
    JsonNode target =
        json(
            "{'title':'Then','cells':{'a':{'kind':'sql','source':'SELECT 1'},"
                + "'c':{'kind':'sql','source':'x'},'d':{'kind':'input','source':''}}}");
    var op = CanvasDiff.opTurning(current, target);
    assertThat(op).hasSize(4); // title, a replaced, b removed, d inserted; c untouched
    Object doc = dev.easel.ot.Json0.fromJson(current);
    Object turned = dev.easel.ot.Json0.apply(doc, op);
    assertThat(dev.easel.ot.Json0.toJson(turned)).isEqualTo(target);
    Object back =
        dev.easel.ot.Json0.apply(
            dev.easel.ot.Json0.fromJson(target), dev.easel.ot.Json0.invert(op));
    assertThat(dev.easel.ot.Json0.toJson(back)).isEqualTo(current);
    assertThat(CanvasDiff.opTurning(target, target)).isEmpty();
  }

  @Test
  void eitherSideOfARandomTextDiffJoinsBackToItsText() {
    long seed = Long.getLong("easel.seed", System.nanoTime() % 100_000);
    Random random = new Random(seed);
    String[] words = {"SELECT", " ", "a", "b", "\n", ",", "FROM", "t", "é😀", "  "};
    for (int round = 0; round < 500; round++) {
      StringBuilder x = new StringBuilder();
      StringBuilder y = new StringBuilder();
      for (int i = random.nextInt(30); i > 0; i--) x.append(words[random.nextInt(words.length)]);
      for (int i = random.nextInt(30); i > 0; i--) y.append(words[random.nextInt(words.length)]);
      for (List<TextDiff.Edit> edits :
          List.of(
              TextDiff.lines(x.toString(), y.toString()),
              TextDiff.words(x.toString(), y.toString()))) {
        assertThat(side(edits, TextDiff.Op.INSERT)).as("seed %d", seed).isEqualTo(x.toString());
        assertThat(side(edits, TextDiff.Op.DELETE)).as("seed %d", seed).isEqualTo(y.toString());
        for (int i = 1; i < edits.size(); i++) {
          // runs are joined: never two of the same kind in a row, never empty
          assertThat(edits.get(i).op()).as("seed %d", seed).isNotEqualTo(edits.get(i - 1).op());
        }
        assertThat(edits).as("seed %d", seed).allMatch(e -> !e.text().isEmpty());
      }
    }
  }

  @Test
  void aHugeChangeIsReportedWholeInsteadOfComparedLineByLine() {
    String before = "x\n".repeat(3000);
    String after = "y\n".repeat(3000);
    List<TextDiff.Edit> edits = TextDiff.lines(before, after);
    assertThat(edits)
        .containsExactly(
            new TextDiff.Edit(TextDiff.Op.DELETE, before),
            new TextDiff.Edit(TextDiff.Op.INSERT, after));
  }
}
