package dev.easel.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Whole numbers that protobuf's JSON printer wrote as doubles, printed back as integers: in JSON
 * made from a {@code google.protobuf.Value} ({@link #integral}), and in a query's rows. How a
 * query's rows print as JSON, the same in REST and GraphQL. A row's values travel as protobuf's
 * {@code google.protobuf.Value}, whose only number is a double, so protobuf's JSON printer writes a
 * TINYINT, SMALLINT, INTEGER, UTINYINT or USMALLINT {@code 1} as {@code 1.0}; gRPC clients read the
 * double, which is exact. In JSON, the values of a column whose type holds no floating point type
 * ({@code FLOAT}, {@code DOUBLE}, {@code REAL}) are printed back as the integers they are: such a
 * column's numbers can only be integers (wider integers and decimals travel as strings), also
 * inside its lists, structs and maps. A column that mixes both (a struct of an INTEGER and a
 * DOUBLE) keeps protobuf's doubles.
 */
final class WholeNumbers {
  /** A type name that holds a floating point type somewhere. */
  private static final Pattern FLOATING = Pattern.compile("\\b(FLOAT|DOUBLE|REAL)\\b");

  /** The largest integer a double holds exactly, 2^53. */
  private static final double EXACT = 9.007199254740992E15;

  private WholeNumbers() {}

  /**
   * Rewrites, in an {@code ExecuteQueryResponse} printed as JSON ({@code columns}, {@code rows}),
   * the whole numbers of integer columns as integers.
   */
  static void integralRows(ObjectNode response) {
    JsonNode columns = response.path("columns");
    JsonNode rows = response.path("rows");
    if (!columns.isArray() || !rows.isArray()) return;
    boolean[] integral = new boolean[columns.size()];
    for (int i = 0; i < integral.length; i++) {
      String type = columns.get(i).path("type").asText("").toUpperCase(Locale.ROOT);
      integral[i] = !FLOATING.matcher(type).find();
    }
    for (JsonNode row : rows) {
      if (!(row instanceof ArrayNode values)) continue;
      for (int i = 0; i < values.size() && i < integral.length; i++) {
        if (integral[i]) values.set(i, integral(values.get(i)));
      }
    }
  }

  /**
   * {@code value} with every whole number a double holds exactly, in it or nested in its lists and
   * objects, as an integer (changed in place where it is a container).
   */
  static JsonNode integral(JsonNode value) {
    if (value.isFloatingPointNumber()) {
      double number = value.doubleValue();
      return number == Math.rint(number) && Math.abs(number) <= EXACT
          ? JsonNodeFactory.instance.numberNode(value.longValue())
          : value;
    }
    if (value instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) array.set(i, integral(array.get(i)));
    } else if (value instanceof ObjectNode object) {
      object.properties().forEach(entry -> entry.setValue(integral(entry.getValue())));
    }
    return value;
  }
}
