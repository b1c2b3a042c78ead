package dev.easel.gateway;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.common.ClosedSessionException;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.stream.CancelledSubscriptionException;
import com.linecorp.armeria.common.stream.ClosedStreamException;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.canvas.CanvasEntity;
import dev.easel.dataset.DatasetImportException;
import dev.easel.dataset.DatasetImporter;
import dev.easel.identity.Accounts;
import dev.easel.identity.SecurityLog;
import dev.easel.project.Projects;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses. Each carries a {@code google.rpc.ErrorInfo}
 * whose reason is the Easel/ShareDB error code, so REST and gRPC clients see the same thing; input
 * refused because of a field also carries a {@code google.rpc.BadRequest} whose field violation
 * names that field as the JSON mapping does ({@code displayName}, {@code pageToken}). The HTTP
 * status of each code is {@link StatusCodes}'.
 */
final class ApiErrors {
  static final String DOMAIN = "easel.dev";
  private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

  private ApiErrors() {}

  static StatusRuntimeException status(Code code, String reason, String message) {
    return status(code, reason, message, null);
  }

  /**
   * A status of {@code code} with an {@code ErrorInfo} of {@code reason} and, when {@code field} is
   * not null, a {@code BadRequest} whose one violation names {@code field} with {@code message}.
   */
  static StatusRuntimeException status(Code code, String reason, String message, String field) {
    return StatusProto.toStatusRuntimeException(rpcStatus(code, reason, message, field, Map.of()));
  }

  /** A status of {@code code} with an {@code ErrorInfo} of {@code reason} and its metadata. */
  static StatusRuntimeException statusWith(
      Code code, String reason, String message, Map<String, String> metadata) {
    return StatusProto.toStatusRuntimeException(rpcStatus(code, reason, message, null, metadata));
  }

  /**
   * A file that cannot become a dataset: INVALID_ARGUMENT whose reason says what is wrong ({@code
   * INCONSISTENT_COLUMNS}...) and whose metadata has the {@code line} and {@code column} when they
   * are known.
   */
  static StatusRuntimeException badFile(DatasetImportException bad) {
    Map<String, String> where = new java.util.LinkedHashMap<>();
    if (bad.line() > 0) where.put("line", Long.toString(bad.line()));
    if (bad.column() > 0) where.put("column", Long.toString(bad.column()));
    return statusWith(Code.INVALID_ARGUMENT, bad.problem().name(), bad.getMessage(), where);
  }

