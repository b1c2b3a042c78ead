package dev.easel.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DateMilliVector;
import org.apache.arrow.vector.Decimal256Vector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeNanoVector;
import org.apache.arrow.vector.TimeSecVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VariableWidthFieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The values of a prepared statement's parameters as a Flight SQL client binds them: one row of an
 * Arrow record batch, one column per positional parameter, read into the JSON values that the query
 * API binds ({@code QueryValues}: null, booleans, numbers, strings) so that they reach DuckDB by
 * position, exactly as {@code ExecuteQuery}'s parameters do, never in the SQL text. Integers stay
 * integers (unsigned 64-bit ones past {@code Long.MAX_VALUE} too), floating point numbers doubles;
 * decimals, dates, times and timestamps cross as ISO text, which DuckDB casts to the parameter's
 * type (a timestamp with a time zone as its UTC instant). Other Arrow types (binary, lists,
 * structs, intervals) are refused.
 *
 * <p>Each column is checked against the type the statement takes there ({@link
 * dev.easel.query.QueryEngine.Checked#parameters}): a value of another kind (a date where the query
 * compares an integer) is refused INVALID_ARGUMENT before the query runs; text and null are taken
 * anywhere, as DuckDB casts text, and a VARCHAR parameter (also where the query fixes no type)
 * takes any value.
 */
final class FlightParameters {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private FlightParameters() {}

  /** The kinds of value that may stand where a parameter of a kind is expected. */
  private enum Kind {
    NULL,
    BOOLEAN,
    NUMBER,
    TEXT,
    DATE_TIME,
    TIME,
    OTHER;

    static Kind of(ArrowType type) {
      return switch (type.getTypeID()) {
        case Null -> NULL;
        case Bool -> BOOLEAN;
        case Int, FloatingPoint, Decimal -> NUMBER;
        case Utf8, LargeUtf8, Utf8View -> TEXT;
        case Date, Timestamp -> DATE_TIME;
        case Time -> TIME;
        default -> OTHER;
      };
    }
  }

  /**
   * The parameters {@code batch} binds, read from its only row, checked against {@code expected}.
   *
   * @throws FlightRuntimeException INVALID_ARGUMENT naming the parameter and what is wrong
   */
  static List<JsonNode> read(VectorSchemaRoot batch, Schema expected) {
    List<Field> takes = expected.getFields();
    List<FieldVector> given = batch.getFieldVectors();
    if (given.size() != takes.size()) {
      throw invalid(
          "The query takes "
              + count(takes.size())
              + " and the parameter batch holds "
              + given.size()
              + (given.size() == 1 ? " column" : " columns"));
    }
    if (batch.getRowCount() != 1) {
      throw invalid(
          "A parameter batch binds one row of values per execution; this one holds "
              + batch.getRowCount()
              + " rows (execute the statement once per row)");
    }
    List<JsonNode> values = new ArrayList<>(given.size());
    for (int i = 0; i < given.size(); i++) {
      FieldVector vector = given.get(i);
      ArrowType type = vector.getField().getType();
      ArrowType wanted = takes.get(i).getType();
      Kind kind = Kind.of(type);
      if (kind == Kind.OTHER) {
        throw invalid(
            "Parameter "
                + (i + 1)
                + " is of Arrow type "
                + type
                + ": parameters are null, booleans, numbers, strings, dates, times or timestamps");
      }
      Kind wantedKind = Kind.of(wanted);
      if (kind != wantedKind
          && kind != Kind.NULL
          && kind != Kind.TEXT
          && wantedKind != Kind.TEXT
          && !vector.isNull(0)) {
        throw invalid(
            "Parameter "
                + (i + 1)
                + " is of Arrow type "
                + type
                + " but the query takes "
                + wanted
                + " there");
      }
      values.add(value(vector, 0));
    }
    return values;
  }

  /**
   * The parameter schema a client is given for {@code inferred} (DuckDB's types): the same, but
   * timestamps and times in milliseconds. Arrow's Flight SQL JDBC driver writes a {@code
   * setTimestamp} or {@code setTime} value as milliseconds into whatever vector the schema names,
   * so DuckDB's microsecond types would read it a thousand times too small; {@link #read} takes
   * every unit, so other clients may still send microseconds.
   */
  static Schema declared(Schema inferred) {
    List<Field> fields = new ArrayList<>(inferred.getFields().size());
    for (Field field : inferred.getFields()) {
      ArrowType type =
          switch (field.getType()) {
            case ArrowType.Timestamp stamp ->
                new ArrowType.Timestamp(
                    org.apache.arrow.vector.types.TimeUnit.MILLISECOND, stamp.getTimezone());
            case ArrowType.Time time ->
                new ArrowType.Time(org.apache.arrow.vector.types.TimeUnit.MILLISECOND, 32);
            default -> field.getType();
          };
      fields.add(new Field(field.getName(), new FieldType(true, type, null), null));
    }
    return new Schema(fields);
  }

  private static String count(int parameters) {
    return parameters + (parameters == 1 ? " parameter" : " parameters");
  }

  /** The value at {@code row} of a vector of one of the kinds {@link #read} takes. */
  private static JsonNode value(FieldVector vector, int row) {
    if (vector.isNull(row)) return NODES.nullNode();
    return switch (vector) {
      case BitVector bits -> NODES.booleanNode(bits.get(row) != 0);
      case UInt8Vector unsigned -> NODES.numberNode(unsigned.getObjectNoOverflow(row));
      case BaseIntVector integer -> NODES.numberNode(integer.getValueAsLong(row));
      case FloatingPointVector floating -> NODES.numberNode(floating.getValueAsDouble(row));
      case DecimalVector decimal -> text(decimal.getObject(row));
      case Decimal256Vector decimal -> text(decimal.getObject(row));
      case DateDayVector days -> NODES.textNode(LocalDate.ofEpochDay(days.get(row)).toString());
      case DateMilliVector millis ->
          NODES.textNode(
              LocalDate.ofEpochDay(Math.floorDiv(millis.get(row), TimeUnit.DAYS.toMillis(1)))
                  .toString());
      case TimeStampVector stamps -> NODES.textNode(timestamp(stamps, row));
      case TimeSecVector seconds ->
          NODES.textNode(time(TimeUnit.SECONDS.toNanos(seconds.get(row))));
      case TimeMilliVector millis ->
          NODES.textNode(time(TimeUnit.MILLISECONDS.toNanos(millis.get(row))));
      case TimeMicroVector micros ->
          NODES.textNode(time(TimeUnit.MICROSECONDS.toNanos(micros.get(row))));
      case TimeNanoVector nanos -> NODES.textNode(time(nanos.get(row)));
      case VariableWidthFieldVector text -> NODES.textNode(String.valueOf(text.getObject(row)));
      default -> throw invalid("A parameter of Arrow type " + vector.getField().getType());
    };
  }

  private static JsonNode text(BigDecimal decimal) {
    return NODES.textNode(decimal.toPlainString());
  }

  private static String time(long nanosOfDay) {
    return DateTimeFormatter.ISO_LOCAL_TIME.format(LocalTime.ofNanoOfDay(nanosOfDay));
  }

  /** A timestamp in ISO 8601: with a time zone, its UTC instant; without, the local date-time. */
  private static String timestamp(TimeStampVector stamps, int row) {
    ArrowType.Timestamp type = (ArrowType.Timestamp) stamps.getField().getType();
    long value = stamps.get(row);
    Instant instant =
        switch (type.getUnit()) {
          case SECOND -> Instant.ofEpochSecond(value);
          case MILLISECOND -> Instant.ofEpochMilli(value);
          case MICROSECOND ->
              Instant.ofEpochSecond(
                  Math.floorDiv(value, 1_000_000L), Math.floorMod(value, 1_000_000L) * 1_000L);
          case NANOSECOND ->
              Instant.ofEpochSecond(
                  Math.floorDiv(value, 1_000_000_000L), Math.floorMod(value, 1_000_000_000L));
        };
    if (type.getTimezone() != null && !type.getTimezone().isEmpty()) {
      return DateTimeFormatter.ISO_INSTANT.format(instant);
    }
    return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(
        LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
  }

  private static FlightRuntimeException invalid(String message) {
    return CallStatus.INVALID_ARGUMENT.withDescription(message).toRuntimeException();
  }
}
