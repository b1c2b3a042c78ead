package dev.easel.mail;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends {@link Letter}s through the SMTP server of {@link MailSettings} with Jakarta Mail (Eclipse
 * Angus). Sending runs on a small executor of its own, never on an actor dispatcher or a request
 * thread, and each mail is waited for at most {@code timeout}: connecting and every answer of the
 * server are bounded by it, and so is the whole. A mail that fails is logged (its {@link
 * Letter#about()}, the server and the reason; never the password, the message or the address) and
 * reported as a {@link Delivery} saying why; {@link #send} never fails. The recipient's address is
 * left out of the log, even where the server's answer repeats it.
 */
public final class Mailer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Mailer.class);

  /** Threads that talk to the SMTP server at once. */
  private static final int THREADS = 2;

  /** Mails that may wait for a thread; more are refused at once. */
  private static final int QUEUE = 100;

  private final MailSettings settings;
  private final Clock clock;
  private final Session session;
  private final ThreadPoolExecutor executor;

  private Mailer(MailSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    if (!settings.on()) {
      this.session = null;
      this.executor = null;
      return;
    }
    this.session = Session.getInstance(properties(settings));
    AtomicInteger threads = new AtomicInteger();
    this.executor =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            1,
            TimeUnit.MINUTES,
            new ArrayBlockingQueue<>(QUEUE),
            task -> {
              Thread thread = new Thread(task, "easel-mail-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    executor.allowCoreThreadTimeOut(true);
  }

  /**
   * A mailer with {@code settings}; with mail off it sends nothing and answers {@link
   * Delivery#OFF}.
   */
  public static Mailer start(MailSettings settings, Clock clock) {
    log.info("mail: {}", settings.describe());
    return new Mailer(settings, clock);
  }

  /** The settings this mailer sends with. */
  public MailSettings settings() {
    return settings;
  }

  /** Whether this mailer sends mail at all. */
  public boolean on() {
    return settings.on();
  }

  /**
   * Sends {@code letter}, off the caller's thread. Completes within the timeout with {@link
   * Delivery#SENT}, {@link Delivery#OFF} when mail is off, or why it was not sent.
   */
  public CompletionStage<Delivery> send(Letter letter) {
    if (!on()) return CompletableFuture.completedFuture(Delivery.OFF);
    Duration timeout = settings.timeout();
    CompletableFuture<Delivery> sending;
    try {
      sending = CompletableFuture.supplyAsync(() -> deliver(letter), executor);
    } catch (RejectedExecutionException e) {
      log.warn("mail: {} not sent: {} mails wait already", letter.about(), QUEUE);
      return CompletableFuture.completedFuture(
          Delivery.failed("too many emails are waiting to be sent; try again in a minute"));
    }
    Delivery timedOut =
        Delivery.failed("no answer from the mail server within " + seconds(timeout));
    return sending
        .completeOnTimeout(timedOut, timeout.toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(
            delivery -> {
              if (delivery == timedOut) {
                log.warn(
                    "mail: {} not confirmed by {}:{} within {}; it may still go out",
                    letter.about(),
                    settings.host(),
                    settings.port(),
                    seconds(timeout));
              }
              return delivery;
            });
  }

  /** Composes and sends on this thread; every failure becomes a {@link Delivery}. */
  private Delivery deliver(Letter letter) {
    try {
      MimeMessage message = compose(letter);
      Transport transport = session.getTransport("smtp");
      try {
        transport.connect(
            settings.host(),
            settings.port(),
            settings.username().isEmpty() ? null : settings.username(),
            settings.password().isEmpty() ? null : settings.password());
        transport.sendMessage(message, message.getAllRecipients());
      } finally {
        try {
          transport.close();
        } catch (MessagingException e) {
          log.debug("mail: closing the connection to {} failed: {}", settings.host(), e.toString());
        }
      }
      log.info("mail: {} sent through {}:{}", letter.about(), settings.host(), settings.port());
      return Delivery.SENT;
    } catch (MessagingException | RuntimeException e) {
      String reason = reason(e);
      log.warn(
          "mail: {} not sent through {}:{}: {} ({})",
          letter.about(),
          settings.host(),
          settings.port(),
          reason,
          withoutRecipient(causes(e), letter.to()));
      return Delivery.failed(reason);
    }
  }

  /** The MIME message of {@code letter}: text and HTML alternatives, UTF-8. */
  MimeMessage compose(Letter letter) throws MessagingException {
    MimeMessage message = new MimeMessage(session);
    message.setFrom(settings.from());
    message.setRecipient(Message.RecipientType.TO, recipient(letter.to()));
    message.setSubject(letter.subject(), StandardCharsets.UTF_8.name());
    message.setSentDate(Date.from(clock.instant()));
    // RFC 3834: out-of-office and other automatic replies leave it alone.
    message.setHeader("Auto-Submitted", "auto-generated");
    MimeBodyPart text = new MimeBodyPart();
    text.setText(letter.text(), StandardCharsets.UTF_8.name(), "plain");
    MimeBodyPart html = new MimeBodyPart();
    html.setText(letter.html(), StandardCharsets.UTF_8.name(), "html");
    MimeMultipart alternatives = new MimeMultipart("alternative");
    alternatives.addBodyPart(text);
    alternatives.addBodyPart(html);
    message.setContent(alternatives);
    message.saveChanges();
    return message;
  }

  /** {@code to} as exactly one address, checked strictly (no lists, groups or line breaks). */
  private static InternetAddress recipient(String to) throws AddressException {
    if (to.chars().anyMatch(Character::isISOControl)) {
      throw new AddressException("control characters in the address");
    }
    InternetAddress[] parsed = InternetAddress.parse(to, true);
    if (parsed.length != 1 || parsed[0].isGroup()) {
      throw new AddressException("not one address");
    }
    parsed[0].validate();
    return parsed[0];
  }

  /** Why {@code e} kept the mail from going out, in words for the person who asked. */
  static String reason(Throwable e) {
    if (e instanceof AddressException) return "the invited address cannot be mailed";
    if (e instanceof AuthenticationFailedException) {
      return "the mail server refused Easel's sign-in";
    }
    if (e instanceof SMTPAddressFailedException failed) {
      return "the mail server refused the address (SMTP " + failed.getReturnCode() + ")";
    }
    if (e instanceof SendFailedException failed
        && failed.getInvalidAddresses() != null
        && failed.getInvalidAddresses().length > 0) {
      for (Exception next = failed.getNextException(); next != null; ) {
        if (next instanceof SMTPAddressFailedException address) return reason(address);
        next = next instanceof MessagingException m ? m.getNextException() : null;
      }
      return "the mail server refused the address";
    }
    if (e instanceof SMTPSendFailedException failed) {
      return "the mail server refused the message (SMTP " + failed.getReturnCode() + ")";
    }
    if (String.valueOf(e.getMessage()).contains("STARTTLS is required")) {
      return "the mail server does not offer STARTTLS, which Easel requires"
          + " (easel.mail.starttls)";
    }
    for (Throwable cause = e; cause != null; cause = next(cause)) {
      if (cause instanceof UnknownHostException) return "the mail server's host name is unknown";
      if (cause instanceof SocketTimeoutException) return "the mail server did not answer in time";
      if (cause instanceof ConnectException) return "could not connect to the mail server";
      if (cause instanceof SSLException) return "the TLS connection to the mail server failed";
    }
    return "the email could not be sent (" + e.getClass().getSimpleName() + ")";
  }

  private static Throwable next(Throwable e) {
    if (e.getCause() != null) return e.getCause();
    return e instanceof MessagingException m ? m.getNextException() : null;
  }

  /** The classes and messages of {@code e} and its causes, for the log. */
  private static String causes(Throwable e) {
    StringBuilder out = new StringBuilder();
    int depth = 0;
    for (Throwable cause = e; cause != null && depth < 5; cause = next(cause), depth++) {
      if (depth > 0) out.append(" <- ");
      out.append(cause.getClass().getName());
      if (cause.getMessage() != null) out.append(": ").append(Letter.oneLine(cause.getMessage()));
    }
    return out.toString();
  }

  /** {@code text} with {@code to} (as the server may echo it, in any case) left out. */
  static String withoutRecipient(String text, String to) {
    return Pattern.compile(Pattern.quote(to), Pattern.CASE_INSENSITIVE)
        .matcher(text)
        .replaceAll("<recipient>");
  }

  private static String seconds(Duration duration) {
    return duration.toMillis() % 1000 == 0
        ? duration.toSeconds() + " s"
        : duration.toMillis() + " ms";
  }

  /** The Jakarta Mail session properties for {@code settings}. */
  private static Properties properties(MailSettings settings) {
    Properties props = new Properties();
    String timeout = Long.toString(settings.timeout().toMillis());
    props.put("mail.transport.protocol", "smtp");
    props.put("mail.smtp.host", settings.host());
    props.put("mail.smtp.port", Integer.toString(settings.port()));
    props.put("mail.smtp.connectiontimeout", timeout);
    props.put("mail.smtp.timeout", timeout);
    props.put("mail.smtp.writetimeout", timeout);
    // The envelope sender, and the domain of the Message-ID, without a lookup of the local host.
    props.put("mail.smtp.from", settings.from().getAddress());
    props.put("mail.from", settings.from().getAddress());
    props.put("mail.smtp.auth", Boolean.toString(!settings.username().isEmpty()));
    if (settings.tls()) {
      props.put("mail.smtp.ssl.enable", "true");
    } else {
      boolean starttls = settings.starttls() != MailSettings.StartTls.OFF;
      props.put("mail.smtp.starttls.enable", Boolean.toString(starttls));
      props.put(
          "mail.smtp.starttls.required",
          Boolean.toString(settings.starttls() == MailSettings.StartTls.REQUIRED));
    }
    props.put("mail.smtp.ssl.checkserveridentity", "true");
    // Never trace the conversation (the AUTH exchange holds the password).
    props.put("mail.debug", "false");
    props.put("mail.debug.auth", "false");
    return props;
  }

  /** Stops the sending threads; mails still waiting are dropped. */
  @Override
  public void close() {
    if (executor == null) return;
    executor.shutdown();
    try {
      if (!executor.awaitTermination(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
