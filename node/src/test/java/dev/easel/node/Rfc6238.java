package dev.easel.node;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An authenticator app for tests, written from RFC 6238 and RFC 4226 alone (HMAC-SHA1 through
 * javax.crypto, RFC 4648 base32), independent of Easel's own {@code Totp}, so that the server is
 * checked against the specification rather than against itself.
 */
public final class Rfc6238 {
  static final int PERIOD_SECONDS = 30;
  private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

  private final byte[] key;
  private long lastUsedStep = Long.MIN_VALUE;

  Rfc6238(byte[] key) {
    this.key = key.clone();
  }

  /** The authenticator for a base32 secret as shown at enrollment. */
  public static Rfc6238 ofBase32(String secret) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long buffer = 0;
    int bits = 0;
    for (char c : secret.toUpperCase().replace("=", "").toCharArray()) {
      int value = BASE32.indexOf(c);
      if (value < 0) throw new IllegalArgumentException("not base32: " + c);
      buffer = (buffer << 5) | value;
      bits += 5;
      if (bits >= 8) {
        out.write((int) (buffer >> (bits - 8)) & 0xff);
        bits -= 8;
      }
    }
    return new Rfc6238(out.toByteArray());
  }

  /** The time step T of RFC 6238 at {@code time}: (unix time - T0) / X with T0 = 0, X = 30. */
  static long stepAt(Instant time) {
    return Math.floorDiv(time.getEpochSecond(), PERIOD_SECONDS);
  }

  /** The code of time step {@code step} with {@code digits} digits: HOTP(K, T). */
  String code(long step, int digits) {
    byte[] hash;
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(key, "HmacSHA1"));
      hash = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array());
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    int offset = hash[hash.length - 1] & 0xf;
    int binary =
        ((hash[offset] & 0x7f) << 24)
            | ((hash[offset + 1] & 0xff) << 16)
            | ((hash[offset + 2] & 0xff) << 8)
            | (hash[offset + 3] & 0xff);
    String otp = Integer.toString(binary % (int) Math.pow(10, digits));
    return "0".repeat(digits - otp.length()) + otp;
  }

  /** The 6-digit code of time step {@code step}. */
  String code(long step) {
    return code(step, 6);
  }

  /**
   * A 6-digit code that a server accepting the previous, current and next step has not seen yet: of
   * the earliest such step after the last one handed out (the previous step only early in the
   * current one, so that the code cannot age out while the request is under way). When the next
   * step is used already, waits for the clock to reach it.
   */
  public String nextCode() throws InterruptedException {
    while (true) {
      Instant now = Instant.now();
      long current = stepAt(now);
      long secondsIntoStep = now.getEpochSecond() - current * PERIOD_SECONDS;
      long earliest = secondsIntoStep < PERIOD_SECONDS / 2 ? current - 1 : current;
      long step = Math.max(lastUsedStep + 1, earliest);
      if (step <= current + 1) {
        lastUsedStep = step;
        return code(step);
      }
      long millisToNextStep = (current + 1) * PERIOD_SECONDS * 1000 - now.toEpochMilli();
      Thread.sleep(millisToNextStep + 100);
    }
  }
}
