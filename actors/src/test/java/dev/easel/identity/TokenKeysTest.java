package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenKeysTest {
  private static final String ISSUER = "https://easel.test";
  private static final String AUDIENCE = "easel-api";

  @TempDir Path temp;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));

  @Test
  void firstUseCreatesAPrivateKeyRingFile() throws Exception {
    Path directory = temp.resolve("keys");

    TokenKeys keys = TokenKeys.open(directory, clock);

    Path file = directory.resolve(TokenKeys.FILE_NAME);
    assertThat(file).exists();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)))
        .isEqualTo("rwx------");
    JWKSet stored = JWKSet.parse(Files.readString(file));
    assertThat(stored.getKeys()).hasSize(1);
    ECKey key = stored.getKeys().get(0).toECKey();
    assertThat(key.isPrivate()).isTrue();
    assertThat(key.getKeyID()).isEqualTo(keys.activeKeyId());
    assertThat(key.getCurve().getName()).isEqualTo("P-256");
  }

  @Test
  void publicJwksHasOnlyPublicKeyMaterial() throws Exception {
    TokenKeys keys = TokenKeys.open(temp, clock);
    keys.rotate();

    String jwks = keys.publicJwks();

    JWKSet parsed = JWKSet.parse(jwks);
    assertThat(parsed.getKeys()).hasSize(2).noneMatch(JWK::isPrivate);
    assertThat(jwks).doesNotContain("\"d\"");
    assertThat(parsed.getKeys())
        .allSatisfy(
            key -> {
              assertThat(key.getAlgorithm().getName()).isEqualTo("ES256");
              assertThat(key.getKeyUse().identifier()).isEqualTo("sig");
            });
    assertThat(keys.toString()).doesNotContain("\"d\"");
  }

  @Test
  void rotationKeepsThePreviousKeyVerifyingUntilItRetires() throws Exception {
    TokenKeys keys = TokenKeys.open(temp, clock);
    AccessTokens tokens = new AccessTokens(keys, ISSUER, AUDIENCE, clock);
    String oldKid = keys.activeKeyId();
    String signedByOldKey = tokens.issue("user-1", Map.of());

    clock.advance(Duration.ofMinutes(1));
    keys.rotate();
    String newKid = keys.activeKeyId();
    String signedByNewKey = tokens.issue("user-2", Map.of());

    assertThat(newKid).isNotEqualTo(oldKid);
    assertThat(kidOf(signedByNewKey)).isEqualTo(newKid);
    assertThat(tokens.verify(signedByOldKey).subject()).isEqualTo("user-1");
    assertThat(jwksKids(keys)).containsExactly(newKid, oldKid);

    // The old token has expired by now, but its key is still published for any token issued
    // just before the rotation; one second later the key retires.
    clock.advance(TokenKeys.DEFAULT_RETAIN_PREVIOUS_FOR.minusSeconds(1));
    assertThat(jwksKids(keys)).containsExactly(newKid, oldKid);
    clock.advance(Duration.ofSeconds(1));
    assertThat(jwksKids(keys)).containsExactly(newKid);
    assertThatThrownBy(() -> tokens.verify(signedByOldKey))
        .isInstanceOfSatisfying(
            InvalidTokenException.class,
            e -> assertThat(e.reason()).isEqualTo(InvalidTokenException.Reason.UNKNOWN_KEY));
    assertThat(tokens.verify(tokens.issue("user-3", Map.of())).subject()).isEqualTo("user-3");
  }

  @Test
  void aTokenIssuedJustBeforeRotationVerifiesForItsWholeLife() throws Exception {
    TokenKeys keys = TokenKeys.open(temp, clock);
    AccessTokens tokens = new AccessTokens(keys, ISSUER, AUDIENCE, clock);
    String token = tokens.issue("user-1", Map.of());

    keys.rotate();
    clock.advance(AccessTokens.DEFAULT_LIFETIME.plus(AccessTokens.CLOCK_SKEW).minusSeconds(1));

    assertThat(tokens.verify(token).subject()).isEqualTo("user-1");
  }

  @Test
  void jwksListsExactlyTheKeysThatStillVerify() throws Exception {
    TokenKeys keys = TokenKeys.open(temp, Duration.ofMinutes(20), clock);
    AccessTokens tokens = new AccessTokens(keys, ISSUER, AUDIENCE, Duration.ofMinutes(5), clock);
    String first = tokens.issue("a", Map.of());
    clock.advance(Duration.ofMinutes(10));
    keys.rotate();
    String second = tokens.issue("b", Map.of());
    clock.advance(Duration.ofMinutes(10));
    keys.rotate();
    String third = tokens.issue("c", Map.of());
    assertThat(jwksKids(keys)).containsExactly(kidOf(third), kidOf(second), kidOf(first));

    // 20 minutes after the first rotation, the first key retires.
    clock.advance(Duration.ofMinutes(10));
    assertThat(jwksKids(keys)).containsExactly(kidOf(third), kidOf(second));
    for (String kid : List.of(kidOf(first), kidOf(second), kidOf(third))) {
      assertThat(keys.verificationKey(kid).isPresent())
          .as("kid %s accepted iff published", kid)
          .isEqualTo(jwksKids(keys).contains(kid));
    }
  }

  @Test
  void reopeningTheDirectoryRestoresTheSameRing() throws Exception {
    TokenKeys first = TokenKeys.open(temp, clock);
    AccessTokens firstTokens = new AccessTokens(first, ISSUER, AUDIENCE, clock);
    String beforeRotation = firstTokens.issue("user-1", Map.of());
    first.rotate();
    String afterRotation = firstTokens.issue("user-1", Map.of());

    TokenKeys reopened = TokenKeys.open(temp, clock);
    AccessTokens reopenedTokens = new AccessTokens(reopened, ISSUER, AUDIENCE, clock);

    assertThat(reopened.activeKeyId()).isEqualTo(first.activeKeyId());
    assertThat(reopened.publicJwks()).isEqualTo(first.publicJwks());
    assertThat(reopenedTokens.verify(beforeRotation).subject()).isEqualTo("user-1");
    assertThat(reopenedTokens.verify(afterRotation).subject()).isEqualTo("user-1");
    // A token from the reopened ring verifies in the original instance too: same private key.
    assertThat(firstTokens.verify(reopenedTokens.issue("user-2", Map.of())).subject())
        .isEqualTo("user-2");
  }

  @Test
  void retirementTimesSurviveARestart() throws Exception {
    TokenKeys first = TokenKeys.open(temp, clock);
    String oldKid = first.activeKeyId();
    first.rotate();

    clock.advance(TokenKeys.DEFAULT_RETAIN_PREVIOUS_FOR);
    TokenKeys reopened = TokenKeys.open(temp, clock);

    assertThat(jwksKids(reopened)).containsExactly(first.activeKeyId());
    assertThat(reopened.verificationKey(oldKid)).isEmpty();
  }

  @Test
  void retiredKeysAreDroppedFromTheFileAtTheNextRotation() throws Exception {
    TokenKeys keys = TokenKeys.open(temp, clock);
    String oldest = keys.activeKeyId();
    keys.rotate();
    clock.advance(TokenKeys.DEFAULT_RETAIN_PREVIOUS_FOR.plusSeconds(1));
    keys.rotate();

    JWKSet stored = JWKSet.parse(Files.readString(temp.resolve(TokenKeys.FILE_NAME)));
    assertThat(stored.getKeys()).hasSize(2).noneMatch(k -> k.getKeyID().equals(oldest));
  }

  @Test
  void writesLeaveNoTemporaryFilesBehind() throws Exception {
    TokenKeys keys = TokenKeys.open(temp, clock);
    keys.rotate();
    keys.rotate();

    try (Stream<Path> files = Files.list(temp)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly(TokenKeys.FILE_NAME);
    }
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(temp.resolve(TokenKeys.FILE_NAME))))
        .isEqualTo("rw-------");
  }

  @Test
  void anotherInstanceSeesARotationAfterReload() throws Exception {
    TokenKeys writer = TokenKeys.open(temp, clock);
    TokenKeys reader = TokenKeys.open(temp, clock);
    writer.rotate();

    assertThat(reader.activeKeyId()).isNotEqualTo(writer.activeKeyId());
    reader.reload();
    assertThat(reader.activeKeyId()).isEqualTo(writer.activeKeyId());
  }

  @Test
  void rotateIfOlderThanRotatesOnlyAnAgedKey() throws Exception {
    TokenKeys keys = TokenKeys.open(temp, clock);
    String first = keys.activeKeyId();

    clock.advance(Duration.ofHours(23));
    assertThat(keys.rotateIfOlderThan(Duration.ofDays(1))).isFalse();
    assertThat(keys.activeKeyId()).isEqualTo(first);

    clock.advance(Duration.ofHours(1));
    assertThat(keys.rotateIfOlderThan(Duration.ofDays(1))).isTrue();
    assertThat(keys.activeKeyId()).isNotEqualTo(first);
  }

  @Test
  void aCorruptKeyFileIsReportedAndLeftAlone() throws Exception {
    Path file = temp.resolve(TokenKeys.FILE_NAME);
    Files.writeString(file, "{\"keys\": [ not json");

    assertThatThrownBy(() -> TokenKeys.open(temp, clock))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("not a valid Easel key ring");
    assertThat(Files.readString(file)).isEqualTo("{\"keys\": [ not json");
  }

  @Test
  void aKeyFileWithOnlyPublicKeysIsRefused() throws Exception {
    TokenKeys keys = TokenKeys.open(temp, clock);
    Files.writeString(temp.resolve(TokenKeys.FILE_NAME), keys.publicJwks());

    assertThatThrownBy(() -> TokenKeys.open(temp, clock))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("private EC P-256 key");
  }

  @Test
  void tokensMayNotOutliveTheKeysThatVerifyThem() throws Exception {
    TokenKeys keys = TokenKeys.open(temp, Duration.ofMinutes(10), clock);

    assertThatThrownBy(() -> new AccessTokens(keys, ISSUER, AUDIENCE, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exceeds how long TokenKeys keeps replaced keys");
  }

  private static List<String> jwksKids(TokenKeys keys) throws Exception {
    return JWKSet.parse(keys.publicJwks()).getKeys().stream().map(JWK::getKeyID).toList();
  }

  private static String kidOf(String token) throws Exception {
    return com.nimbusds.jwt.SignedJWT.parse(token).getHeader().getKeyID();
  }
}
