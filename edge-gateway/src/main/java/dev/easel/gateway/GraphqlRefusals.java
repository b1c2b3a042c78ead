package dev.easel.gateway;

import graphql.ExecutionResult;
import graphql.GraphQLError;
import graphql.GraphqlErrorBuilder;
import graphql.InvalidSyntaxError;
import graphql.execution.NonNullableValueCoercedAsNullException;
import graphql.introspection.IntrospectionDisabledError;
import graphql.language.Argument;
import graphql.language.Document;
import graphql.language.Field;
import graphql.language.FragmentDefinition;
import graphql.language.FragmentSpread;
import graphql.language.InlineFragment;
import graphql.language.OperationDefinition;
import graphql.language.Selection;
import graphql.language.SelectionSet;
import graphql.language.SourceLocation;
import graphql.language.VariableDefinition;
import graphql.parser.Parser;
import graphql.schema.GraphQLArgument;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLFieldsContainer;
import graphql.schema.GraphQLSchema;
import graphql.schema.GraphQLType;
import graphql.schema.GraphQLTypeUtil;
import graphql.validation.ValidationError;
import graphql.validation.ValidationErrorType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The errors of a GraphQL request that did not run, because of its syntax, its fit to the schema or
 * its variables, given what every error of the API has: {@code code} INVALID_ARGUMENT, a stable
 * {@code reason} ({@value #MALFORMED_QUERY}, {@code UNKNOWN_FIELD}, {@value #UNKNOWN_ARGUMENT},
 * {@code WRONG_TYPE}, {@value #MISSING_ARGUMENT}, {@value #INTROSPECTION_DISABLED}, else {@value
 * #INVALID_QUERY}) and {@code fieldViolations} naming what is at fault: a field by its path in the
 * query ({@code renameProject.colour}), an argument after its field ({@code renameProject(name:)}),
 * a variable as a member of the request's {@code variables} ({@code variables.name}). What is named
 * is found from the error's location in the document, never from its message.
 */
final class GraphqlRefusals {
  /** The reason of a document that is not GraphQL. */
  static final String MALFORMED_QUERY = "MALFORMED_QUERY";

  /** The reason of an argument that the field does not have. */
  static final String UNKNOWN_ARGUMENT = "UNKNOWN_ARGUMENT";

  /** The reason of a required argument or variable that is missing (or null). */
  static final String MISSING_ARGUMENT = "MISSING_ARGUMENT";

  /** The reason of a query of the schema when introspection is off. */
  static final String INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED";

  /** The reason of any other query that does not fit the schema. */
  static final String INVALID_QUERY = "INVALID_QUERY";

  private GraphqlRefusals() {}

  /**
   * {@code result}, with each error of a request that did not run (no data) given its reason and
   * what it names; errors that have a reason already (the query limits) are left as they are.
   */
  static ExecutionResult named(ExecutionResult result, GraphQLSchema schema, String query) {
    if (result.isDataPresent() || result.getErrors().isEmpty()) return result;
    Places places = null;
    List<GraphQLError> errors = new ArrayList<>();
    for (GraphQLError error : result.getErrors()) {
      Map<String, Object> extensions = error.getExtensions();
      if (extensions != null && extensions.containsKey("reason")) {
        errors.add(error);
        continue;
      }
      if (places == null) places = Places.of(schema, query);
      errors.add(named(error, places));
    }
    return ExecutionResult.newExecutionResult()
        .errors(errors)
        .extensions(result.getExtensions())
        .build();
  }

  private static GraphQLError named(GraphQLError error, Places places) {
    List<SourceLocation> locations = error.getLocations();
    SourceLocation at = locations == null || locations.isEmpty() ? null : locations.get(0);
    String reason;
    String field;
    if (error instanceof InvalidSyntaxError) {
      reason = MALFORMED_QUERY;
      field = null;
    } else if (error instanceof IntrospectionDisabledError) {
      reason = INTROSPECTION_DISABLED;
      field = places.field(at);
    } else if (error instanceof ValidationError validation
        && validation.getValidationErrorType() instanceof ValidationErrorType type) {
      switch (type) {
        case FieldUndefined -> {
          reason = JsonRequests.UNKNOWN_FIELD;
          field = places.field(at);
        }
        case UnknownArgument -> {
          reason = UNKNOWN_ARGUMENT;
          field = places.argument(at);
        }
        case WrongType, VariableTypeMismatch -> {
          reason = JsonRequests.WRONG_TYPE;
          field = places.argument(at);
        }
        case MissingFieldArgument, NullValueForNonNullArgument -> {
          reason = MISSING_ARGUMENT;
          String argument = places.argument(at);
          field = argument != null ? argument : places.missingArgument(at);
        }
        default -> {
          reason = INVALID_QUERY;
          field = places.field(at);
        }
      }
      if (field == null) field = places.field(at);
    } else {
      // A variable whose value does not fit its type (reported at its definition), or another
      // request that could not run.
      String variable = places.variable(at);
      reason =
          variable == null
              ? INVALID_QUERY
              : error instanceof NonNullableValueCoercedAsNullException
                  ? MISSING_ARGUMENT
                  : JsonRequests.WRONG_TYPE;
      field = variable;
    }
    Map<String, Object> extensions = new LinkedHashMap<>();
    if (error.getExtensions() != null) extensions.putAll(error.getExtensions());
    extensions.putAll(
        GraphqlErrors.requestExtensions(
            "INVALID_ARGUMENT", reason, error.getMessage(), field, Map.of()));
    GraphqlErrorBuilder<?> named =
        GraphqlErrorBuilder.newError()
            .message(error.getMessage())
            .errorType(error.getErrorType())
            .extensions(extensions);
    if (locations != null) named.locations(locations);
    return named.build();
  }

  /** Each field of a document where it is, with its path and its definition (null: none). */
  private record Place(Field node, String path, GraphQLFieldDefinition definition) {}

  /** The fields and variables of a document, found by where they are in it. */
  private record Places(List<Place> fields, List<VariableDefinition> variables) {
    static Places of(GraphQLSchema schema, String query) {
      Document document;
      try {
        document = Parser.parse(query);
      } catch (RuntimeException e) {
        return new Places(List.of(), List.of());
      }
      Map<String, FragmentDefinition> fragments = new LinkedHashMap<>();
      for (FragmentDefinition fragment : document.getDefinitionsOfType(FragmentDefinition.class)) {
        fragments.put(fragment.getName(), fragment);
      }
      List<Place> fields = new ArrayList<>();
      List<VariableDefinition> variables = new ArrayList<>();
      for (OperationDefinition operation :
          document.getDefinitionsOfType(OperationDefinition.class)) {
        variables.addAll(operation.getVariableDefinitions());
        GraphQLType root =
            switch (operation.getOperation()) {
              case QUERY -> schema.getQueryType();
              case MUTATION -> schema.getMutationType();
              case SUBSCRIPTION -> schema.getSubscriptionType();
            };
        walk(operation.getSelectionSet(), root, "", schema, fragments, new HashSet<>(), fields);
      }
      return new Places(fields, variables);
    }

    private static void walk(
        SelectionSet selections,
        GraphQLType parent,
        String prefix,
        GraphQLSchema schema,
        Map<String, FragmentDefinition> fragments,
        Set<String> spreading,
        List<Place> fields) {
      if (selections == null) return;
      for (Selection<?> selection : selections.getSelections()) {
        switch (selection) {
          case Field field -> {
            GraphQLFieldDefinition definition =
                parent instanceof GraphQLFieldsContainer container
                    ? container.getFieldDefinition(field.getName())
                    : null;
            String key = field.getResultKey();
            String path = prefix.isEmpty() ? key : prefix + "." + key;
            fields.add(new Place(field, path, definition));
            GraphQLType type =
                definition == null ? null : GraphQLTypeUtil.unwrapAll(definition.getType());
            walk(field.getSelectionSet(), type, path, schema, fragments, spreading, fields);
          }
          case InlineFragment inline -> {
            GraphQLType type =
                inline.getTypeCondition() == null
                    ? parent
                    : schema.getType(inline.getTypeCondition().getName());
            walk(inline.getSelectionSet(), type, prefix, schema, fragments, spreading, fields);
          }
          case FragmentSpread spread -> {
            FragmentDefinition fragment = fragments.get(spread.getName());
            if (fragment == null || !spreading.add(spread.getName())) continue;
            GraphQLType type = schema.getType(fragment.getTypeCondition().getName());
            walk(fragment.getSelectionSet(), type, prefix, schema, fragments, spreading, fields);
            spreading.remove(spread.getName());
          }
          default -> {}
        }
      }
    }

    /** The path of the field at {@code at}, or null. */
    String field(SourceLocation at) {
      if (at == null) return null;
      for (Place place : fields) {
        if (at.equals(place.node().getSourceLocation())) return place.path();
      }
      return null;
    }

    /** The argument (or its value) at {@code at}, as {@code path(name:)}; or null. */
    String argument(SourceLocation at) {
      if (at == null) return null;
      for (Place place : fields) {
        for (Argument argument : place.node().getArguments()) {
          if (at.equals(argument.getSourceLocation())
              || at.equals(argument.getValue().getSourceLocation())) {
            return place.path() + "(" + argument.getName() + ":)";
          }
        }
      }
      return null;
    }

    /** The first required argument that the field at {@code at} lacks, or null. */
    String missingArgument(SourceLocation at) {
      if (at == null) return null;
      for (Place place : fields) {
        if (place.definition() == null || !at.equals(place.node().getSourceLocation())) {
          continue;
        }
        for (GraphQLArgument argument : place.definition().getArguments()) {
          if (GraphQLTypeUtil.isNonNull(argument.getType())
              && !argument.hasSetDefaultValue()
              && place.node().getArguments().stream()
                  .noneMatch(given -> given.getName().equals(argument.getName()))) {
            return place.path() + "(" + argument.getName() + ":)";
          }
        }
      }
      return null;
    }

    /** The variable defined at {@code at}, as {@code variables.name}; or null. */
    String variable(SourceLocation at) {
      if (at == null) return null;
      for (VariableDefinition variable : variables) {
        if (at.equals(variable.getSourceLocation())) {
          return "variables." + variable.getName();
        }
      }
      return null;
    }
  }
}
