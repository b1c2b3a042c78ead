package dev.easel.gateway;

import graphql.GraphQLContext;
import graphql.execution.CoercedVariables;
import graphql.language.ArrayValue;
import graphql.language.BooleanValue;
import graphql.language.FloatValue;
import graphql.language.IntValue;
import graphql.language.NullValue;
import graphql.language.ObjectField;
import graphql.language.ObjectValue;
import graphql.language.StringValue;
import graphql.language.Value;
import graphql.language.VariableReference;
import graphql.schema.Coercing;
import graphql.schema.CoercingParseLiteralException;
import graphql.schema.CoercingParseValueException;
import graphql.schema.CoercingSerializeException;
import graphql.schema.GraphQLScalarType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The two scalars of Easel's GraphQL schema: {@code Int64}, a 64-bit integer written as a decimal
 * string as in proto3 JSON (REST), and {@code JSON}, any JSON value (a canvas document, a json0
 * op).
 */
final class GraphqlScalars {
  private GraphqlScalars() {}

  static final GraphQLScalarType INT64 =
      GraphQLScalarType.newScalar()
          .name("Int64")
          .description("A 64-bit integer, written as a decimal string")
          .coercing(new Int64())
          .build();

  static final GraphQLScalarType JSON =
      GraphQLScalarType.newScalar()
          .name("JSON")
          .description("Any JSON value")
          .coercing(new AnyJson())
          .build();

  private static final class Int64 implements Coercing<Long, String> {
    @Override
    public String serialize(Object value, GraphQLContext context, Locale locale) {
      if (value instanceof Long || value instanceof Integer) return value.toString();
      if (value instanceof String text) {
        try {
          return Long.toString(Long.parseLong(text));
        } catch (NumberFormatException e) {
          throw new CoercingSerializeException("not a 64-bit integer: " + text);
        }
      }
      throw new CoercingSerializeException("not a 64-bit integer: " + value);
    }

    @Override
    public Long parseValue(Object input, GraphQLContext context, Locale locale) {
      Long value = toLong(input);
      if (value == null) {
        throw new CoercingParseValueException(
            "Int64 takes an integer or a decimal string such as \"12\", not " + describe(input));
      }
      return value;
    }

    @Override
    public Long parseLiteral(
        Value<?> input, CoercedVariables variables, GraphQLContext context, Locale locale) {
      Long value =
          switch (input) {
            case IntValue number -> toLong(number.getValue());
            case StringValue text -> toLong(text.getValue());
            default -> null;
          };
      if (value == null) {
        throw new CoercingParseLiteralException(
            "Int64 takes an integer or a decimal string such as \"12\"");
      }
      return value;
    }

    @Override
    public Value<?> valueToLiteral(Object input, GraphQLContext context, Locale locale) {
      return StringValue.of(serialize(input, context, locale));
    }

    private static Long toLong(Object input) {
      try {
        return switch (input) {
          case Long number -> number;
          case Integer number -> number.longValue();
          case BigInteger number -> number.longValueExact();
          case BigDecimal number -> number.longValueExact();
          case Double number when number == Math.rint(number) && Math.abs(number) < 0x1p53 ->
              number.longValue();
          case String text when !text.isEmpty() -> Long.parseLong(text);
          case null, default -> null;
        };
      } catch (ArithmeticException | NumberFormatException e) {
        return null;
      }
    }
  }

  private static final class AnyJson implements Coercing<Object, Object> {
    @Override
    public Object serialize(Object value, GraphQLContext context, Locale locale) {
      return value;
    }

    @Override
    public Object parseValue(Object input, GraphQLContext context, Locale locale) {
      return input;
    }

    @Override
    public Object parseLiteral(
        Value<?> input, CoercedVariables variables, GraphQLContext context, Locale locale) {
      return literal(input, variables);
    }

    private static Object literal(Value<?> input, CoercedVariables variables) {
      return switch (input) {
        case NullValue ignored -> null;
        case StringValue text -> text.getValue();
        case BooleanValue bool -> bool.isValue();
        case IntValue number -> number.getValue();
        case FloatValue number -> number.getValue();
        case ArrayValue array -> {
          List<Object> values = new ArrayList<>();
          for (Value<?> value : array.getValues()) values.add(literal(value, variables));
          yield values;
        }
        case ObjectValue object -> {
          Map<String, Object> fields = new LinkedHashMap<>();
          for (ObjectField field : object.getObjectFields()) {
            fields.put(field.getName(), literal(field.getValue(), variables));
          }
          yield fields;
        }
        case VariableReference variable -> variables.get(variable.getName());
        default ->
            throw new CoercingParseLiteralException(
                "JSON takes JSON values: objects, lists, strings, numbers, booleans and null");
      };
    }
  }

  private static String describe(Object input) {
    return input == null ? "null" : input.getClass().getSimpleName() + " " + input;
  }
}
