package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import dev.easel.api.v1.CreateApiKeyRequest;
import dev.easel.api.v1.ListSecurityEventsRequest;
import dev.easel.api.v1.SubmitOpRequest;
import dev.easel.api.v1.UpdateMeRequest;
import dev.easel.api.v1.UpdateProjectRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * JSON requests are read strictly against their message, and what is wrong is named by its JSON
 * path, as a client wrote it.
 */
class JsonRequestsTest {
  static JsonRequests.Violation check(Descriptor message, String json) {
    return JsonRequests.violation(message, json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void validRequestsPass() {
    assertThat(check(UpdateMeRequest.getDescriptor(), "")).isNull();
    assertThat(check(UpdateMeRequest.getDescriptor(), "{}")).isNull();
    assertThat(check(UpdateMeRequest.getDescriptor(), "{\"displayName\":\"Ada\"}")).isNull();
    // proto names too, as REST's path variables arrive
    assertThat(check(UpdateMeRequest.getDescriptor(), "{\"display_name\":\"Ada\"}")).isNull();
    assertThat(
            check(
                UpdateMeRequest.getDescriptor(),
                "{\"displayName\":null,\"updateMask\":\"displayName,avatarUrl\",\"etag\":\"x\"}"))
        .isNull();
    // proto3 JSON: integers as numbers or strings, 1.0 is a whole number
    assertThat(check(ListSecurityEventsRequest.getDescriptor(), "{\"pageSize\":\"20\"}")).isNull();
    assertThat(check(ListSecurityEventsRequest.getDescriptor(), "{\"pageSize\":20.0}")).isNull();
    assertThat(
            check(
                SubmitOpRequest.getDescriptor(),
                "{\"canvasId\":\"c\",\"version\":\"3\",\"op\":[{\"p\":[\"title\",0],\"si\":\"x\"}]}"))
        .isNull();
    assertThat(check(CreateApiKeyRequest.getDescriptor(), "{\"scopes\":[\"read\",\"write\"]}"))
        .isNull();
  }

  @Test
  void anUnknownFieldIsNamed() {
    JsonRequests.Violation unknown =
        check(UpdateMeRequest.getDescriptor(), "{\"displayName\":\"Ada\",\"nickname\":\"A\"}");
    assertThat(unknown.reason()).isEqualTo(JsonRequests.UNKNOWN_FIELD);
    assertThat(unknown.field()).isEqualTo("nickname");
    assertThat(unknown.description())
        .contains("nickname is not a field of UpdateMeRequest")
        .contains("displayName, avatarUrl, updateMask, etag");
  }

  @Test
  void aValueOfTheWrongTypeIsNamed() {
    JsonRequests.Violation number = check(UpdateMeRequest.getDescriptor(), "{\"displayName\":5}");
    assertThat(number.reason()).isEqualTo(JsonRequests.WRONG_TYPE);
    assertThat(number.field()).isEqualTo("displayName");
    assertThat(number.description()).isEqualTo("displayName must be a string, not a number (5)");

    assertThat(check(ListSecurityEventsRequest.getDescriptor(), "{\"pageSize\":\"abc\"}").field())
        .isEqualTo("pageSize");
    assertThat(check(ListSecurityEventsRequest.getDescriptor(), "{\"pageSize\":1.5}").field())
        .isEqualTo("pageSize");
    assertThat(
            check(ListSecurityEventsRequest.getDescriptor(), "{\"pageSize\":3000000000}")
                .description())
        .contains("out of range");
    assertThat(check(CreateApiKeyRequest.getDescriptor(), "{\"scopes\":\"read\"}").field())
        .isEqualTo("scopes");
    assertThat(check(CreateApiKeyRequest.getDescriptor(), "{\"scopes\":[\"read\",2]}").field())
        .isEqualTo("scopes[1]");
    assertThat(check(UpdateProjectRequest.getDescriptor(), "{\"updateMask\":[\"name\"]}").field())
        .isEqualTo("updateMask");
    assertThat(check(SubmitOpRequest.getDescriptor(), "{\"op\":{\"p\":[]}}").field())
        .isEqualTo("op");
  }

  @Test
  void aBodyThatIsNoObjectIsRefused() {
    JsonRequests.Violation array = check(UpdateMeRequest.getDescriptor(), "[1]");
    assertThat(array.field()).isEmpty();
    assertThat(array.description()).contains("must be a JSON object").contains("an array");
  }

  @Test
  void malformedJsonIsPlacedAndInItsField() {
    JsonRequests.Violation cut = check(UpdateMeRequest.getDescriptor(), "{\"displayName\":\"Ada\"");
    assertThat(cut.reason()).isEqualTo(JsonRequests.MALFORMED_JSON);
    assertThat(cut.description()).startsWith("the request is not valid JSON at line 1, column");

    JsonRequests.Violation inField =
        check(UpdateMeRequest.getDescriptor(), "{\"displayName\": Ada}");
    assertThat(inField.field()).isEqualTo("displayName");
    assertThat(inField.description()).contains("(in displayName)");

    JsonRequests.Violation inList =
        check(CreateApiKeyRequest.getDescriptor(), "{\"name\":\"k\",\"scopes\":[\"read\",}");
    assertThat(inList.field()).isEqualTo("scopes[1]");
  }

  @Test
  void anythingAfterTheJsonValueIsMalformed() {
    JsonRequests.Violation second =
        check(
            UpdateMeRequest.getDescriptor(), "{\"displayName\":\"Ada\"} {\"displayName\":\"Eve\"}");
    assertThat(second.reason()).isEqualTo(JsonRequests.MALFORMED_JSON);
    assertThat(second.field()).isEmpty();
    assertThat(second.description())
        .startsWith("the request is not valid JSON at line 1, column 23")
        .endsWith("more follows the JSON value, where the request should end");
    JsonRequests.Violation garbage =
        check(UpdateMeRequest.getDescriptor(), "{\"displayName\":\"Ada\"} and more");
    assertThat(garbage.reason()).isEqualTo(JsonRequests.MALFORMED_JSON);
    assertThat(garbage.description()).startsWith("the request is not valid JSON at line 1, column");
    // White space after the value is no more content.
    assertThat(check(UpdateMeRequest.getDescriptor(), "{\"displayName\":\"Ada\"}\n  \n")).isNull();
  }
}
