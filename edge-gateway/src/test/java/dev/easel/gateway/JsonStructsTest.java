package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** The direct conversion makes exactly what protobuf's own JSON parser makes of the text. */
class JsonStructsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aCanvasDocumentConvertsAsProtobufParsesIt() throws Exception {
    JsonNode document =
        JSON.readTree(
            """
            {"title": "Q3 — revenue ✓", "cells": {
              "intro": {"kind": "markdown", "source": "# Hi\\n\\"quoted\\" \\u0000 😀", "name": "Intro",
                        "layout": {"x": 0, "y": 3, "w": 12, "h": 4}},
              "sql": {"kind": "sql", "source": "select 1", "config": {
                "limit": 5000, "ratio": 0.1, "tiny": 5e-324, "huge": 1.7976931348623157e308,
                "negative": -42, "big": 9007199254740993, "bigger": 123456789012345678901234567890,
                "exact": 0.30000000000000004, "decimal": 1.000000000000000000001,
                "on": true, "off": false, "none": null, "empty": {}, "list": [],
                "nested": [1, [2, [3, {"a": [null, true, "x"]}]], {"b": {}}]}}}}
            """);

    assertThat(JsonStructs.struct(document)).isEqualTo(parsed(document, Struct.newBuilder()));
  }

  @Test
  void numbersOfEveryJacksonKindConvertAsTheirText() throws Exception {
    ObjectNode numbers = JsonNodeFactory.instance.objectNode();
    numbers.put("int", Integer.MIN_VALUE);
    numbers.put("long", Long.MAX_VALUE);
    numbers.put("float", 0.1f);
    numbers.put("double", Math.PI);
    numbers.put("bigInteger", new BigInteger("98765432109876543210987654321"));
    numbers.put("bigDecimal", new BigDecimal("1.23456789012345678901234567890E-5"));
    numbers.put("short", (short) -7);

    assertThat(JsonStructs.struct(numbers)).isEqualTo(parsed(numbers, Struct.newBuilder()));
  }

  @Test
  void anOpConvertsAsProtobufParsesIt() throws Exception {
    JsonNode op =
        JSON.readTree(
            """
            [{"p": ["cells", "c1", "source", 4], "si": "x"},
             {"p": ["cells", "c2"], "oi": {"kind": "sql", "source": ""}},
             {"p": ["cells", "c3", "layout", "w"], "na": -1}]
            """);

    assertThat(JsonStructs.list(op)).isEqualTo(parsed(op, ListValue.newBuilder()));
  }

  @Test
  void fieldsKeepTheDocumentsOrder() throws Exception {
    JsonNode document = JSON.readTree("{\"z\": 1, \"a\": 2, \"m\": {\"y\": 1, \"b\": 2}}");

    Struct struct = JsonStructs.struct(document);

    assertThat(struct.getFieldsMap().keySet()).containsExactly("z", "a", "m");
    assertThat(JsonFormat.printer().omittingInsignificantWhitespace().print(struct))
        .isEqualTo("{\"z\":1.0,\"a\":2.0,\"m\":{\"y\":1.0,\"b\":2.0}}");
  }

  @Test
  void aValueOfTheWrongShapeIsRefused() {
    assertThatThrownBy(() -> JsonStructs.struct(JsonNodeFactory.instance.arrayNode()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> JsonStructs.list(JsonNodeFactory.instance.objectNode()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a JSON array");
  }

  private static <B extends Message.Builder> Message parsed(JsonNode json, B builder)
      throws Exception {
    JsonFormat.parser().merge(JSON.writeValueAsString(json), builder);
    return builder.build();
  }
}
