package dev.easel.ot;

import static dev.easel.ot.JsValues.element;
import static dev.easel.ot.JsValues.lessOrEqual;
import static dev.easel.ot.JsValues.lessThan;
import static dev.easel.ot.JsValues.looseEquals;
import static dev.easel.ot.JsValues.strictEquals;
import static dev.easel.ot.JsValues.toNumber;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * ot-json0's transform: {@code transformComponent} for one component against another, and the N×M
 * {@code transformX} that bootstrapTransform builds from it.
 *
 * <p>The component logic follows ot-json0 1.1.0 branch by branch, including its asymmetries (for
 * example the tie-breaks of lm against lm), because every sharedb client transforms with exactly
 * that code and the server must reach the same document. Path elements are compared as JavaScript
 * does: {@code ===} mostly, {@code ==} in the two places ot-json0 uses it, and a missing element
 * ({@code undefined}) compares false with every number.
 */
final class ComponentTransformer {

  /** {@code null} from ot-json0's commonLengthForOps: the paths do not meet. */
  private static final int NO_COMMON = Integer.MIN_VALUE;

  private ComponentTransformer() {}

  static ArrayNode transform(ArrayNode op, ArrayNode otherOp, boolean left) {
    if (otherOp.isEmpty()) {
      // ot-json0 returns the op untouched here, without normalizing it.
      return op.deepCopy();
    }
    if (op.size() == 1 && otherOp.size() == 1) {
      ArrayNode dest = JsValues.NODES.arrayNode();
      transformComponent(dest, (ObjectNode) op.get(0), (ObjectNode) otherOp.get(0), left);
      return dest;
    }
    return left ? transformX(op, otherOp)[0] : transformX(otherOp, op)[1];
  }

  /** Transforms {@code leftOp} and {@code rightOp} against each other: {@code [left', right']}. */
  private static ArrayNode[] transformX(ArrayNode leftOp, ArrayNode rightOp) {
    ArrayNode newRightOp = JsValues.NODES.arrayNode();
    for (JsonNode rightNode : rightOp) {
      ObjectNode rightComponent = (ObjectNode) rightNode;
      ArrayNode newLeftOp = JsValues.NODES.arrayNode();
      int k = 0;
      while (k < leftOp.size()) {
        ArrayNode nextC = JsValues.NODES.arrayNode();
        ObjectNode leftComponent = (ObjectNode) leftOp.get(k);
        transformComponent(newLeftOp, leftComponent, rightComponent, true);
        transformComponent(nextC, rightComponent, leftComponent, false);
        k++;
        if (nextC.size() == 1) {
          rightComponent = (ObjectNode) nextC.get(0);
        } else if (nextC.isEmpty()) {
          for (int j = k; j < leftOp.size(); j++) {
            OpComposer.append(newLeftOp, (ObjectNode) leftOp.get(j));
          }
          rightComponent = null;
          break;
        } else {
          ArrayNode rest = JsValues.NODES.arrayNode();
          for (int j = k; j < leftOp.size(); j++) {
            rest.add(leftOp.get(j));
          }
          ArrayNode[] pair = transformX(rest, nextC);
          for (JsonNode l : pair[0]) {
            OpComposer.append(newLeftOp, (ObjectNode) l);
          }
          for (JsonNode r : pair[1]) {
            OpComposer.append(newRightOp, (ObjectNode) r);
          }
          rightComponent = null;
          break;
        }
      }
      if (rightComponent != null) {
        OpComposer.append(newRightOp, rightComponent);
      }
      leftOp = newLeftOp;
    }
    return new ArrayNode[] {leftOp, newRightOp};
  }

  /**
   * ot-json0's commonLengthForOps: the index in {@code b}'s path of the element that {@code a} acts
   * on, when {@code a}'s path (less its last element) is a prefix of {@code b}'s; -1 when {@code a}
   * acts on the root; {@link #NO_COMMON} when the paths part.
   */
  private static int commonLength(ObjectNode a, ObjectNode b) {
    ArrayNode ap = JsValues.path(a);
    ArrayNode bp = JsValues.path(b);
    int alen = ap.size() + (hasNumberAdd(a) ? 1 : 0);
    int blen = bp.size() + (hasNumberAdd(b) ? 1 : 0);
    if (alen == 0) {
      return -1;
    }
    if (blen == 0) {
      return NO_COMMON;
    }
    alen--;
    blen--;
    for (int i = 0; i < alen; i++) {
      if (i >= blen || !strictEquals(ap.get(i), bp.get(i))) {
        return NO_COMMON;
      }
    }
    return alen;
  }

