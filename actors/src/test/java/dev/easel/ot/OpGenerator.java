package dev.easel.ot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded random canvas-like documents and json0 ops that are valid on them, for the cross-check and
 * convergence tests. Covers every component kind: si/sd (also empty ones), na on integers and
 * fractions, li/ld/li+ld and lm (also onto itself) in lists of objects with strings, oi/od/oi+od,
 * root replacement and root deletion, and ops of several components.
 */
final class OpGenerator {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Few keys and letters, so that concurrent ops often meet at the same key or text. */
  private static final String[] KEYS = {"a", "b", "c", "x", "y", "source", "kind", "title"};

  private static final String LETTERS = "aabbc xyé中";

  /** One node of a document: its path, its value, and the container that holds it. */
  private record Location(List<Object> path, Object value, Object parent) {}

  private final Random random;

  OpGenerator(Random random) {
    this.random = random;
  }

  /** A random document: mostly a small canvas, sometimes another shape or a scalar root. */
  Object document() {
    // The round trip makes the numbers canonical (2.0 becomes 2L), as in a real document.
    return Json0.fromJson(Json0.toJson(anyDocument()));
  }

  private Object anyDocument() {
    int shape = random.nextInt(20);
    if (shape < 11) {
      return canvas();
    }
    if (shape < 14) {
      // A long list of small items, where concurrent li, ld and lm meet often.
      ArrayList<Object> items = new ArrayList<>();
      for (int i = 3 + random.nextInt(6); i > 0; i--) {
        items.add(random.nextBoolean() ? new Text(word(3)) : value(1));
      }
      LinkedHashMap<String, Object> doc = new LinkedHashMap<>();
      doc.put("items", items);
      return doc;
    }
    if (shape < 16) {
      return object(3);
    }
    if (shape < 18) {
      ArrayList<Object> list = new ArrayList<>();
      for (int i = random.nextInt(5); i > 0; i--) {
        list.add(value(2));
      }
      return list;
    }
    return switch (random.nextInt(3)) {
      case 0 -> new Text(word(8));
      case 1 -> (long) random.nextInt(20);
      default -> null;
    };
  }

  private Map<String, Object> canvas() {
    LinkedHashMap<String, Object> cells = new LinkedHashMap<>();
    ArrayList<Object> order = new ArrayList<>();
    for (int i = random.nextInt(6); i > 0; i--) {
      String id = "c" + random.nextInt(6);
      cells.put(id, cell());
      order.add(new Text(id));
    }
    ArrayList<Object> tags = new ArrayList<>();
    for (int i = random.nextInt(7); i > 0; i--) {
      tags.add(random.nextInt(4) == 0 ? (long) random.nextInt(9) : new Text(word(3)));
    }
    LinkedHashMap<String, Object> doc = new LinkedHashMap<>();
    doc.put("title", new Text(word(6)));
    doc.put("cells", cells);
    doc.put("order", order);
    doc.put("tags", tags);
    if (random.nextBoolean()) {
      doc.put("version", (long) random.nextInt(10));
    }
    return doc;
  }

  private Map<String, Object> cell() {
    LinkedHashMap<String, Object> cell = new LinkedHashMap<>();
    cell.put("kind", new Text(random.nextBoolean() ? "sql" : "markdown"));
    cell.put("source", new Text(word(random.nextInt(10) == 0 ? 40 : 12)));
    ArrayList<Object> outputs = new ArrayList<>();
    for (int i = random.nextInt(3); i > 0; i--) {
      outputs.add(random.nextBoolean() ? new Text(word(4)) : value(1));
    }
    cell.put("outputs", outputs);
    if (random.nextBoolean()) {
      cell.put("runs", (long) random.nextInt(5));
    }
    return cell;
  }

