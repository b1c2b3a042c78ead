package dev.easel.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.grpc.GrpcExceptionHandlerFunction;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
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
import java.io.IOException;
import java.util.Base64;
import java.util.Map;

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

  private static final Metadata.Key<com.google.rpc.Status> DETAILS =
      ProtoUtils.keyForProto(com.google.rpc.Status.getDefaultInstance());
  private static final JsonFormat.Printer DETAILS_JSON =
      JsonFormat.printer()
          .omittingInsignificantWhitespace()
          .usingTypeRegistry(
              JsonFormat.TypeRegistry.newBuilder()
                  .add(ErrorInfo.getDescriptor())
                  .add(BadRequest.getDescriptor())
                  .build());
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

  /** The message of a request over the limit. */
  String tooLargeMessage() {
    return "the request is larger than "
        + size(maxRequestBytes)
        + " ("
        + maxRequestBytes
        + " bytes), the most this server reads (easel.http.max-request-size)";
  }

  /** The status of a request over the limit: RESOURCE_EXHAUSTED, naming it. */
  com.google.rpc.Status tooLarge() {
    return ApiErrors.rpcStatus(
        Code.RESOURCE_EXHAUSTED,
        TOO_LARGE,
        tooLargeMessage(),
        null,
        Map.of("limit", Long.toString(maxRequestBytes), "setting", "easel.http.max-request-size"));
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
        com.google.rpc.Status refusal = tooLarge();
        metadata.put(DETAILS, refusal);
        return Status.RESOURCE_EXHAUSTED.withDescription(refusal.getMessage());
      }
      if (cause instanceof InvalidProtocolBufferException
          || (status.getCode() == Status.Code.INTERNAL
              && cause != null
              && cause.getCause() instanceof InvalidProtocolBufferException)) {
        com.google.rpc.Status refusal =
            ApiErrors.rpcStatus(
                Code.INVALID_ARGUMENT,
                "MALFORMED_MESSAGE",
                "the request message is not valid protobuf of its type",
                null,
                Map.of());
        metadata.put(DETAILS, refusal);
        return Status.INVALID_ARGUMENT.withDescription(refusal.getMessage());
      }
      return null;
    };
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
      return aggregated(ctx.request().headers()).toHttpResponse();
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
    return aggregated(headers);
  }

  private AggregatedHttpResponse aggregated(RequestHeaders headers) {
    com.google.rpc.Status refusal = tooLarge();
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
        HttpData.ofUtf8(restBody(refusal)));
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

  /** The JSON of a REST error body, as Armeria's transcoding writes one, without a context. */
  private static String restBody(com.google.rpc.Status status) {
    try {
      ObjectNode body = (ObjectNode) HttpReplies.JSON.readTree(DETAILS_JSON.print(status));
      ObjectNode shaped = HttpReplies.JSON.createObjectNode();
      shaped.put("code", status.getCode());
      shaped.put("grpc-code", Status.fromCodeValue(status.getCode()).getCode().name());
      shaped.put("message", status.getMessage());
      shaped.set("details", body.path("details"));
      return HttpReplies.JSON.writeValueAsString(shaped);
    } catch (IOException e) {
      throw new IllegalStateException("an error status always prints as JSON", e);
    }
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