  private static boolean hasNumberAdd(ObjectNode c) {
    JsonNode na = c.get("na");
    return na != null && !na.isNull();
  }

  private static boolean isTextEdit(ObjectNode c) {
    JsonNode si = c.get("si");
    JsonNode sd = c.get("sd");
    return (si != null && !si.isNull()) || (sd != null && !sd.isNull());
  }

  /** Appends {@code original} transformed against {@code otherC} to {@code dest}. */
  static void transformComponent(
      ArrayNode dest, ObjectNode original, ObjectNode otherC, boolean left) {
    ObjectNode c = original.deepCopy();
    ArrayNode cp = JsValues.path(c);
    ArrayNode op = JsValues.path(otherC);
    int common = commonLength(otherC, c);
    int common2 = commonLength(c, otherC);
    int cplength = cp.size() + (hasNumberAdd(c) ? 1 : 0);
    int otherCplength = op.size() + (hasNumberAdd(otherC) ? 1 : 0);

    // If c deletes something that otherC changes inside, c's deleted value is updated so that c
    // stays invertible. (Index -1 is undefined on both sides, which == treats as equal.)
    if (common2 != NO_COMMON
        && otherCplength > cplength
        && looseEquals(element(cp, common2), element(op, common2))) {
      if (c.has("ld")) {
        c.set("ld", applyInside(c.get("ld"), otherC, cplength));
      } else if (c.has("od")) {
        c.set("od", applyInside(c.get("od"), otherC, cplength));
      }
    }

    if (common != NO_COMMON) {
      boolean commonOperand = cplength == otherCplength;
      JsonNode cAt = element(cp, common);
      JsonNode otherAt = element(op, common);

      if (isTextEdit(c) && isTextEdit(otherC)) {
        // Both edit the same string: text0 transforms the edits. (In 1.1.0 this is done for any
        // two string components whose paths meet; consistent ops then edit the same string.)
        List<TextEdit> edits = TextEdit.of(c).transform(TextEdit.of(otherC), left, cp);
        for (TextEdit edit : edits) {
          ObjectNode piece = c.deepCopy();
          edit.writeTo(piece);
          OpComposer.append(dest, piece);
        }
        return;
      }

      if (otherC.has("na")) {
        // Number adds commute with everything.
      } else if (otherC.has("li") && otherC.has("ld")) {
        if (strictEquals(otherAt, cAt)) {
          if (!commonOperand) {
            return;
          } else if (c.has("ld")) {
            if (c.has("li") && left) {
              // Both replace the same element; only the left replacement survives.
              c.set("ld", otherC.get("li").deepCopy());
            } else {
              return;
            }
          }
        }
      } else if (otherC.has("li")) {
        if (c.has("li") && !c.has("ld") && commonOperand && strictEquals(cAt, otherAt)) {
          // li against li at the same index: the left insert goes first.
          if (!left) {
            shift(cp, common, 1);
          }
        } else if (lessOrEqual(otherAt, cAt)) {
          shift(cp, common, 1);
        }
        if (c.has("lm") && commonOperand && lessOrEqual(otherAt, c.get("lm"))) {
          c.put("lm", c.get("lm").intValue() + 1);
        }
      } else if (otherC.has("ld")) {
        if (c.has("lm") && commonOperand) {
          if (strictEquals(otherAt, cAt)) {
            // They deleted the element we move.
            return;
          }
          double p = toNumber(otherAt);
          double from = toNumber(cAt);
          double to = toNumber(c.get("lm"));
          if (p < to || (p == to && from < to)) {
            c.put("lm", c.get("lm").intValue() - 1);
          }
        }
        if (lessThan(otherAt, cAt)) {
          shift(cp, common, -1);
        } else if (strictEquals(otherAt, cAt)) {
          if (otherCplength < cplength) {
            // We edit inside the deleted element.
            return;
          } else if (c.has("ld")) {
            if (c.has("li")) {
              // We replace what they delete: we become an insert.
              c.remove("ld");
            } else {
              return;
            }
          }
        }
      } else if (otherC.has("lm")) {
        if (!transformAgainstMove(c, cp, otherC, common, cplength == otherCplength, left)) {
          return;
        }
      } else if (otherC.has("oi") && otherC.has("od")) {
        if (strictEquals(cAt, otherAt)) {
          if (c.has("oi") && commonOperand) {
            if (!left) {
              return;
            }
            // We inserted where they replaced: ours replaces what they inserted.
            c.set("od", otherC.get("oi").deepCopy());
          } else {
            // They replaced the object we edit (or one of its parents).
            return;
          }
        }
      } else if (otherC.has("oi")) {
        if (c.has("oi") && strictEquals(cAt, otherAt)) {
          // Both insert at the same key: the left insert wins and replaces theirs.
          if (!left) {
            return;
          }
          ObjectNode replace = JsValues.NODES.objectNode();
          replace.set("p", cp);
          replace.set("od", otherC.get("oi"));
          OpComposer.append(dest, replace);
        }
      } else if (otherC.has("od")) {
        if (looseEquals(cAt, otherAt)) {
          if (!commonOperand) {
            return;
          }
          if (c.has("oi")) {
            c.remove("od");
          } else {
            return;
          }
        }
      }
    }
    OpComposer.append(dest, c);
  }

