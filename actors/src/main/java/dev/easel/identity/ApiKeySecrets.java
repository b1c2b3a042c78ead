package dev.easel.identity;

/**
 * Issues and checks API keys of the form {@code ek_<keyId>_<secret>}.
 *
 * <p>The key id is random and not secret: the server uses it to load the one key record to check,
 * without scanning. The secret is 32 random bytes (base64url); only its SHA-256 digest is stored,
 * which is safe for a 256-bit random value and lets a leaked database reveal no usable key. The
 * plaintext key is shown to its owner once, at creation.
 */
public final class ApiKeySecrets {
  /** Every Easel API key starts with this, so secret scanners and humans can recognise one. */
  public static final String PREFIX = "ek_";

  private static final BearerSecretFormat FORMAT =
      new BearerSecretFormat(PREFIX, "API key", "key id");

  /**
   * A newly created API key.
   *
   * @param keyId the record id to store the key under
   * @param plaintext the full key to show the owner once; never store or log it
   * @param secretDigest the SHA-256 digest of the secret part, the only part to store
   */
  public record Issued(String keyId, String plaintext, String secretDigest) {
    @Override
    public String toString() {
      return "ApiKeySecrets.Issued[keyId=" + keyId + ", plaintext=<redacted>]";
    }
  }

  /**
   * A key presented by a client, split into the id to look up and the secret to check.
   *
   * @param keyId the record id to load
   * @param secret the secret part, to pass to {@link #verify}
   */
  public record Presented(String keyId, String secret) {
    @Override
    public String toString() {
      return "ApiKeySecrets.Presented[keyId=" + keyId + ", secret=<redacted>]";
    }
  }

  private ApiKeySecrets() {}

  /** Creates a new API key with a fresh key id and secret. */
  public static Issued generate() {
    String keyId = FORMAT.newId();
    String secret = FORMAT.newSecret();
    return new Issued(keyId, FORMAT.compose(keyId, secret), SecretDigest.of(secret));
  }

  /**
   * Reads a presented key (as sent in {@code Authorization: Bearer ek_...}).
   *
   * @throws MalformedCredentialException if it is not shaped like a key Easel issues; the message
   *     does not repeat the presented text
   */
  public static Presented parse(String presented) throws MalformedCredentialException {
    BearerSecretFormat.Parts parts = FORMAT.parse(presented);
    return new Presented(parts.id(), parts.secret());
  }

  /**
   * Whether the presented secret matches the digest stored for its key id, compared in constant
   * time. A malformed stored digest never matches.
   */
  public static boolean verify(Presented presented, String storedSecretDigest) {
    return SecretDigest.matches(presented.secret(), storedSecretDigest);
  }
}
