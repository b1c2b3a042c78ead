package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import dev.easel.Etags;
import dev.easel.identity.AccountProfile;
import dev.easel.identity.Accounts;
import dev.easel.identity.ApiKeys;
import dev.easel.project.Projects;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Refusals become {@code google.rpc.Status}: the code of their kind, an {@code ErrorInfo} with
 * their reason and, for input refused because of a field, a {@code BadRequest} naming that field as
 * JSON does; the refusals come from the real checks.
 */
class ApiErrorsTest {
  static ErrorInfo errorInfo(StatusRuntimeException e) throws InvalidProtocolBufferException {
    for (Any detail : StatusProto.fromThrowable(e).getDetailsList()) {
      if (detail.is(ErrorInfo.class)) return detail.unpack(ErrorInfo.class);
    }
    throw new AssertionError("no ErrorInfo in " + e);
  }

  /** The fields that the BadRequest of {@code e} names (none without one). */
  static List<String> violatedFields(StatusRuntimeException e)
      throws InvalidProtocolBufferException {
    for (Any detail : StatusProto.fromThrowable(e).getDetailsList()) {
      if (detail.is(BadRequest.class)) {
        return detail.unpack(BadRequest.class).getFieldViolationsList().stream()
            .map(BadRequest.FieldViolation::getField)
            .toList();
      }
    }
    return List.of();
  }

  static StatusRuntimeException refusalOf(Runnable check) {
    RuntimeException refusal = catchThrowableOfType(RuntimeException.class, check::run);
    assertThat(refusal).as("a refusal").isNotNull();
    // As the services see it: wrapped by the stage that failed.
    return ApiErrors.from(new CompletionException(refusal));
  }

  @Test
  void invalidInputNamesItsField() throws Exception {
    StatusRuntimeException name = refusalOf(() -> AccountProfile.displayName("  "));
    assertThat(name.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(errorInfo(name).getReason()).isEqualTo("INVALID_ARGUMENT");
    assertThat(errorInfo(name).getDomain()).isEqualTo(ApiErrors.DOMAIN);
    assertThat(violatedFields(name)).containsExactly("displayName");
    com.google.rpc.Status status = StatusProto.fromThrowable(name);
    BadRequest badRequest = status.getDetails(1).unpack(BadRequest.class);
    assertThat(badRequest.getFieldViolations(0).getDescription()).isEqualTo(status.getMessage());

    assertThat(violatedFields(refusalOf(() -> AccountProfile.avatarUrl("http://x.example/a"))))
        .containsExactly("avatarUrl");
    assertThat(violatedFields(refusalOf(() -> Projects.parseRole("boss")))).containsExactly("role");
    assertThat(violatedFields(refusalOf(() -> ApiKeys.check("", List.of("read"), null))))
        .containsExactly("name");
    assertThat(violatedFields(refusalOf(() -> ApiKeys.check("k", List.of("root"), null))))
        .containsExactly("scopes");
  }

  @Test
  void refusalsOfOtherKindsNameNoField() throws Exception {
    StatusRuntimeException taken =
        ApiErrors.from(new Accounts.Refusal(Accounts.Refusal.Kind.TAKEN, "taken"));
    assertThat(taken.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(violatedFields(taken)).isEmpty();

    StatusRuntimeException stale =
        ApiErrors.from(
            new Projects.Refusal(
                Projects.Refusal.Kind.ABORTED, Etags.MISMATCH, "the project changed"));
    assertThat(stale.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(errorInfo(stale).getReason()).isEqualTo("ETAG_MISMATCH");
    assertThat(violatedFields(stale)).isEmpty();
    assertThat(StatusCodes.httpStatus(stale.getStatus().getCode()).code()).isEqualTo(409);
  }
}
