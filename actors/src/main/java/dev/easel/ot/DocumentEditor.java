package dev.easel.ot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Applies validated json0 components to a document model in place, keeping the inverse of each
 * applied component (with the values it actually removed) so that a refused component rolls the
 * whole op back.
 */
final class DocumentEditor {

  /** Reverts one applied component; returns the root after reverting. */
  @FunctionalInterface
  private interface Undo {
    Object revert(Object root);
  }

  private DocumentEditor() {}

  /**
   * Applies {@code op}; when {@code inverse} is not null, appends to it the op that undoes this one
   * (each component's inverse with the values it actually removed, last component first).
   */
  static Object apply(Object doc, ArrayNode op, ArrayNode inverse) {
    Object root = doc;
    // A single component validates before it mutates, so it needs no undo log.
    List<Undo> undos = op.size() > 1 ? new ArrayList<>(op.size()) : null;
    List<ObjectNode> inverses = inverse != null ? new ArrayList<>(op.size()) : null;
    try {
      for (int i = 0; i < op.size(); i++) {
        root = applyComponent(root, (ObjectNode) op.get(i), i, undos, inverses);
      }
    } catch (RuntimeException e) {
      if (undos != null) {
        for (int k = undos.size() - 1; k >= 0; k--) {
          root = undos.get(k).revert(root);
        }
      }
      throw e;
    }
    if (inverse != null) {
      for (int k = inverses.size() - 1; k >= 0; k--) {
        inverse.add(inverses.get(k));
      }
    }
    return root;
  }

  private static ObjectNode inverseAt(ArrayNode p, List<ObjectNode> inverses) {
    ObjectNode inv = JsValues.NODES.objectNode();
    inv.set("p", p.deepCopy());
    inverses.add(inv);
    return inv;
  }

  private static Object applyComponent(
      Object root, ObjectNode c, int index, List<Undo> undos, List<ObjectNode> inverses) {
    ArrayNode p = JsValues.path(c);
    int depth = p.size();
    JsonNode si = c.get("si");
    JsonNode sd = c.get("sd");
    if (si != null || sd != null) {
      editText(root, p, si, sd, index, undos);
      if (inverses != null) {
        ObjectNode inv = inverseAt(p, inverses);
        if (si != null) {
          inv.set("sd", si);
        } else {
          inv.set("si", sd);
        }
      }
      return root;
    }
    if (depth == 0) {
      Object replaced = replaceRoot(root, c, index, undos);
      if (inverses != null) {
        ObjectNode inv = inverseAt(p, inverses);
        if (replaced != null) {
          inv.set("od", Json0.toJson(replaced));
        }
        inv.set("oi", Json0.toJson(root));
      }
      return replaced;
    }
    Object container = walk(root, p, depth - 1, index);
    JsonNode key = p.get(depth - 1);
    ObjectNode inv = inverses != null ? inverseAt(p, inverses) : null;
    if (c.has("na")) {
      addToNumber(container, key, c.get("na"), p, index, undos, inv);
    } else if (c.has("li") || c.has("ld")) {
      editList(container, key, c.get("li"), c.has("ld"), p, index, undos, inv);
    } else if (c.has("lm")) {
      moveInList(container, key, c.get("lm").intValue(), p, index, undos, inv);
    } else {
      editObject(container, key.textValue(), c.get("oi"), p, index, undos, inv);
    }
    return root;
  }

  private static Object replaceRoot(Object root, ObjectNode c, int index, List<Undo> undos) {
    Object replacement;
    if (c.has("na")) {
      if (!(root instanceof Number number)) {
        throw Json0Exception.component(
            index, "na at path [] needs a number at the root, found " + describe(root));
      }
      replacement = add(number, c.get("na"));
    } else if (c.has("oi")) {
      replacement = Json0.fromJson(c.get("oi"));
    } else {
      // A lone od at the root leaves no document (undefined in JavaScript).
      replacement = null;
    }
    if (undos != null) {
      undos.add(current -> root);
    }
    return replacement;
  }

