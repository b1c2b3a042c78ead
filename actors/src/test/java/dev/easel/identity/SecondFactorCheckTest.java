package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecondFactorCheckTest {
  private static final Instant NOW = Instant.parse("2026-05-04T10:00:10Z");
  private static final String USER = "u_1";

  private final SecretBox box = SecretBox.withRandomKey();
  private final Totp totp = new Totp();
  private final SecondFactorCheck check =
      new SecondFactorCheck(box, totp, Clock.fixed(NOW, ZoneOffset.UTC));
  private final String secret = Totp.newSecret();

  private UserEntity.Credentials credentials(
      String sealedSecret, long lastStep, List<String> recoveryCodeHashes) {
    return new UserEntity.Credentials(
        USER,
        UserEntity.Status.ACTIVE,
        "ada@example.org",
        "$argon2id$hash",
        sealedSecret,
        sealedSecret != null,
        lastStep,
        recoveryCodeHashes,
        List.of());
  }

  private UserEntity.Credentials withSecret(long lastStep) {
    return credentials(check.seal(USER, secret), lastStep, List.of());
  }

  @Test
  void typedAuthenticatorCodesAreNormalizedOrRefusedByField() {
    assertThat(SecondFactorCheck.totpCode(null, "totpCode")).isNull();
    assertThat(SecondFactorCheck.totpCode("  ", "totpCode")).isNull();
    assertThat(SecondFactorCheck.totpCode("123 456", "totpCode")).isEqualTo("123456");
    for (String bad : List.of("12345", "1234567", "12a456", "１２３４５６")) {
      assertThatThrownBy(() -> SecondFactorCheck.totpCode(bad, "totpCode"))
          .as(bad)
          .isInstanceOfSatisfying(
              Accounts.Refusal.class,
              refusal -> assertThat(refusal.kind()).isEqualTo(Accounts.Refusal.Kind.INVALID))
          .hasMessageContaining("totpCode")
          .hasMessageContaining("6 digits");
    }
    String huge = "9".repeat(10_000);
    assertThatThrownBy(() -> SecondFactorCheck.totpCode(huge, "code"))
        .hasMessage("code is too long: an authenticator code has 6 digits");
  }

  @Test
  void typedRecoveryCodesAreNormalizedOrRefusedByField() {
    assertThat(SecondFactorCheck.recoveryCode("", "recoveryCode")).isNull();
    assertThat(SecondFactorCheck.recoveryCode(" ABCD-2345 ", "recoveryCode")).isEqualTo("abcd2345");
    for (String bad : List.of("abcd-1890", "abc-234", "abcd-23456", "abcd_2345")) {
      assertThatThrownBy(() -> SecondFactorCheck.recoveryCode(bad, "recoveryCode"))
          .as(bad)
          .isInstanceOf(Accounts.Refusal.class)
          .hasMessageContaining("recoveryCode");
    }
    assertThatThrownBy(() -> SecondFactorCheck.recoveryCode("a".repeat(33), "recoveryCode"))
        .hasMessageContaining("too long")
        .hasMessageNotContaining("aaaa");
  }

  @Test
  void aCurrentCodeMatchesItsTimeStep() {
    String code = totp.codeAt(secret, NOW);

    assertThat(check.checkTotp(withSecret(-1), code))
        .isEqualTo(new SecondFactorCheck.TotpMatched(Totp.stepAt(NOW)));
  }

  @Test
  void theCodeOfThePreviousStepStillMatchesForClockDrift() {
    String previous = totp.codeAt(secret, NOW.minus(Duration.ofSeconds(30)));

    assertThat(check.checkTotp(withSecret(-1), previous))
        .isEqualTo(new SecondFactorCheck.TotpMatched(Totp.stepAt(NOW) - 1));
  }

  @Test
  void aWrongOrOldCodeFails() {
    String current = totp.codeAt(secret, NOW);
    String wrong = current.equals("000000") ? "111111" : "000000";
    String old = totp.codeAt(secret, NOW.minus(Duration.ofMinutes(5)));

    assertThat(check.checkTotp(withSecret(-1), wrong))
        .isInstanceOfSatisfying(
            SecondFactorCheck.Failed.class,
            failed -> assertThat(failed.reason()).isEqualTo(SecondFactorCheck.TOTP_CODE_INVALID));
    if (!old.equals(current)) {
      assertThat(check.checkTotp(withSecret(-1), old)).isInstanceOf(SecondFactorCheck.Failed.class);
    }
  }

  @Test
  void aCodeOfAStepUsedAlreadyFailsAsReused() {
    String code = totp.codeAt(secret, NOW);

    assertThat(check.checkTotp(withSecret(Totp.stepAt(NOW)), code))
        .isInstanceOfSatisfying(
            SecondFactorCheck.Failed.class,
            failed -> {
              assertThat(failed.reason()).isEqualTo(SecondFactorCheck.TOTP_CODE_REUSED);
              assertThat(failed.message()).doesNotContain(code).contains("used already");
            });
  }

  @Test
  void aSecretSealedUnderAnotherKeyOrForAnotherAccountIsUnreadable() {
    String code = totp.codeAt(secret, NOW);
    String otherKey = SecretBox.withRandomKey().seal(secret, SecondFactorCheck.context(USER));
    String otherAccount = box.seal(secret, SecondFactorCheck.context("u_2"));

    for (String sealed : List.of(otherKey, otherAccount)) {
      assertThat(check.checkTotp(credentials(sealed, -1, List.of()), code))
          .isInstanceOfSatisfying(
              SecondFactorCheck.Failed.class,
              failed -> {
                assertThat(failed.reason()).isEqualTo(SecondFactorCheck.TOTP_SECRET_UNREADABLE);
                assertThat(failed.message()).contains("recovery code").doesNotContain(secret);
              });
    }
  }

  @Test
  void anAccountWithoutAnAuthenticatorMatchesNoCode() {
    assertThat(check.checkTotp(credentials(null, -1, List.of()), "123456"))
        .isInstanceOf(SecondFactorCheck.Failed.class);
  }

  @Test
  void aRecoveryCodeMatchesItsDigestOnce() {
    RecoveryCodes.Issued issued = RecoveryCodes.generate();
    List<String> digests = issued.stored().digests();
    String typed = issued.codes().get(3).toUpperCase();

    var outcome = check.checkRecoveryCode(credentials(null, -1, digests), typed);

    assertThat(outcome).isEqualTo(new SecondFactorCheck.RecoveryCodeMatched(digests.get(3)));
    List<String> left = digests.stream().filter(d -> !d.equals(digests.get(3))).toList();
    assertThat(check.checkRecoveryCode(credentials(null, -1, left), typed))
        .isInstanceOfSatisfying(
            SecondFactorCheck.Failed.class,
            failed ->
                assertThat(failed.reason()).isEqualTo(SecondFactorCheck.RECOVERY_CODE_INVALID));
    assertThat(check.checkRecoveryCode(credentials(null, -1, digests), "zzzz-zzzz"))
        .isInstanceOf(SecondFactorCheck.Failed.class);
  }
}
