package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.easel.identity.InvalidTokenException.Reason;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Forged and damaged access tokens, each built the way an attacker would, must be refused with the
 * right reason, and the refusal must never repeat the token.
 */
class AccessTokensAttackTest {
  private static final String ISSUER = "https://easel.test";
  private static final String AUDIENCE = "easel-api";
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64URL_DECODER = Base64.getUrlDecoder();

  @TempDir Path temp;
  private final MutableClock clock = new MutableClock(NOW);
  private TokenKeys keys;
  private AccessTokens tokens;
  private ECKey attackerKey;

  @BeforeEach
  void openKeys() throws Exception {
    keys = TokenKeys.open(temp, clock);
    tokens = new AccessTokens(keys, ISSUER, AUDIENCE, clock);
    attackerKey = new ECKeyGenerator(Curve.P_256).keyID("attacker").generate();
  }

  // ---- alg: none --------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"none", "None", "NONE", "nOnE"})
  void unsignedTokenBuiltByHandIsRefused(String alg) {
    String header = json("{\"alg\":\"" + alg + "\",\"typ\":\"at+jwt\",\"kid\":\"" + kid() + "\"}");
    String payload = b64(validClaims().build().toString());

    assertRejected(header + "." + payload + ".", Reason.UNSIGNED);
  }

  @Test
  void unsignedTokenCarryingARealSignatureIsRefused() throws Exception {
    String genuine = tokens.issue("user-1", Map.of());
    String signature = genuine.substring(genuine.lastIndexOf('.') + 1);
    String header = json("{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"" + kid() + "\"}");
    String payload = b64(validClaims().subject("admin").build().toString());

    assertRejected(header + "." + payload + "." + signature, Reason.UNSIGNED);
  }

  // ---- algorithm confusion ----------------------------------------------------------------

  /** The classic confusion: HMAC keyed with the verifier's public key, in each usual encoding. */
  @Test
  void hs256SignedByHandWithOurPublicKeyIsRefused() throws Exception {
    ECKey ours = keys.signingKey().toPublicJWK();
    byte[] der = ours.toECPublicKey().getEncoded();
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der)
            + "\n-----END PUBLIC KEY-----\n";
    List<byte[]> secrets =
        List.of(
            der,
            pem.getBytes(StandardCharsets.US_ASCII),
            ours.toJSONString().getBytes(StandardCharsets.UTF_8),
            keys.publicJwks().getBytes(StandardCharsets.UTF_8));