  private static void editText(
      Object root, ArrayNode p, JsonNode si, JsonNode sd, int index, List<Undo> undos) {
    int depth = p.size();
    Object target = walk(root, p, depth - 1, index);
    if (!(target instanceof Text text)) {
      throw Json0Exception.component(
          index,
          (si != null ? "si" : "sd")
              + " at path "
              + p
              + " needs a string at "
              + JsValues.describePath(p, depth - 1)
              + ", found "
              + describe(target));
    }
    int pos = p.get(depth - 1).intValue();
    if (si != null) {
      String inserted = si.textValue();
      if (pos > text.length()) {
        throw Json0Exception.component(
            index, "path " + p + " is past the end of the string (length " + text.length() + ")");
      }
      text.insert(pos, inserted);
      if (undos != null) {
        undos.add(
            current -> {
              text.delete(pos, inserted.length());
              return current;
            });
      }
    } else {
      String deleted = sd.textValue();
      if (pos > text.length() || deleted.length() > text.length() - pos) {
        throw Json0Exception.component(
            index,
            "path "
                + p
                + ": sd of "
                + deleted.length()
                + " chars runs past the end of the string (length "
                + text.length()
                + ")");
      }
      if (!text.regionMatches(pos, deleted)) {
        throw Json0Exception.component(
            index,
            "sd "
                + JsValues.abbreviate(quote(deleted))
                + " does not match the text "
                + JsValues.abbreviate(quote(text.substring(pos, pos + deleted.length())))
                + " at path "
                + p);
      }
      text.delete(pos, deleted.length());
      if (undos != null) {
        undos.add(
            current -> {
              text.insert(pos, deleted);
              return current;
            });
      }
    }
  }

  private static void addToNumber(
      Object container,
      JsonNode key,
      JsonNode na,
      ArrayNode p,
      int index,
      List<Undo> undos,
      ObjectNode inv) {
    if (container instanceof Map<?, ?> raw && key.isTextual()) {
      Map<String, Object> map = asObject(raw);
      String name = key.textValue();
      Object old = map.get(name);
      if (!(old instanceof Number number)) {
        throw notANumber(p, old, map.containsKey(name), index);
      }
      Object sum = add(number, na);
      map.put(name, sum);
      invertAdd(inv, "od", "oi", number, sum, na);
      if (undos != null) {
        undos.add(
            current -> {
              map.put(name, old);
              return current;
            });
      }
    } else if (container instanceof List<?> raw && key.isIntegralNumber()) {
      List<Object> list = asList(raw);
      int i = key.intValue();
      Object old = i < list.size() ? list.get(i) : null;
      if (!(old instanceof Number number)) {
        throw notANumber(p, old, i < list.size(), index);
      }
      Object sum = add(number, na);
      list.set(i, sum);
      invertAdd(inv, "ld", "li", number, sum, na);
      if (undos != null) {
        undos.add(
            current -> {
              list.set(i, old);
              return current;
            });
      }
    } else {
      throw Json0Exception.component(
          index, "path " + p + " does not exist: " + missingChild(container, key, p));
    }
  }

  /**
   * The inverse of a number add: {@code -na} when the arithmetic was exact (integers), else a
   * replacement back to the old value, since {@code x + 0.1 - 0.1} need not be {@code x}.
   */
  private static void invertAdd(
      ObjectNode inv, String delete, String insert, Number old, Object sum, JsonNode na) {
    if (inv == null) {
      return;
    }
    if (old instanceof Long && sum instanceof Long && na.isIntegralNumber()) {
      inv.set("na", JsValues.negate(na));
    } else {
      inv.set(delete, Json0.toJson(sum));
      inv.set(insert, Json0.toJson(old));
    }
  }

  private static Json0Exception notANumber(ArrayNode p, Object found, boolean exists, int index) {
    if (!exists) {
      return Json0Exception.component(index, "na at path " + p + ": there is nothing there");
    }
    return Json0Exception.component(
        index, "na at path " + p + " needs a number, found " + describe(found));
  }