  private Object value(int depth) {
    int kind = random.nextInt(depth > 0 ? 11 : 8);
    return switch (kind) {
      case 0 -> null;
      case 1 -> new Text("");
      case 2, 3 -> new Text(word(6));
      case 4 -> (long) (random.nextInt(60) - 10);
      case 5 -> random.nextInt(40) / 4.0 + 0.25;
      case 6 -> random.nextBoolean();
      case 7 -> new Text(word(3));
      case 8 -> object(depth - 1);
      case 9 -> {
        ArrayList<Object> list = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
          list.add(value(depth - 1));
        }
        yield list;
      }
      default -> cell();
    };
  }

  private Map<String, Object> object(int depth) {
    LinkedHashMap<String, Object> object = new LinkedHashMap<>();
    for (int i = random.nextInt(4); i > 0; i--) {
      object.put(key(), value(depth));
    }
    return object;
  }

  private String key() {
    return KEYS[random.nextInt(KEYS.length)];
  }

  private String word(int maxLength) {
    StringBuilder out = new StringBuilder();
    for (int i = random.nextInt(maxLength + 1); i > 0; i--) {
      out.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
    }
    return out.toString();
  }

  /** A random op valid on {@code doc} (which is not changed): one to four components. */
  ArrayNode op(Object doc) {
    Object working = Json0.deepCopy(doc);
    ArrayNode op = NODES.arrayNode();
    int components = random.nextInt(10) < 6 ? 1 : 2 + random.nextInt(3);
    for (int i = 0; i < components; i++) {
      ObjectNode c = component(working);
      ArrayNode single = NODES.arrayNode();
      single.add(c);
      working = Json0.apply(working, single);
      op.add(c);
    }
    return op;
  }

  /**
   * An op that ot-json0 and {@link Json0} both refuse on {@code doc}: a valid prefix followed by a
   * component that deletes the wrong text, adds to a non-number, or edits the wrong kind of
   * container.
   */
  ArrayNode badOp(Object doc) {
    Object working = Json0.deepCopy(doc);
    ArrayNode op = NODES.arrayNode();
    if (random.nextBoolean()) {
      ObjectNode c = component(working);
      working = Json0.apply(working, wrap(c));
      op.add(c);
    }
    List<Location> all = locations(working);
    for (int attempt = 0; attempt < 50; attempt++) {
      Location at = all.get(random.nextInt(all.size()));
      ObjectNode bad = NODES.objectNode();
      if (at.value instanceof Text text && text.length() > 0 && random.nextBoolean()) {
        int pos = random.nextInt(text.length());
        bad.set("p", path(at.path, pos));
        bad.put("sd", text.substring(pos, pos + 1) + "#");
      } else if ((at.value instanceof Text || at.value instanceof Map) && random.nextBoolean()) {
        bad.set("p", path(at.path));
        bad.put("na", 1);
      } else if (at.value instanceof Map && random.nextBoolean()) {
        bad.set("p", path(at.path, 0));
        bad.put("li", "x");
      } else if (at.value instanceof List<?> && random.nextBoolean()) {
        bad.set("p", path(at.path, "k"));
        bad.put("oi", "x");
      } else if (at.value instanceof Map<?, ?> map && random.nextBoolean()) {
        List<Object> missing = new ArrayList<>(at.path);
        missing.add("missing" + random.nextInt(3));
        while (map.containsKey(missing.get(missing.size() - 1))) {
          missing.set(missing.size() - 1, "missing" + random.nextInt(1000));
        }
        missing.add("x");
        bad.set("p", path(missing));
        bad.put("oi", 1);
      } else {
        continue;
      }
      op.add(bad);
      return op;
    }
    return null;
  }

  private static ArrayNode wrap(ObjectNode c) {
    ArrayNode single = NODES.arrayNode();
    single.add(c);
    return single;
  }

  /** One component valid on {@code doc}. */
  ObjectNode component(Object doc) {
    List<Location> all = locations(doc);
    while (true) {
      Location at = all.get(random.nextInt(all.size()));
      ObjectNode c = component(at);
      if (c != null) {
        return c;
      }
    }
  }

  private ObjectNode component(Location at) {
    ObjectNode c = NODES.objectNode();
    Object value = at.value;
    int choice = random.nextInt(10);
    if (value instanceof Text text && choice < 7) {
      if (text.length() == 0 || random.nextBoolean()) {
        int pos = random.nextInt(text.length() + 1);
        c.set("p", path(at.path, pos));
        c.put("si", random.nextInt(15) == 0 ? "" : word(3) + "_");
      } else {
        int pos = random.nextInt(text.length());
        int len = Math.min(random.nextInt(4), text.length() - pos);
        c.set("p", path(at.path, pos));
        c.put("sd", text.substring(pos, pos + len));
      }
      return c;
    }
    if (value instanceof Number && choice < 7) {
      c.set("p", path(at.path));
      if (random.nextInt(4) == 0) {
        c.put("na", random.nextInt(8) / 4.0 - 0.75);
      } else {
        c.put("na", random.nextInt(10) - 3);
      }
      return c;
    }
    if (value instanceof List<?> list && choice < 5) {
      if (list.isEmpty() || random.nextBoolean()) {
        c.set("p", path(at.path, random.nextInt(list.size() + 1)));
        c.set("li", Json0.toJson(value(2)));
      } else if (random.nextBoolean()) {
        int from = random.nextInt(list.size());
        c.set("p", path(at.path, from));
        c.put("lm", random.nextInt(list.size()));
      } else {
        int i = random.nextInt(list.size());
        c.set("p", path(at.path, i));
        c.set("ld", Json0.toJson(list.get(i)));
      }
      return c;
    }
    if (value instanceof Map<?, ?> map && choice < 5) {
      String key = key();
      List<Object> keyPath = new ArrayList<>(at.path);
      keyPath.add(key);
      c.set("p", path(keyPath));
      if (!map.containsKey(key)) {
        c.set("oi", Json0.toJson(value(2)));
      } else if (random.nextBoolean()) {
        c.set("od", Json0.toJson(map.get(key)));
      } else {
        c.set("od", Json0.toJson(map.get(key)));
        c.set("oi", Json0.toJson(value(2)));
      }
      return c;
    }
    c.set("p", path(at.path));
    if (at.parent instanceof List<?> parent) {
      int kind = random.nextInt(4);
      if (kind == 0) {
        c.put("lm", random.nextInt(parent.size()));
      } else if (kind == 1) {
        c.set("ld", Json0.toJson(value));
      } else if (kind == 2) {
        c.set("ld", Json0.toJson(value));
        c.set("li", Json0.toJson(value(2)));
      } else {
        c.set("li", Json0.toJson(value(2)));
      }
      return c;
    }
    if (at.parent instanceof Map<?, ?>) {
      c.set("od", Json0.toJson(value));
      if (random.nextBoolean()) {
        c.set("oi", Json0.toJson(value(2)));
      }
      return c;
    }
    if (at.path.isEmpty() && random.nextInt(3) == 0) {
      c.set("od", Json0.toJson(value));
      // Deleting a root that is already gone (null) is left out: ot-json0 cannot transform a
      // later insert into the vanished root against it.
      if (value == null || random.nextInt(8) != 0) {
        c.set("oi", Json0.toJson(random.nextBoolean() ? canvas() : value(2)));
      }
      return c;
    }
    return null;
  }

  private static List<Location> locations(Object doc) {
    List<Location> out = new ArrayList<>();
    collect(doc, new ArrayList<>(), null, out);
    return out;
  }

  private static void collect(Object value, List<Object> path, Object parent, List<Location> out) {
    out.add(new Location(List.copyOf(path), value, parent));
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        path.add(entry.getKey());
        collect(entry.getValue(), path, value, out);
        path.remove(path.size() - 1);
      }
    } else if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        path.add(i);
        collect(list.get(i), path, value, out);
        path.remove(path.size() - 1);
      }
    }
  }

  private static ArrayNode path(List<Object> elements, Object... more) {
    ArrayNode p = NODES.arrayNode();
    for (Object e : elements) {
      add(p, e);
    }
    for (Object e : more) {
      add(p, e);
    }
    return p;
  }

  private static void add(ArrayNode p, Object element) {
    if (element instanceof Integer i) {
      p.add(i);
    } else {
      p.add(String.valueOf(element));
    }
  }

  /** JSON equality with numbers compared by value (1 equals 1.0) and keys in any order. */
  static boolean jsonEquals(JsonNode a, JsonNode b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a.isNumber() && b.isNumber()) {
      return a.doubleValue() == b.doubleValue();
    }
    if (a.isObject() && b.isObject()) {
      if (a.size() != b.size()) {
        return false;
      }
      for (Map.Entry<String, JsonNode> field : a.properties()) {
        if (!jsonEquals(field.getValue(), b.get(field.getKey()))) {
          return false;
        }
      }
      return true;
    }
    if (a.isArray() && b.isArray()) {
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (!jsonEquals(a.get(i), b.get(i))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }
}
