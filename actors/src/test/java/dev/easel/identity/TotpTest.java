package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TotpTest {
  /** RFC 6238 appendix B's SHA-1 seed, "12345678901234567890", in base32. */
  private static final String RFC_SECRET =
      Base32.encode("12345678901234567890".getBytes(StandardCharsets.US_ASCII));

  private final Totp totp = new Totp();

  @Test
  void rfcSeedEncodesAsExpected() {
    assertThat(RFC_SECRET).isEqualTo("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  }

  /** RFC 6238 appendix B, SHA-1 rows. */
  @ParameterizedTest
  @CsvSource({
    "59, 94287082",
    "1111111109, 07081804",
    "1111111111, 14050471",
    "1234567890, 89005924",
    "2000000000, 69279037",
    "20000000000, 65353130"
  })
  void matchesRfc6238TestVectors(long unixSeconds, String expected) {
    Totp eightDigits = new Totp(8);
    Instant time = Instant.ofEpochSecond(unixSeconds);

    assertThat(eightDigits.codeAt(RFC_SECRET, time)).isEqualTo(expected);
    assertThat(eightDigits.verify(RFC_SECRET, expected, new MutableClock(time)))
        .hasValue(Totp.stepAt(time));
  }

  @Test
  void sixDigitCodesAreTheLowDigitsOfTheSameTruncation() {
    // With 6 digits the same HOTP value is taken modulo 10^6.
    assertThat(totp.codeAt(RFC_SECRET, Instant.ofEpochSecond(59))).isEqualTo("287082");
    assertThat(totp.codeAt(RFC_SECRET, Instant.ofEpochSecond(1111111109))).isEqualTo("081804");
  }

  @Test
  void stepsAreThirtySecondPeriodsSinceTheEpoch() {
    assertThat(Totp.stepAt(Instant.ofEpochSecond(0))).isZero();
    assertThat(Totp.stepAt(Instant.ofEpochSecond(29))).isZero();
    assertThat(Totp.stepAt(Instant.ofEpochSecond(30))).isOne();
    assertThat(Totp.stepAt(Instant.ofEpochSecond(1111111109))).isEqualTo(0x23523EC);
  }

  @Test
  void acceptsThePreviousCurrentAndNextStepButNoFurther() {
    Instant now = Instant.parse("2026-03-01T12:00:10Z");
    MutableClock clock = new MutableClock(now);
    long step = Totp.stepAt(now);

    for (int offset = -1; offset <= 1; offset++) {
      String code = totp.codeAt(RFC_SECRET, now.plusSeconds(30L * offset));
      assertThat(totp.verify(RFC_SECRET, code, clock))
          .as("offset %d", offset)
          .hasValue(step + offset);
    }
    for (int offset : new int[] {-3, -2, 2, 3}) {
      String code = totp.codeAt(RFC_SECRET, now.plusSeconds(30L * offset));
      assertThat(totp.verify(RFC_SECRET, code, clock)).as("offset %d", offset).isEmpty();
    }
  }

  @Test
  void aCodeStopsWorkingOnceItsStepLeavesTheWindow() {
    String secret = Totp.newSecret();
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
    String code = totp.codeAt(secret, clock.instant());

    clock.advance(Duration.ofSeconds(59));
    assertThat(totp.verify(secret, code, clock)).isPresent();
    clock.advance(Duration.ofSeconds(1));
    assertThat(totp.verify(secret, code, clock)).isEmpty();
  }

  @Test
  void aUsedStepCannotBeUsedAgainNorAnEarlierOne() {
    String secret = Totp.newSecret();
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
    String current = totp.codeAt(secret, clock.instant());
    String previous = totp.codeAt(secret, clock.instant().minusSeconds(30));

    OptionalLong used = totp.verify(secret, current, clock, Totp.NO_STEP_USED);
    assertThat(used).hasValue(Totp.stepAt(clock.instant()));

    assertThat(totp.verify(secret, current, clock, used.getAsLong())).as("replay").isEmpty();
    assertThat(totp.verify(secret, previous, clock, used.getAsLong())).as("older").isEmpty();

    clock.advance(Duration.ofSeconds(30));
    String next = totp.codeAt(secret, clock.instant());
    assertThat(totp.verify(secret, next, clock, used.getAsLong())).hasValue(used.getAsLong() + 1);
  }

  @Test
  void malformedCodesAreRefused() {
    String secret = Totp.newSecret();
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
    String code = totp.codeAt(secret, clock.instant());

    assertThat(totp.verify(secret, code.substring(0, 3) + " " + code.substring(3), clock))
        .as("spaces are ignored")
        .isPresent();
    assertThat(totp.verify(secret, null, clock)).isEmpty();
    assertThat(totp.verify(secret, "", clock)).isEmpty();
    assertThat(totp.verify(secret, code.substring(1), clock)).isEmpty();
    assertThat(totp.verify(secret, code + "0", clock)).isEmpty();
    assertThat(totp.verify(secret, "12345a", clock)).isEmpty();
    assertThat(totp.verify(secret, "١٢٣٤٥٦", clock)).as("non-ASCII digits").isEmpty();
  }

  @Test
  void aCodeForAnotherSecretIsRefused() {
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
    String theirCode = totp.codeAt("JBSWY3DPEHPK3PXP", clock.instant());

    assertThat(totp.verify(RFC_SECRET, theirCode, clock)).isEmpty();
    assertThat(totp.verify("JBSWY3DPEHPK3PXP", theirCode, clock)).isPresent();
  }

  @Test
  void newSecretsAre160RandomBitsInBase32() {
    String secret = Totp.newSecret();
    assertThat(secret).matches("[A-Z2-7]{32}");
    assertThat(Base32.decode(secret)).hasSize(20);
    assertThat(Totp.newSecret()).isNotEqualTo(secret);
  }

  @Test
  void otpauthUriHasTheFieldsAuthenticatorAppsRead() {
    assertThat(totp.otpauthUri("ada@example.com", "JBSWY3DPEHPK3PXP"))
        .isEqualTo(
            "otpauth://totp/Easel:ada@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Easel"
                + "&algorithm=SHA1&digits=6&period=30");
    assertThat(totp.otpauthUri("ada+2fa lovelace@example.com", "JBSWY3DPEHPK3PXP"))
        .startsWith("otpauth://totp/Easel:ada%2B2fa%20lovelace@example.com?");
    assertThatThrownBy(() -> totp.otpauthUri("a:b@example.com", "JBSWY3DPEHPK3PXP"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void digitCountOutsideSixToEightIsRefused() {
    assertThatThrownBy(() -> new Totp(5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Totp(9)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void corruptStoredSecretFailsWithoutEchoingIt() {
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
    assertThatThrownBy(() -> totp.verify("NOT-BASE32-SECRET1", "123456", clock))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("NOT-BASE32-SECRET1"));
  }
}