  private static void editList(
      Object container,
      JsonNode key,
      JsonNode inserted,
      boolean deletes,
      ArrayNode p,
      int index,
      List<Undo> undos,
      ObjectNode inv) {
    String what = inserted != null && deletes ? "li+ld" : inserted != null ? "li" : "ld";
    if (!(container instanceof List<?> raw)) {
      throw Json0Exception.component(
          index,
          what
              + " at path "
              + p
              + " needs a list at "
              + JsValues.describePath(p, p.size() - 1)
              + ", found "
              + describe(container));
    }
    List<Object> list = asList(raw);
    int i = key.intValue();
    int limit = deletes ? list.size() - 1 : list.size();
    if (i > limit) {
      throw Json0Exception.component(
          index,
          what
              + " at path "
              + p
              + ": index "
              + i
              + " is past the end of the list (length "
              + list.size()
              + ")");
    }
    if (inserted != null && deletes) {
      Object old = list.set(i, Json0.fromJson(inserted));
      if (inv != null) {
        inv.set("ld", inserted.deepCopy());
        inv.set("li", Json0.toJson(old));
      }
      if (undos != null) {
        undos.add(
            current -> {
              list.set(i, old);
              return current;
            });
      }
    } else if (inserted != null) {
      list.add(i, Json0.fromJson(inserted));
      if (inv != null) {
        inv.set("ld", inserted.deepCopy());
      }
      if (undos != null) {
        undos.add(
            current -> {
              list.remove(i);
              return current;
            });
      }
    } else {
      Object old = list.remove(i);
      if (inv != null) {
        inv.set("li", Json0.toJson(old));
      }
      if (undos != null) {
        undos.add(
            current -> {
              list.add(i, old);
              return current;
            });
      }
    }
  }

  private static void moveInList(
      Object container,
      JsonNode key,
      int to,
      ArrayNode p,
      int index,
      List<Undo> undos,
      ObjectNode inv) {
    if (!(container instanceof List<?> raw)) {
      throw Json0Exception.component(
          index,
          "lm at path "
              + p
              + " needs a list at "
              + JsValues.describePath(p, p.size() - 1)
              + ", found "
              + describe(container));
    }
    List<Object> list = asList(raw);
    int from = key.intValue();
    if (from >= list.size() || to >= list.size()) {
      throw Json0Exception.component(
          index,
          "lm from "
              + from
              + " to "
              + to
              + " at path "
              + p
              + " is past the end of the list (length "
              + list.size()
              + ")");
    }
    if (inv != null) {
      ArrayNode back = JsValues.path(inv);
      back.set(back.size() - 1, JsValues.integer(to));
      inv.put("lm", from);
    }
    if (from == to) {
      return;
    }
    list.add(to, list.remove(from));
    if (undos != null) {
      undos.add(
          current -> {
            list.add(from, list.remove(to));
            return current;
          });
    }
  }

  private static void editObject(
      Object container,
      String key,
      JsonNode inserted,
      ArrayNode p,
      int index,
      List<Undo> undos,
      ObjectNode inv) {
    if (!(container instanceof Map<?, ?> raw)) {
      throw Json0Exception.component(
          index,
          (inserted != null ? "oi" : "od")
              + " at path "
              + p
              + " needs an object at "
              + JsValues.describePath(p, p.size() - 1)
              + ", found "
              + describe(container));
    }
    Map<String, Object> map = asObject(raw);
    boolean existed = map.containsKey(key);
    if (inserted != null) {
      // As in ot-json0, oi replaces whatever is there, whether or not the op says od.
      Object old = map.put(key, Json0.fromJson(inserted));
      if (inv != null) {
        inv.set("od", inserted.deepCopy());
        if (existed) {
          inv.set("oi", Json0.toJson(old));
        }
      }
      if (undos != null) {
        undos.add(
            current -> {
              if (existed) {
                map.put(key, old);
              } else {
                map.remove(key);
              }
              return current;
            });
      }
      return;
    }
    if (!existed) {
      throw Json0Exception.component(
          index, "od at path " + p + ": there is no key \"" + key + "\" to delete");
    }
    int position = undos != null ? positionOf(map, key) : -1;
    Object old = map.remove(key);
    if (inv != null) {
      inv.set("oi", Json0.toJson(old));
    }
    if (undos != null) {
      undos.add(
          current -> {
            reinsert(map, key, old, position);
            return current;
          });
    }
  }

