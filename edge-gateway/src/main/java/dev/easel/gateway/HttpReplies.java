package dev.easel.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import dev.easel.identity.Accounts;
import dev.easel.identity.FederatedSignIn;
import dev.easel.identity.SecurityLog;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers of the plain HTTP routes (browser sessions, OIDC sign-in): JSON bodies shaped like the
 * API's errors ({@code {"code", "message"}}), never cached, with the cookies to set; failures
 * mapped to statuses in one place.
 */
final class HttpReplies {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger log = LoggerFactory.getLogger(HttpReplies.class);

  private HttpReplies() {}

  /**
   * A failure: its HTTP status (from the gRPC code, by {@link StatusCodes}), stable code and
   * message.
   */
  record Failure(HttpStatus status, String code, String message) {
    /** A failure of gRPC code {@code grpcCode}, answered with that code's HTTP status. */
    static Failure of(Status.Code grpcCode, String code, String message) {
      return new Failure(StatusCodes.httpStatus(grpcCode), code, message);
    }

    static Failure of(Status.Code grpcCode, String code, Throwable why) {
      return of(grpcCode, code, why.getMessage());
    }

    /** A refusal of HTTP itself (wrong media type, too large...), with its HTTP status. */
    static Failure of(StatusCodes.Transport refusal, String code, String message) {
      return new Failure(refusal.httpStatus(), code, message);
    }
  }

  static HttpResponse json(HttpStatus status, ObjectNode body, List<String> setCookies) {
    return HttpResponse.of(
        headers(status, setCookies).contentType(MediaType.JSON_UTF_8).build(), body(body));
  }

  static HttpResponse error(Status.Code grpcCode, String code, String message) {
    return error(Failure.of(grpcCode, code, message), List.of());
  }

  static HttpResponse error(StatusCodes.Transport refusal, String code, String message) {
    return error(Failure.of(refusal, code, message), List.of());
  }

  static HttpResponse error(Failure failure, List<String> setCookies) {
    ObjectNode body = JSON.createObjectNode();
    body.put("code", failure.code());
    body.put("message", failure.message());
    return json(failure.status(), body, setCookies);
  }

  /**
   * 429 for a request over a rate limit: {@code Retry-After} in whole seconds and {@code {"code":
   * "RATE_LIMITED", "limit", "retryAfterSeconds", "message"}}.
   */
  static HttpResponse tooMany(RateLimits.Exceeded exceeded) {
    ObjectNode body = JSON.createObjectNode();
    body.put("code", RateLimits.Exceeded.REASON);
    body.put("limit", exceeded.kind().key());
    body.put("retryAfterSeconds", exceeded.retryAfterSeconds());
    body.put("message", exceeded.getMessage());
    return HttpResponse.of(
        headers(StatusCodes.httpStatus(Status.Code.RESOURCE_EXHAUSTED), List.of())
            .set(HttpHeaderNames.RETRY_AFTER, Long.toString(exceeded.retryAfterSeconds()))
            .contentType(MediaType.JSON_UTF_8)
            .build(),
        body(body));
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
        com.linecorp.armeria.common.HttpData.ofUtf8(html));
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

  /** The status, code and message of a failed sign-in step. */
  static Failure failure(Throwable thrown) {
    Throwable cause = thrown;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof Accounts.Refusal refusal) {
      // The specific reason (MFA_REQUIRED, TOTP_CODE_INVALID...) when there is one.
      return Failure.of(
          StatusCodes.grpcCode(ApiErrors.code(refusal.kind())),
          refusal.reason(),
          refusal.getMessage());
    }
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
    if (cause instanceof SecurityLog.Unavailable unavailable) {
      return Failure.of(Status.Code.UNAVAILABLE, SecurityLog.Unavailable.REASON, unavailable);
    }
    if (cause instanceof TimeoutException) {
      return Failure.of(
          Status.Code.UNAVAILABLE, "TIMEOUT", "Easel did not answer in time; try again");
    }
    log.warn("sign-in request failed", cause);
    return Failure.of(
        Status.Code.INTERNAL, "INTERNAL", "internal error: " + cause.getClass().getSimpleName());
  }

  private static com.linecorp.armeria.common.HttpData body(ObjectNode body) {
    try {
      return com.linecorp.armeria.common.HttpData.wrap(JSON.writeValueAsBytes(body));
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
