package dev.easel.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code easel.mail} read from configuration: defaults, the standard ports, and bad values named.
 */
class MailSettingsTest {
  static final Map<String, Object> SERVER =
      Map.of(
          "host", "smtp.example.com",
          "username", "easel",
          "password", "secret 9c1e",
          "from", "Easel <easel@example.com>");

  @Test
  void mailIsOffByDefault() {
    MailSettings settings = MailerTest.load(Map.of());
    assertThat(settings.on()).isFalse();
    assertThat(settings.describe()).isEqualTo("off (easel.mail.host is empty)");
    assertThat(settings.invitationsPerUser()).isEqualTo(50);
    assertThat(settings.invitationsPeriod()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void aServerGetsTheStandardPortAndStarttlsUnlessToldOtherwise() {
    MailSettings submission = MailerTest.load(SERVER);
    assertThat(submission.on()).isTrue();
    assertThat(submission.port()).isEqualTo(587);
    assertThat(submission.starttls()).isEqualTo(MailSettings.StartTls.REQUIRED);
    assertThat(submission.tls()).isFalse();
    assertThat(submission.timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(submission.from().getAddress()).isEqualTo("easel@example.com");
    assertThat(submission.describe())
        .isEqualTo(
            "through smtp.example.com:587 with STARTTLS, signed in as easel,"
                + " from Easel <easel@example.com>");

    MailSettings implicit = MailerTest.load(with("tls", true));
    assertThat(implicit.port()).isEqualTo(465);
    assertThat(implicit.describe()).startsWith("through smtp.example.com:465 with TLS");
    assertThat(MailerTest.load(with("port", 2525)).port()).isEqualTo(2525);
    assertThat(MailerTest.load(with("starttls", "Optional")).starttls())
        .isEqualTo(MailSettings.StartTls.OPTIONAL);
  }

  @Test
  void thePasswordIsNeverShown() {
    MailSettings settings = MailerTest.load(SERVER);
    assertThat(settings.toString()).doesNotContain("secret 9c1e").contains("signed in as easel");
    assertThat(settings.describe()).doesNotContain("secret");
  }

  @Test
  void badValuesAreRefusedWithTheirSettingNamed() {
    assertRefused(with("from", ""), "easel.mail.from", "is required");
    assertRefused(with("from", "not an address"), "easel.mail.from", "must be one address");
    assertRefused(with("from", "a@example.com, b@example.com"), "easel.mail.from", "one address");
    assertRefused(
        with("from", "easel@example.com\r\nBcc: x@example.com"), "easel.mail.from", "one address");
    assertRefused(
        with("starttls", "sometimes"), "easel.mail.starttls", "required, optional or off");
    assertRefused(with("port", 70000), "easel.mail.port", "1 to 65535");
    assertRefused(with("timeout", "30s"), "easel.mail.timeout", "1s to 8s");
    assertRefused(with("timeout", "10ms"), "easel.mail.timeout", "1s to 8s");
    assertRefused(with("password", ""), "easel.mail.password", "is needed with username");
    assertRefused(with("host", "smtp example com"), "easel.mail.host", "host name");
    assertRefused(
        with("invitations-per-user.mails", -1), "easel.mail.invitations-per-user.mails", "0");
    assertRefused(
        with("invitations-per-user.period", "0s"),
        "easel.mail.invitations-per-user.period",
        "positive");
  }

  static Map<String, Object> with(String key, Object value) {
    Map<String, Object> values = new HashMap<>(SERVER);
    values.put(key, value);
    return values;
  }

  static void assertRefused(Map<String, Object> values, String setting, String problem) {
    assertThatThrownBy(() -> MailerTest.load(values))
        .as(values.toString())
        .isInstanceOf(ConfigException.BadValue.class)
        .hasMessageContaining(setting)
        .hasMessageContaining(problem);
  }
}
