package dev.easel.gateway;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import dev.easel.api.v1.ExecuteQueryResponse;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;

/**
 * Requests in JSON (REST bodies, gRPC-JSON, gRPC-Web JSON, unframed JSON) read strictly against
 * their message, as Google's transcoding does: a field the message does not have, a value of the
 * wrong type and malformed JSON are each refused with INVALID_ARGUMENT (HTTP 400) whose {@code
 * BadRequest} names the field by its JSON path ({@code displayName}, {@code scopes[1]}, {@code
 * filter.pageSize}), never half-read. Plain logic, apart from the marshaller that applies it.
 */
final class JsonRequests {
  /** The reason of the {@code ErrorInfo} of a request that is not valid JSON. */
  static final String MALFORMED_JSON = "MALFORMED_JSON";

  /** The reason of the {@code ErrorInfo} of a request field that the message does not have. */
  static final String UNKNOWN_FIELD = "UNKNOWN_FIELD";

  /** The reason of the {@code ErrorInfo} of a field whose value has the wrong type. */
  static final String WRONG_TYPE = "WRONG_TYPE";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BigInteger UINT64_MAX =
      BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private JsonRequests() {}

  /** What is wrong with a request: the field at fault (its JSON path; "" for the whole body). */
  record Violation(String reason, String field, String description) {
    StatusRuntimeException status() {
      return ApiErrors.status(
          Code.INVALID_ARGUMENT, reason, description, field.isEmpty() ? null : field);
    }
  }

  /**
   * The marshaller of a service's JSON: Armeria's (protobuf-jackson), refusing unknown fields, with
   * each request checked by {@link #violation} first so that a refusal names its field.
   */
  static GrpcJsonMarshaller strict(ServiceDescriptor service) {
    GrpcJsonMarshaller delegate =
        GrpcJsonMarshaller.builder()
            .jsonMarshallerCustomizer(builder -> builder.ignoringUnknownFields(false))
            .build(service);
    return new GrpcJsonMarshaller() {
      @Override
      public <T> void serializeMessage(
          MethodDescriptor.Marshaller<T> marshaller, T message, OutputStream os)
          throws IOException {
        if (message instanceof ExecuteQueryResponse) {
          // A query's rows: integer columns print as integers (WholeNumbers), as in GraphQL.
          ByteArrayOutputStream printed = new ByteArrayOutputStream();
          delegate.serializeMessage(marshaller, message, printed);
          ObjectNode response = (ObjectNode) JSON.readTree(printed.toByteArray());
          WholeNumbers.integralRows(response);
          JSON.writeValue(os, response);
          return;
        }
        delegate.serializeMessage(marshaller, message, os);
      }

      @Override
      public <T> T deserializeMessage(MethodDescriptor.Marshaller<T> marshaller, InputStream is)
          throws IOException {
        byte[] body = is.readAllBytes();
        if (marshaller instanceof MethodDescriptor.PrototypeMarshaller<T> typed
            && typed.getMessagePrototype() instanceof Message prototype) {
          Violation violation = violation(prototype.getDescriptorForType(), body);
          if (violation != null) throw violation.status();
        }
        try {
          return delegate.deserializeMessage(marshaller, new ByteArrayInputStream(body));
        } catch (IOException e) {
          // Not expected once the checks above passed; refused all the same, as bad input.
          throw new Violation(WRONG_TYPE, "", "the request is not valid: " + e.getMessage())
              .status();
        }
      }
    };
  }

  /** What is wrong with {@code body} as JSON of {@code message}, or null when nothing is. */
  static Violation violation(Descriptor message, byte[] body) {
    if (body.length == 0) return null; // the empty request
    Parsed parsed = parse(body);
    if (parsed.violation() != null) return parsed.violation();
    JsonNode tree = parsed.tree();
    if (tree == null || tree.isMissingNode() || tree.isNull()) return null;
    return violation(message, tree);
  }

  /** A body read as JSON: its value (null when there is none), or what is wrong with it. */
  record Parsed(JsonNode tree, Violation violation) {}

  /**
   * {@code body} read as one JSON value with nothing after it: a second value or anything else that
   * follows is malformed too, never silently left unread.
   */
  static Parsed parse(byte[] body) {
    try (JsonParser parser = JSON.createParser(body)) {
      JsonNode tree = JSON.readTree(parser);
      if (tree != null && parser.nextToken() != null) {
        JsonLocation at = parser.currentTokenLocation();
        return new Parsed(
            null,
            new Violation(
                MALFORMED_JSON,
                "",
                "the request is not valid JSON at line "
                    + at.getLineNr()
                    + ", column "
                    + at.getColumnNr()
                    + ": more follows the JSON value, where the request should end"));
      }
      return new Parsed(tree, null);
    } catch (JsonProcessingException e) {
      return new Parsed(null, malformed(e));
    } catch (IOException e) {
      return new Parsed(
          null,
          new Violation(MALFORMED_JSON, "", "the request is not valid JSON: " + e.getMessage()));
    }
  }

