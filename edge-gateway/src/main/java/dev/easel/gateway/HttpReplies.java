package dev.easel.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import dev.easel.identity.FederatedSignIn;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * Answers of the plain HTTP routes (browser sessions, OIDC sign-in, the CSRF and origin checks,
 * socket upgrades), never cached, with the cookies to set. Their errors have the one shape of every
 * HTTP face of the API: a {@code google.rpc.Status} as JSON, {@code {code, grpc-code, message,
 * details}}, whose {@code ErrorInfo} carries the stable reason and whose {@code BadRequest} names
 * the field at fault, as transcoded REST answers; failures are mapped to statuses in one place.
 */
final class HttpReplies {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFormat.Printer DETAILS_JSON =
      JsonFormat.printer()
          .omittingInsignificantWhitespace()
          .usingTypeRegistry(
              JsonFormat.TypeRegistry.newBuilder()
                  .add(ErrorInfo.getDescriptor())
                  .add(BadRequest.getDescriptor())
                  .add(RetryInfo.getDescriptor())
                  .build());

  private HttpReplies() {}

  /** A failure: its HTTP status and the {@code google.rpc.Status} its body shows. */
  record Failure(HttpStatus status, com.google.rpc.Status error) {
    /** A failure of gRPC code {@code grpcCode}, answered with that code's HTTP status. */
    static Failure of(Status.Code grpcCode, String reason, String message) {
      return of(grpcCode, reason, message, null);
    }

    /** As {@link #of(Status.Code, String, String)}, naming the request field at fault. */
    static Failure of(Status.Code grpcCode, String reason, String message, String field) {
      return new Failure(
          StatusCodes.httpStatus(grpcCode),
          ApiErrors.rpcStatus(Code.forNumber(grpcCode.value()), reason, message, field, Map.of()));
    }

    static Failure of(Status.Code grpcCode, String reason, Throwable why) {
      return of(grpcCode, reason, why.getMessage());
    }

    /** A refusal of HTTP itself (wrong media type, too large...), with its HTTP status. */
    static Failure of(StatusCodes.Transport refusal, String reason, String message) {
      return new Failure(
          refusal.httpStatus(),
          ApiErrors.rpcStatus(
              Code.forNumber(refusal.code().value()), reason, message, null, Map.of()));
    }

    /** The failure of an API status, with the HTTP status of its code. */
    static Failure of(StatusRuntimeException failure) {
      return new Failure(
          StatusCodes.httpStatus(failure.getStatus().getCode()),
          StatusProto.fromThrowable(failure));
    }

    /** The message for people. */
    String message() {
      return error.getMessage();
    }
  }

  static HttpResponse json(HttpStatus status, ObjectNode body, List<String> setCookies) {
    return HttpResponse.of(
        headers(status, setCookies).contentType(MediaType.JSON_UTF_8).build(), body(body));
  }

  static HttpResponse error(Status.Code grpcCode, String reason, String message) {
    return error(Failure.of(grpcCode, reason, message), List.of());
  }

  static HttpResponse error(StatusCodes.Transport refusal, String reason, String message) {
    return error(Failure.of(refusal, reason, message), List.of());
  }

  /** A failure in the API's error shape, with the gRPC code also in {@code grpc-status}. */
  static HttpResponse error(Failure failure, List<String> setCookies) {
    return HttpResponse.of(
        headers(failure.status(), setCookies)
            .contentType(MediaType.JSON_UTF_8)
            .setInt(GrpcHeaderNames.GRPC_STATUS, failure.error().getCode())
            .build(),
        HttpData.ofUtf8(restBody(failure.error())));
  }

  /**
   * The answer to a request that failed with {@code thrown}: a body over its route's limit is left
   * to the server's error handler ({@link RequestRefusals}), which names that limit; anything else
   * is {@link #failure(Throwable)} in the API's error shape.
   */
  static HttpResponse error(Throwable thrown) {
    Throwable cause = unwrapped(thrown);
    if (cause instanceof ContentTooLargeException) return HttpResponse.ofFailure(cause);
    return error(failure(cause), List.of());
  }

  /**
   * 429 for a request over a rate limit: {@code Retry-After} in whole seconds, and the API's error
   * body with reason {@code RATE_LIMITED}, the limit in its metadata and a {@code RetryInfo}.
   */
  static HttpResponse tooMany(RateLimits.Exceeded exceeded) {
    com.google.rpc.Status status = StatusProto.fromThrowable(ApiErrors.rateLimited(exceeded));
    return HttpResponse.of(
        headers(StatusCodes.httpStatus(Status.Code.RESOURCE_EXHAUSTED), List.of())
            .set(HttpHeaderNames.RETRY_AFTER, Long.toString(exceeded.retryAfterSeconds()))
            .contentType(MediaType.JSON_UTF_8)
            .setInt(GrpcHeaderNames.GRPC_STATUS, status.getCode())
            .build(),
        HttpData.ofUtf8(restBody(status)));
  }

