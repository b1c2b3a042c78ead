package dev.easel.ot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The json0 operational-transformation type, behaving like npm {@code ot-json0} 1.1.0 (the type
 * that sharedb clients use), for ops in their JSON wire format: an array of components such as
 * {@code {"p":["cells","c1","source",7],"si":"x"}} with one of {@code si sd oi od li ld lm na}
 * ({@code li}+{@code ld} and {@code oi}+{@code od} replace).
 *
 * <p>Documents that {@link #apply} edits are plain Java values: objects are {@link LinkedHashMap}
 * {@code <String,Object>}, arrays {@link ArrayList}, strings {@link Text}, numbers {@link Long}
 * when integral and {@link Double} otherwise, {@link Boolean} and {@code null}. {@link #fromJson}
 * and {@link #toJson} convert from and to Jackson trees.
 *
 * <p>Where ot-json0 silently accepts an op that makes no sense for the document (a list index past
 * the end, an object key that is a number, {@code od} of a missing key, {@code si} into a list),
 * this class refuses it with a {@link Json0Exception}; subtype components ({@code t}/{@code o}) are
 * refused too. {@code ld} and {@code od} values are, as in ot-json0, not compared with what they
 * remove.
 */
public final class Json0 {

  private static final Set<String> FIELDS =
      Set.of("p", "si", "sd", "oi", "od", "li", "ld", "lm", "na");

  private Json0() {}

  /**
   * Applies {@code op} to {@code doc} in place and returns the resulting root (a component with
   * path {@code []} replaces the root). Atomic: when a component is refused, the components already
   * applied are undone before the exception is thrown, so that {@code doc} is as it was.
   *
   * @throws Json0Exception when the op is malformed or does not fit the document
   */
  public static Object apply(Object doc, JsonNode op) {
    ArrayNode components = asOp(op);
    checkValidOp(components);
    return DocumentEditor.apply(doc, components, null);
  }

  /** What {@link #applyWithUndo} did: the new root, and the op that takes it back to before. */
  public record Applied(Object root, ArrayNode undo) {}

  /**
   * Like {@link #apply}, and also returns the exact inverse of what was applied: built from the
   * values the op really removed (not from its own {@code ld}/{@code od}), so that {@code
   * apply(applied.root(), applied.undo())} restores the document even when the op's delete values
   * were stale. A number add on a non-integer is undone by replacing the old value.
   */
  public static Applied applyWithUndo(Object doc, JsonNode op) {
    ArrayNode components = asOp(op);
    checkValidOp(components);
    ArrayNode undo = JsValues.NODES.arrayNode(components.size());
    Object root = DocumentEditor.apply(doc, components, undo);
    return new Applied(root, undo);
  }

  /**
   * Transforms {@code op} so that it applies after {@code otherOp}, which was applied concurrently;
   * {@code side} ("left" or "right") breaks ties, the left op's insert going first.
   */
  public static ArrayNode transform(JsonNode op, JsonNode otherOp, String side) {
    boolean left;
    if ("left".equals(side)) {
      left = true;
    } else if ("right".equals(side)) {
      left = false;
    } else {
      throw new Json0Exception("side must be \"left\" or \"right\", got " + side);
    }
    ArrayNode a = asOp(op);
    ArrayNode b = asOp(otherOp);
    checkValidOp(a);
    checkValidOp(b);
    return ComponentTransformer.transform(a, b, left);
  }

  /** One op with the effect of {@code a} followed by {@code b}. */
  public static ArrayNode compose(JsonNode a, JsonNode b) {
    ArrayNode first = asOp(a);
    ArrayNode second = asOp(b);
    checkValidOp(first);
    checkValidOp(second);
    ArrayNode composed = first.deepCopy();
    for (JsonNode component : second) {
      OpComposer.append(composed, (ObjectNode) component);
    }
    return composed;
  }

  /**
   * The op in canonical form: a single component is wrapped, a missing path becomes {@code []}, and
   * adjacent components that combine are merged (as ot-json0's {@code normalize}).
   */
  public static ArrayNode normalize(JsonNode op) {
    ArrayNode components = asOp(op);
    ArrayNode withPaths = JsValues.NODES.arrayNode(components.size());
    for (JsonNode component : components) {
      if (component instanceof ObjectNode object && !object.has("p")) {
        ObjectNode copy = object.deepCopy();
        copy.set("p", JsValues.NODES.arrayNode());
        withPaths.add(copy);
      } else {
        withPaths.add(component);
      }
    }
    checkValidOp(withPaths);
    ArrayNode normalized = JsValues.NODES.arrayNode(withPaths.size());
    for (JsonNode component : withPaths) {
      OpComposer.append(normalized, (ObjectNode) component);
    }
    return normalized;
  }

  /**
   * The op that undoes {@code op}: its components reversed, each inverted. Exact only when the op's
   * {@code ld}/{@code od}/{@code sd} values are what it removed.
   */
  public static ArrayNode invert(JsonNode op) {
    ArrayNode components = asOp(op);
    checkValidOp(components);
    ArrayNode inverse = JsValues.NODES.arrayNode(components.size());
    for (int i = components.size() - 1; i >= 0; i--) {
      ObjectNode c = (ObjectNode) components.get(i);
      ArrayNode p = JsValues.path(c);
      ObjectNode inv = JsValues.NODES.objectNode();
      inv.set("p", p.deepCopy());
      swap(c, inv, "si", "sd");
      swap(c, inv, "sd", "si");
      swap(c, inv, "oi", "od");
      swap(c, inv, "od", "oi");
      swap(c, inv, "li", "ld");
      swap(c, inv, "ld", "li");
      if (c.has("na")) {
        inv.set("na", JsValues.negate(c.get("na")));
      }
      if (c.has("lm")) {
        ArrayNode moved = p.deepCopy();
        inv.set("lm", moved.get(p.size() - 1));
        moved.set(p.size() - 1, c.get("lm").deepCopy());
        inv.set("p", moved);
      }
      inverse.add(inv);
    }
    return inverse;
  }

  private static void swap(ObjectNode from, ObjectNode to, String field, String inverseField) {
    JsonNode value = from.get(field);
    if (value != null) {
      to.set(inverseField, value.deepCopy());
    }
  }

  /**
   * Checks the structure of {@code op} (a component object or an array of them) and throws a {@link
   * Json0Exception} naming the first bad component: the path must be an array of strings and
   * non-negative integers; a component does exactly one thing ({@code li}+{@code ld} and {@code
   * oi}+{@code od} count as one); {@code si}/{@code sd} are strings at a path that ends in a
   * character offset; {@code li}/{@code ld}/{@code lm} paths end in a list index and {@code
   * oi}/{@code od} paths in an object key (or are empty, for the root); {@code na} is a number and
   * {@code lm} a non-negative integer. Subtype components are refused.
   */
  public static void checkValidOp(JsonNode op) {
    ArrayNode components = asOp(op);
    for (int i = 0; i < components.size(); i++) {
      checkComponent(components.get(i), i);
    }
  }

  private static void checkComponent(JsonNode node, int i) {
    if (!(node instanceof ObjectNode c)) {
      throw Json0Exception.component(
          i, "must be a JSON object, got " + JsValues.describeValue(node));
    }
    if (c.has("t") || c.has("o")) {
      throw Json0Exception.component(i, "subtype operations (t/o) are not supported");
    }
    if (c.has("et") || c.has("e")) {
      throw Json0Exception.component(i, "subtype operations (et/e) are not supported");
    }
    JsonNode pathNode = c.get("p");
    if (pathNode == null) {
      throw Json0Exception.component(i, "missing path \"p\"");
    }
    if (!(pathNode instanceof ArrayNode p)) {
      throw Json0Exception.component(
          i, "path \"p\" must be an array, got " + JsValues.describeValue(pathNode));
    }
    for (int j = 0; j < p.size(); j++) {
      JsonNode key = p.get(j);
      if (!key.isTextual() && !isIndex(key)) {
        throw Json0Exception.component(
            i,
            "path element "
                + j
                + " must be a string key or a non-negative integer index, got "
                + JsValues.describeValue(key)
                + " in "
                + p);
      }
    }
    String kind = null;
    for (Map.Entry<String, JsonNode> field : c.properties()) {
      String name = field.getKey();
      if (!FIELDS.contains(name)) {
        throw Json0Exception.component(i, "unknown field \"" + name + "\"");
      }
      if (name.equals("p")) {
        continue;
      }
      String group =
          switch (name) {
            case "li", "ld" -> "li/ld";
            case "oi", "od" -> "oi/od";
            default -> name;
          };
      if (kind != null && !kind.equals(group)) {
        throw Json0Exception.component(
            i,
            "combines "
                + kind
                + " with "
                + group
                + "; a component does one thing (only li+ld and oi+od go together)");
      }
      kind = group;
    }
    if (kind == null) {
      throw Json0Exception.component(
          i, "has no instruction (expected one of si, sd, li, ld, lm, oi, od, na)");
    }
    JsonNode last = p.isEmpty() ? null : p.get(p.size() - 1);
    switch (kind) {
      case "si", "sd" -> {
        if (!c.get(kind).isTextual()) {
          throw Json0Exception.component(
              i, kind + " must be a string, got " + JsValues.describeValue(c.get(kind)));
        }
        if (last == null || !last.isIntegralNumber()) {
          throw Json0Exception.component(
              i, kind + " needs a path that ends in a character offset, got " + p);
        }
      }
      case "na" -> {
        if (!c.get("na").isNumber()) {
          throw Json0Exception.component(
              i, "na must be a number, got " + JsValues.describeValue(c.get("na")));
        }
      }
      case "lm" -> {
        if (!isIndex(c.get("lm"))) {
          throw Json0Exception.component(
              i,
              "lm must be a non-negative integer index, got "
                  + JsValues.describeValue(c.get("lm")));
        }
        if (last == null || !last.isIntegralNumber()) {
          throw Json0Exception.component(i, "lm needs a path that ends in a list index, got " + p);
        }
      }
      case "li/ld" -> {
        if (last == null || !last.isIntegralNumber()) {
          throw Json0Exception.component(
              i, (c.has("li") ? "li" : "ld") + " needs a path that ends in a list index, got " + p);
        }
      }
      default -> {
        if (last != null && !last.isTextual()) {
          throw Json0Exception.component(
              i,
              (c.has("oi") ? "oi" : "od")
                  + " needs a path that ends in an object key (a string), got "
                  + p);
        }
      }
    }
  }

  private static boolean isIndex(JsonNode node) {
    return node.isIntegralNumber() && node.canConvertToInt() && node.intValue() >= 0;
  }

  /** The op as an array of components; a lone component object is wrapped, as json0 does. */
  static ArrayNode asOp(JsonNode op) {
    if (op instanceof ArrayNode array) {
      return array;
    }
    if (op instanceof ObjectNode component) {
      ArrayNode wrapped = JsValues.NODES.arrayNode(1);
      wrapped.add(component);
      return wrapped;
    }
    throw new Json0Exception(
        "an op must be an array of components, got "
            + (op == null ? "null" : JsValues.describeValue(op)));
  }

  /**
   * Converts a JSON tree into the document model: objects to {@link LinkedHashMap}, arrays to
   * {@link ArrayList}, strings to {@link Text}, integral numbers (also {@code 2.0}) within
   * ±2<sup>53</sup> to {@link Long} and other numbers to {@link Double}.
   */
  public static Object fromJson(JsonNode json) {
    if (json == null || json.isNull() || json.isMissingNode()) {
      return null;
    }
    switch (json.getNodeType()) {
      case OBJECT -> {
        LinkedHashMap<String, Object> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : json.properties()) {
          map.put(entry.getKey(), fromJson(entry.getValue()));
        }
        return map;
      }
      case ARRAY -> {
        ArrayList<Object> list = new ArrayList<>(json.size());
        for (JsonNode element : json) {
          list.add(fromJson(element));
        }
        return list;
      }
      case STRING -> {
        return new Text(json.textValue());
      }
      case BOOLEAN -> {
        return json.booleanValue();
      }
      case NUMBER -> {
        if (json.isIntegralNumber() && json.canConvertToLong()) {
          return json.longValue();
        }
        return canonicalNumber(json.doubleValue());
      }
      default -> throw new Json0Exception("not a JSON value: " + JsValues.describeValue(json));
    }
  }

  /**
   * Converts a document (or any part of it) to a JSON tree. A {@link Double} that is integral and
   * within ±2<sup>53</sup> is written as an integer, and NaN or an infinity as null, as JavaScript
   * prints them.
   */
  public static JsonNode toJson(Object doc) {
    if (doc == null) {
      return NullNode.getInstance();
    }
    if (doc instanceof CharSequence s) {
      return TextNode.valueOf(s.toString());
    }
    if (doc instanceof Boolean b) {
      return BooleanNode.valueOf(b);
    }
    if (doc instanceof Long
        || doc instanceof Integer
        || doc instanceof Short
        || doc instanceof Byte) {
      return JsValues.integer(((Number) doc).longValue());
    }
    if (doc instanceof BigInteger || doc instanceof BigDecimal) {
      return JsValues.number(((Number) doc).doubleValue());
    }
    if (doc instanceof Number n) {
      return JsValues.number(n.doubleValue());
    }
    if (doc instanceof Map<?, ?> map) {
      ObjectNode object = JsValues.NODES.objectNode();
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        object.set(String.valueOf(entry.getKey()), toJson(entry.getValue()));
      }
      return object;
    }
    if (doc instanceof List<?> list) {
      ArrayNode array = JsValues.NODES.arrayNode(list.size());
      for (Object element : list) {
        array.add(toJson(element));
      }
      return array;
    }
    throw new Json0Exception("not a document value: " + doc.getClass().getName());
  }

  /** A deep copy of a document: new maps, lists and {@link Text}s; numbers and booleans shared. */
  public static Object deepCopy(Object doc) {
    if (doc instanceof Text text) {
      return text.copy();
    }
    if (doc instanceof Map<?, ?> map) {
      LinkedHashMap<String, Object> copy = new LinkedHashMap<>();
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        copy.put(String.valueOf(entry.getKey()), deepCopy(entry.getValue()));
      }
      return copy;
    }
    if (doc instanceof List<?> list) {
      ArrayList<Object> copy = new ArrayList<>(list.size());
      for (Object element : list) {
        copy.add(deepCopy(element));
      }
      return copy;
    }
    return doc;
  }

  /** A number as the model holds it: integral values within ±2^53 as Long, others as Double. */
  static Object canonicalNumber(double value) {
    if (value == Math.rint(value) && Math.abs(value) <= JsValues.MAX_SAFE_INTEGER) {
      return (long) value;
    }
    return value;
  }
}