  /** What is wrong with {@code tree} as JSON of {@code message}, or null when nothing is. */
  static Violation violation(Descriptor message, JsonNode tree) {
    if (!tree.isObject()) {
      return new Violation(
          WRONG_TYPE,
          "",
          "the request must be a JSON object (a " + message.getName() + "), not " + kind(tree));
    }
    return object(message, tree, "");
  }

  /**
   * The violation of a JSON body that did not parse: the field the parser was in (its JSON path)
   * and where.
   */
  static Violation malformed(JsonProcessingException e) {
    String field = "";
    if (e.getProcessor() instanceof JsonParser parser) {
      field = path(parser.getParsingContext());
    }
    JsonLocation at = e.getLocation();
    String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    return new Violation(
        MALFORMED_JSON,
        field,
        "the request is not valid JSON"
            + where
            + (field.isEmpty() ? "" : " (in " + field + ")")
            + ": "
            + e.getOriginalMessage());
  }

  private static String path(JsonStreamContext context) {
    Deque<String> parts = new ArrayDeque<>();
    for (JsonStreamContext at = context; at != null && !at.inRoot(); at = at.getParent()) {
      if (at.inObject() && at.getCurrentName() != null) parts.addFirst(at.getCurrentName());
      else if (at.inArray()) parts.addFirst("[" + Math.max(0, at.getCurrentIndex()) + "]");
    }
    StringBuilder path = new StringBuilder();
    for (String part : parts) {
      if (!part.startsWith("[") && path.length() > 0) path.append('.');
      path.append(part);
    }
    return path.toString();
  }

  private static Violation object(Descriptor message, JsonNode object, String prefix) {
    for (Map.Entry<String, JsonNode> entry : object.properties()) {
      String name = entry.getKey();
      FieldDescriptor field = field(message, name);
      String path = prefix.isEmpty() ? name : prefix + "." + name;
      if (field == null) {
        return new Violation(
            UNKNOWN_FIELD,
            path,
            path + " is not a field of " + message.getName() + " (" + fieldNames(message) + ")");
      }
      Violation violation = value(field, entry.getValue(), path);
      if (violation != null) return violation;
    }
    return null;
  }

  /** The field of {@code message} named {@code name} in JSON (lowerCamelCase) or in the proto. */
  private static FieldDescriptor field(Descriptor message, String name) {
    for (FieldDescriptor field : message.getFields()) {
      if (field.getJsonName().equals(name) || field.getName().equals(name)) return field;
    }
    return null;
  }

  private static String fieldNames(Descriptor message) {
    if (message.getFields().isEmpty()) return "it has no fields";
    StringBuilder names = new StringBuilder("its fields: ");
    for (FieldDescriptor field : message.getFields()) {
      if (names.length() > "its fields: ".length()) names.append(", ");
      names.append(field.getJsonName());
    }
    return names.toString();
  }

  private static Violation value(FieldDescriptor field, JsonNode value, String path) {
    if (value.isNull()) return null; // the default value
    if (field.isMapField()) {
      if (!value.isObject()) return wrongType(path, "an object (a map)", value);
      FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
      for (Map.Entry<String, JsonNode> entry : value.properties()) {
        Violation violation = single(valueField, entry.getValue(), path + "." + entry.getKey());
        if (violation != null) return violation;
      }
      return null;
    }
    if (field.isRepeated()) {
      if (!value.isArray()) return wrongType(path, "an array", value);
      for (int i = 0; i < value.size(); i++) {
        Violation violation = single(field, value.get(i), path + "[" + i + "]");
        if (violation != null) return violation;
      }
      return null;
    }
    return single(field, value, path);
  }

  private static Violation single(FieldDescriptor field, JsonNode value, String path) {
    if (value.isNull()) {
      // Only within a list or map: a field set to null is left at its default before this.
      boolean isValue =
          field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
              && field.getMessageType().getFullName().equals("google.protobuf.Value");
      return isValue ? null : wrongType(path, expected(field), value);
    }
    return switch (field.getJavaType()) {
      case STRING -> value.isTextual() ? null : wrongType(path, "a string", value);
      case BOOLEAN ->
          value.isBoolean()
                  || (value.isTextual()
                      && (value.asText().equals("true") || value.asText().equals("false")))
              ? null
              : wrongType(path, "true or false", value);
      case INT, LONG -> integer(field, value, path);
      case FLOAT, DOUBLE ->
          value.isNumber() || (value.isTextual() && number(value.asText()))
              ? null
              : wrongType(path, "a number", value);
      case BYTE_STRING -> value.isTextual() ? null : wrongType(path, "a base64 string", value);
      case ENUM -> enumValue(field, value, path);
      case MESSAGE -> message(field.getMessageType(), value, path);
    };
  }

