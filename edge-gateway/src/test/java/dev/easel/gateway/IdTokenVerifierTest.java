package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.easel.gateway.ProviderHttp.ProviderException;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ID tokens: every check of OpenID Connect Core 3.1.3.7 that Easel relies on, one by one. */
class IdTokenVerifierTest {
  static final String ISSUER = "https://id.example.com";
  static final String CLIENT = "easel-client";
  static final String NONCE = "nonce-of-this-sign-in";
  static RSAKey key;
  static RSAKey otherKey;

  @BeforeAll
  static void keys() throws Exception {
    key = new RSAKeyGenerator(2048).keyID("k1").generate();
    otherKey = new RSAKeyGenerator(2048).keyID("k1").generate();
  }

  static IdTokenVerifier verifier(String issuer) {
    return new IdTokenVerifier(
        "idp",
        issuer,
        CLIENT,
        Set.of(JWSAlgorithm.RS256, JWSAlgorithm.HS256),
        new ImmutableJWKSet<SecurityContext>(new JWKSet(key.toPublicJWK())));
  }

  static JWTClaimsSet.Builder claims() {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .subject("person-1")
        .audience(CLIENT)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(300)))
        .claim("nonce", NONCE)
        .claim("email", "p@example.com")
        .claim("email_verified", true);
  }

  static String signed(RSAKey with, UnaryOperator<JWTClaimsSet.Builder> change) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(with.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            change.apply(claims()).build());
    jwt.sign(new RSASSASigner(with));
    return jwt.serialize();
  }

  static void refused(String token, String why) {
    assertThatThrownBy(() -> verifier(ISSUER).verify(token, NONCE))
        .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.refused()).isTrue())
        .hasMessageContaining(why);
  }

  @Test
  void acceptsATokenOfThisSignIn() throws Exception {
    JWTClaimsSet verified = verifier(ISSUER).verify(signed(key, c -> c), NONCE);
    assertThat(verified.getSubject()).isEqualTo("person-1");
    assertThat(verified.getClaim("email")).isEqualTo("p@example.com");
  }

  @Test
  void refusesAnotherNonceIssuerAudienceOrClient() throws Exception {
    refused(signed(key, c -> c.claim("nonce", "another")), "nonce");
    refused(signed(key, c -> c.claim("nonce", null)), "nonce");
    refused(signed(key, c -> c.issuer("https://evil.example")), "another issuer");
    refused(signed(key, c -> c.audience("someone-else")), "ID token refused");
    refused(signed(key, c -> c.audience(List.of(CLIENT, "someone-else"))), "azp");
    refused(signed(key, c -> c.claim("azp", "someone-else")), "azp");
    refused(signed(key, c -> c.subject(null)), "ID token refused");
  }

  @Test
  void refusesExpiredTokens() throws Exception {
    Instant past = Instant.now().minusSeconds(3600);
    refused(
        signed(
            key, c -> c.issueTime(Date.from(past)).expirationTime(Date.from(past.plusSeconds(60)))),
        "Expired");
  }

  @Test
  void refusesForeignKeysUnsignedAndSymmetricTokens() throws Exception {
    refused(signed(otherKey, c -> c), "ID token refused");
    refused(new PlainJWT(new PlainHeader(), claims().build()).serialize(), "not a signed JWT");
    // HS256 "signed" with the provider's public key as the secret: the classic confusion attack
    SignedJWT hmac =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(), claims().build());
    hmac.sign(new MACSigner(key.toPublicJWK().toRSAPublicKey().getEncoded()));
    refused(hmac.serialize(), "ID token refused");
    SignedJWT ownKey =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).jwk(otherKey.toPublicJWK()).build(),
            claims().build());
    ownKey.sign(new RSASSASigner(otherKey));
    refused(ownKey.serialize(), "names its own key");
    refused("x".repeat(20_000), "too large");
  }

  @Test
  void fillsMicrosoftsTenantTemplateFromTheToken() throws Exception {
    String template = "https://login.microsoftonline.com/{tenantid}/v2.0";
    String tenant = "9188040d-6c67-4c5b-b112-36a304b66dad";
    String token =
        signed(
            key,
            c ->
                c.issuer("https://login.microsoftonline.com/" + tenant + "/v2.0")
                    .claim("tid", tenant));
    assertThat(verifier(template).verify(token, NONCE).getSubject()).isEqualTo("person-1");
    String otherTenant =
        signed(
            key,
            c ->
                c.issuer("https://login.microsoftonline.com/" + tenant + "/v2.0")
                    .claim("tid", "00000000-0000-0000-0000-000000000001"));
    assertThatThrownBy(() -> verifier(template).verify(otherTenant, NONCE))
        .hasMessageContaining("another issuer");
    String noTenant = signed(key, c -> c.issuer("https://login.microsoftonline.com/x/v2.0"));
    assertThatThrownBy(() -> verifier(template).verify(noTenant, NONCE))
        .hasMessageContaining("tid");
  }
}
