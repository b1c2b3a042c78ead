package dev.easel.identity;

import java.io.ByteArrayOutputStream;

/**
 * RFC 4648 base32 (alphabet {@code A-Z2-7}) without padding, as used for TOTP secrets, recovery
 * codes and credential ids. Decoding ignores case, spaces and trailing padding.
 */
final class Base32 {
  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

  private Base32() {}

  static String encode(byte[] data) {
    StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(ALPHABET.charAt((buffer >>> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
    }
    return out.toString();
  }

  /**
   * Decodes base32 text.
   *
   * @throws IllegalArgumentException for characters outside the alphabet or an impossible length;
   *     the message does not repeat the text, which is usually a secret
   */
  static byte[] decode(String text) {
    String compact = text.replace(" ", "").replaceFirst("=+$", "");
    int remainder = compact.length() % 8;
    if (remainder == 1 || remainder == 3 || remainder == 6) {
      throw new IllegalArgumentException("base32 text has an impossible length");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(compact.length() * 5 / 8);
    int buffer = 0;
    int bits = 0;
    for (int i = 0; i < compact.length(); i++) {
      int value = ALPHABET.indexOf(Character.toUpperCase(compact.charAt(i)));
      if (value < 0) {
        throw new IllegalArgumentException("base32 text contains a character outside A-Z2-7");
      }
      buffer = (buffer << 5) | value;
      bits += 5;
      if (bits >= 8) {
        out.write((buffer >>> (bits - 8)) & 0xff);
        bits -= 8;
      }
    }
    return out.toByteArray();
  }
}