  /** The reason of a status's {@code ErrorInfo}; null when it has none. */
  static String reason(StatusRuntimeException status) {
    com.google.rpc.Status details = StatusProto.fromThrowable(status);
    if (details == null) return null;
    for (Any detail : details.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        try {
          return detail.unpack(ErrorInfo.class).getReason();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          return null;
        }
      }
    }
    return null;
  }

  /** The {@code google.rpc.Status} of {@link #status(Code, String, String, String)}. */
  static com.google.rpc.Status rpcStatus(
      Code code, String reason, String message, String field, Map<String, String> metadata) {
    com.google.rpc.Status.Builder status =
        com.google.rpc.Status.newBuilder()
            .setCode(code.getNumber())
            .setMessage(message)
            .addDetails(
                Any.pack(
                    ErrorInfo.newBuilder()
                        .setReason(reason)
                        .setDomain(DOMAIN)
                        .putAllMetadata(metadata)
                        .build()));
    if (field != null) {
      status.addDetails(
          Any.pack(
              BadRequest.newBuilder()
                  .addFieldViolations(
                      BadRequest.FieldViolation.newBuilder()
                          .setField(field)
                          .setDescription(message))
                  .build()));
    }
    return status.build();
  }

  /**
   * A refusal by a rate limit: {@code RESOURCE_EXHAUSTED} (HTTP 429 over REST) with reason {@code
   * RATE_LIMITED} naming the limit, a {@code google.rpc.RetryInfo} with the wait, and the {@code
   * Retry-After} header (whole seconds) on the answer of the request being served.
   */
  static StatusRuntimeException rateLimited(RateLimits.Exceeded exceeded) {
    long seconds = exceeded.retryAfterSeconds();
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    if (ctx != null) {
      ctx.mutateAdditionalResponseHeaders(
          headers -> headers.set(HttpHeaderNames.RETRY_AFTER, Long.toString(seconds)));
    }
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(Code.RESOURCE_EXHAUSTED.getNumber())
            .setMessage(exceeded.getMessage())
            .addDetails(
                Any.pack(
                    ErrorInfo.newBuilder()
                        .setReason(RateLimits.Exceeded.REASON)
                        .setDomain(DOMAIN)
                        .putMetadata("limit", exceeded.kind().key())
                        .build()))
            .addDetails(
                Any.pack(
                    RetryInfo.newBuilder()
                        .setRetryDelay(
                            com.google.protobuf.Duration.newBuilder().setSeconds(seconds))
                        .build()))
            .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  /** Input refused because of request field {@code field} (its JSON name), saying why. */
  static StatusRuntimeException invalid(String field, String message) {
    return status(Code.INVALID_ARGUMENT, "INVALID_ARGUMENT", message, field);
  }

  /** The gRPC code of a refused account operation. */
  static Code code(Accounts.Refusal.Kind kind) {
    return switch (kind) {
      case INVALID -> Code.INVALID_ARGUMENT;
      case TAKEN -> Code.ALREADY_EXISTS;
      case UNAUTHENTICATED -> Code.UNAUTHENTICATED;
      case NOT_FOUND -> Code.NOT_FOUND;
      case FAILED_PRECONDITION -> Code.FAILED_PRECONDITION;
      case PERMISSION_DENIED -> Code.PERMISSION_DENIED;
      case ABORTED -> Code.ABORTED;
    };
  }

  /** The gRPC code of a refused project operation. */
  static Code code(Projects.Refusal.Kind kind) {
    return switch (kind) {
      case INVALID -> Code.INVALID_ARGUMENT;
      case NOT_FOUND -> Code.NOT_FOUND;
      case PERMISSION_DENIED -> Code.PERMISSION_DENIED;
      case ALREADY_EXISTS -> Code.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> Code.FAILED_PRECONDITION;
      case ABORTED -> Code.ABORTED;
    };
  }

  static StatusRuntimeException notFound(String canvasId) {
    return status(Code.NOT_FOUND, "CANVAS_NOT_FOUND", "canvas " + canvasId + " does not exist");
  }

  static StatusRuntimeException unavailable(Throwable failure) {
    return from(failure);
  }

  static StatusRuntimeException of(CanvasEntity.Rejected rejected) {
    Code code =
        switch (rejected.code()) {
          case ERR_DOC_ALREADY_CREATED, ERR_VERSION_NAME_TAKEN -> Code.ALREADY_EXISTS;
          case ERR_DOC_DOES_NOT_EXIST, ERR_DOC_WAS_DELETED, ERR_VERSION_NOT_FOUND -> Code.NOT_FOUND;
          case ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT -> Code.FAILED_PRECONDITION;
          case ERR_SUBMIT_TRANSFORM_OPS_NOT_FOUND, ERR_UNKNOWN_ERROR -> Code.INTERNAL;
          case ERR_OT_OP_BADLY_FORMED,
              ERR_OT_OP_NOT_APPLIED,
              ERR_CANVAS_INVALID,
              ERR_VERSION_INVALID,
              ERR_DOC_TYPE_NOT_RECOGNIZED ->
              Code.INVALID_ARGUMENT;
        };
    return status(code, rejected.code().name(), rejected.message());
  }

  static StatusRuntimeException from(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof StatusRuntimeException status) return status;
    if (cause instanceof RateLimits.Exceeded exceeded) return rateLimited(exceeded);
    if (cause instanceof Accounts.Refusal refusal) {
      return status(code(refusal.kind()), refusal.reason(), refusal.getMessage(), refusal.field());
    }
    if (cause instanceof Projects.Refusal refusal) {
      return status(code(refusal.kind()), refusal.reason(), refusal.getMessage(), refusal.field());
    }
    if (cause instanceof DatasetImportException bad) return badFile(bad);
    if (cause instanceof DatasetImporter.Busy busy) {
      return status(Code.UNAVAILABLE, "IMPORT_QUEUE_FULL", busy.getMessage());
    }
    if (cause instanceof SecurityLog.Unavailable unavailable) {
      return status(Code.UNAVAILABLE, SecurityLog.Unavailable.REASON, unavailable.getMessage());
    }
    if (cause instanceof ClosedSessionException
        || cause instanceof ClosedStreamException
        || cause instanceof CancelledSubscriptionException) {
      // The client went away (a dropped upload, say): nobody is left to read the answer.
      return status(Code.CANCELLED, "CANCELLED", "the client closed the request");
    }
    if (cause instanceof TimeoutException) {
      return status(Code.UNAVAILABLE, "TIMEOUT", "Easel did not answer in time; try again");
    }
    log.warn("request failed", cause);
    return status(Code.INTERNAL, "INTERNAL", "internal error: " + cause.getClass().getSimpleName());
  }
}
