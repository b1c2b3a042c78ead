package dev.easel.identity;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The rules for what an account shows others: its display name (1 to {@value #MAX_DISPLAY_NAME}
 * characters, no control characters) and its avatar, an absolute {@code https} URL of at most
 * {@value #MAX_AVATAR_URL} characters. Plain logic: each check returns the value to store or throws
 * an {@link Accounts.Refusal} of kind INVALID that names the field, never repeating a long value.
 */
public final class AccountProfile {
  /** The longest display name, in characters. */
  public static final int MAX_DISPLAY_NAME = Accounts.MAX_DISPLAY_NAME;

  /** The longest avatar URL, in characters. */
  public static final int MAX_AVATAR_URL = 2048;

  private AccountProfile() {}

  /** The display name to store: stripped, 1 to 200 characters, without control characters. */
  public static String displayName(String typed) {
    String name = typed == null ? "" : typed.strip();
    if (name.isEmpty() || name.length() > MAX_DISPLAY_NAME) {
      throw invalid("displayName", "displayName must be 1 to " + MAX_DISPLAY_NAME + " characters");
    }
    if (name.chars().anyMatch(Character::isISOControl)) {
      throw invalid("displayName", "displayName must not contain control characters");
    }
    return name;
  }

  /**
   * The avatar URL to store, or null to remove the avatar (when {@code typed} is empty).
   *
   * @throws Accounts.Refusal unless it is an absolute https URL with a host, without credentials,
   *     spaces or control characters, of at most 2048 characters
   */
  public static String avatarUrl(String typed) {
    if (typed == null || typed.isBlank()) return null;
    String url = typed.strip();
    if (url.length() > MAX_AVATAR_URL) {
      throw invalid("avatarUrl", "avatarUrl must be at most " + MAX_AVATAR_URL + " characters");
    }
    if (url.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
      throw invalid("avatarUrl", "avatarUrl must not contain spaces or control characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw invalid("avatarUrl", "avatarUrl is not a valid URL");
    }
    if (uri.getScheme() == null || !uri.getScheme().toLowerCase(Locale.ROOT).equals("https")) {
      throw invalid("avatarUrl", "avatarUrl must be an https URL");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw invalid("avatarUrl", "avatarUrl must name a host");
    }
    if (uri.getRawUserInfo() != null) {
      throw invalid("avatarUrl", "avatarUrl must not contain a user name or password");
    }
    return url;
  }

  private static Accounts.Refusal invalid(String field, String message) {
    return Accounts.Refusal.invalid(field, message);
  }
}
