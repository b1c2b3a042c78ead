package dev.easel.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 digests of high-entropy secrets (API key secrets, refresh token secrets, recovery codes),
 * stored as lower-case hex and compared in constant time. Not for passwords: those go through
 * {@link PasswordHasher}.
 */
final class SecretDigest {
  private static final HexFormat HEX = HexFormat.of();
  private static final int DIGEST_HEX_CHARS = 64;

  private SecretDigest() {}

  /** The lower-case hex SHA-256 of the secret's UTF-8 bytes. */
  static String of(String secret) {
    return HEX.formatHex(sha256(secret));
  }

  /**
   * Whether the secret hashes to the stored digest, comparing in constant time. A stored digest
   * that is not 64 hex characters never matches.
   */
  static boolean matches(String secret, String storedDigest) {
    if (secret == null || storedDigest == null || storedDigest.length() != DIGEST_HEX_CHARS) {
      return false;
    }
    byte[] expected;
    try {
      expected = HEX.parseHex(storedDigest);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(sha256(secret), expected);
  }

  /**
   * Whether two stored-form digests (64 hex characters) are the same, compared in constant time; a
   * malformed one never matches.
   */
  static boolean sameDigest(String presentedDigest, String storedDigest) {
    if (presentedDigest == null
        || storedDigest == null
        || presentedDigest.length() != DIGEST_HEX_CHARS
        || storedDigest.length() != DIGEST_HEX_CHARS) {
      return false;
    }
    try {
      return MessageDigest.isEqual(HEX.parseHex(presentedDigest), HEX.parseHex(storedDigest));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static byte[] sha256(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }
}
