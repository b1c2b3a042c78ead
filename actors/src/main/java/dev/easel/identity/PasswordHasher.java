package dev.easel.identity;

import com.password4j.Argon2Function;
import com.password4j.types.Argon2;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hashes and checks account passwords with Argon2id (RFC 9106) through password4j, producing the
 * standard PHC string {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>}.
 *
 * <p>The defaults are OWASP's minimum for Argon2id: 19 MiB of memory, 2 passes, 1 lane, a 16-byte
 * random salt and a 32-byte hash; stronger settings may be configured, weaker ones are refused.
 * {@link #needsRehash} tells the sign-in flow when a stored hash was made with weaker settings, so
 * it can rehash the password it has just verified.
 *
 * <p>Passwords are taken as {@code char[]} so callers can clear them; this class never keeps them,
 * never puts them in an exception message and clears its own byte copies after use. The caller's
 * array is left as it was.
 */
public final class PasswordHasher {
  /** OWASP's minimum Argon2id memory cost, in KiB (19 MiB). */
  public static final int MIN_MEMORY_KIB = 19_456;

  /** OWASP's minimum Argon2id pass count at {@link #MIN_MEMORY_KIB}. */
  public static final int MIN_ITERATIONS = 2;

  /** The shortest password accepted by {@link #problemWith}, in characters. */
  public static final int MIN_PASSWORD_LENGTH = 10;

  /** The longest password accepted by {@link #problemWith}, in characters. */
  public static final int MAX_PASSWORD_LENGTH = 256;

  static final int SALT_BYTES = 16;
  static final int HASH_BYTES = 32;

  // Bounds on what a stored hash may ask for. They are far above any sane setting and stop a
  // corrupted or hostile hash from making verify allocate gigabytes or loop for minutes.
  private static final int MAX_MEMORY_KIB = 1 << 20;
  private static final int MAX_ITERATIONS = 64;
  private static final int MAX_PARALLELISM = 16;
  private static final int MIN_STORED_SALT_BYTES = 8;
  private static final int MIN_STORED_HASH_BYTES = 16;
  private static final int MAX_STORED_BYTES = 64;

  private static final Pattern PHC =
      Pattern.compile(
          "\\$argon2id\\$v=19\\$m=(\\d{1,7}),t=(\\d{1,3}),p=(\\d{1,2})"
              + "\\$([A-Za-z0-9+/]{11,86})\\$([A-Za-z0-9+/]{22,86})");
  private static final Base64.Encoder PHC_BASE64 = Base64.getEncoder().withoutPadding();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final int memoryKiB;
  private final int iterations;
  private final int parallelism;
  private volatile String unknownUserHash;

  /** A hasher with OWASP's minimum settings (m = 19456 KiB, t = 2, p = 1). */
  public PasswordHasher() {
    this(MIN_MEMORY_KIB, MIN_ITERATIONS, 1);
  }

  /**
   * A hasher with stronger settings.
   *
   * @throws IllegalArgumentException if memory or passes are below OWASP's minimum, or any setting
   *     is beyond what {@link #verify} would later accept
   */
  public PasswordHasher(int memoryKiB, int iterations, int parallelism) {
    if (memoryKiB < MIN_MEMORY_KIB || iterations < MIN_ITERATIONS || parallelism < 1) {
      throw new IllegalArgumentException(
          "Argon2id settings below OWASP's minimum (m=19456 KiB, t=2, p=1)");
    }
    if (memoryKiB > MAX_MEMORY_KIB
        || iterations > MAX_ITERATIONS
        || parallelism > MAX_PARALLELISM
        || memoryKiB < 8 * parallelism) {
      throw new IllegalArgumentException("Argon2id settings out of range");
    }
    this.memoryKiB = memoryKiB;
    this.iterations = iterations;
    this.parallelism = parallelism;
  }

  /** Hashes a password with a fresh random salt and returns the PHC string to store. */
  public String hash(char[] password) {
    Objects.requireNonNull(password, "password");
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    byte[] hash = argon2(password, salt, memoryKiB, iterations, parallelism, HASH_BYTES);
    return "$argon2id$v=19$m="
        + memoryKiB
        + ",t="
        + iterations
        + ",p="
        + parallelism
        + "$"
        + PHC_BASE64.encodeToString(salt)
        + "$"
        + PHC_BASE64.encodeToString(hash);
  }

  /**
   * Whether the password matches the stored PHC string, comparing the hashes in constant time.
   *
   * <p>Returns false, without throwing, for a malformed or unsupported hash. For a {@code null}
   * hash (no such account) it spends the same time hashing against a dummy and returns false, so
   * that sign-in does not reveal which emails have accounts.
   */
  public boolean verify(char[] password, String phc) {
    Objects.requireNonNull(password, "password");
    if (phc == null) {
      verify(password, unknownUserHash());
      return false;
    }
    StoredHash stored = StoredHash.parse(phc);
    if (stored == null) {
      return false;
    }
    byte[] actual =
        argon2(
            password,
            stored.salt,
            stored.memoryKiB,
            stored.iterations,
            stored.parallelism,
            stored.hash.length);
    try {
      return MessageDigest.isEqual(actual, stored.hash);
    } finally {
      Arrays.fill(actual, (byte) 0);
    }
  }

  /**
   * Whether a stored hash should be replaced by a fresh {@link #hash} at the next successful
   * sign-in: it is malformed or not Argon2id v19, or uses less memory, fewer passes, a shorter salt
   * or a shorter hash than this hasher.
   */
  public boolean needsRehash(String phc) {
    StoredHash stored = phc == null ? null : StoredHash.parse(phc);
    return stored == null
        || stored.memoryKiB < memoryKiB
        || stored.iterations < iterations
        || stored.salt.length < SALT_BYTES
        || stored.hash.length < HASH_BYTES;
  }

  /**
   * Checks a new password against Easel's password policy.
   *
   * @param password the proposed password
   * @param email the account's email, which the password may not be
   * @return {@code null} if the password is acceptable, otherwise a message for the user that does
   *     not repeat the password
   */
  public static String problemWith(String password, String email) {
    if (password == null || password.isEmpty()) {
      return "Choose a password.";
    }
    int length = password.codePointCount(0, password.length());
    if (length < MIN_PASSWORD_LENGTH) {
      return "Use at least " + MIN_PASSWORD_LENGTH + " characters.";
    }
    if (length > MAX_PASSWORD_LENGTH) {
      return "Use at most " + MAX_PASSWORD_LENGTH + " characters.";
    }
    if (email != null
        && !email.isBlank()
        && password
            .strip()
            .toLowerCase(Locale.ROOT)
            .equals(email.strip().toLowerCase(Locale.ROOT))) {
      return "Do not use your email address as your password.";
    }
    if (password.codePoints().distinct().count() == 1) {
      return "Use more than one distinct character.";
    }
    return null;
  }

  @Override
  public String toString() {
    return "PasswordHasher[argon2id m="
        + memoryKiB
        + " t="
        + iterations
        + " p="
        + parallelism
        + "]";
  }

  private String unknownUserHash() {
    String dummy = unknownUserHash;
    if (dummy == null) {
      byte[] seed = new byte[20];
      RANDOM.nextBytes(seed);
      char[] random = Base32.encode(seed).toCharArray();
      dummy = hash(random);
      unknownUserHash = dummy;
    }
    return dummy;
  }

  private static byte[] argon2(
      char[] password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length) {
    byte[] utf8 = utf8(password);
    try {
      Argon2Function function =
          Argon2Function.getInstance(
              memoryKiB,
              iterations,
              parallelism,
              length,
              Argon2.ID,
              Argon2Function.ARGON2_VERSION_13);
      return function.hash(utf8, salt).getBytes();
    } finally {
      Arrays.fill(utf8, (byte) 0);
    }
  }

  private static byte[] utf8(char[] password) {
    ByteBuffer encoded;
    try {
      encoded =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPLACE)
              .onUnmappableCharacter(CodingErrorAction.REPLACE)
              .encode(CharBuffer.wrap(password));
    } catch (CharacterCodingException e) {
      throw new IllegalStateException("UTF-8 encoding with replacement cannot fail");
    }
    byte[] bytes = new byte[encoded.remaining()];
    encoded.get(bytes);
    if (encoded.hasArray()) {
      Arrays.fill(encoded.array(), (byte) 0);
    }
    return bytes;
  }

  /** The parts of a stored PHC string this class accepts, or null for anything else. */
  private record StoredHash(
      int memoryKiB, int iterations, int parallelism, byte[] salt, byte[] hash) {

    static StoredHash parse(String phc) {
      Matcher m = PHC.matcher(phc);
      if (!m.matches()) {
        return null;
      }
      int memory = Integer.parseInt(m.group(1));
      int passes = Integer.parseInt(m.group(2));
      int lanes = Integer.parseInt(m.group(3));
      if (memory > MAX_MEMORY_KIB
          || passes < 1
          || passes > MAX_ITERATIONS
          || lanes < 1
          || lanes > MAX_PARALLELISM
          || memory < 8 * lanes) {
        return null;
      }
      byte[] salt;
      byte[] hash;
      try {
        salt = Base64.getDecoder().decode(m.group(4));
        hash = Base64.getDecoder().decode(m.group(5));
      } catch (IllegalArgumentException e) {
        return null;
      }
      if (salt.length < MIN_STORED_SALT_BYTES
          || salt.length > MAX_STORED_BYTES
          || hash.length < MIN_STORED_HASH_BYTES
          || hash.length > MAX_STORED_BYTES) {
        return null;
      }
      return new StoredHash(memory, passes, lanes, salt, hash);
    }
  }
}
