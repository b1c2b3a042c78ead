package dev.easel.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import graphql.ExecutionResult;
import graphql.GraphQLError;
import graphql.language.Document;
import graphql.language.OperationDefinition;
import graphql.parser.Parser;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * GraphQL over HTTP on {@code /graphql}, as the GraphQL-over-HTTP specification has it: {@code
 * POST} with an {@code application/json} body {@code {"query", "variables", "operationName"}}, or
 * {@code GET} with those as query parameters for queries (a mutation by GET is 405: it must be a
 * POST, which {@link CsrfGuard} checks like any change a browser makes with its cookies).
 * Subscriptions run over the WebSocket of the same path ({@link GraphqlSocket}).
 *
 * <p>Answers are {@code application/graphql-response+json} (or {@code application/json} for a
 * client that accepts only that). A request that does not run at all is answered 4xx with {@code
 * errors} whose {@code extensions} hold the {@code code}, a stable {@code reason} and, in {@code
 * fieldViolations}, what is at fault: a body that is not JSON ({@code MALFORMED_JSON}) or not such
 * an object ({@code MALFORMED_REQUEST}, naming the member), an unknown field or argument, a wrong
 * argument or variable type, a missing required argument ({@link GraphqlRefusals}), a query over a
 * limit ({@link QueryLimits}) (400), a body over {@code easel.http.max-request-size} (413, answered
 * by {@link RequestRefusals}). A request that ran answers 200 with its {@code data} and the errors
 * of the fields that failed, each with the gRPC {@code code} and {@code reason} in its {@code
 * extensions}; {@code extensions.apiCalls} says how many API calls it made, each counted against
 * the caller's rate limit.
 */
final class GraphqlHttp implements HttpService {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final MediaType LEGACY_JSON = MediaType.JSON_UTF_8;
  private static final MediaType RESPONSE_JSON = MediaType.GRAPHQL_RESPONSE_JSON;

  private final GraphqlApi api;
  private final LoopbackApi loopback;

  GraphqlHttp(GraphqlApi api, LoopbackApi loopback) {
    this.api = api;
    this.loopback = loopback;
  }

  /**
   * A request that is refused before it runs: its status, stable reason and message, the member of
   * the request at fault (null for none) and what else the client may want to know.
   */
  static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    final String reason;
    final String field;
    final transient Map<String, String> metadata;

    Refusal(HttpStatus status, String reason, String message) {
      this(status, reason, message, null, Map.of());
    }

    Refusal(
        HttpStatus status,
        String reason,
        String message,
        String field,
        Map<String, String> metadata) {
      super(message, null, false, false);
      this.status = status.code();
      this.reason = reason;
      this.field = field;
      this.metadata = Map.copyOf(metadata);
    }

