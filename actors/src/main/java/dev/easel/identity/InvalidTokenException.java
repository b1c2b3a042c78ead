package dev.easel.identity;

/**
 * An access token was refused. {@link #reason()} says why in terms an HTTP layer can map (all of
 * them are {@code 401 invalid_token}); the message is short and never contains the token.
 */
public final class InvalidTokenException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a token was refused. */
  public enum Reason {
    /** Not a three-part JWS compact serialization, or its header or claims are not JSON. */
    MALFORMED("malformed token"),
    /** Longer than {@link AccessTokens#MAX_TOKEN_CHARS}. */
    TOO_LARGE("token too large"),
    /** {@code alg: none}: no signature at all. */
    UNSIGNED("unsigned token"),
    /** Signed with an algorithm other than ES256 (HS256, RS256, ES384, ...). */
    ALGORITHM_NOT_ACCEPTED("signature algorithm not accepted"),
    /** Carries a {@code jku}, {@code jwk}, {@code x5u} or {@code x5c} header naming its own key. */
    KEY_REFERENCE_NOT_ACCEPTED("token-supplied key header not accepted"),
    /** Declares {@code crit} extensions, which Easel does not implement. */
    CRITICAL_HEADER("critical header extension not accepted"),
    /** The {@code typ} header is missing or not {@code at+jwt}. */
    WRONG_TYPE("not an access token (typ)"),
    /** No {@code kid}, or a kid that is not in the key ring or whose key has retired. */
    UNKNOWN_KEY("unknown or retired signing key"),
    /** The signature does not match the header and payload. */
    BAD_SIGNATURE("bad signature"),
    /** A required claim is absent or empty. */
    MISSING_CLAIM("missing required claim"),
    /** Issued by someone else. */
    WRONG_ISSUER("wrong issuer"),
    /** Meant for another audience. */
    WRONG_AUDIENCE("wrong audience"),
    /** Past its {@code exp}, beyond the allowed clock skew. */
    EXPIRED("token expired"),
    /** Its {@code nbf} or {@code iat} is in the future, beyond the allowed clock skew. */
    NOT_YET_VALID("token not yet valid");

    private final String description;

    Reason(String description) {
      this.description = description;
    }

    /** A short human-readable description. */
    public String description() {
      return description;
    }
  }

  private final Reason reason;

  InvalidTokenException(Reason reason) {
    super(reason.description());
    this.reason = reason;
  }

  /**
   * @param detail a fixed word naming the offending part (a claim or header name), never text taken
   *     from the token
   */
  InvalidTokenException(Reason reason, String detail) {
    super(reason.description() + ": " + detail);
    this.reason = reason;
  }

  /** Why the token was refused. */
  public Reason reason() {
    return reason;
  }
}
