package dev.easel.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Code;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.grpc.GrpcExceptionHandlerFunction;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.UnframedGrpcErrorHandler;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * How the API refuses requests that never become an RPC's message, in the API's own error shape on
 * every face (a {@code google.rpc.Status} with its {@code ErrorInfo} and, naming the field, {@code
 * BadRequest}): a REST body that is not JSON, or not an object; a REST query parameter of the wrong
 * type; a JSON request with an unknown field or a value of the wrong type ({@link JsonRequests}); a
 * binary message that does not parse; and a request over the size limit, {@code
 * easel.http.max-request-size} (16 MiB by default): HTTP 413 for REST and the other HTTP faces,
 * {@code RESOURCE_EXHAUSTED} for gRPC, each naming the limit (reason {@value #TOO_LARGE}).
 */
final class RequestRefusals implements ServerErrorHandler {
  /** The reason of the {@code ErrorInfo} of a request over the size limit. */
  static final String TOO_LARGE = "REQUEST_TOO_LARGE";

  /** The reason of the {@code ErrorInfo} of a binary message that is no message of its type. */
  static final String MALFORMED_MESSAGE = "MALFORMED_MESSAGE";

  /** The setting that bounds the size of a request. */
  static final String SETTING = "easel.http.max-request-size";

  /** Where gRPC clients read the {@code google.rpc.Status} of an error. */
  private static final Metadata.Key<com.google.rpc.Status> DETAILS =
      Metadata.Key.of(
          GrpcHeaderNames.GRPC_STATUS_DETAILS_BIN.toString(),
          ProtoUtils.metadataMarshaller(com.google.rpc.Status.getDefaultInstance()));

  private static final UnframedGrpcErrorHandler REST_ERRORS =
      UnframedGrpcErrorHandler.ofJson(StatusCodes.UNFRAMED);

  private final long maxRequestBytes;

  /**
   * @param maxRequestBytes the largest request the API reads: a REST body, a gRPC message, a whole
   *     gRPC request
   */
  RequestRefusals(long maxRequestBytes) {
    this.maxRequestBytes = maxRequestBytes;
  }

  long maxRequestBytes() {
    return maxRequestBytes;
  }

  /**
   * The message of a request over {@code limit} bytes: the limit of the API, named with its
   * setting, or the smaller one of a route (the browser's sign-in).
   */
  String tooLargeMessage(long limit) {
    return "the request is larger than "
        + size(limit)
        + " ("
        + limit
        + " bytes), the most "
        + (limit == maxRequestBytes ? "this server reads (" + SETTING + ")" : "this route reads");
  }

  /** What a client learns of a limit of {@code limit} bytes: the limit, and its setting. */
  Map<String, String> tooLargeMetadata(long limit) {
    return limit == maxRequestBytes
        ? Map.of("limit", Long.toString(limit), "setting", SETTING)
        : Map.of("limit", Long.toString(limit));
  }

  /** The status of a request over {@code limit} bytes: RESOURCE_EXHAUSTED, naming the limit. */
  com.google.rpc.Status tooLarge(long limit) {
    return ApiErrors.rpcStatus(
        Code.RESOURCE_EXHAUSTED, TOO_LARGE, tooLargeMessage(limit), null, tooLargeMetadata(limit));
  }

  /**
   * For the gRPC service: refusals of its transport (a message over the limit, a request stream
   * over it, a binary message that does not parse) in the API's terms. Other failures are left to
   * Armeria's defaults.
   */
  GrpcExceptionHandlerFunction grpcExceptions() {
    return (RequestContext ctx, Status status, Throwable cause, Metadata metadata) -> {
      if (cause instanceof ContentTooLargeException
          || (status.getCode() == Status.Code.RESOURCE_EXHAUSTED
              && !metadata.containsKey(DETAILS))) {
        return refuse(tooLarge(maxRequestBytes), metadata);
      }
      if (cause instanceof InvalidProtocolBufferException
          || (status.getCode() == Status.Code.INTERNAL
              && cause != null
              && cause.getCause() instanceof InvalidProtocolBufferException)) {
        return refuse(
            ApiErrors.rpcStatus(
                Code.INVALID_ARGUMENT,
                MALFORMED_MESSAGE,
                "the request message is not valid protobuf of its type",
                null,
                Map.of()),
            metadata);
      }
      return null;
    };
  }

  /** {@code refusal} as the status of a gRPC call, with its details where clients read them. */
  private static Status refuse(com.google.rpc.Status refusal, Metadata metadata) {
    metadata.discardAll(DETAILS);
    metadata.put(DETAILS, refusal);
    return Status.fromCodeValue(refusal.getCode()).withDescription(refusal.getMessage());
  }

  /**
   * Failures of the REST transcoding before a request reaches its RPC: malformed JSON, a body that
   * is not an object or not JSON, a query parameter of the wrong type; and any request over the
   * size limit.
   */
  @Override
  public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
    Throwable why = peel(cause);
    if (why instanceof ContentTooLargeException) {
      long limit = ctx.maxRequestLength();
      if (ctx.path().equals(GraphqlEndpoint.PATH)) {
        return GraphqlHttp.tooLarge(
            ctx.request().headers(), tooLargeMessage(limit), tooLargeMetadata(limit));
      }
      return aggregated(ctx.request().headers(), limit).toHttpResponse();
    }
    if (!(cause instanceof HttpStatusException http)
        || http.httpStatus() != HttpStatus.BAD_REQUEST
        || !(why instanceof IllegalArgumentException invalid)) {
      return null;
    }
    if (invalid.getCause() instanceof JsonProcessingException json) {
      return rest(ctx, JsonRequests.malformed(json).status(), null);
    }
    String message = invalid.getMessage() == null ? "" : invalid.getMessage();
    if (message.startsWith("Missing or invalid content-type")) {
      return rest(
          ctx,
          ApiErrors.status(
              Code.INVALID_ARGUMENT,
              "UNSUPPORTED_MEDIA_TYPE",
              "send the request body as JSON (content-type: application/json)"),
          StatusCodes.Transport.UNSUPPORTED_MEDIA_TYPE.httpStatus());
    }
    if (message.startsWith("Unexpected JSON") || message.startsWith("Invalid request body")) {
      return rest(
          ctx,
          ApiErrors.status(
              Code.INVALID_ARGUMENT,
              JsonRequests.WRONG_TYPE,
              "the request body must be a JSON object of the request's fields"),
          null);
    }
    return rest(ctx, queryParameter(ctx, invalid), null);
  }

  /**
   * A query parameter that the transcoding could not read: one of a number type that is not a
   * number, named by its value, which the parse failure quotes.
   */
  private static StatusRuntimeException queryParameter(
      ServiceRequestContext ctx, IllegalArgumentException invalid) {
    String message = invalid.getMessage() == null ? "" : invalid.getMessage();
    if (invalid instanceof NumberFormatException) {
      for (Map.Entry<String, String> param : ctx.queryParams()) {
        if (message.contains("\"" + param.getValue() + "\"")) {
          return ApiErrors.status(
              Code.INVALID_ARGUMENT,
              JsonRequests.WRONG_TYPE,
              param.getKey() + " must be a number, not \"" + shortened(param.getValue()) + "\"",
              param.getKey());
        }
      }
    }
    return ApiErrors.status(
        Code.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "the request's query parameters could not be read: " + shortened(message));
  }

  /**
   * A request over the limit refused before its service saw it (its length was announced): 413 in
   * the API's error shape, or RESOURCE_EXHAUSTED for a gRPC call.
   */
  @Override
  public AggregatedHttpResponse renderStatus(
      ServiceRequestContext ctx,
      ServiceConfig config,
      RequestHeaders headers,
      HttpStatus status,
      String description,
      Throwable cause) {
    if (status != HttpStatus.REQUEST_ENTITY_TOO_LARGE || headers == null) return null;
    if (!headers.path().startsWith("/v1/") && !headers.path().startsWith("/easel.")) return null;
    return aggregated(headers, config.maxRequestLength());
  }

  /** A request over {@code limit} bytes refused: 413 in the API's error shape, or gRPC's terms. */
  private AggregatedHttpResponse aggregated(RequestHeaders headers, long limit) {
    com.google.rpc.Status refusal = tooLarge(limit);
    if (HttpReplies.isGrpc(headers)) {
      return AggregatedHttpResponse.of(
          ResponseHeaders.builder(HttpStatus.OK)
              .contentType(headers.contentType())
              .set(GrpcHeaderNames.GRPC_STATUS, Integer.toString(refusal.getCode()))
              .set(GrpcHeaderNames.GRPC_MESSAGE, HttpReplies.percentEncoded(refusal.getMessage()))
              .set(
                  GrpcHeaderNames.GRPC_STATUS_DETAILS_BIN,
                  Base64.getEncoder().withoutPadding().encodeToString(refusal.toByteArray()))
              .endOfStream(true)
              .build());
    }
    return AggregatedHttpResponse.of(
        ResponseHeaders.builder(StatusCodes.Transport.CONTENT_TOO_LARGE.httpStatus())
            .contentType(MediaType.JSON_UTF_8)
            .setInt(GrpcHeaderNames.GRPC_STATUS, refusal.getCode())
            .build(),
        HttpData.ofUtf8(HttpReplies.restBody(refusal)));
  }

  /**
   * Serves {@code req} once it has been read whole, unless {@code refusal} answers it instead
   * (null: it passes). A request over the size limit fails the reading, and is answered by this
   * handler as such.
   */
  static HttpResponse servedWhole(
      HttpService delegate,
      ServiceRequestContext ctx,
      HttpRequest req,
      Function<AggregatedHttpRequest, HttpResponse> refusal) {
    return HttpResponse.of(
        req.aggregate()
            .thenApply(
                whole -> {
                  HttpResponse refused = refusal.apply(whole);
                  if (refused != null) return refused;
                  HttpRequest again = whole.toHttpRequest();
                  ctx.updateRequest(again);
                  try {
                    return delegate.serve(ctx, again);
                  } catch (Exception e) {
                    throw new CompletionException(e);
                  }
                }));
  }

  /** A refusal in the REST error shape, with the HTTP status of its code or {@code override}. */
  static HttpResponse rest(
      ServiceRequestContext ctx, StatusRuntimeException failure, HttpStatus override) {
    HttpResponse response = REST_ERRORS.handle(ctx, failure.getStatus(), trailersOnly(failure));
    if (override == null) return response;
    return response.mapHeaders(headers -> headers.toBuilder().status(override).build());
  }

  /** A gRPC answer with only trailers, as the error handler reads one. */
  static AggregatedHttpResponse trailersOnly(StatusRuntimeException failure) {
    com.google.rpc.Status details = StatusProto.fromThrowable(failure);
    HttpHeaders trailers =
        HttpHeaders.builder()
            .add(
                GrpcHeaderNames.GRPC_STATUS,
                Integer.toString(failure.getStatus().getCode().value()))
            .add(
                GrpcHeaderNames.GRPC_STATUS_DETAILS_BIN,
                details == null ? "" : Base64.getEncoder().encodeToString(details.toByteArray()))
            .build();
    return AggregatedHttpResponse.of(ResponseHeaders.of(HttpStatus.OK), HttpData.empty(), trailers);
  }

  private static Throwable peel(Throwable cause) {
    Throwable why = cause;
    while (why.getCause() != null
        && (why instanceof HttpStatusException
            || why instanceof java.util.concurrent.CompletionException)) {
      why = why.getCause();
    }
    return why;
  }

  private static String shortened(String text) {
    return text.length() > 100 ? text.substring(0, 100) + "…" : text;
  }

  private static String size(long bytes) {
    if (bytes % (1024 * 1024) == 0) return bytes / (1024 * 1024) + " MiB";
    if (bytes % 1024 == 0) return bytes / 1024 + " KiB";
    return bytes + " bytes";
  }
}
