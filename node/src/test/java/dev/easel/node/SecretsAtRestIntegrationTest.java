package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Passwords, refresh tokens, API key secrets and TOTP secrets never appear in plaintext where they
 * could leak: every file of the node's data directory (journal, snapshots, keys), everything the
 * node logged (at DEBUG for Easel's own code) and the answers to wrong and malformed credentials.
 * The secrets go through every path that handles them, successful and refused.
 */
class SecretsAtRestIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;

  @Test
  void noSecretIsStoredLoggedOrEchoedInPlaintext() throws Exception {
    Map<String, String> secrets = new LinkedHashMap<>();
    List<String> answers = new ArrayList<>();
    ListAppender<ILoggingEvent> logs = captureLogs();
    try {
      try (EaselNode node = TestNodes.start(dataDir)) {
        int port = node.httpPort();
        String email = "grace@example.org";
        String password = "first password of grace 7f3a";
        secrets.put("password", password);
        var registered =
            Http.post(
                port,
                "/v1/auth:register",
                "{\"email\":\""
                    + email
                    + "\",\"password\":\""
                    + password
                    + "\",\"displayName\":\"Grace\"}");
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);

        // A wrong guess, a refused registration of a weak password, a login.
        String guess = "a guessed password 91bd";
        secrets.put("guessed password", guess);
        answers.add(login(port, email, guess).body());
        String weak = "weakpw1";
        secrets.put("refused weak password", weak);
        answers.add(
            Http.post(
                    port,
                    "/v1/auth:register",
                    "{\"email\":\"weak@example.org\",\"password\":\""
                        + weak
                        + "\",\"displayName\":\"W\"}")
                .body());
        JsonNode tokens = JSON.readTree(login(port, email, password).body());
        String access = tokens.path("accessToken").asText();
        String refresh = tokens.path("refreshToken").asText();
        secrets.put("refresh token", refresh);
        secrets.put("refresh token secret", secretPart(refresh));

        // Rotate, then present the spent token again (the family is revoked), and a forged one.
        JsonNode rotated = refresh(port, refresh);
        secrets.put("rotated refresh token", rotated.path("refreshToken").asText());
        answers.add(JSON.writeValueAsString(refresh(port, refresh)));
        String forged = refresh.substring(0, refresh.length() - 6) + "AAAAAA";
        secrets.put("forged refresh token secret", secretPart(forged));
        answers.add(JSON.writeValueAsString(refresh(port, forged)));

        // An API key: its whole secret is shown once; presented wrong, it is refused.
        var created =
            Http.post(port, "/v1/apiKeys", "{\"name\":\"ci\",\"scopes\":[\"read\"]}", access);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String apiKey = JSON.readTree(created.body()).path("secret").asText();
        secrets.put("API key", apiKey);
        secrets.put("API key secret", secretPart(apiKey));
        answers.add(Http.get(port, "/v1/apiKeys", access).body());
        var usedKey = Http.get(port, "/v1/projects", apiKey);
        assertThat(usedKey.statusCode()).as(usedKey.body()).isEqualTo(200);
        answers.add(usedKey.body());
        String wrongKey = apiKey.substring(0, apiKey.length() - 6) + "BBBBBB";
        secrets.put("wrong API key secret", secretPart(wrongKey));
        answers.add(Http.get(port, "/v1/users/me", wrongKey).body());

        // An authenticator: its secret is shown once, then kept only encrypted.
        var enrolled = Http.post(port, "/v1/users/me/totp:enroll", "{}", access);
        assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(200);
        String totpSecret = JSON.readTree(enrolled.body()).path("secret").asText();
        secrets.put("TOTP secret", totpSecret);
        var confirmed =
            Http.post(
                port,
                "/v1/users/me/totp:confirm",
                "{\"code\":\""
                    + Rfc6238.ofBase32(totpSecret).nextCode()
                    + "\",\"password\":\""
                    + password
                    + "\"}",
                access);
        assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(200);
        JsonNode recoveryCodes = JSON.readTree(confirmed.body()).path("recoveryCodes");
        assertThat(recoveryCodes).isNotEmpty();
        for (int i = 0; i < recoveryCodes.size(); i++) {
          secrets.put("recovery code " + i, recoveryCodes.get(i).asText());
        }

        // A password change: the new one is kept only hashed too.
        String newPassword = "second password of grace 0c4e";
        secrets.put("new password", newPassword);
        var changed =
            Http.post(
                port,
                "/v1/users/me:changePassword",
                "{\"currentPassword\":\""
                    + password
                    + "\",\"newPassword\":\""
                    + newPassword
                    + "\"}",
                access);
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
      }

      // The node is stopped: everything it wrote is in its files.
      Map<Path, byte[]> files = new LinkedHashMap<>();
      try (Stream<Path> all = Files.walk(dataDir)) {
        for (Path file : all.filter(Files::isRegularFile).toList()) {
          files.put(file, Files.readAllBytes(file));
        }
      }
      assertThat(files.keySet()).anyMatch(file -> file.toString().endsWith(".mv.db"));
      StringBuilder logged = new StringBuilder();
      for (ILoggingEvent event : logs.list) {
        logged.append(event.getFormattedMessage()).append('\n');
        if (event.getThrowableProxy() != null) {
          logged.append(ThrowableProxyUtil.asString(event.getThrowableProxy())).append('\n');
        }
      }
      assertThat(logs.list).as("the node logged at all").isNotEmpty();
      for (var secret : secrets.entrySet()) {
        byte[] needle = secret.getValue().getBytes(StandardCharsets.UTF_8);
        for (var file : files.entrySet()) {
          assertThat(indexOf(file.getValue(), needle))
              .as("%s found in %s", secret.getKey(), dataDir.relativize(file.getKey()))
              .isEqualTo(-1);
        }
        assertThat(logged.toString())
            .as("%s in the logs", secret.getKey())
            .doesNotContain(secret.getValue());
        for (String answer : answers) {
          assertThat(answer)
              .as("%s in an answer", secret.getKey())
              .doesNotContain(secret.getValue());
        }
      }
    } finally {
      releaseLogs(logs);
    }
  }

  static HttpResponse<String> login(int port, String email, String password) throws Exception {
    return Http.post(
        port, "/v1/auth:login", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
  }

  static JsonNode refresh(int port, String refreshToken) throws Exception {
    return JSON.readTree(
        Http.post(port, "/v1/auth:refresh", "{\"refreshToken\":\"" + refreshToken + "\"}").body());
  }

  /** The secret part of a credential {@code <xx>_<id>_<secret>} (the secret may hold '_'). */
  static String secretPart(String credential) {
    String secret = credential.substring(credential.indexOf('_', 3) + 1);
    assertThat(secret).hasSizeGreaterThanOrEqualTo(16);
    return secret;
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) continue outer;
      }
      return i;
    }
    return -1;
  }

  /** Everything logged from now on, with Easel's own loggers at DEBUG. */
  static ListAppender<ILoggingEvent> captureLogs() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.setContext(context);
    appender.start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
    context.getLogger("dev.easel").setLevel(Level.DEBUG);
    return appender;
  }

  static void releaseLogs(ListAppender<ILoggingEvent> appender) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
    context.getLogger("dev.easel").setLevel(null);
    appender.stop();
  }
}
