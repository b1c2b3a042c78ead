package dev.easel.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.easel.identity.AccessTokens;
import dev.easel.identity.InvalidTokenException;
import dev.easel.identity.TokenKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invitation tokens: they say what they were issued for until they expire, and nothing altered,
 * forged, foreign or of another kind passes, in either direction between invitation and access
 * tokens.
 */
class InvitationTokensTest {
  static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
  static final Instant EXPIRES = NOW.plus(Duration.ofDays(7));
  static final InvitationTokens.Invitation INVITATION =
      new InvitationTokens.Invitation("p_1", "i_1", "bob@example.org", EXPIRES);

  @TempDir Path keys;
  InvitationTokens tokens;

  static Clock at(Instant instant) {
    return Clock.fixed(instant, ZoneOffset.UTC);
  }

  @BeforeEach
  void setUp() throws Exception {
    tokens = InvitationTokens.open(keys, "easel", at(NOW));
  }

  static String reason(InvitationTokens tokens, String token) {
    try {
      tokens.verify(token);
      return "accepted";
    } catch (InvitationTokens.InvalidInvitation e) {
      return e.getMessage();
    }
  }

  @Test
  void saysWhatItWasIssuedForUntilItExpires() throws Exception {
    String token = tokens.issue(INVITATION);
    assertThat(tokens.verify(token)).isEqualTo(INVITATION);
    InvitationTokens later = InvitationTokens.open(keys, "easel", at(EXPIRES.minusSeconds(1)));
    assertThat(later.verify(token)).isEqualTo(INVITATION);
    for (Instant expired : new Instant[] {EXPIRES, EXPIRES.plusSeconds(3600)}) {
      InvitationTokens afterwards = InvitationTokens.open(keys, "easel", at(expired));
      assertThatThrownBy(() -> afterwards.verify(token))
          .isInstanceOfSatisfying(
              InvitationTokens.InvalidInvitation.class, e -> assertThat(e.expired()).isTrue());
    }
    assertThat(InvitationTokens.hash(token)).isEqualTo(InvitationTokens.hash(token));
    assertThat(InvitationTokens.hash(token)).isNotEqualTo(InvitationTokens.hash(token + "x"));
  }

  @Test
  void keepsItsKeyOwnerOnlyAndAcrossRestarts() throws Exception {
    String token = tokens.issue(INVITATION);
    Path file = keys.resolve(InvitationTokens.FILE_NAME);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(InvitationTokens.open(keys, "easel", at(NOW)).verify(token)).isEqualTo(INVITATION);
    Path elsewhere = keys.resolve("other");
    assertThat(reason(InvitationTokens.open(elsewhere, "easel", at(NOW)), token))
        .contains("altered");
    assertThat(reason(InvitationTokens.open(keys, "someone-else", at(NOW)), token))
        .contains("not an invitation link of this server");
  }

  @Test
  void refusesAlteredAndMalformedTokens() {
    String token = tokens.issue(INVITATION);
    String[] parts = token.split("\\.");
    String payload =
        new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
            .replace("bob@example.org", "eve@example.org");
    String altered =
        parts[0]
            + "."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[2];
    assertThat(reason(tokens, altered)).contains("altered");
    assertThat(reason(tokens, parts[0] + "." + parts[1] + ".")).doesNotContain("accepted");
    assertThat(reason(tokens, "")).contains("required");
    assertThat(reason(tokens, "not a token")).contains("not valid");
    assertThat(reason(tokens, "a.b.c")).contains("not valid");
    assertThat(reason(tokens, "x".repeat(5000))).contains("not valid");
    assertThat(reason(tokens, token)).isEqualTo("accepted");
  }

  @Test
  void refusesOtherKindsOfTokenSignedWithItsOwnKey() throws Exception {
    byte[] key =
        Base64.getUrlDecoder()
            .decode(Files.readString(keys.resolve(InvitationTokens.FILE_NAME)).strip());
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer("easel")
            .audience(InvitationTokens.AUDIENCE)
            .expirationTime(Date.from(EXPIRES))
            .claim("project", "p_1")
            .claim("invitation", "i_1")
            .claim("email", "bob@example.org")
            .build();
    SignedJWT accessTyped =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256)
                .type(new JOSEObjectType(AccessTokens.TOKEN_TYPE))
                .build(),
            claims);
    accessTyped.sign(new MACSigner(key));
    assertThat(reason(tokens, accessTyped.serialize())).contains("not an invitation link");
    SignedJWT otherAudience =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256)
                .type(new JOSEObjectType(InvitationTokens.TOKEN_TYPE))
                .build(),
            new JWTClaimsSet.Builder(claims).audience("easel-api").build());
    otherAudience.sign(new MACSigner(key));
    assertThat(reason(tokens, otherAudience.serialize())).contains("not an invitation link");
    String unsigned =
        Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                    "{\"alg\":\"none\",\"typ\":\"invite+jwt\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + accessTyped.serialize().split("\\.")[1]
            + ".";
    assertThat(reason(tokens, unsigned)).isNotEqualTo("accepted");
  }

  @Test
  void isNeverAnAccessTokenAndAnAccessTokenIsNeverAnInvitation() throws Exception {
    TokenKeys signing = TokenKeys.open(keys.resolve("tokens"), at(NOW));
    AccessTokens access = new AccessTokens(signing, "easel", "easel-api", at(NOW));
    String invitation = tokens.issue(INVITATION);
    assertThatThrownBy(() -> access.verify(invitation)).isInstanceOf(InvalidTokenException.class);
    String accessToken = access.issue("u_1", Map.of());
    assertThat(reason(tokens, accessToken)).contains("not an invitation link");
  }
}
