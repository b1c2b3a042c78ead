package dev.easel.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.Map;

/**
 * Jackson JSON trees as protobuf's JSON types ({@code Struct}, {@code ListValue}, {@code Value}),
 * built directly from the tree: the same messages {@code JsonFormat.parser()} makes from the tree's
 * text, without writing and parsing that text. Numbers become doubles (protobuf's only number),
 * correctly rounded as parsing their text would; a non-finite double becomes its name as a string,
 * as Jackson writes it.
 */
final class JsonStructs {
  private JsonStructs() {}

  /** An object as a {@code Struct}; fields in the object's order. */
  static Struct struct(JsonNode object) {
    if (!object.isObject()) throw new IllegalArgumentException("not a JSON object: " + object);
    Struct.Builder struct = Struct.newBuilder();
    for (Map.Entry<String, JsonNode> field : object.properties()) {
      struct.putFields(field.getKey(), value(field.getValue()));
    }
    return struct.build();
  }

  /** An array as a {@code ListValue}. */
  static ListValue list(JsonNode array) {
    if (!array.isArray()) throw new IllegalArgumentException("not a JSON array: " + array);
    ListValue.Builder list = ListValue.newBuilder();
    for (JsonNode element : array) list.addValues(value(element));
    return list.build();
  }

  /** Any JSON value as a {@code Value}. */
  static Value value(JsonNode node) {
    Value.Builder value = Value.newBuilder();
    switch (node.getNodeType()) {
      case OBJECT -> value.setStructValue(struct(node));
      case ARRAY -> value.setListValue(list(node));
      case STRING -> value.setStringValue(node.textValue());
      case BOOLEAN -> value.setBoolValue(node.booleanValue());
      case NUMBER -> {
        double number = number(node);
        if (Double.isFinite(number)) value.setNumberValue(number);
        else value.setStringValue(Double.toString(number));
      }
      case NULL, MISSING -> value.setNullValue(NullValue.NULL_VALUE);
      case BINARY, POJO ->
          throw new IllegalArgumentException("not a JSON value: " + node.getNodeType());
    }
    return value.build();
  }

  /** The double that parsing the number's JSON text gives. */
  private static double number(JsonNode node) {
    if (node.isInt() || node.isLong()) return node.longValue(); // round to nearest, as parsing
    if (node.isDouble()) return node.doubleValue();
    return Double.parseDouble(node.asText()); // float, BigInteger, BigDecimal: by their text
  }
}
