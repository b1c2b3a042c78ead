package dev.easel.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.Map;

/**
 * JSON values (Jackson) and {@code google.protobuf.Value}s, one into the other, directly (no JSON
 * text in between). Protobuf numbers are doubles: a whole number within 2^53 comes back as an
 * integer, so that a query parameter {@code 3} is a BIGINT, not a DOUBLE.
 */
final class ProtoValues {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final double EXACT = 9.007199254740992E15;

  private ProtoValues() {}

  static Value value(JsonNode json) {
    Value.Builder value = Value.newBuilder();
    if (json == null || json.isNull() || json.isMissingNode()) {
      value.setNullValue(NullValue.NULL_VALUE);
    } else if (json.isBoolean()) {
      value.setBoolValue(json.booleanValue());
    } else if (json.isNumber()) {
      value.setNumberValue(json.doubleValue());
    } else if (json.isArray()) {
      value.setListValue(list(json));
    } else if (json.isObject()) {
      Struct.Builder struct = Struct.newBuilder();
      for (Map.Entry<String, JsonNode> field : json.properties()) {
        struct.putFields(field.getKey(), value(field.getValue()));
      }
      value.setStructValue(struct);
    } else {
      value.setStringValue(json.asText());
    }
    return value.build();
  }

  static ListValue list(JsonNode array) {
    ListValue.Builder list = ListValue.newBuilder();
    for (JsonNode item : array) list.addValues(value(item));
    return list.build();
  }

  static JsonNode json(Value value) {
    return switch (value.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> NODES.nullNode();
      case BOOL_VALUE -> NODES.booleanNode(value.getBoolValue());
      case STRING_VALUE -> NODES.textNode(value.getStringValue());
      case NUMBER_VALUE -> {
        double number = value.getNumberValue();
        yield number == Math.rint(number) && Math.abs(number) <= EXACT
            ? NODES.numberNode((long) number)
            : NODES.numberNode(number);
      }
      case LIST_VALUE -> {
        ArrayNode array = NODES.arrayNode();
        for (Value item : value.getListValue().getValuesList()) array.add(json(item));
        yield array;
      }
      case STRUCT_VALUE -> {
        ObjectNode object = NODES.objectNode();
        value.getStructValue().getFieldsMap().forEach((k, v) -> object.set(k, json(v)));
        yield object;
      }
    };
  }
}
