package dev.easel.identity;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one-time recovery codes that let a user sign in when their authenticator is lost.
 *
 * <p>{@link #generate} makes {@value #COUNT} random codes shaped {@code xxxx-xxxx} (lower-case
 * base32, 40 random bits each); the plaintext is shown to the user once and only SHA-256 digests
 * are kept. A value of this class is the set of codes still unused: {@link #consume} returns the
 * set without the code that was used, so each code works once. It is immutable; the caller stores
 * the new {@link #digests()}.
 */
public final class RecoveryCodes {
  /** How many codes a user gets at a time. */
  public static final int COUNT = 10;

  private static final int CODE_BYTES = 5;
  private static final Pattern CODE = Pattern.compile("[a-z2-7]{8}");
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * Freshly generated codes.
   *
   * @param codes the plaintext codes to show the user once; never store or log them
   * @param stored the digests to store
   */
  public record Issued(List<String> codes, RecoveryCodes stored) {
    /** Copies the list so it cannot change. */
    public Issued {
      codes = List.copyOf(codes);
    }

    @Override
    public String toString() {
      return "RecoveryCodes.Issued[" + codes.size() + " codes, plaintext redacted]";
    }
  }

  private final List<String> digests;

  private RecoveryCodes(List<String> digests) {
    this.digests = List.copyOf(digests);
  }

  /** Generates {@value #COUNT} new codes, replacing any earlier set. */
  public static Issued generate() {
    List<String> codes = new ArrayList<>(COUNT);
    List<String> digests = new ArrayList<>(COUNT);
    while (codes.size() < COUNT) {
      byte[] bytes = new byte[CODE_BYTES];
      RANDOM.nextBytes(bytes);
      String compact = Base32.encode(bytes).toLowerCase(Locale.ROOT);
      String digest = SecretDigest.of(compact);
      if (!digests.contains(digest)) {
        codes.add(compact.substring(0, 4) + "-" + compact.substring(4));
        digests.add(digest);
      }
    }
    return new Issued(codes, new RecoveryCodes(digests));
  }

  /** The unused codes as previously stored by {@link #digests()}. */
  public static RecoveryCodes fromDigests(List<String> digests) {
    return new RecoveryCodes(digests);
  }

  /** SHA-256 digests (hex) of the codes not yet used, the form to store. */
  public List<String> digests() {
    return digests;
  }

  /** How many codes are left. */
  public int remaining() {
    return digests.size();
  }

  /**
   * Uses a code typed by the user. Case, spaces and the dash are ignored; the code is compared with
   * every stored digest in constant time.
   *
   * @return the codes left after removing the one used, or empty if the code matches none (wrong,
   *     malformed, or already used)
   */
  public Optional<RecoveryCodes> consume(String typed) {
    if (typed == null) {
      return Optional.empty();
    }
    String compact = typed.replace(" ", "").replace("-", "").toLowerCase(Locale.ROOT);
    if (!CODE.matcher(compact).matches()) {
      return Optional.empty();
    }
    int matched = -1;
    for (int i = 0; i < digests.size(); i++) {
      if (SecretDigest.matches(compact, digests.get(i)) && matched < 0) {
        matched = i;
      }
    }
    if (matched < 0) {
      return Optional.empty();
    }
    List<String> left = new ArrayList<>(digests);
    left.remove(matched);
    return Optional.of(new RecoveryCodes(left));
  }

  @Override
  public String toString() {
    return "RecoveryCodes[" + digests.size() + " unused]";
  }
}
