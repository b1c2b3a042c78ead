package dev.easel.gateway;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.easel.gateway.ProviderHttp.ProviderException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.text.ParseException;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks an OpenID Connect ID token as OpenID Connect Core 1.0 section 3.1.3.7 asks: signed with an
 * asymmetric algorithm the provider announced, by a key of the provider's JWK set (never a key the
 * token names itself, never {@code alg: none} nor an HMAC keyed with public material); from the
 * expected issuer; for Easel's client id (and, when it has several audiences, authorized for it);
 * within its lifetime (60 s of clock skew); carrying the nonce of this very sign-in, compared in
 * constant time.
 *
 * <p>Microsoft's multi-tenant issuers are templates: their discovery document says {@code
 * https://login.microsoftonline.com/{tenantid}/v2.0}, and a token's {@code iss} must be that
 * template with the token's own {@code tid}.
 */
final class IdTokenVerifier {
  static final Set<JWSAlgorithm> ASYMMETRIC =
      Set.of(
          JWSAlgorithm.RS256,
          JWSAlgorithm.RS384,
          JWSAlgorithm.RS512,
          JWSAlgorithm.PS256,
          JWSAlgorithm.PS384,
          JWSAlgorithm.PS512,
          JWSAlgorithm.ES256,
          JWSAlgorithm.ES384,
          JWSAlgorithm.ES512);

  static final String TENANT_PLACEHOLDER = "{tenantid}";
  private static final Pattern TENANT_ID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final int MAX_CLOCK_SKEW_SECONDS = 60;
  private static final int MAX_TOKEN_CHARS = 16 * 1024;

  private final String provider;
  private final String issuer;
  private final String clientId;
  private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

  /**
   * @param provider the provider's name, for messages
   * @param issuer the issuer tokens must name; may contain {@value #TENANT_PLACEHOLDER}
   * @param clientId Easel's client id at the provider: the audience required
   * @param algorithms the algorithms the provider announced; only asymmetric ones are kept
   * @param keys the provider's published keys
   */
  IdTokenVerifier(
      String provider,
      String issuer,
      String clientId,
      Set<JWSAlgorithm> algorithms,
      JWKSource<SecurityContext> keys) {
    this.provider = provider;
    this.issuer = issuer;
    this.clientId = clientId;
    Set<JWSAlgorithm> accepted =
        algorithms.stream()
            .filter(ASYMMETRIC::contains)
            .collect(java.util.stream.Collectors.toSet());
    if (accepted.isEmpty()) accepted = Set.of(JWSAlgorithm.RS256);
    processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, null));
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(accepted, keys));
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(clientId, null, Set.of("iss", "sub", "aud", "exp", "iat"));
    claims.setMaxClockSkew(MAX_CLOCK_SKEW_SECONDS);
    processor.setJWTClaimsSetVerifier(claims);
  }

  /**
   * The claims of {@code idToken} if it passes every check for a sign-in that sent {@code nonce}.
   */
  JWTClaimsSet verify(String idToken, String nonce) throws ProviderException {
    if (idToken == null || idToken.isEmpty()) throw refused("the provider sent no ID token");
    if (idToken.length() > MAX_TOKEN_CHARS) throw refused("ID token too large");
    JWTClaimsSet claims;
    try {
      SignedJWT jwt = SignedJWT.parse(idToken);
      if (jwt.getHeader().getJWKURL() != null
          || jwt.getHeader().getJWK() != null
          || jwt.getHeader().getX509CertURL() != null
          || jwt.getHeader().getX509CertChain() != null) {
        throw refused("ID token names its own key");
      }
      claims = processor.process(jwt, null);
    } catch (ParseException e) {
      throw refused("ID token is not a signed JWT");
    } catch (KeySourceException e) {
      throw new ProviderException(
          false, provider + " keys could not be fetched: " + e.getClass().getSimpleName());
    } catch (BadJOSEException e) {
      throw refused("ID token refused: " + e.getMessage());
    } catch (com.nimbusds.jose.JOSEException e) {
      throw refused("ID token signature could not be checked");
    }
    String expectedIssuer = issuer;
    if (issuer.contains(TENANT_PLACEHOLDER)) {
      Object tid = claims.getClaim("tid");
      if (!(tid instanceof String tenant) || !TENANT_ID.matcher(tenant).matches()) {
        throw refused("ID token has no tenant (tid) for the issuer template");
      }
      expectedIssuer = issuer.replace(TENANT_PLACEHOLDER, tenant);
    }
    if (!expectedIssuer.equals(claims.getIssuer())) {
      throw refused("ID token is from another issuer");
    }
    List<String> audience = claims.getAudience();
    Object azp = claims.getClaim("azp");
    if (audience.size() > 1 && !clientId.equals(azp)) {
      throw refused("ID token is not authorized for Easel (azp)");
    }
    if (azp != null && !clientId.equals(azp)) {
      throw refused("ID token was issued to another client (azp)");
    }
    Object tokenNonce = claims.getClaim("nonce");
    if (!(tokenNonce instanceof String presented)
        || !MessageDigest.isEqual(
            presented.getBytes(StandardCharsets.UTF_8), nonce.getBytes(StandardCharsets.UTF_8))) {
      throw refused("ID token nonce does not match this sign-in");
    }
    return claims;
  }

  private ProviderException refused(String why) {
    return new ProviderException(true, provider + ": " + why);
  }
}
