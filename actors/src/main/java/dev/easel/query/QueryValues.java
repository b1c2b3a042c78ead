package dev.easel.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Array;
import java.sql.Blob;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Struct;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.duckdb.DuckDBStruct;

/**
 * How values cross between JSON and DuckDB: query parameters in, result cells out. A cell becomes
 * the JSON value that carries it without loss:
 *
 * <ul>
 *   <li>NULL: {@code null}; BOOLEAN: {@code true}/{@code false};
 *   <li>TINYINT, SMALLINT, INTEGER, UTINYINT, USMALLINT: a number; BIGINT, UINTEGER, UBIGINT,
 *       HUGEINT, UHUGEINT: a string of digits (as proto3 JSON writes 64-bit integers, since JSON
 *       numbers are doubles);
 *   <li>FLOAT, DOUBLE: a number, or the string {@code "NaN"}, {@code "Infinity"}, {@code
 *       "-Infinity"}; DECIMAL: a string in plain notation with its scale ({@code "1.50"});
 *   <li>DATE {@code "2024-01-31"}, TIME {@code "13:45:00"}, TIMESTAMP {@code
 *       "2024-01-31T13:45:00.123456"} (no zone), TIMESTAMP WITH TIME ZONE in UTC {@code
 *       "2024-01-31T12:45:00Z"}: ISO 8601; INTERVAL, UUID, ENUM, BIT, JSON, VARCHAR: a string (JSON
 *       as its text);
 *   <li>BLOB: base64; LIST and ARRAY: a list; STRUCT: an object; MAP: a list of {@code {"key",
 *       "value"}} objects (keys need not be strings); UNION: its value.
 * </ul>
 *
 * Values DuckDB's driver cannot turn into Java (an infinite date) are DuckDB's text for them.
 */
final class QueryValues {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private QueryValues() {}

  /** The JSON value of a cell as DuckDB's JDBC driver hands it over. */
  static JsonNode cell(Object value) throws SQLException {
    return switch (value) {
      case null -> NODES.nullNode();
      case Boolean b -> NODES.booleanNode(b);
      case Byte b -> NODES.numberNode(b.intValue());
      case Short s -> NODES.numberNode(s.intValue());
      case Integer i -> NODES.numberNode(i);
      case Long l -> NODES.textNode(Long.toString(l));
      case BigInteger i -> NODES.textNode(i.toString());
      case BigDecimal d -> NODES.textNode(d.toPlainString());
      case Float f -> floating(f.doubleValue());
      case Double d -> floating(d);
      case String s -> NODES.textNode(s);
      case LocalDate d -> NODES.textNode(date(d));
      case LocalTime t -> NODES.textNode(DateTimeFormatter.ISO_LOCAL_TIME.format(t));
      case LocalDateTime t -> NODES.textNode(timestamp(t));
      case Timestamp t -> NODES.textNode(timestamp(t.toLocalDateTime()));
      case java.sql.Date d -> NODES.textNode(d.toLocalDate().toString());
      case java.sql.Time t ->
          NODES.textNode(DateTimeFormatter.ISO_LOCAL_TIME.format(t.toLocalTime()));
      case OffsetDateTime t -> {
        LocalDateTime utc = t.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
        String infinite = infinity(utc);
        yield NODES.textNode(
            infinite != null ? infinite : DateTimeFormatter.ISO_INSTANT.format(t.toInstant()));
      }
      case byte[] bytes -> NODES.textNode(Base64.getEncoder().encodeToString(bytes));
      case Blob blob -> NODES.textNode(Base64.getEncoder().encodeToString(bytes(blob)));
      case DuckDBStruct struct -> struct(struct.getMap());
      case Struct struct -> list(Arrays.asList(struct.getAttributes()));
      case Array array -> list(Arrays.asList((Object[]) array.getArray()));
      case Map<?, ?> map -> entries(map);
      default -> NODES.textNode(value.toString());
    };
  }

