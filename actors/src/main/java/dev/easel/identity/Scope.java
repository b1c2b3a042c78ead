package dev.easel.identity;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a credential (an access token or an API key) allows its holder to do. Scopes are written in
 * lower case on the wire ({@code read}, {@code write}, {@code admin}).
 */
public enum Scope {
  /** Read canvases, results and comments. */
  READ,
  /** Change canvases, run cells and comment. */
  WRITE,
  /** Manage members, keys and workspace settings. */
  ADMIN;

  private static final int MAX_ECHOED_CHARS = 40;

  /** The lower-case name used in tokens, API key records and requests. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses one scope name, ignoring case.
   *
   * @throws IllegalArgumentException naming the unknown scope and the accepted ones
   */
  public static Scope parse(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("missing scope; expected one of " + accepted());
    }
    for (Scope scope : values()) {
      if (scope.wireName().equalsIgnoreCase(name)) {
        return scope;
      }
    }
    String shown =
        name.length() > MAX_ECHOED_CHARS ? name.substring(0, MAX_ECHOED_CHARS) + "…" : name;
    throw new IllegalArgumentException(
        "unknown scope '"
            + shown.replaceAll("\\p{Cntrl}", "?")
            + "'; expected one of "
            + accepted());
  }

  /**
   * Parses a space-separated scope list as carried by OAuth-style {@code scope} claims (for example
   * {@code "read write"}); an empty or blank list gives an empty set.
   *
   * @throws IllegalArgumentException if any entry is not a known scope
   */
  public static Set<Scope> parseAll(String spaceSeparated) {
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    if (spaceSeparated == null || spaceSeparated.isBlank()) {
      return scopes;
    }
    for (String name : spaceSeparated.strip().split("\\s+")) {
      scopes.add(parse(name));
    }
    return scopes;
  }

  /** Writes scopes as a space-separated list in declaration order, the inverse of parseAll. */
  public static String format(Set<Scope> scopes) {
    return scopes.stream().sorted().map(Scope::wireName).collect(Collectors.joining(" "));
  }

  private static String accepted() {
    return Arrays.stream(values()).map(Scope::wireName).collect(Collectors.joining(", "));
  }
}
