package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.UnframedGrpcStatusMappingFunction;
import io.grpc.Status;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The one table of gRPC codes and HTTP statuses is Google's, covers every code, and agrees with
 * what Armeria's REST transcoding would answer on its own.
 */
class StatusCodesTest {
  /**
   * Google's mapping, as https://cloud.google.com/apis/design/errors#handling_errors and {@code
   * google/rpc/code.proto} give it, written out here and not computed.
   */
  static final Map<Status.Code, Integer> GOOGLE =
      Map.ofEntries(
          Map.entry(Status.Code.OK, 200),
          Map.entry(Status.Code.CANCELLED, 499),
          Map.entry(Status.Code.UNKNOWN, 500),
          Map.entry(Status.Code.INVALID_ARGUMENT, 400),
          Map.entry(Status.Code.DEADLINE_EXCEEDED, 504),
          Map.entry(Status.Code.NOT_FOUND, 404),
          Map.entry(Status.Code.ALREADY_EXISTS, 409),
          Map.entry(Status.Code.PERMISSION_DENIED, 403),
          Map.entry(Status.Code.UNAUTHENTICATED, 401),
          Map.entry(Status.Code.RESOURCE_EXHAUSTED, 429),
          Map.entry(Status.Code.FAILED_PRECONDITION, 400),
          Map.entry(Status.Code.ABORTED, 409),
          Map.entry(Status.Code.OUT_OF_RANGE, 400),
          Map.entry(Status.Code.UNIMPLEMENTED, 501),
          Map.entry(Status.Code.INTERNAL, 500),
          Map.entry(Status.Code.UNAVAILABLE, 503),
          Map.entry(Status.Code.DATA_LOSS, 500));

  @Test
  void theTableIsGooglesForEveryCode() {
    assertThat(StatusCodes.table().keySet()).isEqualTo(EnumSet.allOf(Status.Code.class));
    for (Status.Code code : Status.Code.values()) {
      assertThat(StatusCodes.httpStatus(code).code()).as(code.name()).isEqualTo(GOOGLE.get(code));
      assertThat(StatusCodes.httpStatus(com.google.rpc.Code.forNumber(code.value())))
          .isEqualTo(StatusCodes.httpStatus(code));
    }
  }

  @Test
  void armeriasTranscodingWouldAnswerTheSame() {
    ServiceRequestContext ctx = ServiceRequestContext.of(HttpRequest.of(HttpMethod.GET, "/v1/x"));
    UnframedGrpcStatusMappingFunction armeria = UnframedGrpcStatusMappingFunction.of();
    for (Status.Code code : Status.Code.values()) {
      Status status = code.toStatus().withDescription("a failure");
      assertThat(StatusCodes.UNFRAMED.apply(ctx, status, null))
          .as(code.name())
          .isEqualTo(armeria.apply(ctx, status, null));
    }
  }

  @Test
  void httpsOwnRefusalsNameTheCodeTheirBodyCarries() {
    assertThat(StatusCodes.Transport.CONTENT_TOO_LARGE.httpStatus())
        .isEqualTo(HttpStatus.REQUEST_ENTITY_TOO_LARGE);
    assertThat(StatusCodes.Transport.CONTENT_TOO_LARGE.code())
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(StatusCodes.Transport.UNSUPPORTED_MEDIA_TYPE.httpStatus().code()).isEqualTo(415);
    assertThat(StatusCodes.Transport.NOT_ACCEPTABLE.httpStatus().code()).isEqualTo(406);
    assertThat(StatusCodes.Transport.BAD_GATEWAY.httpStatus().code()).isEqualTo(502);
    for (StatusCodes.Transport refusal : StatusCodes.Transport.values()) {
      // HTTP's own: none of them is the status of a gRPC code.
      assertThat(StatusCodes.table().values()).doesNotContain(refusal.httpStatus());
    }
  }
}
