package dev.easel;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Entity tags: an opaque string that changes whenever what a client is shown of an entity does
 * (and, but for a one in 2^96 chance, only then), for optimistic concurrency. It is a digest of the
 * shown state itself, not a count of events, so events that show nothing (an edit noted for the
 * activity feed, an API key's last use) leave it as it was, and no stored state or event carries
 * it. Plain logic.
 */
public final class Etags {
  /** The reason of a refusal whose expected etag is not the entity's any more. */
  public static final String MISMATCH = "ETAG_MISMATCH";

  private Etags() {}

  /**
   * The tag of a state shown as {@code parts} (strings, numbers, booleans, times, nulls, and lists
   * of those), in order; equal parts give equal tags on every node and in every version.
   */
  public static String of(Object... parts) {
    MessageDigest digest = sha256();
    feed(digest, Arrays.asList(parts));
    byte[] tag = Arrays.copyOf(digest.digest(), 12);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
  }

  private static void feed(MessageDigest digest, Object part) {
    if (part instanceof List<?> list) {
      digest.update((byte) '[');
      digest.update(Integer.toString(list.size()).getBytes(StandardCharsets.UTF_8));
      for (Object element : list) feed(digest, element);
      digest.update((byte) ']');
      return;
    }
    if (part == null) {
      digest.update((byte) 0);
      return;
    }
    // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
    byte[] text = part.toString().getBytes(StandardCharsets.UTF_8);
    digest.update((byte) 1);
    digest.update(Integer.toString(text.length).getBytes(StandardCharsets.UTF_8));
    digest.update((byte) ':');
    digest.update(text);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
