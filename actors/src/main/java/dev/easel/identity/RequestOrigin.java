package dev.easel.identity;

/**
 * Where a request that changes an account's security came from, as the edge saw it: the client's
 * address (after the proxies the server is configured to trust), its {@code User-Agent}, and the
 * sign-in (refresh-token family) whose access token it carried. Each is null when not known; the
 * address and user agent are cut to {@value #MAX_LENGTH} characters with control characters
 * replaced, since both are chosen by the client. Written to the account's {@link
 * SecurityLogEntity}.
 */
public record RequestOrigin(String clientAddress, String userAgent, String sessionId) {
  /** The longest client address or user agent kept. */
  public static final int MAX_LENGTH = 256;

  /** A request from nowhere known: a call made inside Easel, or a caller that said nothing. */
  public static final RequestOrigin UNKNOWN = new RequestOrigin(null, null, null);

  public RequestOrigin {
    clientAddress = cleaned(clientAddress);
    userAgent = cleaned(userAgent);
    sessionId = cleaned(sessionId);
  }

  /** A request from {@code clientAddress} with {@code userAgent}, outside any sign-in. */
  public RequestOrigin(String clientAddress, String userAgent) {
    this(clientAddress, userAgent, null);
  }

  /** The same request, made within (or having started) the sign-in {@code sessionId}. */
  public RequestOrigin withSession(String sessionId) {
    return new RequestOrigin(clientAddress, userAgent, sessionId);
  }

  /** Blank becomes null; control characters become spaces; at most {@value #MAX_LENGTH} chars. */
  static String cleaned(String text) {
    return cut(text, MAX_LENGTH);
  }

  /**
   * {@code text} with control characters as spaces, stripped, at most {@code max} chars (never
   * splitting a surrogate pair); null when blank.
   */
  static String cut(String text, int max) {
    if (text == null || text.isBlank()) return null;
    String kept = text;
    if (kept.length() > max) {
      int end = Character.isHighSurrogate(kept.charAt(max - 1)) ? max - 1 : max;
      kept = kept.substring(0, end);
    }
    kept = kept.replaceAll("\\p{Cntrl}", " ").strip();
    return kept.isEmpty() ? null : kept;
  }
}
