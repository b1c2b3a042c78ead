package dev.easel.ot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One insert or delete inside a string: the embedded text0 component that ot-json0 1.1.0 turns an
 * {@code si}/{@code sd} component into when it transforms or composes it with another string
 * component at the same path. Exactly one of {@code insert} and {@code delete} is non-null.
 */
record TextEdit(int pos, String insert, String delete) {

  /** The text edit of an {@code si}/{@code sd} json0 component (its path's last element). */
  static TextEdit of(ObjectNode component) {
    ArrayNode p = JsValues.path(component);
    int pos = p.get(p.size() - 1).intValue();
    JsonNode si = component.get("si");
    return si != null && !si.isNull()
        ? new TextEdit(pos, si.textValue(), null)
        : new TextEdit(pos, null, component.get("sd").textValue());
  }

  /**
   * Writes this edit back into {@code component}, which has the same kind (si or sd): the path's
   * last element becomes the position.
   */
  void writeTo(ObjectNode component) {
    ArrayNode p = JsValues.path(component);
    p.set(p.size() - 1, JsValues.integer(pos));
    if (insert != null) {
      component.put("si", insert);
    } else {
      component.put("sd", delete);
    }
  }

  private int length() {
    return insert != null ? insert.length() : delete.length();
  }

  /**
   * Appends {@code c} to {@code op}, merging it into the last edit where the two are adjacent
   * inserts or deletes (text0's {@code append}). Empty edits are dropped: this is how ot-json0
   * loses an {@code si:""} that meets another string component.
   */
  static void append(List<TextEdit> op, TextEdit c) {
    if ("".equals(c.insert) || "".equals(c.delete)) {
      return;
    }
    if (op.isEmpty()) {
      op.add(c);
      return;
    }
    TextEdit last = op.get(op.size() - 1);
    if (last.insert != null
        && c.insert != null
        && last.pos <= c.pos
        && c.pos <= last.pos + last.insert.length()) {
      op.set(
          op.size() - 1,
          new TextEdit(last.pos, inject(last.insert, c.pos - last.pos, c.insert), null));
    } else if (last.delete != null
        && c.delete != null
        && c.pos <= last.pos
        && last.pos <= c.pos + c.delete.length()) {
      op.set(
          op.size() - 1,
          new TextEdit(c.pos, null, inject(c.delete, last.pos - c.pos, last.delete)));
    } else {
      op.add(c);
    }
  }

  /**
   * This edit transformed by a concurrent edit {@code other} of the same string (text0's
   * transformComponent): zero, one or two edits.
   *
   * @throws Json0Exception when both delete overlapping text that differs
   */
  List<TextEdit> transform(TextEdit other, boolean left, ArrayNode path) {
    List<TextEdit> out = new ArrayList<>(2);
    if (insert != null) {
      append(out, new TextEdit(transformPosition(pos, other, !left), insert, null));
    } else if (other.insert != null) {
      // Our delete is split around their insert when the insert falls inside it.
      String rest = delete;
      if (pos < other.pos) {
        append(out, new TextEdit(pos, null, slice(rest, 0, other.pos - pos)));
        rest = slice(rest, other.pos - pos, rest.length());
      }
      if (!rest.isEmpty()) {
        append(out, new TextEdit(pos + other.insert.length(), null, rest));
      }
    } else if (pos >= other.pos + other.delete.length()) {
      append(out, new TextEdit(pos - other.delete.length(), null, delete));
    } else if (pos + delete.length() <= other.pos) {
      append(out, this);
    } else {
      String kept = "";
      if (pos < other.pos) {
        kept = slice(delete, 0, other.pos - pos);
      }
      if (pos + delete.length() > other.pos + other.delete.length()) {
        kept += slice(delete, other.pos + other.delete.length() - pos, delete.length());
      }
      int intersectStart = Math.max(pos, other.pos);
      int intersectEnd = Math.min(pos + delete.length(), other.pos + other.delete.length());
      String ours = slice(delete, intersectStart - pos, intersectEnd - pos);
      String theirs = slice(other.delete, intersectStart - other.pos, intersectEnd - other.pos);
      if (!ours.equals(theirs)) {
        throw new Json0Exception(
            "concurrent sd components at "
                + JsValues.describePath(path, path.size() - 1)
                + " delete different text in the same region: "
                + JsValues.abbreviate(ours)
                + " and "
                + JsValues.abbreviate(theirs));
      }
      if (!kept.isEmpty()) {
        append(out, new TextEdit(transformPosition(pos, other, false), null, kept));
      }
    }
    return out;
  }

  /**
   * Where position {@code at} ends up after {@code c}; an insert right there pushes it on when
   * {@code insertAfter}.
   */
  private static int transformPosition(int at, TextEdit c, boolean insertAfter) {
    if (c.insert != null) {
      return c.pos < at || (c.pos == at && insertAfter) ? at + c.insert.length() : at;
    }
    if (at <= c.pos) {
      return at;
    }
    return at <= c.pos + c.length() ? c.pos : at - c.length();
  }

  private static String inject(String s, int at, String inserted) {
    return slice(s, 0, at) + inserted + slice(s, at, s.length());
  }

  /** JavaScript's {@code String.prototype.slice}: indexes are clamped to the string. */
  private static String slice(String s, int from, int to) {
    int n = s.length();
    int start = from < 0 ? Math.max(n + from, 0) : Math.min(from, n);
    int end = to < 0 ? Math.max(n + to, 0) : Math.min(to, n);
    return start < end ? s.substring(start, end) : "";
  }
}
