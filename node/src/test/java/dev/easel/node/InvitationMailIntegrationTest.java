package dev.easel.node;

import static dev.easel.node.ProjectManagementIntegrationTest.accept;
import static dev.easel.node.ProjectManagementIntegrationTest.body;
import static dev.easel.node.ProjectManagementIntegrationTest.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.easel.node.ProjectManagementIntegrationTest.Client;
import dev.easel.node.ProjectManagementIntegrationTest.User;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invitations mailed by a real node through a real SMTP server (GreenMail on a free loopback port):
 * the invitee gets one email whose link makes them a member; names that are user input cannot add
 * headers or markup; past the per-user limit and with the mail server down the invitation still
 * stands and the answer says why it was not mailed.
 */
class InvitationMailIntegrationTest {
  static final String SMTP_PASSWORD = "smtp password 5be1";
  static final Pattern TOKEN = Pattern.compile("#token=([A-Za-z0-9_.-]+)");
  @TempDir Path dataDir;

  /** SMTP on a free port, with a generous start-up wait (GreenMail's default is 2 s). */
  static com.icegreen.greenmail.util.ServerSetup patientSmtp() {
    var setup = ServerSetupTest.SMTP.dynamicPort();
    setup.setServerStartupTimeout(60_000);
    return setup;
  }

