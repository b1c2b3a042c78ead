package dev.easel.canvas;

import dev.easel.CborSerializable;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;

/**
 * A version of a canvas that someone gave a name (and a description): "before the Q3 rewrite".
 * {@code version} is the canvas version it names (the document after that many changes); {@code
 * author} and {@code at} say who named it and when. Names are unique within a canvas.
 */
public record NamedVersion(
    String versionId, long version, String name, String description, String author, Instant at)
    implements CborSerializable {

  /** The longest name, in characters. */
  public static final int MAX_NAME = 100;

  /** The longest description, in characters. */
  public static final int MAX_DESCRIPTION = 2000;

  /** How many named versions one canvas keeps at most. */
  public static final int MOST_PER_CANVAS = 1000;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

  /** This named version with another name and description. */
  public NamedVersion with(String name, String description) {
    return new NamedVersion(versionId, version, name, description, author, at);
  }

  /**
   * Null when {@code version} (of a canvas now at {@code current}), {@code name} and {@code
   * description} are acceptable for a named version; else what is wrong.
   */
  public static String problem(long version, long current, String name, String description) {
    if (version < 1 || version > current) {
      return "version must be between 1 and the canvas's current version " + current;
    }
    if (name == null || name.isBlank()) return "a named version needs a name";
    if (name.strip().length() > MAX_NAME) {
      return "name must be at most " + MAX_NAME + " characters";
    }
    if (name.chars().anyMatch(Character::isISOControl)) {
      return "name must not contain control characters";
    }
    if (description != null && description.length() > MAX_DESCRIPTION) {
      return "description must be at most " + MAX_DESCRIPTION + " characters";
    }
    return null;
  }

  /** Whether another named version than {@code exceptId} already has {@code name}. */
  public static boolean taken(String name, String exceptId, Map<String, NamedVersion> existing) {
    for (NamedVersion named : existing.values()) {
      if (named.name().equals(name) && !named.versionId().equals(exceptId)) return true;
    }
    return false;
  }

  /** A fresh id: 16 lowercase letters and digits. */
  static String newId() {
    StringBuilder id = new StringBuilder(16);
    for (int i = 0; i < 16; i++) id.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    return id.toString();
  }
}
