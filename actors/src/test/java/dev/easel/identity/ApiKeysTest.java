package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checks on a request for an API key, before anything is asked of an account. */
class ApiKeysTest {

  @Test
  void normalizesNameScopesAndProject() {
    ApiKeys.Spec spec = ApiKeys.check("  CI  ", List.of("WRITE", "read", "write"), " ");
    assertThat(spec).isEqualTo(new ApiKeys.Spec("CI", List.of("read", "write"), null));
    assertThat(ApiKeys.check("Bot", List.of("admin"), "p_1").projectId()).isEqualTo("p_1");
  }

  @Test
  void refusesAMissingOrLongName() {
    refusedAsInvalid(() -> ApiKeys.check(" ", List.of("read"), null), "name is required");
    refusedAsInvalid(() -> ApiKeys.check(null, List.of("read"), null), "name is required");
    refusedAsInvalid(
        () -> ApiKeys.check("x".repeat(ApiKeys.MAX_NAME + 1), List.of("read"), null),
        "at most " + ApiKeys.MAX_NAME);
  }

  @Test
  void refusesMissingOrUnknownScopes() {
    refusedAsInvalid(() -> ApiKeys.check("CI", List.of(), null), "at least one");
    refusedAsInvalid(() -> ApiKeys.check("CI", null, null), "at least one");
    refusedAsInvalid(
        () -> ApiKeys.check("CI", List.of("read", "root"), null), "unknown scope 'root'");
    refusedAsInvalid(() -> ApiKeys.check("CI", Arrays.asList("read", null), null), "missing scope");
  }

  static void refusedAsInvalid(Runnable check, String message) {
    assertThatThrownBy(check::run)
        .isInstanceOfSatisfying(
            Accounts.Refusal.class,
            refusal -> assertThat(refusal.kind()).isEqualTo(Accounts.Refusal.Kind.INVALID))
        .hasMessageContaining(message);
  }
}
