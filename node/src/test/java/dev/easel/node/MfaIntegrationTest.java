package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two-step sign-in over REST against a real node: enrolling an authenticator, confirming it with a
 * code computed by an independent RFC 6238 implementation ({@link Rfc6238}), signing in with and
 * without codes, replayed codes, recovery codes, turning it off; and that the secret is stored only
 * encrypted.
 */
class MfaIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String EMAIL = "ada@example.org";
  static final String PASSWORD = "correct horse battery";

  @TempDir Path dataDir;

  static JsonNode body(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  /** The ErrorInfo reason of an error answer. */
  static String reason(HttpResponse<String> response) throws Exception {
    for (JsonNode detail : body(response).path("details")) {
      if (detail.path("@type").asText().endsWith("google.rpc.ErrorInfo")) {
        return detail.path("reason").asText();
      }
    }
    throw new AssertionError("no ErrorInfo in " + response.body());
  }

  static HttpResponse<String> browserLogin(int port, String extra) throws Exception {
    return Http.post(
        port,
        "/v1/auth/browser/login",
        "{\"email\":\"" + EMAIL + "\",\"password\":\"" + PASSWORD + "\"" + extra + "}");
  }

  static HttpResponse<String> login(int port, String extra) throws Exception {
    return Http.post(
        port,
        "/v1/auth:login",
        "{\"email\":\"" + EMAIL + "\",\"password\":\"" + PASSWORD + "\"" + extra + "}");
  }

  @Test
  void theTestAuthenticatorFollowsRfc6238() {
    // RFC 6238 appendix B, SHA-1 seed, T = 59 s and T = 1111111109 s, 8 digits.
    Rfc6238 reference = new Rfc6238("12345678901234567890".getBytes(StandardCharsets.US_ASCII));
    assertThat(reference.code(1, 8)).isEqualTo("94287082");
    assertThat(reference.code(1111111109L / 30, 8)).isEqualTo("07081804");
    assertThat(Rfc6238.ofBase32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").code(1, 8))
        .isEqualTo("94287082");
  }

  @Test
  void enrollConfirmSignInWithCodesAndTurnItOff() throws Exception {
    String secret;
    // This test fails sign-ins of one account on purpose, more than the login limit allows in a
    // few minutes (RateLimitIntegrationTest covers that limit): it is raised here.
    try (EaselNode node =
        TestNodes.start(
            dataDir,
            Map.<String, Object>of("easel.http.rate-limits.login-per-account.requests", 1000))) {
      int port = node.httpPort();
      var registered =
          Http.post(
              port,
              "/v1/auth:register",
              "{\"email\":\""
                  + EMAIL
                  + "\",\"password\":\""
                  + PASSWORD
                  + "\",\"displayName\":\"Ada\"}");
      assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
      String token = body(login(port, "")).path("accessToken").asText();

      // Enrolling needs a signed-in user and returns the secret once, with its otpauth URI.
      assertThat(Http.post(port, "/v1/users/me/totp:enroll", "{}").statusCode()).isEqualTo(401);
      var enrolled = Http.post(port, "/v1/users/me/totp:enroll", "{}", token);
      assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(200);
      secret = body(enrolled).path("secret").asText();
      assertThat(secret).matches("[A-Z2-7]{32}");
      assertThat(body(enrolled).path("otpauthUri").asText())
          .isEqualTo(
              "otpauth://totp/Easel:"
                  + URLEncoder.encode(EMAIL, StandardCharsets.UTF_8).replace("%40", "@")
                  + "?secret="
                  + secret
                  + "&issuer=Easel&algorithm=SHA1&digits=6&period=30");
      Rfc6238 authenticator = Rfc6238.ofBase32(secret);

      // Not on until confirmed: signing in needs no code yet.
      assertThat(body(Http.get(port, "/v1/users/me", token)).path("totpEnabled").asBoolean())
          .isFalse();
      assertThat(login(port, "").statusCode()).isEqualTo(200);

      // Confirming: bad shapes and wrong codes are refused with the reason.
      var malformed = Http.post(port, "/v1/users/me/totp:confirm", "{\"code\":\"12ab56\"}", token);
      assertThat(malformed.statusCode()).isEqualTo(400);
      assertThat(body(malformed).path("message").asText()).contains("code").contains("6 digits");
      var missing = Http.post(port, "/v1/users/me/totp:confirm", "{}", token);
      assertThat(missing.statusCode()).isEqualTo(400);
      assertThat(body(missing).path("message").asText()).contains("code is required");
      var oversized =
          Http.post(
              port,
              "/v1/users/me/totp:confirm",
              "{\"code\":\"" + "1".repeat(100_000) + "\"}",
              token);
      assertThat(oversized.statusCode()).isEqualTo(400);
      assertThat(oversized.body()).contains("too long").doesNotContain("1111111111");
      String withPassword = ",\"password\":\"" + PASSWORD + "\"}";
      String wrongCode = wrongCode(authenticator);
      var wrong =
          Http.post(
              port,
              "/v1/users/me/totp:confirm",
              "{\"code\":\"" + wrongCode + "\"" + withPassword,
              token);
      assertThat(wrong.statusCode()).isEqualTo(400);
      assertThat(reason(wrong)).isEqualTo("TOTP_CODE_INVALID");

      // The access token alone does not turn it on: the password confirms it is the owner.
      String confirmCode = authenticator.nextCode();
      var noPassword =
          Http.post(port, "/v1/users/me/totp:confirm", "{\"code\":\"" + confirmCode + "\"}", token);
      assertThat(noPassword.statusCode()).isEqualTo(400);
      assertThat(body(noPassword).path("message").asText()).contains("send password");
      var confirmWrongPassword =
          Http.post(
              port,
              "/v1/users/me/totp:confirm",
              "{\"code\":\"" + confirmCode + "\",\"password\":\"not it\"}",
              token);
      assertThat(confirmWrongPassword.statusCode()).isEqualTo(403);
      assertThat(reason(confirmWrongPassword)).isEqualTo("REAUTHENTICATION_FAILED");
      assertThat(body(Http.get(port, "/v1/users/me", token)).path("totpEnabled").asBoolean())
          .isFalse();
      var confirmed =
          Http.post(
              port,
              "/v1/users/me/totp:confirm",
              "{\"code\":\"" + confirmCode + "\"" + withPassword,
              token);
      assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(200);
      List<String> recoveryCodes = new ArrayList<>();
      body(confirmed).path("recoveryCodes").forEach(code -> recoveryCodes.add(code.asText()));
      assertThat(recoveryCodes).hasSize(10).doesNotHaveDuplicates();
      assertThat(recoveryCodes).allMatch(code -> code.matches("[a-z2-7]{4}-[a-z2-7]{4}"));
      JsonNode me = body(Http.get(port, "/v1/users/me", token));
      assertThat(me.path("totpEnabled").asBoolean()).isTrue();
      assertThat(me.path("recoveryCodesLeft").asInt()).isEqualTo(10);
      assertThat(me.toString()).doesNotContain(secret);

      // On now: without a second factor, no tokens and a reason that says what is missing.
      var noCode = login(port, "");
      assertThat(noCode.statusCode()).isEqualTo(401);
      assertThat(reason(noCode)).isEqualTo("MFA_REQUIRED");
      assertThat(body(noCode).path("message").asText()).contains("totpCode");
      assertThat(noCode.body()).doesNotContain("accessToken");
      // A wrong password is still just a wrong password: the second factor is not mentioned.
      var wrongPassword =
          Http.post(
              port,
              "/v1/auth:login",
              "{\"email\":\"" + EMAIL + "\",\"password\":\"not the password\"}");
      assertThat(wrongPassword.statusCode()).isEqualTo(401);
      assertThat(reason(wrongPassword)).isEqualTo("UNAUTHENTICATED");
      assertThat(reason(login(port, ",\"totpCode\":\"12345\""))).isEqualTo("INVALID_ARGUMENT");
      assertThat(
              login(
                      port,
                      ",\"totpCode\":\"123456\",\"recoveryCode\":\"" + recoveryCodes.get(0) + "\"")
                  .statusCode())
          .isEqualTo(400);
      var wrongTotp = login(port, ",\"totpCode\":\"" + wrongCode(authenticator) + "\"");
      assertThat(wrongTotp.statusCode()).isEqualTo(401);
      assertThat(reason(wrongTotp)).isEqualTo("TOTP_CODE_INVALID");

      // The confirmation's code was used: it does not sign in.
      var confirmReplayed = login(port, ",\"totpCode\":\"" + confirmCode + "\"");
      assertThat(confirmReplayed.statusCode()).isEqualTo(401);
      assertThat(reason(confirmReplayed)).isEqualTo("TOTP_CODE_REUSED");

      String signInCode = authenticator.nextCode();
      var withCode = login(port, ",\"totpCode\":\"" + signInCode + "\"");
      assertThat(withCode.statusCode()).as(withCode.body()).isEqualTo(200);
      String mfaToken = body(withCode).path("accessToken").asText();
      assertThat(Http.get(port, "/v1/users/me", mfaToken).statusCode()).isEqualTo(200);

      var replayed = login(port, ",\"totpCode\":\"" + signInCode + "\"");
      assertThat(replayed.statusCode()).isEqualTo(401);
      assertThat(reason(replayed)).isEqualTo("TOTP_CODE_REUSED");
      assertThat(replayed.body()).doesNotContain("accessToken");

      // The browser sign-in asks for the same second factor.
      var browserNoCode = browserLogin(port, "");
      assertThat(browserNoCode.statusCode()).isEqualTo(401);
      assertThat(reason(browserNoCode)).isEqualTo("MFA_REQUIRED");
      assertThat(browserNoCode.headers().allValues("set-cookie")).isEmpty();
      var browserWithCode =
          browserLogin(port, ",\"totpCode\":\"" + authenticator.nextCode() + "\"");
      assertThat(browserWithCode.statusCode()).as(browserWithCode.body()).isEqualTo(200);
      assertThat(browserWithCode.headers().allValues("set-cookie"))
          .anyMatch(cookie -> cookie.startsWith("easel_access="));

      // A recovery code signs in once, typed in any case.
      String recovery = recoveryCodes.get(0);
      var withRecovery = login(port, ",\"recoveryCode\":\"" + recovery.toUpperCase() + "\"");
      assertThat(withRecovery.statusCode()).as(withRecovery.body()).isEqualTo(200);
      var recoveryAgain = login(port, ",\"recoveryCode\":\"" + recovery + "\"");
      assertThat(recoveryAgain.statusCode()).isEqualTo(401);
      assertThat(reason(recoveryAgain)).isEqualTo("RECOVERY_CODE_INVALID");
      assertThat(body(Http.get(port, "/v1/users/me", token)).path("recoveryCodesLeft").asInt())
          .isEqualTo(9);

      // Enrolling again while on is refused.
      var reEnroll = Http.post(port, "/v1/users/me/totp:enroll", "{}", token);
      assertThat(reEnroll.statusCode()).isEqualTo(400);
      assertThat(reason(reEnroll)).isEqualTo("TOTP_ALREADY_ENABLED");

      // New recovery codes need a fresh code of the authenticator; the old ones stop working.
      var regenerateWithoutCode = Http.post(port, "/v1/users/me/recoveryCodes", "{}", token);
      assertThat(regenerateWithoutCode.statusCode()).isEqualTo(400);
      var regenerateReplayed =
          Http.post(
              port, "/v1/users/me/recoveryCodes", "{\"totpCode\":\"" + signInCode + "\"}", token);
      assertThat(regenerateReplayed.statusCode()).isEqualTo(403);
      assertThat(reason(regenerateReplayed)).isEqualTo("TOTP_CODE_REUSED");
      var regenerated =
          Http.post(
              port,
              "/v1/users/me/recoveryCodes",
              "{\"totpCode\":\"" + authenticator.nextCode() + "\"}",
              token);
      assertThat(regenerated.statusCode()).as(regenerated.body()).isEqualTo(200);
      List<String> fresh = new ArrayList<>();
      body(regenerated).path("recoveryCodes").forEach(code -> fresh.add(code.asText()));
      assertThat(fresh).hasSize(10).doesNotContainAnyElementsOf(recoveryCodes);
      assertThat(login(port, ",\"recoveryCode\":\"" + recoveryCodes.get(1) + "\"").statusCode())
          .isEqualTo(401);
      assertThat(login(port, ",\"recoveryCode\":\"" + fresh.get(0) + "\"").statusCode())
          .isEqualTo(200);

      // Turning it off needs the password (or a code); a wrong one is refused, not signed out.
      var disableEmpty = Http.post(port, "/v1/users/me/totp:disable", "{}", token);
      assertThat(disableEmpty.statusCode()).isEqualTo(400);
      assertThat(body(disableEmpty).path("message").asText()).contains("password");
      var disableWrong =
          Http.post(
              port, "/v1/users/me/totp:disable", "{\"password\":\"not the password\"}", token);
      assertThat(disableWrong.statusCode()).isEqualTo(403);
      assertThat(reason(disableWrong)).isEqualTo("REAUTHENTICATION_FAILED");
      var disabled =
          Http.post(
              port, "/v1/users/me/totp:disable", "{\"password\":\"" + PASSWORD + "\"}", token);
      assertThat(disabled.statusCode()).as(disabled.body()).isEqualTo(200);
      assertThat(body(Http.get(port, "/v1/users/me", token)).path("totpEnabled").asBoolean())
          .isFalse();
      assertThat(login(port, "").statusCode()).isEqualTo(200);
      var disableAgain =
          Http.post(
              port, "/v1/users/me/totp:disable", "{\"password\":\"" + PASSWORD + "\"}", token);
      assertThat(disableAgain.statusCode()).isEqualTo(400);
      assertThat(reason(disableAgain)).isEqualTo("TOTP_NOT_ENABLED");

      // A new authenticator can be enrolled afterwards.
      assertThat(Http.post(port, "/v1/users/me/totp:enroll", "{}", token).statusCode())
          .isEqualTo(200);
    }
    // The secret was stored only encrypted: it appears nowhere in the data directory.
    assertThat(dataDir.resolve("keys").resolve("secrets.key")).exists();
    assertThat(filesContaining(dataDir, secret)).isEmpty();
  }

  /** A six-digit code that none of the steps the server accepts now would produce. */
  static String wrongCode(Rfc6238 authenticator) {
    long now = Rfc6238.stepAt(java.time.Instant.now());
    List<String> accepted = new ArrayList<>();
    for (long step = now - 2; step <= now + 2; step++) accepted.add(authenticator.code(step));
    for (int candidate = 0; ; candidate++) {
      String code = String.format("%06d", candidate);
      if (!accepted.contains(code)) return code;
    }
  }

  /** The files under {@code dir} whose bytes contain {@code text} (ASCII). */
  static List<Path> filesContaining(Path dir, String text) throws Exception {
    byte[] needle = text.getBytes(StandardCharsets.US_ASCII);
    List<Path> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        byte[] content = Files.readAllBytes(file);
        if (indexOf(content, needle) >= 0) found.add(file);
      }
    }
    return found;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) continue outer;
      }
      return i;
    }
    return -1;
  }
}
