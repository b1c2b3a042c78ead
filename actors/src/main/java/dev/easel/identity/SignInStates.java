package dev.easel.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A sign-in at an external provider that a browser has under way, kept in the browser itself as a
 * JWS signed by the access-token key ring ({@link TokenKeys}, ES256): whichever gateway of the
 * cluster receives the provider's callback can check it without shared server state. The header
 * {@code typ} is {@value #TYPE}, so a state is never taken for an access token nor the other way
 * round (RFC 8725, explicit typing). A state is valid for a short lifetime (at most as long as
 * replaced keys keep verifying, so a key rotation cannot cut a sign-in short).
 *
 * <p>The state is signed, not encrypted: the browser that carries it may see its own nonce and PKCE
 * verifier, but cannot change them nor make one up.
 */
public final class SignInStates {
  /** The {@code typ} header of a sign-in state. */
  public static final String TYPE = "oidc-state+jwt";

  /** Longer states are refused before any parsing. */
  public static final int MAX_CHARS = 4096;

  private static final Pattern COMPACT_JWS =
      Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");

  /**
   * One sign-in under way.
   *
   * @param provider the configured provider name
   * @param state the {@code state} sent to the provider, to match against its callback
   * @param nonce the {@code nonce} sent to the provider, to find in its ID token
   * @param codeVerifier the PKCE verifier whose S256 challenge was sent
   * @param redirectUri the {@code redirect_uri} sent, to send again with the code
   * @param returnTo the path of Easel to send the browser back to once signed in
   * @param expiresAt when the sign-in may no longer complete
   */
  public record SignInState(
      String provider,
      String state,
      String nonce,
      String codeVerifier,
      String redirectUri,
      String returnTo,
      Instant expiresAt) {
    @Override
    public String toString() {
      return "SignInState[provider="
          + provider
          + ", returnTo="
          + returnTo
          + ", expiresAt="
          + expiresAt
          + ", <secrets redacted>]";
    }
  }

  /** A state was refused; the message says why, never what it held. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  private final TokenKeys keys;
  private final Duration lifetime;
  private final Clock clock;

  public SignInStates(TokenKeys keys, Duration lifetime, Clock clock) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (lifetime.toSeconds() < 1 || lifetime.compareTo(keys.retainPreviousFor()) > 0) {
      throw new IllegalArgumentException(
          "a sign-in state lifetime must be between 1 s and how long replaced keys verify ("
              + keys.retainPreviousFor()
              + "), not "
              + lifetime);
    }
    this.lifetime = lifetime;
  }

  /** How long a sign-in may take from start to callback. */
  public Duration lifetime() {
    return lifetime;
  }

  /** A new state expiring after {@link #lifetime()}, signed by the active key. */
  public String seal(
      String provider,
      String state,
      String nonce,
      String codeVerifier,
      String redirectUri,
      String returnTo) {
    Instant now = Instant.ofEpochSecond(clock.instant().getEpochSecond());
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .claim("provider", provider)
            .claim("state", state)
            .claim("nonce", nonce)
            .claim("code_verifier", codeVerifier)
            .claim("redirect_uri", redirectUri)
            .claim("return_to", returnTo)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(lifetime)))
            .build();
    ECKey key = keys.signingKey();
    SignedJWT jws =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .type(new JOSEObjectType(TYPE))
                .keyID(key.getKeyID())
                .build(),
            claims);
    try {
      jws.sign(new ECDSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign with the active token key", e);
    }
    return jws.serialize();
  }

  /** The state sealed in {@code sealed}, if it is ours, untouched and not expired. */
  public SignInState open(String sealed) throws Refused {
    if (sealed == null || sealed.isEmpty()) throw new Refused("no sign-in state");
    if (sealed.length() > MAX_CHARS || !COMPACT_JWS.matcher(sealed).matches()) {
      throw new Refused("malformed sign-in state");
    }
    SignedJWT jws;
    try {
      jws = SignedJWT.parse(sealed);
    } catch (ParseException e) {
      throw new Refused("malformed sign-in state");
    }
    JWSHeader header = jws.getHeader();
    if (!JWSAlgorithm.ES256.equals(header.getAlgorithm())
        || header.getType() == null
        || !TYPE.equals(header.getType().getType())
        || header.getJWKURL() != null
        || header.getJWK() != null
        || header.getX509CertURL() != null
        || header.getX509CertChain() != null
        || header.getCriticalParams() != null
        || header.getKeyID() == null) {
      throw new Refused("not a sign-in state of this server");
    }
    Optional<ECKey> key = keys.verificationKey(header.getKeyID());
    boolean valid;
    try {
      valid = key.isPresent() && jws.verify(new ECDSAVerifier(key.get().toPublicJWK()));
    } catch (JOSEException | IllegalStateException e) {
      valid = false;
    }
    if (!valid) throw new Refused("sign-in state signature refused");
    try {
      JWTClaimsSet claims = jws.getJWTClaimsSet();
      Date expires = claims.getExpirationTime();
      if (expires == null || !clock.instant().isBefore(expires.toInstant())) {
        throw new Refused("the sign-in took too long; start again");
      }
      SignInState state =
          new SignInState(
              claims.getStringClaim("provider"),
              claims.getStringClaim("state"),
              claims.getStringClaim("nonce"),
              claims.getStringClaim("code_verifier"),
              claims.getStringClaim("redirect_uri"),
              claims.getStringClaim("return_to"),
              expires.toInstant());
      if (state.provider() == null
          || state.state() == null
          || state.nonce() == null
          || state.codeVerifier() == null
          || state.redirectUri() == null
          || state.returnTo() == null) {
        throw new Refused("incomplete sign-in state");
      }
      return state;
    } catch (ParseException e) {
      throw new Refused("malformed sign-in state");
    }
  }
}
