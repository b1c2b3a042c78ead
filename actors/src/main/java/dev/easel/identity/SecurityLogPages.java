package dev.easel.identity;

import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * Pages of a security log, newest first. Entry n of a log has sequence number n, so a page is a
 * range of sequence numbers, and the token of the next page is the (exclusive) end of its range:
 * one version byte and the sequence number, in base64url. Tokens are opaque to clients; they stay
 * valid while the log grows, since entries are only ever appended.
 */
final class SecurityLogPages {
  static final int DEFAULT_PAGE_SIZE = 50;
  static final int MAX_PAGE_SIZE = 200;
  private static final int MAX_TOKEN = 64;
  private static final byte VERSION = 1;

  private SecurityLogPages() {}

  /**
   * A page: the entries with sequence numbers {@code from} to {@code to} (both inclusive; none when
   * {@code to < from}), and the token of the page after it ("" when it is the last).
   */
  record Page(long from, long to, String nextPageToken) {
    boolean empty() {
      return to < from;
    }
  }

  /**
   * The page of a log of {@code entries} entries that {@code pageToken} asks for ("" or null: the
   * newest), of at most {@code pageSize} entries (0: {@value #DEFAULT_PAGE_SIZE}, more than {@value
   * #MAX_PAGE_SIZE}: {@value #MAX_PAGE_SIZE}).
   *
   * @throws Accounts.Refusal of kind INVALID naming what is wrong with the size or token
   */
  static Page page(long entries, int pageSize, String pageToken) {
    if (pageSize < 0) {
      throw invalid(
          "pageSize", "pageSize must be 0 to " + MAX_PAGE_SIZE + " (0: " + DEFAULT_PAGE_SIZE + ")");
    }
    int size = pageSize == 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
    long before =
        pageToken == null || pageToken.isEmpty() ? entries + 1 : before(pageToken, entries);
    long from = Math.max(1, before - size);
    long to = before - 1;
    return new Page(from, to, from > 1 ? token(from) : "");
  }

  /** The token of the page that ends just before sequence number {@code before}. */
  static String token(long before) {
    byte[] bytes = ByteBuffer.allocate(9).put(VERSION).putLong(before).array();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static long before(String token, long entries) {
    if (token.length() > MAX_TOKEN) {
      throw invalid(
          "pageToken", "pageToken is too long: pass the nextPageToken of the previous page");
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      throw invalid(
          "pageToken", "pageToken is not base64url: pass the nextPageToken of the previous page");
    }
    if (bytes.length != 9 || bytes[0] != VERSION) {
      throw invalid("pageToken", "pageToken is not a page token of the security log");
    }
    long before = ByteBuffer.wrap(bytes, 1, 8).getLong();
    if (before < 2 || before > entries + 1) {
      throw invalid("pageToken", "pageToken points outside this security log");
    }
    return before;
  }

  private static Accounts.Refusal invalid(String field, String message) {
    return Accounts.Refusal.invalid(field, message);
  }
}
