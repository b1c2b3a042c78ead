package dev.easel.identity;

/**
 * Issues and checks opaque refresh tokens of the form {@code rt_<familyId>_<secret>}.
 *
 * <p>A family is one sign-in session: every refresh rotates the secret while the family id stays,
 * so the server can load the family by id, accept only its current secret, and revoke the whole
 * family when an old secret is replayed (a sign that a token was stolen). Only the SHA-256 digest
 * of the current secret is stored.
 */
public final class RefreshTokens {
  /** Every Easel refresh token starts with this. */
  public static final String PREFIX = "rt_";

  private static final BearerSecretFormat FORMAT =
      new BearerSecretFormat(PREFIX, "refresh token", "family id");

  /**
   * A newly issued refresh token.
   *
   * @param familyId the session family the token belongs to
   * @param plaintext the full token to hand to the client; never store or log it
   * @param secretDigest the SHA-256 digest of the secret part, the only part to store
   */
  public record Issued(String familyId, String plaintext, String secretDigest) {
    @Override
    public String toString() {
      return "RefreshTokens.Issued[familyId=" + familyId + ", plaintext=<redacted>]";
    }
  }

  /**
   * A token presented by a client, split into its family id and secret.
   *
   * @param familyId the session family to load
   * @param secret the secret part, to pass to {@link #verify}
   */
  public record Presented(String familyId, String secret) {
    /** The digest of the presented secret, as the session family stores its current one. */
    public String digest() {
      return SecretDigest.of(secret);
    }

    @Override
    public String toString() {
      return "RefreshTokens.Presented[familyId=" + familyId + ", secret=<redacted>]";
    }
  }

  private RefreshTokens() {}

  /** Starts a new session family (at sign-in) with its first token. */
  public static Issued startFamily() {
    return issue(FORMAT.newId());
  }

  /**
   * Issues the next token of an existing family, with a fresh secret; the caller replaces the
   * stored digest so the previous token stops working.
   *
   * @throws IllegalArgumentException if {@code familyId} is not a family id Easel issues
   */
  public static Issued rotate(String familyId) {
    if (!FORMAT.isId(familyId)) {
      throw new IllegalArgumentException("not an Easel refresh token family id");
    }
    return issue(familyId);
  }

  /**
   * Reads a presented refresh token.
   *
   * @throws MalformedCredentialException if it is not shaped like a token Easel issues; the message
   *     does not repeat the presented text
   */
  public static Presented parse(String presented) throws MalformedCredentialException {
    BearerSecretFormat.Parts parts = FORMAT.parse(presented);
    return new Presented(parts.id(), parts.secret());
  }

  /**
   * Whether the presented secret matches the digest stored as the family's current secret, compared
   * in constant time. A malformed stored digest never matches.
   */
  public static boolean verify(Presented presented, String storedSecretDigest) {
    return SecretDigest.matches(presented.secret(), storedSecretDigest);
  }

  private static Issued issue(String familyId) {
    String secret = FORMAT.newSecret();
    return new Issued(familyId, FORMAT.compose(familyId, secret), SecretDigest.of(secret));
  }
}
