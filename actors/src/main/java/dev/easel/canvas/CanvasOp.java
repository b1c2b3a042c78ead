package dev.easel.canvas;

import com.fasterxml.jackson.databind.JsonNode;
import dev.easel.CborSerializable;
import dev.easel.ot.Json0;
import java.time.Instant;

/**
 * One change as sequenced by a canvas: applied at version {@code v} (the document then moves to
 * {@code v + 1}). {@code body} is the json0 op for an edit, the initial document for a create, and
 * null for a delete.
 */
public record CanvasOp(
    long v, String src, long seq, ChangeKind kind, JsonNode body, String author, Instant at)
    implements CborSerializable {
  public CanvasOp {
    body = absentIfNull(body);
  }

  /**
   * The document after this change, given the one before it (the json0 document model; an edit
   * changes {@code doc} in place).
   */
  public Object applyTo(Object doc) {
    return switch (kind) {
      case CREATE -> Json0.fromJson(body);
      case EDIT -> Json0.apply(doc, body);
      case DELETE -> null;
    };
  }

  /** Jackson reads an absent JSON value back as a JSON null node; both mean "none" here. */
  public static JsonNode absentIfNull(JsonNode json) {
    return json == null || json.isNull() ? null : json;
  }
}