    for (byte[] secret : secrets) {
      String signingInput =
          json("{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"" + kid() + "\"}")
              + "."
              + b64(validClaims().subject("admin").build().toString());
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      String signature =
          B64URL.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));

      assertRejected(signingInput + "." + signature, Reason.ALGORITHM_NOT_ACCEPTED);
    }
  }

  @Test
  void hs256SignedWithNimbusUsingOurPublicKeyIsRefused() throws Exception {
    byte[] der = keys.signingKey().toECPublicKey().getEncoded();

    String token = sign(new MACSigner(der), header(JWSAlgorithm.HS256).build(), validClaims());

    assertRejected(token, Reason.ALGORITHM_NOT_ACCEPTED);
  }

  @Test
  void rs256IsRefused() throws Exception {
    RSAKey rsa = new RSAKeyGenerator(2048).keyID(kid()).generate();

    String token = sign(new RSASSASigner(rsa), header(JWSAlgorithm.RS256).build(), validClaims());

    assertRejected(token, Reason.ALGORITHM_NOT_ACCEPTED);
  }

  @Test
  void ps256IsRefused() throws Exception {
    RSAKey rsa = new RSAKeyGenerator(2048).keyID(kid()).generate();

    String token = sign(new RSASSASigner(rsa), header(JWSAlgorithm.PS256).build(), validClaims());

    assertRejected(token, Reason.ALGORITHM_NOT_ACCEPTED);
  }

  @Test
  void es384IsRefused() throws Exception {
    ECKey p384 = new ECKeyGenerator(Curve.P_384).generate();

    String token = sign(new ECDSASigner(p384), header(JWSAlgorithm.ES384).build(), validClaims());

    assertRejected(token, Reason.ALGORITHM_NOT_ACCEPTED);
  }

  // ---- keys named by the token itself ------------------------------------------------------

  @Test
  void embeddedJwkHeaderIsRefusedEvenWhenItsSignatureChecksOut() throws Exception {
    JWSHeader header =
        header(JWSAlgorithm.ES256).keyID("attacker").jwk(attackerKey.toPublicJWK()).build();

    assertRejected(
        sign(new ECDSASigner(attackerKey), header, validClaims()),
        Reason.KEY_REFERENCE_NOT_ACCEPTED,
        "jwk");
  }

  @Test
  void jkuHeaderIsRefused() throws Exception {
    JWSHeader header =
        header(JWSAlgorithm.ES256)
            .jwkURL(URI.create("https://attacker.example/.well-known/jwks.json"))
            .build();

    assertRejected(
        sign(new ECDSASigner(attackerKey), header, validClaims()),
        Reason.KEY_REFERENCE_NOT_ACCEPTED,
        "jku");
  }

  @Test
  void x5uHeaderIsRefused() throws Exception {
    JWSHeader header =
        header(JWSAlgorithm.ES256)
            .x509CertURL(URI.create("https://attacker.example/cert.pem"))
            .build();

    assertRejected(
        sign(new ECDSASigner(attackerKey), header, validClaims()),
        Reason.KEY_REFERENCE_NOT_ACCEPTED,
        "x5u");
  }

  @Test
  void x5cHeaderIsRefused() throws Exception {
    JWSHeader header =
        header(JWSAlgorithm.ES256)
            .x509CertChain(List.of(com.nimbusds.jose.util.Base64.encode("not a certificate")))
            .build();

    assertRejected(
        sign(new ECDSASigner(attackerKey), header, validClaims()),
        Reason.KEY_REFERENCE_NOT_ACCEPTED,
        "x5c");
  }

  @Test
  void keyReferenceHeaderIsRefusedEvenOnATokenWeSigned() throws Exception {
    // Our own valid signature does not make an unexpected header acceptable.
    JWSHeader header = header(JWSAlgorithm.ES256).jwk(keys.signingKey().toPublicJWK()).build();

    assertRejected(
        sign(ourSigner(), header, validClaims()), Reason.KEY_REFERENCE_NOT_ACCEPTED, "jwk");
  }

  // ---- key ids -----------------------------------------------------------------------------

  @Test
  void unknownKidIsRefused() throws Exception {
    JWSHeader header = header(JWSAlgorithm.ES256).keyID("attacker").build();

    assertRejected(sign(new ECDSASigner(attackerKey), header, validClaims()), Reason.UNKNOWN_KEY);
  }

  @Test
  void missingKidIsRefused() throws Exception {
    JWSHeader header = header(JWSAlgorithm.ES256).keyID(null).build();

    assertRejected(sign(ourSigner(), header, validClaims()), Reason.UNKNOWN_KEY, "no kid");
  }

  @Test
  void ourKidWithSomeoneElsesSignatureIsRefused() throws Exception {
    assertRejected(
        sign(new ECDSASigner(attackerKey), header(JWSAlgorithm.ES256).build(), validClaims()),
        Reason.BAD_SIGNATURE);
  }

  // ---- other header checks -----------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"JWT", "jwt", "at+jwt2", "application/jwt", "id+jwt", ""})
  void wrongTypIsRefused(String typ) throws Exception {
    JWSHeader header = header(JWSAlgorithm.ES256).type(new JOSEObjectType(typ)).build();

    assertRejected(sign(ourSigner(), header, validClaims()), Reason.WRONG_TYPE);
  }

  @Test
  void missingTypIsRefused() throws Exception {
    JWSHeader header = header(JWSAlgorithm.ES256).type(null).build();

    assertRejected(sign(ourSigner(), header, validClaims()), Reason.WRONG_TYPE);
  }

  @Test
  void criticalHeaderExtensionIsRefused() throws Exception {
    JWSHeader header =
        header(JWSAlgorithm.ES256)
            .customParam("easel-ext", 1)
            .criticalParams(Set.of("easel-ext"))
            .build();

    assertRejected(sign(ourSigner(), header, validClaims()), Reason.CRITICAL_HEADER);
  }

  // ---- claims ------------------------------------------------------------------------------

  @Test
  void expiredTokenIsRefusedBeyondTheSkewOnly() throws Exception {
    JWTClaimsSet.Builder justInSkew = validClaims().expirationTime(Date.from(NOW.minusSeconds(29)));
    JWTClaimsSet.Builder beyondSkew = validClaims().expirationTime(Date.from(NOW.minusSeconds(30)));

    assertThat(tokens.verify(signOurs(justInSkew)).subject()).isEqualTo("user-1");
    assertRejected(signOurs(beyondSkew), Reason.EXPIRED);
  }

  @Test
  void notYetValidTokenIsRefusedBeyondTheSkewOnly() throws Exception {
    JWTClaimsSet.Builder justInSkew = validClaims().notBeforeTime(Date.from(NOW.plusSeconds(30)));
    JWTClaimsSet.Builder beyondSkew = validClaims().notBeforeTime(Date.from(NOW.plusSeconds(31)));

    assertThat(tokens.verify(signOurs(justInSkew)).subject()).isEqualTo("user-1");
    assertRejected(signOurs(beyondSkew), Reason.NOT_YET_VALID, "nbf");
  }

  @Test
  void tokenIssuedInTheFutureIsRefused() throws Exception {
    assertRejected(
        signOurs(validClaims().issueTime(Date.from(NOW.plus(Duration.ofMinutes(5))))),
        Reason.NOT_YET_VALID,
        "iat");
  }

  @Test
  void wrongIssuerIsRefused() throws Exception {
    assertRejected(signOurs(validClaims().issuer("https://attacker.example")), Reason.WRONG_ISSUER);
    assertRejected(signOurs(validClaims().issuer(ISSUER + "/")), Reason.WRONG_ISSUER);
  }

  @Test
  void wrongAudienceIsRefused() throws Exception {
    assertRejected(signOurs(validClaims().audience("another-api")), Reason.WRONG_AUDIENCE);
    assertRejected(
        signOurs(validClaims().audience(List.of("another-api", "third-api"))),
        Reason.WRONG_AUDIENCE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"iss", "aud", "sub", "exp", "nbf", "iat", "jti"})
  void missingRequiredClaimIsRefused(String claim) throws Exception {
    assertRejected(signOurs(validClaims().claim(claim, null)), Reason.MISSING_CLAIM, claim);
  }

  @Test
  void emptySubjectIsRefused() throws Exception {
    assertRejected(signOurs(validClaims().subject("")), Reason.MISSING_CLAIM, "sub");
  }

  @Test
  void claimOfTheWrongTypeIsRefused() throws Exception {
    assertRejected(signOurs(validClaims().claim("exp", "tomorrow")), Reason.MALFORMED, "claims");
    assertRejected(signOurs(validClaims().claim("sub", 42)), Reason.MALFORMED, "claims");
  }

  // ---- tampering ---------------------------------------------------------------------------

  @Test
  void tamperedPayloadIsRefused() throws Exception {
    String genuine = tokens.issue("user-1", Map.of("scope", "read"));
    String[] parts = genuine.split("\\.");
    String payload =
        new String(B64URL_DECODER.decode(parts[1]), StandardCharsets.UTF_8)
            .replace("\"user-1\"", "\"admin\"")
            .replace("\"read\"", "\"read write admin\"");

    assertRejected(parts[0] + "." + b64(payload) + "." + parts[2], Reason.BAD_SIGNATURE);
  }

  @Test
  void tamperedHeaderIsRefused() throws Exception {
    String genuine = tokens.issue("user-1", Map.of());
    String[] parts = genuine.split("\\.");
    String header =
        json("{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"" + kid() + "\",\"x\":1}");

    assertRejected(header + "." + parts[1] + "." + parts[2], Reason.BAD_SIGNATURE);
  }

  @Test
  void tamperedSignatureIsRefused() throws Exception {
    String genuine = tokens.issue("user-1", Map.of());
    String[] parts = genuine.split("\\.");
    byte[] signature = B64URL_DECODER.decode(parts[2]);
    signature[10] ^= 0x01;

    assertRejected(
        parts[0] + "." + parts[1] + "." + B64URL.encodeToString(signature), Reason.BAD_SIGNATURE);
  }

  /** CVE-2022-21449 ("psychic signatures"): r = s = 0 must never verify. */
  @Test
  void allZeroSignatureIsRefused() throws Exception {
    String[] parts = tokens.issue("user-1", Map.of()).split("\\.");

    assertRejected(
        parts[0] + "." + parts[1] + "." + B64URL.encodeToString(new byte[64]),
        Reason.BAD_SIGNATURE);
  }

  @Test
  void derEncodedSignatureIsRefused() throws Exception {
    String[] parts = tokens.issue("user-1", Map.of()).split("\\.");
    byte[] der = ECDSA.transcodeSignatureToDER(B64URL_DECODER.decode(parts[2]));

    assertRejected(
        parts[0] + "." + parts[1] + "." + B64URL.encodeToString(der), Reason.BAD_SIGNATURE);
  }

  @Test
  void signatureFromAnotherTokenIsRefused() throws Exception {
    String[] first = tokens.issue("user-1", Map.of()).split("\\.");
    String[] second = tokens.issue("admin", Map.of()).split("\\.");

    assertRejected(second[0] + "." + second[1] + "." + first[2], Reason.BAD_SIGNATURE);
  }

  @Test
  void emptySignatureWithEs256IsRefused() throws Exception {
    String[] parts = tokens.issue("user-1", Map.of()).split("\\.");

    assertRejected(parts[0] + "." + parts[1] + ".", Reason.MALFORMED);
  }

  @Test
  void randomSingleCharacterChangesAreAlwaysRefused() throws Exception {
    long seed = Long.getLong("easel.test.seed", System.nanoTime());
    System.out.println(
        "AccessTokensAttackTest seed: " + seed + " (replay with -Deasel.test.seed=" + seed + ")");
    Random random = new Random(seed);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    String genuine = tokens.issue("user-1", Map.of("scope", "read"));

    for (int i = 0; i < 300; i++) {
      int position = random.nextInt(genuine.length());
      if (genuine.charAt(position) == '.') {
        continue;
      }
      char replacement;
      do {
        replacement = alphabet.charAt(random.nextInt(alphabet.length()));
      } while (replacement == genuine.charAt(position));
      String tampered =
          genuine.substring(0, position) + replacement + genuine.substring(position + 1);
      try {
        tokens.verify(tampered);
        fail("seed %d: accepted a token changed at position %d", seed, position);
      } catch (InvalidTokenException e) {
        assertThat(e.getMessage()).as("seed %d", seed).doesNotContain(tampered);
      }
    }
  }

  // ---- shape and size ----------------------------------------------------------------------

  @Test
  void malformedCompactSerializationsAreRefused() throws Exception {
    String genuine = tokens.issue("user-1", Map.of());
    String[] parts = genuine.split("\\.");
    List<String> malformed =
        List.of(
            "",
            "abc",
            "a.b",
            "..",
            parts[0] + "." + parts[1],
            genuine + ".",
            genuine + "." + parts[2],
            parts[0] + "." + parts[1] + "." + parts[2] + "." + parts[1] + "." + parts[2],
            "Bearer " + genuine,
            " " + genuine,
            genuine + "\n",
            genuine + "=",
            parts[0] + "=." + parts[1] + "." + parts[2],
            "!!!!." + parts[1] + "." + parts[2],
            b64("not json") + "." + parts[1] + "." + parts[2],
            b64("[\"ES256\"]") + "." + parts[1] + "." + parts[2],
            json("{\"alg\":256,\"typ\":\"at+jwt\"}") + "." + parts[1] + "." + parts[2],
            json("{\"typ\":\"at+jwt\",\"kid\":\"" + kid() + "\"}")
                + "."
                + parts[1]
                + "."
                + parts[2],
            parts[0] + "." + b64("not json") + "." + parts[2]);

    for (String token : malformed) {
      assertThatThrownBy(() -> tokens.verify(token))
          .as("token %s", token)
          .isInstanceOfSatisfying(
              InvalidTokenException.class,
              e -> assertThat(e.reason()).isIn(Reason.MALFORMED, Reason.BAD_SIGNATURE));
    }
    assertRejected(null, Reason.MALFORMED);
  }

  @Test
  void headerWithDuplicateAlgIsRefused() throws Exception {
    String[] parts = tokens.issue("user-1", Map.of()).split("\\.");
    String header =
        json("{\"alg\":\"ES256\",\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"" + kid() + "\"}");

    assertRejected(header + "." + parts[1] + "." + parts[2], Reason.MALFORMED);
  }

  @Test
  void nonCanonicalBase64InTheSignatureIsRefused() throws Exception {
    // 64 bytes take 86 characters; the last one has 4 unused bits. Setting them changes the text
    // but not the bytes, which would make two spellings of one token.
    String genuine = tokens.issue("user-1", Map.of());
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int last = alphabet.indexOf(genuine.charAt(genuine.length() - 1));
    String twin = genuine.substring(0, genuine.length() - 1) + alphabet.charAt(last | 0x01);
    if (twin.equals(genuine)) {
      twin = genuine.substring(0, genuine.length() - 1) + alphabet.charAt(last | 0x02);
    }

    assertRejected(twin, Reason.MALFORMED);
  }

  @Test
  void oversizedTokenIsRefusedBeforeParsing() throws Exception {
    String big = tokens.issue("user-1", Map.of("padding", "x".repeat(7_000)));
    assertThat(big.length()).isGreaterThan(AccessTokens.MAX_TOKEN_CHARS);

    assertRejected(big, Reason.TOO_LARGE);
    assertRejected("a".repeat(AccessTokens.MAX_TOKEN_CHARS + 1), Reason.TOO_LARGE);
  }

  @Test
  void largeButAllowedTokenStillVerifies() throws Exception {
    String large = tokens.issue("user-1", Map.of("padding", "x".repeat(5_000)));
    assertThat(large.length()).isBetween(6_000, AccessTokens.MAX_TOKEN_CHARS);

    assertThat(tokens.verify(large).claims().get("padding")).isEqualTo("x".repeat(5_000));
  }

  // ---- helpers -----------------------------------------------------------------------------

  private String kid() {
    return keys.activeKeyId();
  }

  private JWSHeader.Builder header(JWSAlgorithm alg) {
    return new JWSHeader.Builder(alg).type(new JOSEObjectType("at+jwt")).keyID(kid());
  }

  private static JWTClaimsSet.Builder validClaims() {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .subject("user-1")
        .issueTime(Date.from(NOW))
        .notBeforeTime(Date.from(NOW))
        .expirationTime(Date.from(NOW.plus(Duration.ofMinutes(5))))
        .jwtID("jti-1");
  }

  private JWSSigner ourSigner() throws Exception {
    return new ECDSASigner(keys.signingKey());
  }

  private String signOurs(JWTClaimsSet.Builder claims) throws Exception {
    return sign(ourSigner(), header(JWSAlgorithm.ES256).build(), claims);
  }

  private static String sign(JWSSigner signer, JWSHeader header, JWTClaimsSet.Builder claims)
      throws Exception {
    SignedJWT jwt = new SignedJWT(header, claims.build());
    jwt.sign(signer);
    return jwt.serialize();
  }

  private static String b64(String text) {
    return B64URL.encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String json(String headerJson) {
    return b64(headerJson);
  }

  private void assertRejected(String token, Reason reason) {
    assertRejected(token, reason, null);
  }

  private void assertRejected(String token, Reason reason, String detail) {
    assertThatThrownBy(() -> tokens.verify(token))
        .isInstanceOfSatisfying(
            InvalidTokenException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.getMessage()).startsWith(reason.description());
              if (detail != null) {
                assertThat(e.getMessage()).endsWith(": " + detail);
              }
              if (token != null && !token.isEmpty()) {
                for (String part : token.split("\\.")) {
                  if (part.length() > 8) {
                    assertThat(e.getMessage()).doesNotContain(part);
                  }
                }
              }
            });
  }
}
