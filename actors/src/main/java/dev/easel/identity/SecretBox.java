package dev.easel.identity;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts the secrets that Easel must read back later (TOTP secrets), so that the journal never
 * holds them in clear: AES-256-GCM with a random 96-bit nonce per secret and a 128-bit tag.
 *
 * <p>A sealed secret is text: {@code sb1.<key id>.<base64url(nonce | ciphertext | tag)>}. {@code
 * sb1} is the format version; the key id is a fingerprint of the key (the first 8 bytes of a
 * SHA-256 over it, in hex, which reveals nothing of the key), so a secret sealed under another key
 * is recognised and refused with that reason rather than as tampering. The version, the key id and
 * a context chosen by the caller (for a TOTP secret, the account it belongs to) are authenticated
 * as associated data: a sealed secret copied to another account, or edited in any byte, does not
 * open.
 *
 * <p>The key comes from {@code easel.identity.secrets-key} ({@code EASEL_SECRETS_KEY}, 32 bytes in
 * base64) when set; otherwise {@link #open} reads it from {@value #FILE_NAME} in the keys
 * directory, creating it on first use (mode 600 in a mode 700 directory, written atomically). It is
 * never replaced: a lost or changed key makes every sealed secret unreadable, and users must enroll
 * their authenticators again. Thread-safe.
 */
public final class SecretBox {
  /** The name of the key file inside the keys directory. */
  public static final String FILE_NAME = "secrets.key";

  /** The key length: AES-256. */
  public static final int KEY_BYTES = 32;

  static final String VERSION = "sb1";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int KEY_ID_BYTES = 8;
  private static final String CIPHER = "AES/GCM/NoPadding";
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  /**
   * A sealed secret that cannot be opened: malformed, sealed under another key, altered, or sealed
   * for another context. The message says which, never the secret.
   */
  public static final class UnreadableSecretException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnreadableSecretException(String message) {
      super(message, null, false, false);
    }
  }

  private final SecretKeySpec key;
  private final String keyId;

  private SecretBox(byte[] key) {
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException("a secret box key has " + KEY_BYTES + " bytes");
    }
    this.key = new SecretKeySpec(key.clone(), "AES");
    this.keyId = keyIdOf(key);
  }

  /** A box with this 32-byte key. */
  public static SecretBox withKey(byte[] key) {
    return new SecretBox(Objects.requireNonNull(key, "key"));
  }

  /** A box with a fresh random key, kept only in memory. */
  public static SecretBox withRandomKey() {
    return new SecretBox(randomKey());
  }

  /**
   * The box Easel uses: the configured key if {@code configuredKey} is not blank, else the key in
   * {@value #FILE_NAME} under {@code keysDirectory}, created there on first use.
   *
   * @param configuredKey {@code easel.identity.secrets-key}: 32 bytes in standard or URL-safe
   *     base64, or blank
   * @throws IllegalArgumentException if the configured key is not 32 bytes of base64 (the message
   *     does not repeat it)
   * @throws IOException if the key file cannot be created or is not a valid key (it is never
   *     replaced, which would make every sealed secret unreadable)
   */
  public static SecretBox open(Path keysDirectory, String configuredKey) throws IOException {
    if (configuredKey != null && !configuredKey.isBlank()) {
      return new SecretBox(
          decodeKey(
              configuredKey,
              "easel.identity.secrets-key (EASEL_SECRETS_KEY) must be "
                  + KEY_BYTES
                  + " bytes in base64"));
    }
    TokenKeys.createPrivateDirectory(keysDirectory);
    Path file = keysDirectory.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      write(keysDirectory, file, randomKey());
    }
    String stored = Files.readString(file, StandardCharsets.US_ASCII);
    try {
      return new SecretBox(decodeKey(stored, "not " + KEY_BYTES + " bytes in base64"));
    } catch (IllegalArgumentException e) {
      throw new IOException(
          "secrets key file " + file + " is not a valid Easel key: " + e.getMessage());
    }
  }

  /** The fingerprint of this box's key, as written into every secret it seals. */
  public String keyId() {
    return keyId;
  }

  /**
   * Encrypts a secret for a context (such as {@code "totp:" + userId}); every call uses a new
   * nonce, so sealing the same secret twice gives different text.
   */
  public String seal(String plaintext, String context) {
    Objects.requireNonNull(plaintext, "plaintext");
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    byte[] sealed;
    try {
      Cipher cipher = Cipher.getInstance(CIPHER);
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData(keyId, context));
      sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java runtime provides AES-GCM", e);
    }
    byte[] payload =
        ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
    return VERSION + "." + keyId + "." + ENCODER.encodeToString(payload);
  }

  /**
   * Decrypts a secret sealed by {@link #seal} with the same key and context.
   *
   * @throws UnreadableSecretException if it is malformed, of an unknown version, sealed under
   *     another key, altered, or sealed for another context
   */
  public String unseal(String sealed, String context) {
    if (sealed == null) throw new UnreadableSecretException("there is no sealed secret");
    String[] parts = sealed.split("\\.", -1);
    if (parts.length != 3) throw new UnreadableSecretException("not a sealed secret");
    if (!VERSION.equals(parts[0])) {
      throw new UnreadableSecretException("unknown sealed secret format " + printable(parts[0]));
    }
    if (!MessageDigest.isEqual(
        keyId.getBytes(StandardCharsets.US_ASCII), parts[1].getBytes(StandardCharsets.US_ASCII))) {
      throw new UnreadableSecretException(
          "sealed under key " + printable(parts[1]) + ", but this server's key is " + keyId);
    }
    byte[] payload;
    try {
      payload = DECODER.decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new UnreadableSecretException("the sealed secret is not base64url");
    }
    if (payload.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new UnreadableSecretException("the sealed secret is too short");
    }
    try {
      Cipher cipher = Cipher.getInstance(CIPHER);
      cipher.init(
          Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, payload, 0, NONCE_BYTES));
      cipher.updateAAD(associatedData(keyId, context));
      byte[] plaintext = cipher.doFinal(payload, NONCE_BYTES, payload.length - NONCE_BYTES);
      return new String(plaintext, StandardCharsets.UTF_8);
    } catch (AEADBadTagException e) {
      throw new UnreadableSecretException(
          "the sealed secret was altered or belongs to another context");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java runtime provides AES-GCM", e);
    }
  }

  @Override
  public String toString() {
    return "SecretBox[keyId=" + keyId + "]";
  }

  private static byte[] associatedData(String keyId, String context) {
    return (VERSION + "." + keyId + "." + Objects.requireNonNull(context, "context"))
        .getBytes(StandardCharsets.UTF_8);
  }

  private static String keyIdOf(byte[] key) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      sha256.update("easel secret box key id\0".getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(Arrays.copyOf(sha256.digest(key), KEY_ID_BYTES));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }

  /** At most a short, harmless excerpt of a part of the sealed text, for error messages. */
  private static String printable(String part) {
    String excerpt = part.length() > 24 ? part.substring(0, 24) + "…" : part;
    return excerpt.chars().allMatch(c -> c > 0x20 && c < 0x7f) ? "'" + excerpt + "'" : "(binary)";
  }

  private static byte[] decodeKey(String text, String problem) {
    String compact = text.strip();
    byte[] key;
    try {
      key =
          compact.indexOf('-') >= 0 || compact.indexOf('_') >= 0
              ? Base64.getUrlDecoder().decode(compact)
              : Base64.getDecoder().decode(compact);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(problem + "; it is not base64");
    }
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException(problem + "; it decodes to " + key.length + " bytes");
    }
    return key;
  }

  private static byte[] randomKey() {
    byte[] key = new byte[KEY_BYTES];
    RANDOM.nextBytes(key);
    return key;
  }

  private static void write(Path directory, Path file, byte[] key) throws IOException {
    boolean posix = directory.getFileSystem().supportedFileAttributeViews().contains("posix");
    Path temporary =
        posix
            ? Files.createTempFile(
                directory,
                ".secrets",
                ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE))
            : Files.createTempFile(directory, ".secrets", ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
        ByteBuffer buffer =
            ByteBuffer.wrap(
                (Base64.getEncoder().encodeToString(key) + "\n")
                    .getBytes(StandardCharsets.US_ASCII));
        while (buffer.hasRemaining()) channel.write(buffer);
        channel.force(true);
      }
      try {
        // A hard link never replaces: if another process created the key meanwhile, it wins.
        Files.createLink(file, temporary);
      } catch (FileAlreadyExistsException e) {
        return;
      } catch (UnsupportedOperationException | IOException e) {
        try {
          Files.move(temporary, file);
        } catch (FileAlreadyExistsException raced) {
          return;
        }
      }
    } finally {
      Files.deleteIfExists(temporary);
    }
    syncDirectory(directory);
  }

  /** Makes the new name durable; not every platform can open a directory, which is harmless. */
  private static void syncDirectory(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // The file was written and synced; only its name's durability across a power cut is less
      // certain.
    }
  }
}