  private static Violation integer(FieldDescriptor field, JsonNode value, String path) {
    BigInteger number;
    if (value.isIntegralNumber()) {
      number = value.bigIntegerValue();
    } else if (value.isNumber() && value.decimalValue().stripTrailingZeros().scale() <= 0) {
      number = value.decimalValue().toBigInteger();
    } else if (value.isTextual()) {
      try {
        BigDecimal parsed = new BigDecimal(value.asText().strip());
        if (parsed.stripTrailingZeros().scale() > 0) {
          return wrongType(path, expected(field), value);
        }
        number = parsed.toBigInteger();
      } catch (NumberFormatException e) {
        return wrongType(path, expected(field), value);
      }
    } else {
      return wrongType(path, expected(field), value);
    }
    boolean unsigned =
        switch (field.getType()) {
          case UINT32, FIXED32, UINT64, FIXED64 -> true;
          default -> false;
        };
    boolean wide = field.getJavaType() == FieldDescriptor.JavaType.LONG;
    BigInteger min =
        unsigned ? BigInteger.ZERO : BigInteger.valueOf(wide ? Long.MIN_VALUE : Integer.MIN_VALUE);
    BigInteger max =
        unsigned
            ? (wide ? UINT64_MAX : BigInteger.valueOf(0xFFFF_FFFFL))
            : BigInteger.valueOf(wide ? Long.MAX_VALUE : Integer.MAX_VALUE);
    if (number.compareTo(min) < 0 || number.compareTo(max) > 0) {
      return new Violation(
          WRONG_TYPE,
          path,
          path + " must be " + expected(field) + "; " + value + " is out of range");
    }
    return null;
  }

  private static Violation enumValue(FieldDescriptor field, JsonNode value, String path) {
    if (value.isIntegralNumber()) return null;
    if (value.isTextual() && field.getEnumType().findValueByName(value.asText()) != null) {
      return null;
    }
    return wrongType(path, "one of the names of " + field.getEnumType().getName(), value);
  }

  private static Violation message(Descriptor type, JsonNode value, String path) {
    switch (type.getFullName()) {
      case "google.protobuf.Value":
        return null;
      case "google.protobuf.Struct":
        return value.isObject() ? null : wrongType(path, "an object", value);
      case "google.protobuf.ListValue":
        return value.isArray() ? null : wrongType(path, "an array", value);
      case "google.protobuf.FieldMask":
        return value.isTextual()
            ? null
            : wrongType(path, "a string of comma-separated field paths", value);
      case "google.protobuf.Timestamp", "google.protobuf.Duration":
        return value.isTextual() ? null : wrongType(path, "a string", value);
      case "google.protobuf.Any":
        return value.isObject() ? null : wrongType(path, "an object", value);
      default:
        break;
    }
    if (type.getFullName().startsWith("google.protobuf.") && type.getName().endsWith("Value")) {
      // A wrapper (StringValue, Int64Value...): the wrapped value, as its field.
      return single(type.findFieldByName("value"), value, path);
    }
    if (!value.isObject()) return wrongType(path, "an object (a " + type.getName() + ")", value);
    return object(type, value, path);
  }

  private static boolean number(String text) {
    if (text.equals("NaN") || text.equals("Infinity") || text.equals("-Infinity")) return true;
    try {
      new BigDecimal(text.strip());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String expected(FieldDescriptor field) {
    return switch (field.getType()) {
      case INT32, SINT32, SFIXED32 -> "a whole number (int32)";
      case UINT32, FIXED32 -> "a whole number >= 0 (uint32)";
      case INT64, SINT64, SFIXED64 -> "a whole number (int64, as a number or a string)";
      case UINT64, FIXED64 -> "a whole number >= 0 (uint64, as a number or a string)";
      case STRING -> "a string";
      case BOOL -> "true or false";
      case MESSAGE, GROUP -> "an object (a " + field.getMessageType().getName() + ")";
      default -> "a value of type " + field.getType().name().toLowerCase(Locale.ROOT);
    };
  }

  private static Violation wrongType(String path, String expected, JsonNode value) {
    return new Violation(
        WRONG_TYPE, path, path + " must be " + expected + ", not " + kind(value) + shown(value));
  }

  private static String kind(JsonNode value) {
    if (value.isTextual()) return "a string";
    if (value.isNumber()) return "a number";
    if (value.isBoolean()) return "a boolean";
    if (value.isArray()) return "an array";
    if (value.isObject()) return "an object";
    return "null";
  }

  /** A short value, as sent; long ones are not repeated. */
  private static String shown(JsonNode value) {
    if (!value.isValueNode() || value.isNull()) return "";
    String text = value.toString();
    return text.length() > 40 ? "" : " (" + text + ")";
  }
}
