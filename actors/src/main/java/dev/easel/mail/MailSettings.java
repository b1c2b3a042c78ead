package dev.easel.mail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.time.Duration;
import java.util.Locale;

/**
 * The settings of {@code easel.mail}: the SMTP server Easel sends through, how it connects and who
 * the mail is from. An empty {@code host} turns mail off. {@link #toString()} never shows the
 * password.
 */
public record MailSettings(
    String host,
    int port,
    String username,
    String password,
    InternetAddress from,
    StartTls starttls,
    boolean tls,
    Duration timeout,
    int invitationsPerUser,
    Duration invitationsPeriod) {

  /** Shortest and longest {@code timeout}: a request that sends mail answers within 10 s. */
  public static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);

  public static final Duration MAX_TIMEOUT = Duration.ofSeconds(8);

  /** Whether a plain connection is upgraded with STARTTLS. */
  public enum StartTls {
    /** Send only over STARTTLS; a server that does not offer it gets nothing. */
    REQUIRED,
    /** STARTTLS when the server offers it, plain text otherwise. */
    OPTIONAL,
    /** Plain text. */
    OFF
  }

  /** Mail off: no server. */
  public static final MailSettings OFF =
      new MailSettings(
          "",
          0,
          "",
          "",
          null,
          StartTls.REQUIRED,
          false,
          Duration.ofSeconds(5),
          0,
          Duration.ofHours(1));

  /** Whether Easel sends mail at all. */
  public boolean on() {
    return !host.isEmpty();
  }

  /**
   * The settings in {@code mail} (the {@code easel.mail} section). With a host, {@code from} must
   * be one address and every value valid; a bad value fails with its setting named.
   */
  public static MailSettings load(Config mail) {
    String host = mail.getString("host").strip();
    String username = mail.getString("username");
    String password = mail.getString("password");
    Config limit = mail.getConfig("invitations-per-user");
    int perUser = limit.getInt("mails");
    if (perUser < 0) {
      throw bad(
          limit, "invitations-per-user.mails", "must be 0 (no limit) or more, was " + perUser);
    }
    Duration period = limit.getDuration("period");
    if (period.isZero() || period.isNegative()) {
      throw bad(limit, "invitations-per-user.period", "must be positive, was " + period);
    }
    if (host.isEmpty()) {
      return new MailSettings(
          "", 0, "", "", null, StartTls.REQUIRED, false, Duration.ofSeconds(5), perUser, period);
    }
    if (!host.matches("[A-Za-z0-9.:\\[\\]-]+")) {
      throw bad(mail, "host", "must be a host name or an IP address, was '" + host + "'");
    }
    boolean tls = mail.getBoolean("tls");
    int port = mail.getInt("port");
    if (port == 0) port = tls ? 465 : 587;
    if (port < 1 || port > 65535) {
      throw bad(mail, "port", "must be 0 (the standard port) or 1 to 65535, was " + port);
    }
    StartTls starttls;
    String mode = mail.getString("starttls").strip();
    try {
      starttls = StartTls.valueOf(mode.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw bad(mail, "starttls", "must be required, optional or off, was '" + mode + "'");
    }
    if (username.isEmpty() != password.isEmpty()) {
      throw bad(
          mail,
          username.isEmpty() ? "username" : "password",
          "is needed with " + (username.isEmpty() ? "password" : "username"));
    }
    if (username.chars().anyMatch(Character::isISOControl)) {
      throw bad(mail, "username", "must not hold control characters");
    }
    String fromText = mail.getString("from").strip();
    if (fromText.isEmpty()) {
      throw bad(mail, "from", "is required when easel.mail.host is set (EASEL_MAIL_FROM)");
    }
    InternetAddress from;
    try {
      if (fromText.chars().anyMatch(Character::isISOControl)) {
        throw new AddressException("control characters");
      }
      InternetAddress[] parsed = InternetAddress.parse(fromText, true);
      if (parsed.length != 1) throw new AddressException("not one address");
      from = parsed[0];
      from.validate();
    } catch (AddressException e) {
      throw bad(
          mail,
          "from",
          "must be one address such as 'Easel <easel@example.com>', was '" + fromText + "'");
    }
    Duration timeout = mail.getDuration("timeout");
    if (timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw bad(mail, "timeout", "must be 1s to 8s, was " + timeout);
    }
    return new MailSettings(
        host, port, username, password, from, starttls, tls, timeout, perUser, period);
  }

  /** How mail leaves, for the log: server, security, sign-in (yes or no) and sender. */
  public String describe() {
    if (!on()) return "off (easel.mail.host is empty)";
    return "through "
        + host
        + ":"
        + port
        + (tls
            ? " with TLS"
            : switch (starttls) {
              case REQUIRED -> " with STARTTLS";
              case OPTIONAL -> " with STARTTLS if offered";
              case OFF -> " in plain text";
            })
        + (username.isEmpty() ? ", without sign-in" : ", signed in as " + username)
        + ", from "
        + from.toUnicodeString();
  }

  @Override
  public String toString() {
    return "MailSettings[" + describe() + "]";
  }

  private static ConfigException bad(Config config, String path, String problem) {
    return new ConfigException.BadValue(config.origin(), "easel.mail." + path, problem);
  }
}