  /** A date; DuckDB's infinite dates come out of its driver as the largest and smallest days. */
  private static String date(LocalDate date) {
    long day = date.toEpochDay();
    if (day == Integer.MAX_VALUE) return "infinity";
    if (day == -Integer.MAX_VALUE) return "-infinity";
    return date.toString();
  }

  /** A timestamp without zone, or DuckDB's infinite ones. */
  private static String timestamp(LocalDateTime time) {
    String infinite = infinity(time);
    return infinite != null ? infinite : DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(time);
  }

  /**
   * {@code "infinity"} or {@code "-infinity"} for the instants DuckDB's driver hands over for
   * infinite timestamps (the largest and smallest microseconds or nanoseconds since 1970), else
   * null.
   */
  private static String infinity(LocalDateTime time) {
    if (Math.abs(time.getYear()) < 200_000 && time.getYear() != 2262 && time.getYear() != 1677) {
      return null;
    }
    BigInteger nanos =
        BigInteger.valueOf(time.toEpochSecond(ZoneOffset.UTC))
            .multiply(BigInteger.valueOf(1_000_000_000L))
            .add(BigInteger.valueOf(time.getNano()));
    BigInteger largest = BigInteger.valueOf(Long.MAX_VALUE);
    for (BigInteger unit : List.of(BigInteger.valueOf(1_000L), BigInteger.ONE)) {
      if (nanos.equals(largest.multiply(unit))) return "infinity";
      if (nanos.equals(largest.negate().multiply(unit))) return "-infinity";
    }
    return null;
  }

  private static JsonNode floating(double d) {
    if (Double.isNaN(d)) return NODES.textNode("NaN");
    if (Double.isInfinite(d)) return NODES.textNode(d > 0 ? "Infinity" : "-Infinity");
    return NODES.numberNode(d);
  }

  private static byte[] bytes(Blob blob) throws SQLException {
    long length = blob.length();
    if (length > Integer.MAX_VALUE) throw new SQLException("a BLOB over 2 GiB cannot be shown");
    return blob.getBytes(1, (int) length);
  }

  private static ObjectNode struct(Map<String, Object> fields) throws SQLException {
    ObjectNode object = NODES.objectNode();
    for (Map.Entry<String, Object> field : fields.entrySet()) {
      object.set(field.getKey(), cell(field.getValue()));
    }
    return object;
  }

  private static ArrayNode list(List<Object> items) throws SQLException {
    ArrayNode list = NODES.arrayNode();
    for (Object item : items) list.add(cell(item));
    return list;
  }

  private static ArrayNode entries(Map<?, ?> map) throws SQLException {
    ArrayNode list = NODES.arrayNode();
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      ObjectNode pair = NODES.objectNode();
      pair.set("key", cell(entry.getKey()));
      pair.set("value", cell(entry.getValue()));
      list.add(pair);
    }
    return list;
  }

  /**
   * Binds {@code parameters} to {@code statement} by position: null, a boolean, a string (which
   * DuckDB casts where the query needs another type: {@code ?::DATE}), an integer (as BIGINT, or
   * DECIMAL past 64 bits) or another number (DOUBLE). Lists and objects are refused.
   */
  static void bind(PreparedStatement statement, List<JsonNode> parameters)
      throws SQLException, QueryFailure {
    for (int i = 0; i < parameters.size(); i++) {
      JsonNode value = parameters.get(i);
      Object bound;
      if (value == null || value.isNull() || value.isMissingNode()) {
        bound = null;
      } else if (value.isBoolean()) {
        bound = value.booleanValue();
      } else if (value.isTextual()) {
        bound = value.textValue();
      } else if (value.isIntegralNumber()) {
        bound = value.canConvertToLong() ? (Object) value.longValue() : value.decimalValue();
      } else if (value.isNumber()) {
        bound = value.doubleValue();
      } else {
        throw QueryFailure.invalidParameters(
            "Parameter "
                + (i + 1)
                + " is a "
                + (value.isArray() ? "list" : "JSON object")
                + ": parameters are null, booleans, numbers or strings (pass a string and cast it"
                + " in the query, such as ?::INTEGER[])");
      }
      statement.setObject(i + 1, bound);
    }
  }
}