  @Test
  void theInviteeIsMailedALinkThatMakesThemAMember() throws Exception {
    GreenMail smtp =
        new GreenMail(patientSmtp())
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("easel", SMTP_PASSWORD));
    smtp.start();
    try (EaselNode node = TestNodes.start(dataDir, mailTo(smtp.getSmtp().getPort()))) {
      Client api = new Client(node.httpPort());
      User ann = api.signUp("ann@example.org", "Ann");
      String project = project(api, ann, "Sales");

      var invited =
          api.post(
              ann,
              project + "/invitations",
              "{\"email\":\" Dee@Example.org\",\"role\":\"editor\"}");
      assertThat(invited.statusCode()).as(invited.body()).isEqualTo(200);
      JsonNode answer = body(invited);
      assertThat(answer.path("mailed").asBoolean()).as(invited.body()).isTrue();
      assertThat(answer.path("mailError").asText()).isEmpty();
      String token = answer.path("token").asText();
      String acceptUrl = answer.path("acceptUrl").asText();
      assertThat(acceptUrl).isEqualTo("http://localhost:8080/invitations/accept#token=" + token);

      // One email, to the invitee alone, from the configured sender.
      assertThat(smtp.waitForIncomingEmail(10_000, 1)).isTrue();
      MimeMessage[] received = smtp.getReceivedMessages();
      assertThat(received).hasSize(1);
      MimeMessage mail = received[0];
      assertThat(mail.getAllRecipients()).containsExactly(new InternetAddress("dee@example.org"));
      assertThat(mail.getFrom()).containsExactly(new InternetAddress("Easel <easel@example.com>"));
      assertThat(mail.getSubject()).isEqualTo("Ann invited you to the project \"Sales\" on Easel");
      String text = part(mail, 0);
      assertThat(text)
          .contains("Ann invited you to join the project \"Sales\" on Easel as an editor")
          .contains(acceptUrl)
          .contains("expires on ");
      assertThat(part(mail, 1)).contains("<a href=\"" + acceptUrl + "\">");

      // The link in the email is the invitation: Dee accepts it and is a member.
      Matcher link = TOKEN.matcher(text);
      assertThat(link.find()).isTrue();
      User dee = api.signUp("dee@example.org", "Dee");
      var joined = api.post(dee, "/v1/invitations:accept", accept(link.group(1)));
      assertThat(joined.statusCode()).as(joined.body()).isEqualTo(200);
      assertThat(body(joined).path("role").asText()).isEqualTo("editor");
      assertThat(body(ok(api.get(dee, project))).path("name").asText()).isEqualTo("Sales");

      // Names are user input: they reach neither the headers nor the markup.
      User mallory =
          api.signUp("mallory@example.org", "<b>Mal</b>\r\nReply-To: mallory@example.org");
      String forged = "Q3\r\nBcc: eve@example.org\r\n\r\n<script>alert(1)</script>";
      String malloryProject = project(api, mallory, forged);
      JsonNode forgedAnswer =
          body(
              ok(
                  api.post(
                      mallory,
                      malloryProject + "/invitations",
                      "{\"email\":\"fay@example.org\",\"role\":\"viewer\"}")));
      assertThat(forgedAnswer.path("mailed").asBoolean()).isTrue();
      assertThat(smtp.waitForIncomingEmail(10_000, 2)).isTrue();
      received = smtp.getReceivedMessages();
      assertThat(received).hasSize(2);
      MimeMessage toFay = received[1];
      assertThat(toFay.getAllRecipients()).containsExactly(new InternetAddress("fay@example.org"));
      assertThat(toFay.getHeader("Bcc")).isNull();
      assertThat(toFay.getHeader("Reply-To")).isNull();
      assertThat(toFay.getSubject())
          .isEqualTo(
              "<b>Mal</b> Reply-To: mallory@example.org invited you to the project \"Q3 Bcc:"
                  + " eve@example.org <script>alert(1)</script>\" on Easel");
      assertThat(Collections.list(toFay.getAllHeaderLines()))
          .noneMatch(line -> line.startsWith("Bcc") || line.startsWith("Reply-To"));
      assertThat(part(toFay, 1))
          .doesNotContain("<script>")
          .doesNotContain("<b>Mal")
          .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
          .contains("&lt;b&gt;Mal&lt;/b&gt; Reply-To: mallory@example.org");

      // Past the limit (2 an hour here), invitations are made but not mailed.
      ok(
          api.post(
              ann,
              project + "/invitations",
              "{\"email\":\"gus@example.org\",\"role\":\"viewer\"}"));
      var overLimit =
          api.post(
              ann, project + "/invitations", "{\"email\":\"hal@example.org\",\"role\":\"viewer\"}");
      assertThat(overLimit.statusCode()).as(overLimit.body()).isEqualTo(200);
      assertThat(body(overLimit).path("mailed").asBoolean()).isFalse();
      assertThat(body(overLimit).path("mailError").asText())
          .isEqualTo(
              "you reached the limit of invitation emails (2 per 1h); pass the link on yourself");
      assertThat(body(overLimit).path("token").asText()).isNotEmpty();
      assertThat(smtp.waitForIncomingEmail(10_000, 3)).isTrue();
      assertThat(smtp.getReceivedMessages()).hasSize(3);
      List<String> pending = emails(body(ok(api.get(ann, project + "/invitations"))));
      assertThat(pending).containsExactly("gus@example.org", "hal@example.org");
    } finally {
      smtp.stop();
    }
  }

  @Test
  void withTheMailServerDownTheInvitationStandsAndTheAnswerSaysItWasNotMailed() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    try (EaselNode node = TestNodes.start(dataDir, mailTo(closed))) {
      Client api = new Client(node.httpPort());
      User ann = api.signUp("ann@example.org", "Ann");
      String project = project(api, ann, "Sales");

      var invited =
          api.post(
              ann, project + "/invitations", "{\"email\":\"dee@example.org\",\"role\":\"editor\"}");
      assertThat(invited.statusCode()).as(invited.body()).isEqualTo(200);
      JsonNode answer = body(invited);
      assertThat(answer.path("mailed").asBoolean()).isFalse();
      assertThat(answer.path("mailError").asText())
          .isEqualTo("could not connect to the mail server");
      String token = answer.path("token").asText();
      assertThat(answer.path("acceptUrl").asText()).endsWith("#token=" + token);
      assertThat(emails(body(ok(api.get(ann, project + "/invitations")))))
          .containsExactly("dee@example.org");

      // The owner passes the link on; it works as a mailed one would.
      User dee = api.signUp("dee@example.org", "Dee");
      var joined = api.post(dee, "/v1/invitations:accept", accept(token));
      assertThat(joined.statusCode()).as(joined.body()).isEqualTo(200);
      assertThat(body(joined).path("role").asText()).isEqualTo("editor");
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Settings that send mail through 127.0.0.1:{@code port}, signed in, plain text. */
  static Map<String, Object> mailTo(int port) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("easel.mail.host", "127.0.0.1");
    settings.put("easel.mail.port", port);
    settings.put("easel.mail.starttls", "off");
    settings.put("easel.mail.username", "easel");
    settings.put("easel.mail.password", SMTP_PASSWORD);
    settings.put("easel.mail.from", "Easel <easel@example.com>");
    settings.put("easel.mail.invitations-per-user.mails", 2);
    return settings;
  }

  static String project(Client api, User owner, String name) throws Exception {
    String json =
        ProjectManagementIntegrationTest.JSON.createObjectNode().put("name", name).toString();
    var created = api.post(owner, "/v1/projects", json);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    assertThat(body(created).path("name").asText()).isEqualTo(name.strip());
    return "/v1/projects/" + body(created).path("projectId").asText();
  }

  /** The addresses of a list of invitations, oldest first. */
  static List<String> emails(JsonNode list) {
    return list.path("invitations").findValuesAsText("email");
  }

  /** The text of the {@code index}th alternative (0 plain text, 1 HTML). */
  static String part(MimeMessage mail, int index) throws Exception {
    return (String) ((MimeMultipart) mail.getContent()).getBodyPart(index).getContent();
  }
}
