package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessTokensTest {
  private static final String ISSUER = "https://easel.test";
  private static final String AUDIENCE = "easel-api";
  private static final Instant START = Instant.parse("2026-03-01T12:00:00Z");

  @TempDir Path temp;
  private final MutableClock clock = new MutableClock(START);
  private TokenKeys keys;
  private AccessTokens tokens;

  @BeforeEach
  void openKeys() throws Exception {
    keys = TokenKeys.open(temp, clock);
    tokens = new AccessTokens(keys, ISSUER, AUDIENCE, clock);
  }

  @Test
  void issuedTokenVerifiesAndCarriesItsClaims() throws Exception {
    String token = tokens.issue("user-42", Map.of("scope", "read write", "workspace", "ws-1"));

    VerifiedToken verified = tokens.verify(token);

    assertThat(verified.subject()).isEqualTo("user-42");
    assertThat(UUID.fromString(verified.jti())).isNotNull();
    assertThat(verified.expiresAt()).isEqualTo(START.plus(Duration.ofMinutes(15)));
    assertThat(verified.claims())
        .containsEntry("iss", ISSUER)
        .containsEntry("sub", "user-42")
        .containsEntry("scope", "read write")
        .containsEntry("workspace", "ws-1");
    assertThat(Scope.parseAll((String) verified.claims().get("scope")))
        .containsExactlyInAnyOrder(Scope.READ, Scope.WRITE);
  }

  @Test
  void tokenHasTheRfc9068HeaderAndAllRegisteredClaims() throws Exception {
    SignedJWT jwt = SignedJWT.parse(tokens.issue("user-42", Map.of()));

    assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
    assertThat(jwt.getHeader().getType().getType()).isEqualTo("at+jwt");
    assertThat(jwt.getHeader().getKeyID()).isEqualTo(keys.activeKeyId());
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    assertThat(claims.getClaims().keySet())
        .containsExactlyInAnyOrder("iss", "aud", "sub", "exp", "nbf", "iat", "jti");
    assertThat(claims.getAudience()).containsExactly(AUDIENCE);
    assertThat(claims.getIssueTime().toInstant()).isEqualTo(START);
    assertThat(claims.getNotBeforeTime().toInstant()).isEqualTo(START);
    assertThat(claims.getExpirationTime().toInstant()).isEqualTo(START.plusSeconds(900));
  }

  @Test
  void everyTokenHasItsOwnJti() throws Exception {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      ids.add(tokens.verify(tokens.issue("user-1", Map.of())).jti());
    }
    assertThat(ids).hasSize(50);
  }

  @Test
  void tokenIsAcceptedUntilItsExpiryPlusSkewAndNotAfter() throws Exception {
    String token = tokens.issue("user-1", Map.of());

    clock.advance(AccessTokens.DEFAULT_LIFETIME.plus(AccessTokens.CLOCK_SKEW).minusSeconds(1));
    assertThat(tokens.verify(token).subject()).isEqualTo("user-1");

    clock.advance(Duration.ofSeconds(1));
    assertThatThrownBy(() -> tokens.verify(token))
        .isInstanceOfSatisfying(
            InvalidTokenException.class,
            e -> assertThat(e.reason()).isEqualTo(InvalidTokenException.Reason.EXPIRED));
  }

  @Test
  void lifetimeIsConfigurable() throws Exception {
    AccessTokens shortLived =
        new AccessTokens(keys, ISSUER, AUDIENCE, Duration.ofMinutes(5), clock);
    String token = shortLived.issue("user-1", Map.of());

    assertThat(shortLived.verify(token).expiresAt()).isEqualTo(START.plus(Duration.ofMinutes(5)));
    clock.advance(Duration.ofMinutes(5).plus(AccessTokens.CLOCK_SKEW));
    assertThatThrownBy(() -> shortLived.verify(token))
        .isInstanceOfSatisfying(
            InvalidTokenException.class,
            e -> assertThat(e.reason()).isEqualTo(InvalidTokenException.Reason.EXPIRED));
  }

  @Test
  void extraClaimsMayNotReplaceRegisteredOnes() {
    for (String registered : List.of("iss", "aud", "sub", "exp", "nbf", "iat", "jti")) {
      assertThatThrownBy(() -> tokens.issue("user-1", Map.of(registered, "x")))
          .as(registered)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(registered);
    }
  }

  @Test
  void theMediaTypeSpellingOfTypAndAnAudienceListAreAccepted() throws Exception {
    JWSHeader header =
        new JWSHeader.Builder(JWSAlgorithm.ES256)
            .type(new JOSEObjectType("application/AT+JWT"))
            .keyID(keys.activeKeyId())
            .build();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .audience(List.of("another-api", AUDIENCE))
            .subject("user-7")
            .issueTime(Date.from(START))
            .notBeforeTime(Date.from(START))
            .expirationTime(Date.from(START.plusSeconds(60)))
            .jwtID("j-1")
            .build();
    SignedJWT jwt = new SignedJWT(header, claims);
    jwt.sign(new ECDSASigner(keys.signingKey()));

    assertThat(tokens.verify(jwt.serialize()).subject()).isEqualTo("user-7");
  }

  @Test
  void aTokenFromAnotherKeyRingIsRefused() throws Exception {
    TokenKeys otherKeys = TokenKeys.open(temp.resolve("other"), clock);
    String foreign = new AccessTokens(otherKeys, ISSUER, AUDIENCE, clock).issue("user-1", Map.of());

    assertThatThrownBy(() -> tokens.verify(foreign))
        .isInstanceOfSatisfying(
            InvalidTokenException.class,
            e -> assertThat(e.reason()).isEqualTo(InvalidTokenException.Reason.UNKNOWN_KEY));
  }

  @Test
  void verifiedClaimsAreReadOnly() throws Exception {
    VerifiedToken verified = tokens.verify(tokens.issue("user-1", Map.of()));
    assertThatThrownBy(() -> verified.claims().put("sub", "admin"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  // ---- verified tokens are remembered; what can change is checked on every call ---------------

  @Test
  void aTokenVerifiedBeforeIsRefusedOnceItExpires() throws Exception {
    String token = tokens.issue("user-1", Map.of());
    assertThat(tokens.verify(token).subject()).isEqualTo("user-1");
    assertThat(tokens.verify(token).subject()).isEqualTo("user-1");

    clock.advance(AccessTokens.DEFAULT_LIFETIME.plus(AccessTokens.CLOCK_SKEW));

    assertThat(reasonOf(tokens, token)).isEqualTo(InvalidTokenException.Reason.EXPIRED);
  }

  @Test
  void aTokenVerifiedBeforeIsRefusedWhenItsClockIsBehindItsIssue() throws Exception {
    String token = tokens.issue("user-1", Map.of());
    tokens.verify(token);

    clock.set(START.minus(AccessTokens.CLOCK_SKEW).minusSeconds(1));

    assertThat(reasonOf(tokens, token)).isEqualTo(InvalidTokenException.Reason.NOT_YET_VALID);
  }

  @Test
  void aTokenVerifiedBeforeIsRefusedOnceItsKeyLeavesTheRing() throws Exception {
    String token = tokens.issue("user-1", Map.of());
    tokens.verify(token);

    // The ring is replaced (a compromised key thrown out) and read again.
    replaceRing(newKey("other-key"));

    assertThat(reasonOf(tokens, token)).isEqualTo(InvalidTokenException.Reason.UNKNOWN_KEY);
  }

  @Test
  void aTokenVerifiedBeforeIsCheckedAgainWhenItsKeyIdNowNamesAnotherKey() throws Exception {
    String token = tokens.issue("user-1", Map.of());
    tokens.verify(token);

    replaceRing(newKey(keys.activeKeyId()));

    assertThat(reasonOf(tokens, token)).isEqualTo(InvalidTokenException.Reason.BAD_SIGNATURE);
  }

  @Test
  void aTokenVerifiedBeforeStopsVerifyingWhenItsKeyRetiresAfterARotation() throws Exception {
    String token = tokens.issue("user-1", Map.of());
    tokens.verify(token);
    keys.rotate();
    assertThat(tokens.verify(token).subject()).isEqualTo("user-1");

    clock.advance(keys.retainPreviousFor());

    assertThat(reasonOf(tokens, token)).isEqualTo(InvalidTokenException.Reason.UNKNOWN_KEY);
  }

  @Test
  void aVerifiedTokenWithAnyCharacterChangedIsCheckedAfresh() throws Exception {
    String token = tokens.issue("user-1", Map.of());
    tokens.verify(token);
    int signature = token.lastIndexOf('.') + 1;
    int at = signature + 10;
    String tampered =
        token.substring(0, at) + (token.charAt(at) == 'A' ? 'B' : 'A') + token.substring(at + 1);
    String[] parts = token.split("\\.");
    String otherPayload =
        parts[0] + "." + tokens.issue("user-2", Map.of()).split("\\.")[1] + "." + parts[2];

    assertThat(reasonOf(tokens, tampered)).isEqualTo(InvalidTokenException.Reason.BAD_SIGNATURE);
    assertThat(reasonOf(tokens, otherPayload))
        .isEqualTo(InvalidTokenException.Reason.BAD_SIGNATURE);
    assertThat(reasonOf(tokens, token + "x")).isEqualTo(InvalidTokenException.Reason.MALFORMED);
    assertThat(tokens.verify(token).subject()).isEqualTo("user-1");
  }

  @Test
  void aRememberedVerificationAnswersExactlyAsAFreshOne() throws Exception {
    List<String> issued = new ArrayList<>();
    issued.add(tokens.issue("user-1", Map.of("scope", "read")));
    clock.advance(Duration.ofMinutes(6));
    keys.rotate();
    issued.add(tokens.issue("user-2", Map.of()));
    for (int step = 0; step < 8; step++) {
      for (String token : issued) {
        // A verifier made now has remembered nothing: it checks everything.
        AccessTokens fresh = new AccessTokens(keys, ISSUER, AUDIENCE, clock);
        assertThat(outcomeOf(tokens, token)).as("step %d", step).isEqualTo(outcomeOf(fresh, token));
      }
      clock.advance(Duration.ofMinutes(3));
    }
  }

  private static Object outcomeOf(AccessTokens verifier, String token) {
    try {
      return verifier.verify(token);
    } catch (InvalidTokenException e) {
      return e.reason();
    }
  }

  private static InvalidTokenException.Reason reasonOf(AccessTokens verifier, String token) {
    Object outcome = outcomeOf(verifier, token);
    assertThat(outcome).isInstanceOf(InvalidTokenException.Reason.class);
    return (InvalidTokenException.Reason) outcome;
  }

  private static ECKey newKey(String keyId) throws Exception {
    return new ECKeyGenerator(Curve.P_256)
        .keyUse(KeyUse.SIGNATURE)
        .algorithm(JWSAlgorithm.ES256)
        .keyID(keyId)
        .issueTime(Date.from(START))
        .generate();
  }

  /** Writes a ring of just {@code key} over the key file, as an operator would, and reloads it. */
  private void replaceRing(ECKey key) throws Exception {
    Files.writeString(temp.resolve(TokenKeys.FILE_NAME), new JWKSet(key).toString(false));
    keys.reload();
  }

  @Test
  void blankSubjectIsRefusedAtIssue() {
    assertThatThrownBy(() -> tokens.issue(" ", Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
