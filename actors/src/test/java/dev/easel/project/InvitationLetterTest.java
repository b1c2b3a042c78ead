package dev.easel.project;

import static org.assertj.core.api.Assertions.assertThat;

import dev.easel.mail.Letter;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What the invitation email says, and that names (user input) stay on one line and escaped. */
class InvitationLetterTest {
  static final String URL = "https://easel.example.com/invitations/accept#token=aaa.bbb.ccc";
  static final Instant EXPIRES = Instant.parse("2026-03-09T10:15:30Z");

  @Test
  void saysWhoInvitesToWhichProjectWithWhichRoleTheLinkAndWhenItExpires() {
    Letter letter =
        InvitationLetter.compose(
            "i_1", "p_1", "Ann", "Sales EU", ProjectRole.EDITOR, "dee@example.org", URL, EXPIRES);
    assertThat(letter.to()).isEqualTo("dee@example.org");
    assertThat(letter.subject()).isEqualTo("Ann invited you to the project \"Sales EU\" on Easel");
    assertThat(letter.text())
        .contains("Ann invited you to join the project \"Sales EU\" on Easel as an editor")
        .contains("\n" + URL + "\n")
        .contains("dee@example.org")
        .contains("expires on 2026-03-09 10:15 UTC");
    assertThat(letter.html())
        .contains("<a href=\"" + URL + "\">Accept the invitation</a>")
        .contains("<strong>Sales EU</strong>")
        .contains("2026-03-09 10:15 UTC");
    assertThat(letter.about()).isEqualTo("invitation i_1 to project p_1");
    assertThat(letter.toString()).doesNotContain("aaa.bbb.ccc").doesNotContain("dee@");
    assertThat(
            InvitationLetter.compose(
                    "i_1", "p_1", "Ann", "S", ProjectRole.VIEWER, "d@example.org", URL, EXPIRES)
                .text())
        .contains("as a viewer: you will be able to read its canvases.");
  }

  @Test
  void namesWithLineBreaksAndMarkupStayOnOneLineAndAreEscaped() {
    String project = "Q3\r\nBcc: eve@example.org\n<script>alert(1)</script>";
    String inviter = "<b>Ann</b>\u2028Reply-To: eve@example.org";
    Letter letter =
        InvitationLetter.compose(
            "i_1", "p_1", inviter, project, ProjectRole.OWNER, "dee@example.org", URL, EXPIRES);
    assertThat(letter.subject()).doesNotContain("\r").doesNotContain("\n").doesNotContain("\u2028");
    assertThat(letter.subject()).startsWith("<b>Ann</b> Reply-To: eve@example.org invited you");
    assertThat(letter.text())
        .contains("\"Q3 Bcc: eve@example.org <script>alert(1)</script>\"")
        .doesNotContain("\nBcc:");
    assertThat(letter.html())
        .doesNotContain("<script>")
        .doesNotContain("<b>Ann")
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .contains("&lt;b&gt;Ann&lt;/b&gt; Reply-To: eve@example.org");
  }

  @Test
  void longNamesAreShortenedInTheSubjectOnly() {
    String project = "P".repeat(150);
    Letter letter =
        InvitationLetter.compose(
            "i_1", "p_1", "", project, ProjectRole.COMMENTER, "d@example.org", URL, EXPIRES);
    assertThat(letter.subject())
        .isEqualTo(
            "A member of Easel invited you to the project \"" + "P".repeat(59) + "…\" on Easel");
    assertThat(letter.text()).contains(project).contains("as a commenter");
  }
}