  /**
   * The lm branch of transformComponent; returns false when c is dropped. Both tie-breaks marked
   * "ugh" in ot-json0 (moving an element onto itself) are kept.
   */
  private static boolean transformAgainstMove(
      ObjectNode c, ArrayNode cp, ObjectNode otherC, int common, boolean samePath, boolean left) {
    ArrayNode op = JsValues.path(otherC);
    JsonNode otherFromNode = element(op, common);
    int otherTo = otherC.get("lm").intValue();
    if (c.has("lm") && samePath) {
      int from = element(cp, common).intValue();
      int to = c.get("lm").intValue();
      int otherFrom = otherFromNode.intValue();
      if (otherFrom == otherTo) {
        return true;
      }
      if (from == otherFrom) {
        // They moved the element we move: the left move wins from where it now is.
        if (!left) {
          return false;
        }
        cp.set(common, JsValues.integer(otherTo));
        if (from == to) {
          c.put("lm", otherTo);
        }
        return true;
      }
      int newFrom = from;
      int newTo = to;
      if (from > otherFrom) {
        newFrom--;
      }
      if (from > otherTo) {
        newFrom++;
      } else if (from == otherTo && otherFrom > otherTo) {
        newFrom++;
        if (from == to) {
          newTo++;
        }
      }
      if (to > otherFrom) {
        newTo--;
      } else if (to == otherFrom && to > from) {
        newTo--;
      }
      if (to > otherTo) {
        newTo++;
      } else if (to == otherTo) {
        if ((otherTo > otherFrom && to > from) || (otherTo < otherFrom && to < from)) {
          if (!left) {
            newTo++;
          }
        } else if (to > from) {
          newTo++;
        } else if (to == otherFrom) {
          newTo--;
        }
      }
      cp.set(common, JsValues.integer(newFrom));
      c.put("lm", newTo);
      return true;
    }
    JsonNode at = element(cp, common);
    double from = toNumber(otherFromNode);
    double p = toNumber(at);
    if (c.has("li") && !c.has("ld") && samePath) {
      // An insert into the list that is being reordered.
      if (p > from) {
        shift(cp, common, -1);
      }
      if (p > otherTo) {
        shift(cp, common, 1);
      }
      return true;
    }
    // Everything else follows the element it is about (ld, li+ld, si, sd, na, oi, od, and any
    // component beneath the moved element).
    if (p == from) {
      cp.set(common, JsValues.integer(otherTo));
    } else {
      if (p > from) {
        shift(cp, common, -1);
      }
      if (p > otherTo) {
        shift(cp, common, 1);
      } else if (p == otherTo && from > otherTo) {
        shift(cp, common, 1);
      }
    }
    return true;
  }

  /** {@code p[i] += delta} on a list index. */
  private static void shift(ArrayNode p, int i, int delta) {
    JsonNode at = element(p, i);
    if (at == null || !at.isIntegralNumber()) {
      // Only reachable for ops that cannot both apply to one document.
      throw new Json0Exception(
          "cannot transform path " + p + ": element " + i + " is not a list index");
    }
    p.set(i, JsValues.integer(at.longValue() + delta));
  }

  /**
   * Applies {@code otherC}, less the first {@code depth} path elements, to a copy of a value that
   * the component being transformed deletes.
   */
  private static JsonNode applyInside(JsonNode deleted, ObjectNode otherC, int depth) {
    ObjectNode inner = otherC.deepCopy();
    ArrayNode p = JsValues.path(otherC);
    ArrayNode rest = JsValues.NODES.arrayNode();
    for (int i = depth; i < p.size(); i++) {
      rest.add(p.get(i));
    }
    inner.set("p", rest);
    try {
      return Json0.toJson(Json0.apply(Json0.fromJson(deleted), inner));
    } catch (Json0Exception e) {
      throw new Json0Exception(
          "cannot transform: the value deleted at "
              + JsValues.describePath(p, Math.min(depth, p.size()))
              + " does not fit the concurrent component "
              + JsValues.abbreviate(otherC.toString())
              + " ("
              + e.getMessage()
              + ")");
    }
  }
}
