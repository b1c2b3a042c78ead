package dev.easel.mail;

/**
 * What became of a mail: {@code sent} when the SMTP server took it; otherwise {@code problem} says
 * why not, in words for the person who asked for it (empty when mail is off, which is no problem).
 */
public record Delivery(boolean sent, String problem) {
  /** The server took the mail. */
  public static final Delivery SENT = new Delivery(true, "");

  /** Mail is off ({@code easel.mail.host} is empty): nothing was tried. */
  public static final Delivery OFF = new Delivery(false, "");

  /** Not sent, for {@code problem}. */
  public static Delivery failed(String problem) {
    return new Delivery(false, problem);
  }
}
