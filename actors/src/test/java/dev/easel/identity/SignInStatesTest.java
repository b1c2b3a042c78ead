package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sign-in states: only ours, untouched and in time open; they never pass as access tokens. */
class SignInStatesTest {
  @TempDir Path temp;
  MutableClock clock;
  TokenKeys keys;
  SignInStates states;

  @BeforeEach
  void setUp() throws Exception {
    clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
    keys = TokenKeys.open(temp, clock);
    states = new SignInStates(keys, Duration.ofMinutes(10), clock);
  }

  String seal() {
    return states.seal("google", "st-1", "n-1", "verifier-1", "https://e.example/cb", "/canvas/7");
  }

  @Test
  void opensWhatItSealed() throws Exception {
    SignInStates.SignInState state = states.open(seal());
    assertThat(state.provider()).isEqualTo("google");
    assertThat(state.state()).isEqualTo("st-1");
    assertThat(state.nonce()).isEqualTo("n-1");
    assertThat(state.codeVerifier()).isEqualTo("verifier-1");
    assertThat(state.redirectUri()).isEqualTo("https://e.example/cb");
    assertThat(state.returnTo()).isEqualTo("/canvas/7");
    assertThat(state.expiresAt()).isEqualTo(Instant.parse("2026-11-29T10:10:00Z"));
    assertThat(state.toString()).doesNotContain("verifier-1").doesNotContain("n-1");
  }

  @Test
  void refusesAnExpiredState() {
    String sealed = seal();
    clock.advance(Duration.ofMinutes(10));
    assertThatThrownBy(() -> states.open(sealed))
        .isInstanceOf(SignInStates.Refused.class)
        .hasMessageContaining("too long");
  }

  @Test
  void refusesATamperedState() {
    String sealed = seal();
    String[] parts = sealed.split("\\.");
    String payload =
        new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
            .replace("/canvas/7", "https://evil.example/");
    String forged =
        parts[0]
            + "."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[2];
    assertThatThrownBy(() -> states.open(forged)).hasMessageContaining("signature");
    assertThatThrownBy(() -> states.open("")).hasMessageContaining("no sign-in state");
    assertThatThrownBy(() -> states.open("a.b")).hasMessageContaining("malformed");
    assertThatThrownBy(() -> states.open("x".repeat(5000))).hasMessageContaining("malformed");
  }

  @Test
  void refusesAStateOfAnotherKeyRing() throws Exception {
    TokenKeys otherKeys = TokenKeys.open(temp.resolve("other"), clock);
    String foreign =
        new SignInStates(otherKeys, Duration.ofMinutes(10), clock)
            .seal("google", "st-1", "n-1", "v", "https://e.example/cb", "/");
    assertThatThrownBy(() -> states.open(foreign)).isInstanceOf(SignInStates.Refused.class);
  }

  @Test
  void neverPassesForAnAccessTokenNorTheOtherWayRound() {
    AccessTokens accessTokens = new AccessTokens(keys, "easel", "easel-api", clock);
    String accessToken = accessTokens.issue("u-1", Map.of());
    assertThatThrownBy(() -> states.open(accessToken)).hasMessageContaining("not a sign-in state");
    assertThatThrownBy(() -> accessTokens.verify(seal()))
        .isInstanceOfSatisfying(
            InvalidTokenException.class,
            e -> assertThat(e.reason()).isEqualTo(InvalidTokenException.Reason.WRONG_TYPE));
  }

  @Test
  void survivesAKeyRotationWithinItsLifetime() throws Exception {
    String sealed = seal();
    keys.rotate();
    clock.advance(Duration.ofMinutes(9));
    assertThat(states.open(sealed).state()).isEqualTo("st-1");
  }

  @Test
  void refusesALifetimeLongerThanReplacedKeysVerify() {
    assertThatThrownBy(() -> new SignInStates(keys, Duration.ofHours(1), clock))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
