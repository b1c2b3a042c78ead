package dev.easel.gateway;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import graphql.ErrorClassification;
import graphql.GraphQLError;
import graphql.GraphqlErrorBuilder;
import graphql.execution.DataFetcherExceptionHandler;
import graphql.execution.DataFetcherExceptionHandlerParameters;
import graphql.execution.DataFetcherExceptionHandlerResult;
import graphql.execution.ResultPath;
import graphql.language.SourceLocation;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GraphQL errors from the answers of the API: the message of the gRPC status, and {@code
 * extensions} with its {@code code} (the gRPC status code's name, as {@code NOT_FOUND}) and the
 * {@code reason}, {@code domain} and {@code metadata} of its {@code google.rpc.ErrorInfo}; {@code
 * retryAfterSeconds} of a {@code RetryInfo} and {@code fieldViolations} of a {@code BadRequest}
 * when the status has them. So a GraphQL client reads what a gRPC or REST client reads.
 */
final class GraphqlErrors implements DataFetcherExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(GraphqlErrors.class);

  /** How a request that GraphQL itself refused (before any field ran) is classified. */
  enum Kind implements ErrorClassification {
    /** The request could not be read: not JSON, not a GraphQL-over-HTTP request. */
    BAD_REQUEST,
    /** Over a limit of {@code easel.graphql}: depth or cost. */
    QUERY_LIMIT,
    /** An operation this transport does not run (a mutation by GET, a subscription over HTTP). */
    WRONG_TRANSPORT
  }

  @Override
  public CompletableFuture<DataFetcherExceptionHandlerResult> handleException(
      DataFetcherExceptionHandlerParameters parameters) {
    return CompletableFuture.completedFuture(
        DataFetcherExceptionHandlerResult.newResult(
                of(parameters.getException(), parameters.getPath(), parameters.getSourceLocation()))
            .build());
  }

  /** The error of a field whose call failed with {@code failure}. */
  static GraphQLError of(Throwable failure, ResultPath path, SourceLocation location) {
    StatusRuntimeException status = status(failure);
    GraphqlErrorBuilder<?> error =
        GraphqlErrorBuilder.newError()
            .message(message(status.getStatus()))
            .extensions(extensions(status));
    if (path != null) error.path(path);
    if (location != null) error.location(location);
    return error.build();
  }

  /**
   * An error of a request that did not run, with a stable reason in its extensions; {@code field}
   * (when not null) names what in the request is at fault, as the {@code fieldViolations} of an API
   * error do, and {@code metadata} (a limit, its setting) is shown as the {@code ErrorInfo}'s.
   */
  static GraphQLError request(
      ErrorClassification kind,
      String code,
      String reason,
      String message,
      String field,
      Map<String, String> metadata) {
    return GraphqlErrorBuilder.newError()
        .errorType(kind)
        .message(message)
        .extensions(requestExtensions(code, reason, message, field, metadata))
        .build();
  }

  /** The extensions of {@link #request}. */
  static Map<String, Object> requestExtensions(
      String code, String reason, String message, String field, Map<String, String> metadata) {
    Map<String, Object> extensions = new LinkedHashMap<>();
    extensions.put("code", code);
    extensions.put("reason", reason);
    if (!metadata.isEmpty()) extensions.put("metadata", new LinkedHashMap<>(metadata));
    if (field != null) {
      extensions.put("fieldViolations", List.of(Map.of("field", field, "description", message)));
    }
    return extensions;
  }

  /** {@code failure} as the gRPC status it stands for; INTERNAL (logged) when it is none. */
  static StatusRuntimeException status(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof StatusRuntimeException status) return status;
    if (cause instanceof StatusException status) {
      return status.getStatus().asRuntimeException(status.getTrailers());
    }
    return ApiErrors.from(cause);
  }

  private static String message(Status status) {
    String description = status.getDescription();
    return description == null || description.isEmpty()
        ? status.getCode().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
        : description;
  }

  /** The extensions of an error answered with {@code status}. */
  static Map<String, Object> extensions(StatusRuntimeException status) {
    Map<String, Object> extensions = new LinkedHashMap<>();
    extensions.put("code", status.getStatus().getCode().name());
    com.google.rpc.Status details = StatusProto.fromThrowable(status);
    if (details == null) return extensions;
    for (Any detail : details.getDetailsList()) {
      try {
        if (detail.is(ErrorInfo.class)) {
          ErrorInfo info = detail.unpack(ErrorInfo.class);
          extensions.put("reason", info.getReason());
          extensions.put("domain", info.getDomain());
          if (info.getMetadataCount() > 0) {
            extensions.put("metadata", new LinkedHashMap<>(info.getMetadataMap()));
          }
        } else if (detail.is(RetryInfo.class)) {
          extensions.put(
              "retryAfterSeconds", detail.unpack(RetryInfo.class).getRetryDelay().getSeconds());
        } else if (detail.is(BadRequest.class)) {
          List<Map<String, String>> violations = new ArrayList<>();
          for (BadRequest.FieldViolation violation :
              detail.unpack(BadRequest.class).getFieldViolationsList()) {
            violations.add(
                Map.of("field", violation.getField(), "description", violation.getDescription()));
          }
          extensions.put("fieldViolations", violations);
        }
      } catch (InvalidProtocolBufferException e) {
        log.warn("unreadable error detail {}", detail.getTypeUrl(), e);
      }
    }
    return extensions;
  }
}
