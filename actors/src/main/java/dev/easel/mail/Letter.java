package dev.easel.mail;

/**
 * One email to one address, in plain text and HTML. The subject is made safe for a header on
 * construction (every line break and other control character becomes a space); the HTML must have
 * every piece of user input escaped with {@link #escapeHtml(String)}. {@code about} names the mail
 * in logs (such as "invitation i_… to project p_…") and never holds the address or a secret.
 */
public record Letter(String to, String subject, String text, String html, String about) {
  public Letter {
    if (to == null || to.isBlank()) throw new IllegalArgumentException("to is required");
    if (subject == null || subject.isBlank()) {
      throw new IllegalArgumentException("subject is required");
    }
    if (text == null || html == null) throw new IllegalArgumentException("text and html required");
    subject = oneLine(subject);
    about = about == null ? "" : oneLine(about);
  }

  /**
   * {@code value} on one line: line breaks (CR, LF, NEL, the Unicode line and paragraph
   * separators), tabs and other control characters become spaces, runs of spaces one space, and the
   * ends are trimmed.
   */
  public static String oneLine(String value) {
    if (value == null) return "";
    StringBuilder out = new StringBuilder(value.length());
    boolean space = false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean blank =
          Character.isISOControl(c)
              || Character.isWhitespace(c)
              || c == '\u2028'
              || c == '\u2029'
              || c == '\u00a0';
      if (blank) {
        space = true;
      } else {
        if (space && !out.isEmpty()) out.append(' ');
        space = false;
        out.append(c);
      }
    }
    return out.toString();
  }

  /** {@code value} with the characters that mean something in HTML text or attributes escaped. */
  public static String escapeHtml(String value) {
    StringBuilder out = new StringBuilder(value.length() + 16);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return "Letter[" + about + "]";
  }
}
