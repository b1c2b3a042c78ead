package dev.easel.identity;

import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.OptionalLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-based one-time passwords for two-step sign-in, as specified by RFC 6238 (on top of the HOTP
 * truncation of RFC 4226): HMAC-SHA1, 30-second steps counted from the Unix epoch, 6 digits,
 * accepting the previous, current and next step to allow for clock drift.
 *
 * <p>A code may be used once: {@link #verify(String, String, Clock, long)} returns the time step it
 * matched, the caller stores it, and later attempts for that step or an earlier one are refused
 * (RFC 6238 section 5.2).
 */
public final class Totp {
  /** The issuer shown by authenticator apps. */
  public static final String ISSUER = "Easel";

  /** Length of one time step, in seconds. */
  public static final int STEP_SECONDS = 30;

  /** How many steps before and after the current one are still accepted. */
  public static final int WINDOW_STEPS = 1;

  /** The digit count Easel uses and authenticator apps expect. */
  public static final int DEFAULT_DIGITS = 6;

  /** Pass as {@code lastUsedStep} when the account has never used a code. */
  public static final long NO_STEP_USED = Long.MIN_VALUE;

  static final int SECRET_BYTES = 20;
  private static final String HMAC = "HmacSHA1";
  private static final int[] POWERS_OF_TEN = {
    1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000
  };
  private static final SecureRandom RANDOM = new SecureRandom();

  private final int digits;

  /** TOTP with Easel's 6 digits. */
  public Totp() {
    this(DEFAULT_DIGITS);
  }

  /**
   * TOTP with another digit count (RFC 6238's reference vectors use 8).
   *
   * @throws IllegalArgumentException unless {@code digits} is 6, 7 or 8
   */
  public Totp(int digits) {
    if (digits < 6 || digits > 8) {
      throw new IllegalArgumentException("TOTP codes have 6 to 8 digits");
    }
    this.digits = digits;
  }

  /** A new random 160-bit shared secret, base32-encoded (32 characters, no padding). */
  public static String newSecret() {
    byte[] secret = new byte[SECRET_BYTES];
    RANDOM.nextBytes(secret);
    return Base32.encode(secret);
  }

  /**
   * The {@code otpauth://} URI an authenticator app reads from a QR code.
   *
   * @throws IllegalArgumentException if the email contains a colon, which the label format forbids
   */
  public String otpauthUri(String email, String secret) {
    if (email == null || email.isBlank() || email.indexOf(':') >= 0) {
      throw new IllegalArgumentException("an otpauth label needs an email without ':'");
    }
    return "otpauth://totp/"
        + ISSUER
        + ":"
        + uriEncode(email)
        + "?secret="
        + secret
        + "&issuer="
        + ISSUER
        + "&algorithm=SHA1&digits="
        + digits
        + "&period="
        + STEP_SECONDS;
  }

  /** The time step containing an instant: whole 30-second periods since the Unix epoch. */
  public static long stepAt(Instant time) {
    return Math.floorDiv(time.getEpochSecond(), STEP_SECONDS);
  }

  /**
   * The code for a secret at an instant.
   *
   * @throws IllegalArgumentException if the secret is not base32 (the message omits the secret)
   */
  public String codeAt(String secret, Instant time) {
    return codeForStep(Base32.decode(secret), stepAt(time));
  }

  /**
   * Checks a code for an account that has never used one. Prefer {@link #verify(String, String,
   * Clock, long)} once a step has been stored.
   */
  public OptionalLong verify(String secret, String code, Clock clock) {
    return verify(secret, code, clock, NO_STEP_USED);
  }

  /**
   * Checks a code typed by the user against the steps around the current time, in constant time.
   *
   * @param secret the account's base32 secret
   * @param code what the user typed; spaces are ignored
   * @param clock the current time
   * @param lastUsedStep the step returned by the last successful verification, or {@link
   *     #NO_STEP_USED}
   * @return the matched step, to store as the new {@code lastUsedStep}; empty if the code is wrong,
   *     malformed, outside the window, or for a step that was already used
   * @throws IllegalArgumentException if the stored secret is not base32
   */
  public OptionalLong verify(String secret, String code, Clock clock, long lastUsedStep) {
    byte[] key = Base32.decode(secret);
    if (code == null) {
      return OptionalLong.empty();
    }
    String typed = code.replace(" ", "");
    if (typed.length() != digits || !typed.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return OptionalLong.empty();
    }
    byte[] presented = typed.getBytes(StandardCharsets.US_ASCII);
    long now = stepAt(clock.instant());
    long matched = Long.MIN_VALUE;
    // Every candidate step is computed and compared, so timing does not tell which one matched.
    for (long step = now + WINDOW_STEPS; step >= now - WINDOW_STEPS; step--) {
      byte[] expected = codeForStep(key, step).getBytes(StandardCharsets.US_ASCII);
      boolean equal = MessageDigest.isEqual(expected, presented);
      if (equal & (step > lastUsedStep)) {
        matched = step;
      }
    }
    return matched == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(matched);
  }

  private String codeForStep(byte[] key, long step) {
    byte[] digest;
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
      digest = mac.doFinal(ByteBuffer.allocate(Long.BYTES).putLong(step).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java runtime provides HmacSHA1", e);
    }
    // Dynamic truncation, RFC 4226 section 5.3.
    int offset = digest[digest.length - 1] & 0x0f;
    int binary =
        ((digest[offset] & 0x7f) << 24)
            | ((digest[offset + 1] & 0xff) << 16)
            | ((digest[offset + 2] & 0xff) << 8)
            | (digest[offset + 3] & 0xff);
    int otp = binary % POWERS_OF_TEN[digits];
    StringBuilder code = new StringBuilder(Integer.toString(otp));
    while (code.length() < digits) {
      code.insert(0, '0');
    }
    return code.toString();
  }

  private static String uriEncode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20").replace("%40", "@");
  }
}