    HttpStatus status() {
      return HttpStatus.valueOf(status);
    }
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    RequestHeaders headers = req.headers();
    MediaType answerType;
    try {
      answerType = answerType(headers);
    } catch (Refusal refusal) {
      return refuse(refusal, LEGACY_JSON);
    }
    if (headers.method() == HttpMethod.GET) {
      try {
        return run(ctx, fromQueryParameters(ctx), HttpMethod.GET, answerType);
      } catch (Refusal refusal) {
        return refuse(refusal, answerType);
      }
    }
    if (headers.method() != HttpMethod.POST) {
      return refuse(
          new Refusal(
              HttpStatus.METHOD_NOT_ALLOWED,
              "METHOD_NOT_ALLOWED",
              "/graphql takes POST (any operation) and GET (queries)"),
          answerType);
    }
    MediaType contentType = headers.contentType();
    if (contentType == null || !contentType.is(MediaType.JSON)) {
      return refuse(
          new Refusal(
              HttpStatus.UNSUPPORTED_MEDIA_TYPE,
              "UNSUPPORTED_MEDIA_TYPE",
              "send the request as Content-Type: application/json, a JSON object {\"query\","
                  + " \"variables\", \"operationName\"}"),
          answerType);
    }
    return HttpResponse.of(
        req.aggregate()
            .thenApply(
                body -> {
                  try {
                    return run(ctx, fromBody(body), HttpMethod.POST, answerType);
                  } catch (Refusal refusal) {
                    return refuse(refusal, answerType);
                  }
                }));
  }

  private HttpResponse run(
      ServiceRequestContext ctx,
      GraphqlApi.Request request,
      HttpMethod method,
      MediaType answerType) {
    OperationDefinition.Operation operation = operationOf(request);
    if (operation == OperationDefinition.Operation.SUBSCRIPTION) {
      throw new Refusal(
          HttpStatus.BAD_REQUEST,
          "USE_WEBSOCKET",
          "subscriptions run over a WebSocket to /graphql with the graphql-transport-ws protocol");
    }
    if (operation == OperationDefinition.Operation.MUTATION && method == HttpMethod.GET) {
      throw new Refusal(
          HttpStatus.METHOD_NOT_ALLOWED,
          "METHOD_NOT_ALLOWED",
          "mutations are sent with POST, never GET");
    }
    LoopbackApi.Session session = loopback.session(ctx);
    CompletableFuture<HttpResponse> answer =
        api.execute(request, session).thenApply(result -> answer(result, session, answerType));
    return HttpResponse.of(answer);
  }

  /**
   * The type of the answer: {@code application/graphql-response+json} unless the client accepts
   * only {@code application/json}; 406 when it accepts neither.
   */
  static MediaType answerType(RequestHeaders headers) {
    List<MediaType> accepted = headers.accept();
    if (accepted.isEmpty()) return RESPONSE_JSON;
    for (MediaType type : accepted) {
      if (type.qualityFactor() <= 0) continue;
      if (RESPONSE_JSON.belongsTo(type)) return RESPONSE_JSON;
      if (LEGACY_JSON.belongsTo(type)) return LEGACY_JSON;
    }
    throw new Refusal(
        HttpStatus.NOT_ACCEPTABLE,
        "NOT_ACCEPTABLE",
        "/graphql answers application/graphql-response+json or application/json");
  }

  private static GraphqlApi.Request fromQueryParameters(ServiceRequestContext ctx) {
    String query = ctx.queryParam("query");
    if (query == null) {
      throw malformed(
          "query", "the query parameter 'query' is missing: it holds the GraphQL document");
    }
    Map<String, Object> variables = null;
    String text = ctx.queryParam("variables");
    if (text != null && !text.isEmpty()) {
      JsonRequests.Parsed parsed = JsonRequests.parse(text.getBytes(StandardCharsets.UTF_8));
      if (parsed.violation() != null) {
        throw new Refusal(
            HttpStatus.BAD_REQUEST,
            JsonRequests.MALFORMED_JSON,
            "the query parameter 'variables' is not JSON: " + parsed.violation().description(),
            "variables",
            Map.of());
      }
      variables = variables(parsed.tree());
    }
    String operationName = ctx.queryParam("operationName");
    return new GraphqlApi.Request(
        query, operationName == null || operationName.isEmpty() ? null : operationName, variables);
  }

  static GraphqlApi.Request fromBody(AggregatedHttpRequest body) {
    JsonRequests.Parsed parsed = JsonRequests.parse(body.content().array());
    JsonRequests.Violation violation = parsed.violation();
    if (violation != null) {
      throw new Refusal(
          HttpStatus.BAD_REQUEST,
          violation.reason(),
          violation.description(),
          violation.field().isEmpty() ? null : violation.field(),
          Map.of());
    }
    JsonNode json = parsed.tree();
    if (json == null || !json.isObject()) {
      throw malformed(
          null, "the body must be a JSON object {\"query\", \"variables\", \"operationName\"}");
    }
    JsonNode query = json.get("query");
    if (query == null || query.isNull()) {
      throw malformed("query", "'query' is missing: it holds the GraphQL document");
    }
    if (!query.isTextual()) throw malformed("query", "'query' must be a string");
    JsonNode operationName = json.get("operationName");
    if (operationName != null && !operationName.isNull() && !operationName.isTextual()) {
      throw malformed("operationName", "'operationName' must be a string");
    }
    JsonNode extensions = json.get("extensions");
    if (extensions != null && !extensions.isNull() && !extensions.isObject()) {
      throw malformed("extensions", "'extensions' must be a JSON object");
    }
    return new GraphqlApi.Request(
        query.asText(),
        operationName == null || operationName.isNull() ? null : operationName.asText(),
        variables(json.get("variables")));
  }

  private static Map<String, Object> variables(JsonNode variables) {
    if (variables == null || variables.isNull()) return null;
    if (!variables.isObject()) throw malformed("variables", "'variables' must be a JSON object");
    return JSON.convertValue(variables, MAP);
  }

  /** A request that is not GraphQL over HTTP, with the member of it at fault (null: the whole). */
  private static Refusal malformed(String field, String message) {
    return new Refusal(HttpStatus.BAD_REQUEST, "MALFORMED_REQUEST", message, field, Map.of());
  }

  /**
   * The kind of operation the request would run, or null when the document does not say (it is not
   * GraphQL, or names no single operation): then GraphQL itself answers what is wrong.
   */
  static OperationDefinition.Operation operationOf(GraphqlApi.Request request) {
    Document document;
    try {
      document = Parser.parse(request.query());
    } catch (RuntimeException e) {
      return null;
    }
    List<OperationDefinition> operations = document.getDefinitionsOfType(OperationDefinition.class);
    for (OperationDefinition operation : operations) {
      if (request.operationName() == null
          ? operations.size() == 1
          : request.operationName().equals(operation.getName())) {
        return operation.getOperation();
      }
    }
    return null;
  }

  private static HttpResponse answer(
      ExecutionResult result, LoopbackApi.Session session, MediaType answerType) {
    if (result.getData() instanceof Publisher<?> events) {
      // A subscription the document check above did not see: end it, it has no place here.
      events.subscribe(new Cancelling());
      return refuse(
          new Refusal(
              HttpStatus.BAD_REQUEST,
              "USE_WEBSOCKET",
              "subscriptions run over a WebSocket to /graphql with the graphql-transport-ws"
                  + " protocol"),
          answerType);
    }
    Map<String, Object> body = new LinkedHashMap<>(result.toSpecification());
    Map<Object, Object> extensions = new LinkedHashMap<>();
    if (body.get("extensions") instanceof Map<?, ?> given) extensions.putAll(given);
    extensions.put("apiCalls", session.calls());
    body.put("extensions", extensions);
    // GraphQL-over-HTTP: a request that did not run (no data) is a client error in the new
    // media type; clients of application/json expect 200 for every well-formed request.
    HttpStatus status =
        result.isDataPresent() || answerType.equals(LEGACY_JSON)
            ? HttpStatus.OK
            : HttpStatus.BAD_REQUEST;
    return json(status, body, answerType);
  }

  /** Cancels what it subscribes to at once. */
  static final class Cancelling implements Subscriber<Object> {
    @Override
    public void onSubscribe(Subscription subscription) {
      subscription.cancel();
    }

    @Override
    public void onNext(Object event) {}

    @Override
    public void onError(Throwable failure) {}

    @Override
    public void onComplete() {}
  }

  /**
   * The answer to a body over the size limit, which the server's error handler gives ({@link
   * RequestRefusals}): 413 with a GraphQL error of reason {@code REQUEST_TOO_LARGE}.
   */
  static HttpResponse tooLarge(RequestHeaders headers, String message, Map<String, String> limit) {
    MediaType answerType;
    try {
      answerType = answerType(headers);
    } catch (Refusal notAcceptable) {
      answerType = LEGACY_JSON;
    }
    return refuse(
        new Refusal(
            HttpStatus.REQUEST_ENTITY_TOO_LARGE, RequestRefusals.TOO_LARGE, message, null, limit),
        answerType);
  }

  static HttpResponse refuse(Refusal refusal, MediaType answerType) {
    GraphQLError error =
        GraphqlErrors.request(
            GraphqlErrors.Kind.BAD_REQUEST,
            code(refusal.status()),
            refusal.reason,
            refusal.getMessage(),
            refusal.field,
            refusal.metadata);
    HttpResponse response =
        json(refusal.status(), Map.of("errors", List.of(error.toSpecification())), answerType);
    if (refusal.status() == HttpStatus.METHOD_NOT_ALLOWED) {
      return response.mapHeaders(
          headers -> headers.toBuilder().set(HttpHeaderNames.ALLOW, "GET, POST").build());
    }
    return response;
  }

  private static String code(HttpStatus status) {
    return switch (status.code()) {
      case 413 -> "RESOURCE_EXHAUSTED";
      case 405, 406, 415 -> "FAILED_PRECONDITION";
      default -> "INVALID_ARGUMENT";
    };
  }

  private static HttpResponse json(HttpStatus status, Object body, MediaType type) {
    try {
      return HttpResponse.of(
          ResponseHeaders.builder(status)
              .contentType(type.withCharset(java.nio.charset.StandardCharsets.UTF_8))
              .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
              .build(),
          HttpData.wrap(JSON.writeValueAsBytes(body)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a GraphQL answer always serializes", e);
    }
  }
}
