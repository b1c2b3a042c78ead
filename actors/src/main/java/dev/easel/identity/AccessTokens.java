package dev.easel.identity;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Issues and verifies Easel's access tokens: JWTs signed with ES256 by the active key of a {@link
 * TokenKeys} ring, shaped after RFC 9068 (header {@code typ: at+jwt} and {@code kid}; claims {@code
 * iss}, {@code aud}, {@code sub}, {@code exp}, {@code nbf}, {@code iat}, {@code jti}).
 *
 * <p>Verification follows RFC 8725 and trusts nothing the token says about how to check it: only
 * ES256 is accepted, the key is looked up by {@code kid} in our own ring and never taken from the
 * token ({@code jku}, {@code jwk}, {@code x5u}, {@code x5c} headers are refused), and {@code typ},
 * issuer, audience and the time claims (with 30 s of clock skew) are all checked. Every refusal is
 * an {@link InvalidTokenException} with a {@link InvalidTokenException.Reason}.
 *
 * <p>The ECDSA signature check is by far the dearest part (most of a signed-in call's CPU when it
 * was done on every call), and a client presents the same token on every call for its whole
 * lifetime. So the outcome of checking a token's form, header and signature, which depends on
 * nothing but the token's exact text and the key that verified it, is remembered for up to {@link
 * #VERIFIED_CACHE_SIZE} tokens, keyed by the SHA-256 digest of the whole token (a token that
 * differs in any character, signature included, is checked afresh). What can change between two
 * calls is still checked on each one: that the token's key is still in the ring and not retired
 * (and is the very key that verified it), and the issuer, audience and time claims against the
 * clock now. Only tokens that passed every check are remembered. An access token has no revocation
 * of its own (it is short-lived; signing out ends the sign-in, which open sockets re-check), so
 * there is nothing more to re-check.
 *
 * <p>Time comes from the injected {@link Clock}. Thread-safe.
 */
public final class AccessTokens {
  /** How long a token is valid unless configured otherwise. */
  public static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(15);

  /** How far apart issuer and verifier clocks may be. */
  public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

  /** Longer tokens are refused before any parsing (8 KiB). */
  public static final int MAX_TOKEN_CHARS = 8 * 1024;

  /** The {@code typ} header value of an access token (RFC 9068). */
  public static final String TOKEN_TYPE = "at+jwt";

  /** Claims that {@link #issue} sets itself and extra claims may not override. */
  public static final Set<String> REGISTERED_CLAIMS =
      Set.of("iss", "aud", "sub", "exp", "nbf", "iat", "jti");

  /** How many verified tokens {@link #verify} remembers (least recently used go first). */
  public static final int VERIFIED_CACHE_SIZE = 10_000;

  private static final List<String> REQUIRED_CLAIMS =
      List.of("iss", "aud", "sub", "exp", "nbf", "iat", "jti");
  private static final List<String> KEY_REFERENCE_HEADERS = List.of("jku", "jwk", "x5u", "x5c");
  private static final Pattern COMPACT_JWS =
      Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

  private final TokenKeys keys;
  private final String issuer;
  private final String audience;
  private final Duration lifetime;
  private final Clock clock;
  private final Cache<String, Verified> verified;

  /**
   * A token whose form, header, signature and claim types passed: the key that verified it, its
   * claims (for the checks repeated on every call) and what {@link #verify} answers for it.
   */
  private record Verified(ECKey key, JWTClaimsSet claims, VerifiedToken token) {}

  /** Tokens valid for {@link #DEFAULT_LIFETIME}. */
  public AccessTokens(TokenKeys keys, String issuer, String audience, Clock clock) {
    this(keys, issuer, audience, DEFAULT_LIFETIME, clock);
  }

