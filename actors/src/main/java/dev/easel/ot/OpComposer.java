package dev.easel.ot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends a component to an op, merging it with the op's last component where ot-json0's {@code
 * append} does; compose, normalize and transform all build their results with it.
 */
final class OpComposer {

  private OpComposer() {}

  /** Appends a copy of {@code component} to {@code dest}, merging it with the last component. */
  static void append(ArrayNode dest, ObjectNode component) {
    ObjectNode c = component.deepCopy();
    if (dest.isEmpty()) {
      dest.add(c);
      return;
    }
    int lastIndex = dest.size() - 1;
    ObjectNode last = (ObjectNode) dest.get(lastIndex);
    ArrayNode cp = JsValues.path(c);
    ArrayNode lastP = JsValues.path(last);

    if (isTextEdit(c) && isTextEdit(last)) {
      // Two string edits of the same string are composed by text0.
      if (pathsMatch(cp, lastP, cp.size() - 1, lastP.size() - 1)) {
        List<TextEdit> composed = new ArrayList<>(2);
        composed.add(TextEdit.of(last));
        TextEdit.append(composed, TextEdit.of(c));
        composed.get(0).writeTo(last);
        if (composed.size() > 1) {
          composed.get(1).writeTo(c);
          dest.add(c);
        }
      } else {
        dest.add(c);
      }
      return;
    }
    if (!pathsMatch(cp, lastP, cp.size(), lastP.size())) {
      dest.add(c);
      return;
    }
    if (hasValue(last, "na") && hasValue(c, "na")) {
      ObjectNode sum = JsValues.NODES.objectNode();
      sum.set("p", lastP);
      sum.set("na", JsValues.add(last.get("na"), c.get("na")));
      dest.set(lastIndex, sum);
    } else if (last.has("li")
        && !c.has("li")
        && c.has("ld")
        && JsValues.strictEquals(c.get("ld"), last.get("li"))) {
      // An insert followed by deleting it cancels; ot-json0 compares with ===, so this only
      // happens for a string, number, boolean or null, never for an inserted object or list.
      if (last.has("ld")) {
        last.remove("li");
      } else {
        dest.remove(lastIndex);
      }
    } else if (last.has("od") && !last.has("oi") && c.has("oi") && !c.has("od")) {
      last.set("oi", c.get("oi"));
    } else if (last.has("oi") && c.has("od")) {
      // The last component inserted what this one deletes or replaces.
      if (c.has("oi")) {
        last.set("oi", c.get("oi"));
      } else if (last.has("od")) {
        last.remove("oi");
      } else {
        dest.remove(lastIndex);
      }
    } else if (c.has("lm") && JsValues.strictEquals(cp.get(cp.size() - 1), c.get("lm"))) {
      // A move to where the element already is; dropped only when it follows a component at the
      // same path, as in ot-json0.
      return;
    } else {
      dest.add(c);
    }
  }

  private static boolean isTextEdit(ObjectNode c) {
    return hasValue(c, "si") || hasValue(c, "sd");
  }

  /** {@code c.field != null} in JavaScript: present and not null. */
  private static boolean hasValue(ObjectNode c, String field) {
    JsonNode value = c.get(field);
    return value != null && !value.isNull();
  }

  /** ot-json0's pathMatches on the first {@code aLength}/{@code bLength} elements. */
  static boolean pathsMatch(ArrayNode a, ArrayNode b, int aLength, int bLength) {
    if (aLength != bLength) {
      return false;
    }
    for (int i = 0; i < aLength; i++) {
      if (!JsValues.strictEquals(a.get(i), b.get(i))) {
        return false;
      }
    }
    return true;
  }
}
