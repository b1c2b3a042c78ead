package dev.easel.gateway;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.grpc.UnframedGrpcStatusMappingFunction;
import io.grpc.Status;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The one table of gRPC status codes and HTTP statuses, Google's (API design guide, "Errors",
 * https://cloud.google.com/apis/design/errors#handling_errors, as in {@code
 * google/rpc/code.proto}), which every face answers by: REST transcoding and unframed JSON (through
 * {@link #UNFRAMED}), the stream of ops over HTTP, and the plain HTTP routes (browser sessions,
 * sign-in with identity providers, the CSRF and origin checks).
 *
 * <p>A few refusals are HTTP's own and have no gRPC code of their own ({@link Transport}): a body
 * of the wrong media type, an {@code Accept} no format matches, a body over the size limit, an
 * identity provider that did not answer. Each names the gRPC code its body (and a gRPC client)
 * carries.
 */
final class StatusCodes {
  private static final Map<Status.Code, HttpStatus> HTTP = build();

  /** For Armeria's unframed and transcoded answers: the HTTP status of their gRPC code. */
  static final UnframedGrpcStatusMappingFunction UNFRAMED =
      (ctx, status, cause) -> httpStatus(status.getCode());

  private StatusCodes() {}

  private static Map<Status.Code, HttpStatus> build() {
    Map<Status.Code, HttpStatus> table = new EnumMap<>(Status.Code.class);
    table.put(Status.Code.OK, HttpStatus.OK);
    table.put(Status.Code.CANCELLED, HttpStatus.CLIENT_CLOSED_REQUEST); // 499
    table.put(Status.Code.UNKNOWN, HttpStatus.INTERNAL_SERVER_ERROR);
    table.put(Status.Code.INVALID_ARGUMENT, HttpStatus.BAD_REQUEST);
    table.put(Status.Code.DEADLINE_EXCEEDED, HttpStatus.GATEWAY_TIMEOUT);
    table.put(Status.Code.NOT_FOUND, HttpStatus.NOT_FOUND);
    table.put(Status.Code.ALREADY_EXISTS, HttpStatus.CONFLICT);
    table.put(Status.Code.PERMISSION_DENIED, HttpStatus.FORBIDDEN);
    table.put(Status.Code.UNAUTHENTICATED, HttpStatus.UNAUTHORIZED);
    table.put(Status.Code.RESOURCE_EXHAUSTED, HttpStatus.TOO_MANY_REQUESTS);
    table.put(Status.Code.FAILED_PRECONDITION, HttpStatus.BAD_REQUEST);
    table.put(Status.Code.ABORTED, HttpStatus.CONFLICT);
    table.put(Status.Code.OUT_OF_RANGE, HttpStatus.BAD_REQUEST);
    table.put(Status.Code.UNIMPLEMENTED, HttpStatus.NOT_IMPLEMENTED);
    table.put(Status.Code.INTERNAL, HttpStatus.INTERNAL_SERVER_ERROR);
    table.put(Status.Code.UNAVAILABLE, HttpStatus.SERVICE_UNAVAILABLE);
    table.put(Status.Code.DATA_LOSS, HttpStatus.INTERNAL_SERVER_ERROR);
    return Collections.unmodifiableMap(table);
  }

  /** The whole table: every gRPC code and its HTTP status. */
  static Map<Status.Code, HttpStatus> table() {
    return HTTP;
  }

  /** The HTTP status of an answer with gRPC code {@code code}. */
  static HttpStatus httpStatus(Status.Code code) {
    return HTTP.get(code);
  }

  /** The HTTP status of an answer with gRPC code {@code code}. */
  static HttpStatus httpStatus(com.google.rpc.Code code) {
    return httpStatus(grpcCode(code));
  }

  /** gRPC's code of a {@code google.rpc.Code}. */
  static Status.Code grpcCode(com.google.rpc.Code code) {
    return Status.fromCodeValue(code.getNumber()).getCode();
  }

  /**
   * Refusals of HTTP itself, before any RPC: the HTTP status the HTTP faces answer, and the gRPC
   * code that the body names and that a gRPC client gets instead.
   */
  enum Transport {
    /** A body that is not in the media type the route reads (415). */
    UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, Status.Code.INVALID_ARGUMENT),
    /** An {@code Accept} header that names none of the formats a route answers in (406). */
    NOT_ACCEPTABLE(HttpStatus.NOT_ACCEPTABLE, Status.Code.INVALID_ARGUMENT),
    /** A request body over the size limit (413). */
    CONTENT_TOO_LARGE(HttpStatus.REQUEST_ENTITY_TOO_LARGE, Status.Code.RESOURCE_EXHAUSTED),
    /** A server Easel depends on (an identity provider) failed or did not answer (502). */
    BAD_GATEWAY(HttpStatus.BAD_GATEWAY, Status.Code.UNAVAILABLE);

    private final HttpStatus httpStatus;
    private final Status.Code code;

    Transport(HttpStatus httpStatus, Status.Code code) {
      this.httpStatus = httpStatus;
      this.code = code;
    }

    HttpStatus httpStatus() {
      return httpStatus;
    }

    Status.Code code() {
      return code;
    }
  }
}
