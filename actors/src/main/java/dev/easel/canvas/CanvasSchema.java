package dev.easel.canvas;

import dev.easel.ot.Text;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The shape every canvas document must keep:
 *
 * <pre>{ "title": string, "cells": { cellId: { "kind": "sql|chart|markdown|ai|input",
 *   "source": string, "name"?: string, "layout"?: {"x","y","w","h": integers},
 *   "config"?: object } }, "settings"?: { "autoRun"?: boolean } }</pre>
 *
 * An input cell's {@code config.value} is the value SQL cells bind where they name it as {@code
 * $name}; {@code settings.autoRun} (default true) says whether stale cells run again by themselves.
 *
 * <p>Works on the json0 document model ({@code Map}, {@code List}, {@link Text}, {@code Long},
 * {@code Double}, {@code Boolean}, {@code null}). {@link #check(Object, Iterable)} only looks at
 * the parts an op touched, so a keystroke does not revalidate the whole canvas.
 */
public final class CanvasSchema {
  public static final Set<String> KINDS = Set.of("sql", "chart", "markdown", "ai", "input");
  static final Set<String> DOC_KEYS = Set.of("title", "cells", "settings");
  static final Set<String> SETTINGS_KEYS = Set.of("autoRun");
  static final Set<String> CELL_KEYS = Set.of("kind", "name", "source", "layout", "config");
  static final Set<String> LAYOUT_KEYS = Set.of("x", "y", "w", "h");
  public static final Pattern CELL_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  static final int MAX_TITLE = 1_000;
  static final int MAX_NAME = 200;
  static final int MAX_CELLS = 10_000;

  private CanvasSchema() {}

  /** The document a new canvas starts with. */
  public static Map<String, Object> emptyDocument(String title) {
    var doc = new java.util.LinkedHashMap<String, Object>();
    doc.put("title", new Text(title));
    doc.put("cells", new java.util.LinkedHashMap<String, Object>());
    return doc;
  }

  /** Checks the whole document; returns null when valid, else what is wrong. */
  public static String check(Object doc) {
    return checkDocument(doc);
  }

  /**
   * Checks the parts of {@code doc} under the given op paths (each a json0 {@code p} as a list of
   * String/Integer); returns null when valid, else what is wrong.
   */
  public static String check(Object doc, Iterable<List<Object>> touchedPaths) {
    for (List<Object> path : touchedPaths) {
      String problem = checkPath(doc, path);
      if (problem != null) return problem;
    }
    return null;
  }

  private static String checkPath(Object doc, List<Object> path) {
    if (path.isEmpty() || !(doc instanceof Map<?, ?> root)) return checkDocument(doc);
    Object top = path.get(0);
    if (path.size() == 1 || !"cells".equals(top)) {
      if (!DOC_KEYS.contains(String.valueOf(top)) || !root.containsKey(top)) {
        return checkDocument(doc);
      }
      return switch (String.valueOf(top)) {
        case "title" -> checkTitle(root.get("title"));
        case "settings" -> checkSettings(root.get("settings"));
        default -> checkCells(root.get("cells"));
      };
    }
    if (!(root.get("cells") instanceof Map<?, ?> cells)) return "cells must be an object";
    Object cellId = path.get(1);
    if (!cells.containsKey(cellId)) return null; // the cell was removed: nothing left to check
    return checkCell(String.valueOf(cellId), cells.get(cellId));
  }

  private static String checkDocument(Object doc) {
    if (!(doc instanceof Map<?, ?> root)) return "a canvas document must be an object";
    for (Object key : root.keySet()) {
      if (!DOC_KEYS.contains(key)) return "unknown top-level field '" + key + "'";
    }
    if (!root.containsKey("title")) return "title is missing";
    if (!root.containsKey("cells")) return "cells is missing";
    String problem = checkTitle(root.get("title"));
    if (problem == null && root.containsKey("settings")) {
      problem = checkSettings(root.get("settings"));
    }
    return problem != null ? problem : checkCells(root.get("cells"));
  }

  private static String checkSettings(Object settings) {
    if (!(settings instanceof Map<?, ?> map)) return "settings must be an object";
    for (var entry : map.entrySet()) {
      if (!SETTINGS_KEYS.contains(entry.getKey())) {
        return "settings has unknown field '" + entry.getKey() + "'";
      }
      if (!(entry.getValue() instanceof Boolean)) return "settings.autoRun must be true or false";
    }
    return null;
  }

  private static String checkTitle(Object title) {
    if (!(title instanceof Text text)) return "title must be a string";
    if (text.length() > MAX_TITLE) return "title is longer than " + MAX_TITLE + " characters";
    return null;
  }

  private static String checkCells(Object cells) {
    if (!(cells instanceof Map<?, ?> map)) return "cells must be an object";
    if (map.size() > MAX_CELLS) return "a canvas holds at most " + MAX_CELLS + " cells";
    for (var entry : map.entrySet()) {
      String problem = checkCell(String.valueOf(entry.getKey()), entry.getValue());
      if (problem != null) return problem;
    }
    return null;
  }

  private static String checkCell(String id, Object value) {
    String where = "cell '" + id + "': ";
    if (!CELL_ID.matcher(id).matches()) {
      return where + "a cell id is 1 to 64 letters, digits, '-' or '_'";
    }
    if (!(value instanceof Map<?, ?> cell)) return where + "must be an object";
    for (Object key : cell.keySet()) {
      if (!CELL_KEYS.contains(key)) return where + "unknown field '" + key + "'";
    }
    if (!(cell.get("kind") instanceof Text kind)) return where + "kind must be a string";
    if (!KINDS.contains(kind.toString())) {
      return where + "kind must be one of sql, chart, markdown, ai, input (was '" + kind + "')";
    }
    if (!(cell.get("source") instanceof Text)) return where + "source must be a string";
    if (cell.containsKey("name")) {
      if (!(cell.get("name") instanceof Text name)) return where + "name must be a string";
      if (name.length() > MAX_NAME) return where + "name is longer than " + MAX_NAME;
    }
    if (cell.containsKey("layout")) {
      if (!(cell.get("layout") instanceof Map<?, ?> layout)) {
        return where + "layout must be an object";
      }
      for (var entry : layout.entrySet()) {
        if (!LAYOUT_KEYS.contains(entry.getKey())) {
          return where + "layout has unknown field '" + entry.getKey() + "'";
        }
        if (!isInteger(entry.getValue())) {
          return where + "layout." + entry.getKey() + " must be an integer";
        }
      }
    }
    if (cell.containsKey("config") && !(cell.get("config") instanceof Map<?, ?>)) {
      return where + "config must be an object";
    }
    return null;
  }

  private static boolean isInteger(Object value) {
    if (value instanceof Long || value instanceof Integer) return true;
    return value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9.007199254740992E15;
  }
}
