package dev.easel.canvas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * What changed between two canvas documents (two versions of one canvas, or two canvases): the
 * title, and per cell whether it was added, removed or changed, and how: moved ({@code
 * layout.x/y}), resized ({@code layout.w/h}), renamed, its kind changed, its {@code source} (by
 * lines and by words) and its {@code config} (as JSON changes). A document that does not exist
 * counts as one without title or cells. Cells are listed by id.
 */
public record CanvasDiff(String titleBefore, String titleAfter, List<CellDiff> cells) {

  public boolean titleChanged() {
    return !titleBefore.equals(titleAfter);
  }

  public enum Change {
    ADDED,
    REMOVED,
    CHANGED
  }

  /**
   * One cell that differs: {@code before} and {@code after} are the cell on each side (null where
   * it does not exist). For a changed cell the flags say what changed; {@code sourceLines} and
   * {@code sourceWords} are the differences of its source (empty unless the source changed), {@code
   * config} those of its config.
   */
  public record CellDiff(
      String cellId,
      Change change,
      JsonNode before,
      JsonNode after,
      boolean moved,
      boolean resized,
      boolean renamed,
      boolean kindChanged,
      List<TextDiff.Edit> sourceLines,
      List<TextDiff.Edit> sourceWords,
      List<JsonChange> config) {
    public boolean sourceChanged() {
      return !sourceLines.isEmpty();
    }
  }

  /**
   * One JSON difference at {@code path} (a JSON pointer): {@code before} missing means added,
   * {@code after} missing means removed, both present means replaced.
   */
  public record JsonChange(String path, JsonNode before, JsonNode after) {}

  /**
   * The differences from document {@code before} to document {@code after} (either may be null).
   */
  public static CanvasDiff between(JsonNode before, JsonNode after) {
    JsonNode a = before == null ? MissingNode.getInstance() : before;
    JsonNode b = after == null ? MissingNode.getInstance() : after;
    TreeSet<String> ids = new TreeSet<>();
    a.path("cells").fieldNames().forEachRemaining(ids::add);
    b.path("cells").fieldNames().forEachRemaining(ids::add);
    List<CellDiff> cells = new ArrayList<>();
    for (String id : ids) {
      JsonNode x = a.path("cells").get(id);
      JsonNode y = b.path("cells").get(id);
      if (x == null || y == null) {
        Change change = x == null ? Change.ADDED : Change.REMOVED;
        cells.add(
            new CellDiff(
                id, change, x, y, false, false, false, false, List.of(), List.of(), List.of()));
      } else if (!x.equals(y)) {
        cells.add(changed(id, x, y));
      }
    }
    return new CanvasDiff(a.path("title").asText(""), b.path("title").asText(""), cells);
  }

  /**
   * The json0 op that turns document {@code current} into document {@code target} (both existing):
   * the title replaced if it differs, each cell that differs removed, inserted or replaced whole.
   * Empty when they are equal. Applied as an ordinary op, it is transformed against concurrent
   * edits and reaches every collaborator; its inverse undoes it.
   */
  public static ArrayNode opTurning(JsonNode current, JsonNode target) {
    ArrayNode op = JsonNodeFactory.instance.arrayNode();
    if (!current.path("title").equals(target.path("title"))) {
      ObjectNode title = op.addObject();
      title.putArray("p").add("title");
      if (current.has("title")) title.set("od", current.get("title"));
      if (target.has("title")) title.set("oi", target.get("title"));
    }
    for (CellDiff cell : between(current, target).cells()) {
      ObjectNode component = op.addObject();
      component.putArray("p").add("cells").add(cell.cellId());
      if (cell.before() != null) component.set("od", cell.before());
      if (cell.after() != null) component.set("oi", cell.after());
    }
    return op;
  }

  private static CellDiff changed(String id, JsonNode x, JsonNode y) {
    JsonNode from = x.path("layout");
    JsonNode to = y.path("layout");
    boolean moved = !from.path("x").equals(to.path("x")) || !from.path("y").equals(to.path("y"));
    boolean resized = !from.path("w").equals(to.path("w")) || !from.path("h").equals(to.path("h"));
    String sourceBefore = x.path("source").asText("");
    String sourceAfter = y.path("source").asText("");
    boolean sourceChanged = !sourceBefore.equals(sourceAfter);
    List<JsonChange> config = new ArrayList<>();
    json("", x.path("config"), y.path("config"), config);
    return new CellDiff(
        id,
        Change.CHANGED,
        x,
        y,
        moved,
        resized,
        !x.path("name").equals(y.path("name")),
        !x.path("kind").equals(y.path("kind")),
        sourceChanged ? TextDiff.lines(sourceBefore, sourceAfter) : List.of(),
        sourceChanged ? TextDiff.words(sourceBefore, sourceAfter) : List.of(),
        config);
  }

  /** The JSON differences between {@code a} and {@code b} under {@code path}, into {@code out}. */
  static void json(String path, JsonNode a, JsonNode b, List<JsonChange> out) {
    if (a.equals(b)) return;
    if (a.isMissingNode() || b.isMissingNode()) {
      out.add(new JsonChange(path, a.isMissingNode() ? null : a, b.isMissingNode() ? null : b));
    } else if (a.isObject() && b.isObject()) {
      TreeSet<String> keys = new TreeSet<>();
      a.fieldNames().forEachRemaining(keys::add);
      b.fieldNames().forEachRemaining(keys::add);
      for (String key : keys) json(path + "/" + escape(key), a.path(key), b.path(key), out);
    } else if (a.isArray() && b.isArray() && a.size() == b.size()) {
      Iterator<JsonNode> x = a.elements();
      Iterator<JsonNode> y = b.elements();
      for (int i = 0; x.hasNext(); i++) json(path + "/" + i, x.next(), y.next(), out);
    } else {
      out.add(new JsonChange(path, a, b));
    }
  }

  private static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
