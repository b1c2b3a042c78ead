package dev.easel.gateway;

import graphql.ExecutionResult;
import graphql.execution.AbortExecutionException;
import graphql.execution.ExecutionContext;
import graphql.execution.instrumentation.InstrumentationContext;
import graphql.execution.instrumentation.InstrumentationState;
import graphql.execution.instrumentation.SimplePerformantInstrumentation;
import graphql.execution.instrumentation.parameters.InstrumentationExecuteOperationParameters;
import graphql.normalized.ExecutableNormalizedField;
import graphql.normalized.ExecutableNormalizedOperation;
import graphql.normalized.ExecutableNormalizedOperationFactory;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Refuses an operation that is too deep or costs too much before any of its fields runs ({@code
 * easel.graphql.max-depth}, {@code max-complexity}). Depth counts fields from the root ({@code {
 * projects { members { email } } }} is 3 deep); the cost is 1 per field and {@value #CALL_COST}
 * more per field that calls the API, counted once however many items a list holds (the calls each
 * item makes count against the caller's rate limit as they happen). Fragments are counted where
 * they are spread. Introspection ({@code __schema}, {@code __type}) is not counted: it is bounded
 * by graphql-java's good-faith introspection check and turned off with {@code introspection =
 * false}.
 */
final class QueryLimits extends SimplePerformantInstrumentation {
  /** What a field that calls the API adds to the cost of an operation. */
  static final int CALL_COST = 10;

  private final int maxDepth;
  private final int maxComplexity;
  private final Predicate<String> callsApi;

  /**
   * @param callsApi whether the field with these coordinates ({@code Type.field}) calls the API
   */
  QueryLimits(int maxDepth, int maxComplexity, Predicate<String> callsApi) {
    this.maxDepth = maxDepth;
    this.maxComplexity = maxComplexity;
    this.callsApi = callsApi;
  }

  /** How deep an operation is, where it is deepest, and what it costs. */
  record Measure(int depth, String deepest, int cost) {}

  @Override
  public InstrumentationContext<ExecutionResult> beginExecuteOperation(
      InstrumentationExecuteOperationParameters parameters, InstrumentationState state) {
    ExecutionContext context = parameters.getExecutionContext();
    ExecutableNormalizedOperation operation =
        ExecutableNormalizedOperationFactory.createExecutableNormalizedOperation(
            context.getGraphQLSchema(),
            context.getOperationDefinition(),
            context.getFragmentsByName(),
            context.getCoercedVariables());
    Measure measure = measure(operation.getTopLevelFields(), "", 1);
    if (measure.depth() > maxDepth) {
      throw new AbortExecutionException(
          List.of(
              GraphqlErrors.request(
                  GraphqlErrors.Kind.QUERY_LIMIT,
                  "INVALID_ARGUMENT",
                  "QUERY_TOO_DEEP",
                  "the query is "
                      + measure.depth()
                      + " fields deep at "
                      + measure.deepest()
                      + "; at most "
                      + maxDepth
                      + " are allowed (easel.graphql.max-depth)",
                  measure.deepest(),
                  Map.of(
                      "limit", Integer.toString(maxDepth), "setting", "easel.graphql.max-depth"))));
    }
    if (measure.cost() > maxComplexity) {
      throw new AbortExecutionException(
          List.of(
              GraphqlErrors.request(
                  GraphqlErrors.Kind.QUERY_LIMIT,
                  "INVALID_ARGUMENT",
                  "QUERY_TOO_COMPLEX",
                  "the query costs "
                      + measure.cost()
                      + " (1 per field, "
                      + CALL_COST
                      + " more per field that calls the API); at most "
                      + maxComplexity
                      + " is allowed (easel.graphql.max-complexity)",
                  null,
                  Map.of(
                      "limit",
                      Integer.toString(maxComplexity),
                      "setting",
                      "easel.graphql.max-complexity"))));
    }
    return super.beginExecuteOperation(parameters, state);
  }

  private Measure measure(List<ExecutableNormalizedField> fields, String path, int level) {
    int depth = 0;
    String deepest = "";
    int cost = 0;
    for (ExecutableNormalizedField field : fields) {
      String name = field.getFieldName();
      if (name.equals("__schema") || name.equals("__type")) continue;
      String at = path.isEmpty() ? field.getResultKey() : path + "." + field.getResultKey();
      Measure below = measure(field.getChildren(), at, level + 1);
      int fieldDepth = Math.max(level, below.depth());
      if (fieldDepth > depth) {
        depth = fieldDepth;
        deepest = below.depth() > level ? below.deepest() : at;
      }
      if (name.equals("__typename")) continue;
      cost += 1 + below.cost();
      for (String type : field.getObjectTypeNames()) {
        if (callsApi.test(type + "." + name)) {
          cost += CALL_COST;
          break;
        }
      }
    }
    return new Measure(depth, deepest, cost);
  }
}
