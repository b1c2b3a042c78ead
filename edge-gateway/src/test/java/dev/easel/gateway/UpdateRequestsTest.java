package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.FieldMask;
import dev.easel.api.v1.UpdateMeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which fields an update changes: those its mask names, or without a mask those it sends. */
class UpdateRequestsTest {
  static final List<String> PROFILE = List.of("display_name", "avatar_url");

  static FieldMask mask(String... paths) {
    return FieldMask.newBuilder().addAllPaths(List.of(paths)).build();
  }

  @Test
  void withoutAMaskTheFieldsSentChange() {
    assertThat(
            UpdateRequests.fields(
                FieldMask.getDefaultInstance(),
                UpdateMeRequest.getDescriptor(),
                PROFILE,
                field -> field.equals("avatar_url")))
        .containsExactly("avatar_url");
  }

  @Test
  void aMaskNamesTheFieldsThatChangeWhateverIsSent() {
    assertThat(
            UpdateRequests.fields(
                mask("display_name"), UpdateMeRequest.getDescriptor(), PROFILE, field -> true))
        .containsExactly("display_name");
    // by JSON name as well, and * for all
    assertThat(
            UpdateRequests.fields(
                mask("avatarUrl"), UpdateMeRequest.getDescriptor(), PROFILE, field -> false))
        .containsExactly("avatar_url");
    assertThat(
            UpdateRequests.fields(mask("*"), UpdateMeRequest.getDescriptor(), PROFILE, f -> false))
        .containsExactlyElementsOf(PROFILE);
  }

  @Test
  void aPathTheMaskMayNotNameIsRefusedOnUpdateMask() throws Exception {
    for (String path : List.of("email", "etag", "display_name.first", "")) {
      StatusRuntimeException refused =
          catchThrowableOfType(
              StatusRuntimeException.class,
              () ->
                  UpdateRequests.fields(
                      mask("display_name", path),
                      UpdateMeRequest.getDescriptor(),
                      PROFILE,
                      field -> true));
      assertThat(refused).as(path).isNotNull();
      assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(ApiErrorsTest.violatedFields(refused)).containsExactly("updateMask");
      assertThat(refused.getStatus().getDescription())
          .contains("updateMask may name displayName, avatarUrl or *");
    }
  }
}