  /**
   * The JSON of an error body as REST transcoding writes one, {@code {code, grpc-code, message,
   * details}}: the code as a number and by name, and each detail with its {@code @type}.
   */
  static String restBody(com.google.rpc.Status status) {
    try {
      ObjectNode printed = (ObjectNode) JSON.readTree(DETAILS_JSON.print(status));
      ObjectNode shaped = JSON.createObjectNode();
      shaped.put("code", status.getCode());
      shaped.put("grpc-code", Status.fromCodeValue(status.getCode()).getCode().name());
      shaped.put("message", status.getMessage());
      shaped.set("details", printed.path("details"));
      return JSON.writeValueAsString(shaped);
    } catch (IOException e) {
      throw new IllegalStateException("an error status always prints as JSON", e);
    }
  }

  /** A failure as a small HTML page, for a browser that was sent here by a provider. */
  static HttpResponse page(Failure failure, List<String> setCookies) {
    String html =
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign-in failed</title></head>"
            + "<body><h1>Sign-in failed</h1><p>"
            + escape(failure.message())
            + "</p><p><a href=\"/\">Back to Easel</a></p></body></html>";
    return HttpResponse.of(
        headers(failure.status(), setCookies).contentType(MediaType.HTML_UTF_8).build(),
        HttpData.ofUtf8(html));
  }

  /** Whether a request is a gRPC or gRPC-Web call (of any of its encodings). */
  static boolean isGrpc(RequestHeaders headers) {
    MediaType type = headers.contentType();
    return type != null
        && GrpcSerializationFormats.values().stream().anyMatch(format -> format.isAccepted(type));
  }

  /**
   * A refusal of a gRPC or gRPC-Web call in gRPC's terms, before its service is reached: a
   * trailers-only answer whose {@code grpc-status}, {@code grpc-message} and {@code
   * grpc-status-details-bin} (with the {@code ErrorInfo}) any gRPC client reads.
   */
  static HttpResponse grpcRefusal(RequestHeaders request, StatusRuntimeException refusal) {
    com.google.rpc.Status status = StatusProto.fromThrowable(refusal);
    ResponseHeadersBuilder headers =
        ResponseHeaders.builder(HttpStatus.OK)
            .contentType(request.contentType())
            .set(
                GrpcHeaderNames.GRPC_STATUS,
                Integer.toString(refusal.getStatus().getCode().value()))
            .set(
                GrpcHeaderNames.GRPC_MESSAGE, percentEncoded(refusal.getStatus().getDescription()));
    if (status != null) {
      headers.set(
          GrpcHeaderNames.GRPC_STATUS_DETAILS_BIN,
          Base64.getEncoder().withoutPadding().encodeToString(status.toByteArray()));
    }
    return HttpResponse.of(headers.endOfStream(true).build());
  }

  /** A {@code grpc-message} as gRPC writes it: UTF-8, percent-encoding all but printable ASCII. */
  static String percentEncoded(String message) {
    if (message == null) return "";
    StringBuilder encoded = new StringBuilder();
    for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') encoded.append((char) c);
      else encoded.append('%').append(String.format("%02X", c));
    }
    return encoded.toString();
  }

  static ResponseHeadersBuilder headers(HttpStatus status, List<String> setCookies) {
    ResponseHeadersBuilder headers =
        ResponseHeaders.builder(status).set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    for (String cookie : setCookies) headers.add(HttpHeaderNames.SET_COOKIE, cookie);
    return headers;
  }

  /** The status and error of a failed request (a sign-in step, a provider call). */
  static Failure failure(Throwable thrown) {
    Throwable cause = unwrapped(thrown);
    if (cause instanceof FederatedSignIn.Refusal refusal) {
      return switch (refusal.reason()) {
        case INVALID -> Failure.of(Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT", refusal);
        case EMAIL_NOT_VERIFIED ->
            Failure.of(Status.Code.PERMISSION_DENIED, "EMAIL_NOT_VERIFIED", refusal);
        case LINKED_TO_ANOTHER_IDENTITY ->
            Failure.of(Status.Code.ALREADY_EXISTS, "IDENTITY_ALREADY_LINKED", refusal);
        case UNAVAILABLE -> Failure.of(Status.Code.UNAVAILABLE, "UNAVAILABLE", refusal);
      };
    }
    if (cause instanceof ProviderHttp.ProviderException provider) {
      return provider.refused()
          ? Failure.of(Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED", provider)
          : Failure.of(
              StatusCodes.Transport.BAD_GATEWAY, "PROVIDER_UNAVAILABLE", provider.getMessage());
    }
    // Refusals of accounts (with the field at fault), the security log, time-outs, and INTERNAL
    // (logged) for anything else: as the API answers them.
    return Failure.of(ApiErrors.from(cause));
  }

  private static Throwable unwrapped(Throwable thrown) {
    Throwable cause = thrown;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static HttpData body(ObjectNode body) {
    try {
      return HttpData.wrap(JSON.writeValueAsBytes(body));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  static String escape(String text) {
    StringBuilder escaped = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> escaped.append("&lt;");
        case '>' -> escaped.append("&gt;");
        case '&' -> escaped.append("&amp;");
        case '"' -> escaped.append("&quot;");
        case '\'' -> escaped.append("&#39;");
        default -> escaped.append(c);
      }
    }
    return escaped.toString();
  }
}