  private static int positionOf(Map<String, Object> map, String key) {
    int position = 0;
    for (String k : map.keySet()) {
      if (k.equals(key)) {
        return position;
      }
      position++;
    }
    return position;
  }

  /** Puts {@code key} back at its former place in the map's iteration order. */
  private static void reinsert(Map<String, Object> map, String key, Object value, int position) {
    List<Map.Entry<String, Object>> after = new ArrayList<>();
    int i = 0;
    for (Iterator<Map.Entry<String, Object>> it = map.entrySet().iterator(); it.hasNext(); i++) {
      Map.Entry<String, Object> entry = it.next();
      if (i >= position) {
        after.add(new AbstractMap.SimpleImmutableEntry<>(entry));
        it.remove();
      }
    }
    map.put(key, value);
    for (Map.Entry<String, Object> entry : after) {
      map.put(entry.getKey(), entry.getValue());
    }
  }

  /** Follows the first {@code depth} elements of {@code p} from {@code root}. */
  private static Object walk(Object root, ArrayNode p, int depth, int index) {
    Object elem = root;
    for (int j = 0; j < depth; j++) {
      JsonNode key = p.get(j);
      if (elem instanceof Map<?, ?> map && key.isTextual()) {
        String name = key.textValue();
        Object child = map.get(name);
        if (child == null && !map.containsKey(name)) {
          throw Json0Exception.component(
              index,
              "path "
                  + p
                  + " does not exist: no key "
                  + key
                  + " in the object at "
                  + JsValues.describePath(p, j));
        }
        elem = child;
      } else if (elem instanceof List<?> list && key.isIntegralNumber()) {
        int i = key.intValue();
        if (i >= list.size()) {
          throw Json0Exception.component(
              index,
              "path "
                  + p
                  + " does not exist: index "
                  + i
                  + " is past the end of the list at "
                  + JsValues.describePath(p, j)
                  + " (length "
                  + list.size()
                  + ")");
        }
        elem = list.get(i);
      } else {
        throw Json0Exception.component(
            index, "path " + p + " does not exist: " + missingChild(elem, key, p, j));
      }
    }
    return elem;
  }

  private static String missingChild(Object container, JsonNode key, ArrayNode p) {
    return missingChild(container, key, p, p.size() - 1);
  }

  private static String missingChild(Object container, JsonNode key, ArrayNode p, int j) {
    String at = JsValues.describePath(p, j);
    if (container instanceof Map<?, ?>) {
      return "the object at " + at + " has no element " + key + " (keys are strings)";
    }
    if (container instanceof List<?>) {
      return "the list at " + at + " has no element " + key + " (indexes are integers)";
    }
    return describe(container) + " at " + at + " has no children";
  }

  private static Object add(Number number, JsonNode na) {
    if ((number instanceof Long || number instanceof Integer)
        && na.isIntegralNumber()
        && na.canConvertToLong()) {
      long x = number.longValue();
      long y = na.longValue();
      long sum = x + y;
      if (((x ^ sum) & (y ^ sum)) >= 0) {
        return sum;
      }
    }
    return Json0.canonicalNumber(number.doubleValue() + na.doubleValue());
  }

  private static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Text text) {
      return "a string (length " + text.length() + ")";
    }
    if (value instanceof CharSequence) {
      return "a java.lang.String (documents hold strings as Text; use Json0.fromJson)";
    }
    if (value instanceof Map<?, ?>) {
      return "an object";
    }
    if (value instanceof List<?> list) {
      return "a list (length " + list.size() + ")";
    }
    if (value instanceof Number) {
      return "the number " + value;
    }
    if (value instanceof Boolean) {
      return "the boolean " + value;
    }
    return "a " + value.getClass().getName();
  }

  private static String quote(String s) {
    return TextNode.valueOf(s).toString();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asObject(Map<?, ?> map) {
    return (Map<String, Object>) map;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> asList(List<?> list) {
    return (List<Object>) list;
  }
}