  /**
   * @param keys the key ring that signs and verifies
   * @param issuer the {@code iss} to write and require, for example {@code https://easel.example}
   * @param audience the {@code aud} to write and require, for example {@code easel-api}
   * @param lifetime how long an issued token is valid; with {@link #CLOCK_SKEW} it must fit in
   *     {@link TokenKeys#retainPreviousFor()} so a rotation never cuts a token's life short
   * @param clock the source of the current time
   */
  public AccessTokens(
      TokenKeys keys, String issuer, String audience, Duration lifetime, Clock clock) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.issuer = requireText(issuer, "issuer");
    this.audience = requireText(audience, "audience");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (lifetime.isNegative() || lifetime.toSeconds() < 1) {
      throw new IllegalArgumentException("token lifetime must be at least one second");
    }
    if (lifetime.plus(CLOCK_SKEW).compareTo(keys.retainPreviousFor()) > 0) {
      throw new IllegalArgumentException(
          "token lifetime "
              + lifetime
              + " plus clock skew exceeds how long TokenKeys keeps replaced keys ("
              + keys.retainPreviousFor()
              + ")");
    }
    this.lifetime = lifetime;
    // An entry is of no use once its token has expired: the claims check refuses it.
    this.verified =
        Caffeine.newBuilder()
            .maximumSize(VERIFIED_CACHE_SIZE)
            .expireAfterWrite(lifetime.plus(CLOCK_SKEW))
            .build();
  }

  /** How long issued tokens are valid. */
  public Duration lifetime() {
    return lifetime;
  }

  /**
   * Issues a token for a subject, signed by the ring's active key.
   *
   * @param subject the account id, stored as {@code sub}
   * @param extraClaims further claims such as {@code scope}; values must be JSON-compatible
   *     (strings, numbers, booleans, lists, maps). May be empty.
   * @throws IllegalArgumentException if an extra claim would replace a registered one
   */
  public String issue(String subject, Map<String, Object> extraClaims) {
    requireText(subject, "subject");
    Instant now = Instant.ofEpochSecond(clock.instant().getEpochSecond());
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .audience(audience)
            .subject(subject)
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plus(lifetime)))
            .jwtID(UUID.randomUUID().toString());
    if (extraClaims != null) {
      for (Map.Entry<String, Object> claim : extraClaims.entrySet()) {
        if (REGISTERED_CLAIMS.contains(claim.getKey())) {
          throw new IllegalArgumentException(
              "extra claims may not set the registered claim " + claim.getKey());
        }
        claims.claim(claim.getKey(), claim.getValue());
      }
    }
    ECKey key = keys.signingKey();
    JWSHeader header =
        new JWSHeader.Builder(JWSAlgorithm.ES256)
            .type(new JOSEObjectType(TOKEN_TYPE))
            .keyID(key.getKeyID())
            .build();
    SignedJWT jwt = new SignedJWT(header, claims.build());
    try {
      jwt.sign(new ECDSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign with the active token key", e);
    }
    return jwt.serialize();
  }

  /**
   * Verifies a token and returns what it says.
   *
   * @throws InvalidTokenException if any check fails; the reason never contains the token
   */
  public VerifiedToken verify(String token) throws InvalidTokenException {
    if (token == null || token.isEmpty()) {
      throw new InvalidTokenException(InvalidTokenException.Reason.MALFORMED);
    }
    if (token.length() > MAX_TOKEN_CHARS) {
      throw new InvalidTokenException(InvalidTokenException.Reason.TOO_LARGE);
    }
    String digest = digest(token);
    Verified known = verified.getIfPresent(digest);
    if (known != null) {
      String keyId = known.key().getKeyID();
      Optional<ECKey> key = keys.verificationKey(keyId);
      if (key.isEmpty()) {
        throw new InvalidTokenException(InvalidTokenException.Reason.UNKNOWN_KEY);
      }
      if (samePublicKey(key.get(), known.key())) {
        checkClaims(known.claims());
        return known.token();
      }
      // The ring now holds another key under that id: check the token against it afresh.
      verified.invalidate(digest);
    }
    if (!COMPACT_JWS.matcher(token).matches() || !isCanonicalBase64Url(token)) {
      throw new InvalidTokenException(InvalidTokenException.Reason.MALFORMED);
    }
    ECKey key = checkHeader(token.substring(0, token.indexOf('.')));
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      throw new InvalidTokenException(InvalidTokenException.Reason.MALFORMED);
    }
    checkSignature(jwt, key);
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new InvalidTokenException(InvalidTokenException.Reason.MALFORMED, "claims");
    }
    // nimbus turns a numeric sub into a string for interoperability; RFC 7519 and our issuer
    // only ever write a string.
    Object rawSubject = jwt.getPayload().toJSONObject().get("sub");
    if (rawSubject != null && !(rawSubject instanceof String)) {
      throw new InvalidTokenException(InvalidTokenException.Reason.MALFORMED, "claims");
    }
    checkClaims(claims);
    VerifiedToken result =
        new VerifiedToken(
            claims.getSubject(),
            claims.getJWTID(),
            claims.getExpirationTime().toInstant(),
            claims.toJSONObject());
    verified.put(digest, new Verified(key, claims, result));
    return result;
  }

  /** The SHA-256 of the whole token, Base64: the key under which its verification is kept. */
  private static String digest(String token) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      return Base64.getEncoder()
          .encodeToString(sha256.digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static boolean samePublicKey(ECKey a, ECKey b) {
    return a == b
        || (a.getCurve().equals(b.getCurve())
            && a.getX().equals(b.getX())
            && a.getY().equals(b.getY()));
  }

  /**
   * Whether each part decodes and re-encodes to itself, so that no two strings are the same token
   * (unused low bits in a part's last character would otherwise be ignored).
   */
  private static boolean isCanonicalBase64Url(String token) {
    Base64.Decoder decoder = Base64.getUrlDecoder();
    Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    for (String part : token.split("\\.", -1)) {
      try {
        if (!encoder.encodeToString(decoder.decode(part)).equals(part)) {
          return false;
        }
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
    return true;
  }

  /** Checks the protected header before any cryptography and returns the key to verify with. */
  private ECKey checkHeader(String encodedHeader) throws InvalidTokenException {
    Map<String, Object> header;
    try {
      String json =
          new String(Base64.getUrlDecoder().decode(encodedHeader), StandardCharsets.UTF_8);
      header = JSONObjectUtils.parse(json);
    } catch (IllegalArgumentException | ParseException e) {
      throw new InvalidTokenException(InvalidTokenException.Reason.MALFORMED, "header");
    }
    if (!(header.get("alg") instanceof String alg)) {
      throw new InvalidTokenException(InvalidTokenException.Reason.MALFORMED, "alg");
    }
    if (alg.equalsIgnoreCase("none")) {
      throw new InvalidTokenException(InvalidTokenException.Reason.UNSIGNED);
    }
    if (!alg.equals(JWSAlgorithm.ES256.getName())) {
      throw new InvalidTokenException(InvalidTokenException.Reason.ALGORITHM_NOT_ACCEPTED);
    }
    for (String name : KEY_REFERENCE_HEADERS) {
      if (header.containsKey(name)) {
        throw new InvalidTokenException(
            InvalidTokenException.Reason.KEY_REFERENCE_NOT_ACCEPTED, name);
      }
    }
    if (header.containsKey("crit")) {
      throw new InvalidTokenException(InvalidTokenException.Reason.CRITICAL_HEADER);
    }
    if (!(header.get("typ") instanceof String typ) || !isAccessTokenType(typ)) {
      throw new InvalidTokenException(InvalidTokenException.Reason.WRONG_TYPE);
    }
    if (!(header.get("kid") instanceof String kid) || kid.isEmpty()) {
      throw new InvalidTokenException(InvalidTokenException.Reason.UNKNOWN_KEY, "no kid");
    }
    Optional<ECKey> key = keys.verificationKey(kid);
    if (key.isEmpty()) {
      throw new InvalidTokenException(InvalidTokenException.Reason.UNKNOWN_KEY);
    }
    return key.get();
  }

  /** RFC 8725 section 3.11: media types compare case-insensitively, with or without the prefix. */
  private static boolean isAccessTokenType(String typ) {
    String type = typ.toLowerCase(Locale.ROOT);
    return type.equals(TOKEN_TYPE) || type.equals("application/" + TOKEN_TYPE);
  }

  private static void checkSignature(SignedJWT jwt, ECKey key) throws InvalidTokenException {
    if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
      throw new InvalidTokenException(InvalidTokenException.Reason.ALGORITHM_NOT_ACCEPTED);
    }
    boolean valid;
    try {
      valid = jwt.verify(new ECDSAVerifier(key.toPublicJWK()));
    } catch (JOSEException | IllegalStateException e) {
      valid = false;
    }
    if (!valid) {
      throw new InvalidTokenException(InvalidTokenException.Reason.BAD_SIGNATURE);
    }
  }

  /** The checks of the claims' values, made on every call: issuer, audience, time. */
  private void checkClaims(JWTClaimsSet claims) throws InvalidTokenException {
    for (String name : REQUIRED_CLAIMS) {
      Object value = claims.getClaim(name);
      if (value == null || (value instanceof String text && text.isEmpty())) {
        throw new InvalidTokenException(InvalidTokenException.Reason.MISSING_CLAIM, name);
      }
    }
    if (!issuer.equals(claims.getIssuer())) {
      throw new InvalidTokenException(InvalidTokenException.Reason.WRONG_ISSUER);
    }
    List<String> audiences = claims.getAudience();
    if (audiences == null || !audiences.contains(audience)) {
      throw new InvalidTokenException(InvalidTokenException.Reason.WRONG_AUDIENCE);
    }
    Instant now = clock.instant();
    Instant expiresAt = claims.getExpirationTime().toInstant();
    if (!now.isBefore(expiresAt.plus(CLOCK_SKEW))) {
      throw new InvalidTokenException(InvalidTokenException.Reason.EXPIRED);
    }
    if (now.plus(CLOCK_SKEW).isBefore(claims.getNotBeforeTime().toInstant())) {
      throw new InvalidTokenException(InvalidTokenException.Reason.NOT_YET_VALID, "nbf");
    }
    if (now.plus(CLOCK_SKEW).isBefore(claims.getIssueTime().toInstant())) {
      throw new InvalidTokenException(InvalidTokenException.Reason.NOT_YET_VALID, "iat");
    }
  }

  private static String requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    return value;
  }

  @Override
  public String toString() {
    return "AccessTokens[iss=" + issuer + ", aud=" + audience + ", lifetime=" + lifetime + "]";
  }
}
