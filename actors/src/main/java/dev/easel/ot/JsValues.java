package dev.easel.ot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * JavaScript value semantics that ot-json0 relies on, applied to Jackson nodes: strict and loose
 * equality of path elements, number comparisons in which {@code undefined} or a string compare as
 * NaN, and numbers written the way JavaScript prints them.
 */
final class JsValues {

  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Largest integer a JavaScript number holds exactly. */
  static final double MAX_SAFE_INTEGER = 9007199254740992.0;

  private JsValues() {}

  /** {@code p[i]}, or null for JavaScript's {@code undefined} (index out of range, also -1). */
  static JsonNode element(ArrayNode path, int i) {
    return i >= 0 && i < path.size() ? path.get(i) : null;
  }

  /** JavaScript {@code a === b} for path elements and scalar values ({@code undefined} = null). */
  static boolean strictEquals(JsonNode a, JsonNode b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a.isNumber() && b.isNumber()) {
      if (a.isIntegralNumber() && b.isIntegralNumber()) {
        return a.canConvertToLong() && b.canConvertToLong()
            ? a.longValue() == b.longValue()
            : a.bigIntegerValue().equals(b.bigIntegerValue());
      }
      return a.doubleValue() == b.doubleValue();
    }
    if (a.isTextual() && b.isTextual()) {
      return a.textValue().equals(b.textValue());
    }
    if (a.isBoolean() && b.isBoolean()) {
      return a.booleanValue() == b.booleanValue();
    }
    // Objects and arrays are only === to themselves, and each component holds its own copy.
    return a.isNull() && b.isNull();
  }

  /**
   * JavaScript {@code a == b} for path elements: like {@link #strictEquals} except that a number
   * and a numeric string are equal.
   */
  static boolean looseEquals(JsonNode a, JsonNode b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a.isNumber() && b.isTextual()) {
      return a.doubleValue() == toNumber(b);
    }
    if (a.isTextual() && b.isNumber()) {
      return toNumber(a) == b.doubleValue();
    }
    return strictEquals(a, b);
  }

  /** The numeric value used in a JavaScript relational comparison; NaN where that is NaN. */
  static double toNumber(JsonNode n) {
    if (n == null) {
      return Double.NaN;
    }
    if (n.isNumber()) {
      return n.doubleValue();
    }
    if (n.isTextual()) {
      String s = n.textValue().strip();
      if (s.isEmpty()) {
        return 0;
      }
      if (!s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
        return Double.NaN;
      }
      return Double.parseDouble(s);
    }
    return Double.NaN;
  }

  static boolean lessThan(JsonNode a, JsonNode b) {
    return toNumber(a) < toNumber(b);
  }

  static boolean lessOrEqual(JsonNode a, JsonNode b) {
    return toNumber(a) <= toNumber(b);
  }

  /** A JSON number node for {@code value}, integral values as int or long nodes, as JS prints. */
  static JsonNode number(double value) {
    if (!Double.isFinite(value)) {
      // JSON.stringify writes NaN and the infinities as null.
      return NullNode.getInstance();
    }
    if (value == Math.rint(value) && Math.abs(value) <= MAX_SAFE_INTEGER) {
      return integer((long) value);
    }
    return DoubleNode.valueOf(value);
  }

  static JsonNode integer(long value) {
    return value == (int) value ? IntNode.valueOf((int) value) : LongNode.valueOf(value);
  }

  /** JavaScript {@code a + b} of two JSON numbers. */
  static JsonNode add(JsonNode a, JsonNode b) {
    if (a.isIntegralNumber()
        && b.isIntegralNumber()
        && a.canConvertToLong()
        && b.canConvertToLong()) {
      long x = a.longValue();
      long y = b.longValue();
      long sum = x + y;
      if (((x ^ sum) & (y ^ sum)) >= 0) {
        return integer(sum);
      }
    }
    return number(a.doubleValue() + b.doubleValue());
  }

  /** JavaScript {@code -a} of a JSON number. */
  static JsonNode negate(JsonNode a) {
    if (a.isIntegralNumber() && a.canConvertToLong() && a.longValue() != Long.MIN_VALUE) {
      return integer(-a.longValue());
    }
    return number(-a.doubleValue());
  }

  static ArrayNode path(ObjectNode component) {
    return (ArrayNode) component.get("p");
  }

  /** Renders a path, or its first {@code length} elements, as JSON: {@code ["cells","c1",3]}. */
  static String describePath(ArrayNode path, int length) {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < length; i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(path.get(i).toString());
    }
    return out.append(']').toString();
  }

  /** A JSON value for an error message, shortened when long. */
  static String describeValue(JsonNode value) {
    return abbreviate(value.toString());
  }

  static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
