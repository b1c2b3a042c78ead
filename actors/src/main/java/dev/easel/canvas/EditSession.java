package dev.easel.canvas;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One stretch of a canvas's timeline: the changes at versions {@code fromVersion} (inclusive) to
 * {@code toVersion} (exclusive), made between {@code startedAt} and {@code endedAt} with less than
 * the session gap between one change and the next. It says who edited ({@code authors}, the most
 * recent first), which cells the changes touched ({@code cells}, most recent first), whether the
 * title changed, and whether the canvas was created or deleted in it.
 */
public record EditSession(
    long fromVersion,
    long toVersion,
    Instant startedAt,
    Instant endedAt,
    List<String> authors,
    List<String> cells,
    boolean titleChanged,
    boolean created,
    boolean deleted) {

  /** How many changes the session holds. */
  public long changes() {
    return toVersion - fromVersion;
  }

  /**
   * The sessions of {@code ops} (consecutive changes, oldest first), newest session first: a new
   * session starts where more than {@code gap} passed since the change before.
   */
  public static List<EditSession> group(List<CanvasOp> ops, Duration gap) {
    List<EditSession> sessions = new ArrayList<>();
    int end = ops.size();
    while (end > 0) {
      int start = end - 1;
      while (start > 0
          && !ops.get(start).at().isAfter(ops.get(start - 1).at().plus(gap))
          && ops.get(start - 1).v() == ops.get(start).v() - 1) {
        start--;
      }
      sessions.add(of(ops.subList(start, end)));
      end = start;
    }
    return sessions;
  }

  /** The session made of {@code ops} (consecutive, oldest first, at least one). */
  static EditSession of(List<CanvasOp> ops) {
    Set<String> authors = new LinkedHashSet<>();
    Set<String> cells = new LinkedHashSet<>();
    boolean title = false;
    boolean created = false;
    boolean deleted = false;
    for (int i = ops.size() - 1; i >= 0; i--) {
      CanvasOp op = ops.get(i);
      if (op.author() != null && !op.author().isEmpty()) authors.add(op.author());
      switch (op.kind()) {
        case CREATE -> {
          created = true;
          op.body().path("cells").fieldNames().forEachRemaining(cells::add);
        }
        case DELETE -> deleted = true;
        case EDIT -> {
          for (JsonNode component : op.body()) {
            JsonNode path = component.path("p");
            String top = path.path(0).asText();
            if (top.equals("title") || path.isEmpty() && touchesTitle(component)) title = true;
            if (top.equals("cells")) {
              if (path.size() >= 2) cells.add(path.get(1).asText());
              else {
                // the whole map of cells replaced: every cell on either side was touched
                component.path("od").fieldNames().forEachRemaining(cells::add);
                component.path("oi").fieldNames().forEachRemaining(cells::add);
              }
            } else if (path.isEmpty()) {
              component.path("od").path("cells").fieldNames().forEachRemaining(cells::add);
              component.path("oi").path("cells").fieldNames().forEachRemaining(cells::add);
            }
          }
        }
      }
    }
    CanvasOp first = ops.get(0);
    CanvasOp last = ops.get(ops.size() - 1);
    return new EditSession(
        first.v(),
        last.v() + 1,
        first.at(),
        last.at(),
        Collections.unmodifiableList(new ArrayList<>(authors)),
        Collections.unmodifiableList(new ArrayList<>(cells)),
        title,
        created,
        deleted);
  }

  private static boolean touchesTitle(JsonNode component) {
    return !component.path("od").path("title").equals(component.path("oi").path("title"));
  }
}
