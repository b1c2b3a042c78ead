package dev.easel.mail;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.icegreen.greenmail.util.ServerSetupTest;
import com.typesafe.config.ConfigFactory;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The {@link Mailer} against a real SMTP server (GreenMail on a free loopback port): what arrives,
 * and how each way of failing is reported (and logged without the password).
 */
class MailerTest {
  static final String PASSWORD = "smtp password 41c9";
  static final Instant NOW = Instant.parse("2026-03-02T10:15:30Z");

  /** How long GreenMail may take to start its servers (its default is 2 s). */
  static final long STARTUP_MS = 60_000;

  static ServerSetup patient(ServerSetup setup) {
    setup.setServerStartupTimeout(STARTUP_MS);
    return setup;
  }

  GreenMail smtp;
  ListAppender<ILoggingEvent> logs;

  @BeforeEach
  void startServer() {
    smtp =
        new GreenMail(
                new ServerSetup[] {
                  // A generous start-up wait: a busy 2-core machine can take seconds to bind.
                  patient(ServerSetupTest.SMTP.dynamicPort()),
                  patient(ServerSetupTest.SMTPS.dynamicPort())
                })
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("easel", PASSWORD));
    smtp.start();
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(Mailer.class)).addAppender(logs);
  }

  @AfterEach
  void stopServer() {
    ((Logger) LoggerFactory.getLogger(Mailer.class)).detachAppender(logs);
    smtp.stop();
  }

  @Test
  void sendsOneMessageWithTextAndHtmlFromTheConfiguredSender() throws Exception {
    try (Mailer mailer = mailer(settings(smtp.getSmtp().getPort(), "off", PASSWORD))) {
      Delivery delivery =
          send(
              mailer,
              new Letter(
                  "dee@example.org",
                  "Hello\r\nBcc: eve@example.org\r\n\r\nforged body",
                  "plain words ☺",
                  "<p>html words</p>",
                  "test letter"));

      assertThat(delivery).isEqualTo(Delivery.SENT);
      MimeMessage[] received = smtp.getReceivedMessages();
      assertThat(received).hasSize(1);
      MimeMessage message = received[0];
      assertThat(message.getFrom())
          .containsExactly(new InternetAddress("Easel <easel@example.com>"));
      assertThat(message.getAllRecipients())
          .containsExactly(new InternetAddress("dee@example.org"));
      assertThat(message.getRecipients(Message.RecipientType.BCC)).isNull();
      assertThat(message.getSubject()).isEqualTo("Hello Bcc: eve@example.org forged body");
      assertThat(message.getHeader("Auto-Submitted")).containsExactly("auto-generated");
      assertThat(message.getSentDate().toInstant()).isEqualTo(NOW);
      MimeMultipart parts = (MimeMultipart) message.getContent();
      assertThat(parts.getContentType()).startsWith("multipart/alternative");
      assertThat(parts.getCount()).isEqualTo(2);
      assertThat(parts.getBodyPart(0).getContentType()).startsWith("text/plain");
      assertThat(parts.getBodyPart(0).getContent()).isEqualTo("plain words ☺");
      assertThat(parts.getBodyPart(1).getContentType()).startsWith("text/html");
      assertThat(parts.getBodyPart(1).getContent()).isEqualTo("<p>html words</p>");
    }
    assertThat(logged())
        .contains("test letter sent through 127.0.0.1:")
        .doesNotContain(PASSWORD)
        .doesNotContain("dee@");
  }

  @Test
  void aRefusedSignInIsReportedAndThePasswordNeverLogged() throws Exception {
    String wrong = "not the password 77d2";
    try (Mailer mailer = mailer(settings(smtp.getSmtp().getPort(), "off", wrong))) {
      Delivery delivery = send(mailer, letter());
      assertThat(delivery.sent()).isFalse();
      assertThat(delivery.problem()).isEqualTo("the mail server refused Easel's sign-in");
    }
    assertThat(smtp.getReceivedMessages()).isEmpty();
    assertThat(logged())
        .contains("invitation i_1 not sent through 127.0.0.1:")
        .contains("refused Easel's sign-in")
        .doesNotContain(wrong)
        .doesNotContain(PASSWORD);
  }

  @Test
  void aServerThatIsDownIsReported() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    try (Mailer mailer = mailer(settings(closed, "off", PASSWORD))) {
      Delivery delivery = send(mailer, letter());
      assertThat(delivery.sent()).isFalse();
      assertThat(delivery.problem()).isEqualTo("could not connect to the mail server");
    }
  }

  @Test
  void requiredStarttlsSendsNothingToAServerWithoutIt() throws Exception {
    try (Mailer mailer = mailer(settings(smtp.getSmtp().getPort(), "required", PASSWORD))) {
      Delivery delivery = send(mailer, letter());
      assertThat(delivery.sent()).isFalse();
      assertThat(delivery.problem()).contains("does not offer STARTTLS");
    }
    assertThat(smtp.getReceivedMessages()).isEmpty();
  }

  @Test
  void implicitTlsRefusesACertificateItCannotTrust() throws Exception {
    MailSettings settings =
        load(
            Map.of(
                "host",
                "127.0.0.1",
                "port",
                smtp.getSmtps().getPort(),
                "tls",
                true,
                "username",
                "easel",
                "password",
                PASSWORD,
                "from",
                "Easel <easel@example.com>"));
    try (Mailer mailer = mailer(settings)) {
      Delivery delivery = send(mailer, letter());
      assertThat(delivery.sent()).isFalse();
      assertThat(delivery.problem()).isEqualTo("the TLS connection to the mail server failed");
    }
    assertThat(smtp.getReceivedMessages()).isEmpty();
  }

  @Test
  void aServerThatNeverAnswersIsGivenUpOnAfterTheTimeout() throws Exception {
    List<Socket> accepted = new CopyOnWriteArrayList<>();
    Thread acceptor;
    Delivery delivery;
    try (ServerSocket silent = new ServerSocket(0)) {
      acceptor =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (true) accepted.add(silent.accept());
                    } catch (IOException closed) {
                      // the test is over
                    }
                  });
      MailSettings settings =
          load(
              Map.of(
                  "host", "127.0.0.1",
                  "port", silent.getLocalPort(),
                  "starttls", "off",
                  "from", "easel@example.com",
                  "timeout", "1s"));
      try (Mailer mailer = mailer(settings)) {
        delivery = send(mailer, letter());
      }
    } finally {
      for (Socket socket : accepted) socket.close();
    }
    acceptor.join();
    assertThat(accepted).isNotEmpty();
    assertThat(delivery.sent()).isFalse();
    assertThat(delivery.problem())
        .isIn(
            "no answer from the mail server within 1 s", "the mail server did not answer in time");
  }

  @Test
  void anAddressThatIsNotExactlyOneIsNotMailed() throws Exception {
    try (Mailer mailer = mailer(settings(smtp.getSmtp().getPort(), "off", PASSWORD))) {
      for (String to : List.of("dee@example.org, eve@example.org", "Group: dee@example.org;")) {
        Delivery delivery =
            send(mailer, new Letter(to, "Hello", "text", "<p>html</p>", "invitation i_2"));
        assertThat(delivery.sent()).as(to).isFalse();
        assertThat(delivery.problem()).isEqualTo("the invited address cannot be mailed");
      }
    }
    assertThat(smtp.getReceivedMessages()).isEmpty();
  }

  @Test
  void theRecipientIsLeftOutOfWhatTheServerSaysWhenLogged() {
    assertThat(
            Mailer.withoutRecipient(
                "550 5.1.1 <Dee@Example.ORG>: Recipient address rejected", "dee@example.org"))
        .isEqualTo("550 5.1.1 <<recipient>>: Recipient address rejected");
  }

  @Test
  void withMailOffNothingIsTried() throws Exception {
    try (Mailer mailer = mailer(MailSettings.OFF)) {
      assertThat(mailer.on()).isFalse();
      assertThat(send(mailer, letter())).isEqualTo(Delivery.OFF);
    }
    assertThat(smtp.getReceivedMessages()).isEmpty();
  }

  // ---- helpers --------------------------------------------------------------------------------

  static Mailer mailer(MailSettings settings) {
    return Mailer.start(settings, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  static Delivery send(Mailer mailer, Letter letter) throws Exception {
    return mailer.send(letter).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static Letter letter() {
    return new Letter("dee@example.org", "Hello", "text", "<p>html</p>", "invitation i_1");
  }

  static MailSettings settings(int port, String starttls, String password) {
    return load(
        Map.of(
            "host",
            "127.0.0.1",
            "port",
            port,
            "starttls",
            starttls,
            "username",
            "easel",
            "password",
            password,
            "from",
            "Easel <easel@example.com>"));
  }

  /** {@code values} over the defaults of mail.conf. */
  static MailSettings load(Map<String, Object> values) {
    return MailSettings.load(
        ConfigFactory.parseMap(values)
            .withFallback(
                ConfigFactory.parseResources("mail.conf").resolve().getConfig("easel.mail")));
  }

  String logged() {
    StringBuilder out = new StringBuilder();
    for (ILoggingEvent event : logs.list) out.append(event.getFormattedMessage()).append('\n');
    return out.toString();
  }
}
