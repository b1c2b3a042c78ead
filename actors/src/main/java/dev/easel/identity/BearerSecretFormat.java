package dev.easel.identity;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The shared shape of Easel's opaque bearer credentials: {@code <prefix><id>_<secret>}, where the
 * id (16 lower-case base32 characters, 80 random bits) names the record to look up and the secret
 * is 32 random bytes in unpadded base64url (43 characters). Only a SHA-256 digest of the secret is
 * stored.
 */
final class BearerSecretFormat {
  static final int SECRET_BYTES = 32;
  static final int ID_BYTES = 10;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
  private static final Pattern ID = Pattern.compile("[a-z2-7]{16}");
  private static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{43}");
  private static final int MAX_PRESENTED_CHARS = 256;

  /** An id and secret read from a presented credential. */
  record Parts(String id, String secret) {
    @Override
    public String toString() {
      return "Parts[id=" + id + ", secret=<redacted>]";
    }
  }

  private final String prefix;
  private final String expectedShape;

  /**
   * @param prefix for example {@code "ek_"}
   * @param kind what the credential is called in refusals, for example {@code "API key"}
   * @param idName what the id is called in refusals, for example {@code "key id"}
   */
  BearerSecretFormat(String prefix, String kind, String idName) {
    this.prefix = prefix;
    this.expectedShape =
        "not an Easel " + kind + ": expected " + prefix + "<" + idName + ">_<secret>";
  }

  String newId() {
    byte[] bytes = new byte[ID_BYTES];
    RANDOM.nextBytes(bytes);
    return Base32.encode(bytes).toLowerCase(Locale.ROOT);
  }

  boolean isId(String id) {
    return id != null && ID.matcher(id).matches();
  }

  String newSecret() {
    byte[] bytes = new byte[SECRET_BYTES];
    RANDOM.nextBytes(bytes);
    return ENCODER.encodeToString(bytes);
  }

  String compose(String id, String secret) {
    return prefix + id + "_" + secret;
  }

  /**
   * Splits a presented credential into id and secret. Surrounding whitespace (a pasted newline) is
   * ignored; anything else that is not exactly the issued shape is refused.
   */
  Parts parse(String presented) throws MalformedCredentialException {
    if (presented == null) {
      throw new MalformedCredentialException(expectedShape);
    }
    String text = presented.strip();
    if (text.length() > MAX_PRESENTED_CHARS || !text.startsWith(prefix)) {
      throw new MalformedCredentialException(expectedShape);
    }
    int separator = text.indexOf('_', prefix.length());
    if (separator < 0) {
      throw new MalformedCredentialException(expectedShape);
    }
    String id = text.substring(prefix.length(), separator);
    String secret = text.substring(separator + 1);
    if (!ID.matcher(id).matches() || !isCanonicalSecret(secret)) {
      throw new MalformedCredentialException(expectedShape);
    }
    return new Parts(id, secret);
  }

  /** Whether the text is 43 base64url characters that encode exactly 32 bytes and nothing else. */
  private static boolean isCanonicalSecret(String secret) {
    if (!SECRET.matcher(secret).matches()) {
      return false;
    }
    byte[] bytes;
    try {
      bytes = DECODER.decode(secret);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return bytes.length == SECRET_BYTES && ENCODER.encodeToString(bytes).equals(secret);
  }
}
