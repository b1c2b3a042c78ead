package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ApiKeySecretsTest {

  @Test
  void generatedKeyHasTheDocumentedShape() {
    ApiKeySecrets.Issued key = ApiKeySecrets.generate();

    assertThat(key.plaintext()).matches("ek_[a-z2-7]{16}_[A-Za-z0-9_-]{43}");
    assertThat(key.plaintext()).startsWith("ek_" + key.keyId() + "_");
    String secret = key.plaintext().substring(("ek_" + key.keyId() + "_").length());
    assertThat(Base64.getUrlDecoder().decode(secret)).hasSize(32);
    assertThat(key.secretDigest()).matches("[0-9a-f]{64}").doesNotContain(secret);
    assertThat(ApiKeySecrets.generate().keyId()).isNotEqualTo(key.keyId());
  }

  @Test
  void presentedKeyParsesToItsIdAndVerifiesAgainstTheStoredDigest() throws Exception {
    ApiKeySecrets.Issued key = ApiKeySecrets.generate();

    ApiKeySecrets.Presented presented = ApiKeySecrets.parse(key.plaintext());

    assertThat(presented.keyId()).isEqualTo(key.keyId());
    assertThat(ApiKeySecrets.verify(presented, key.secretDigest())).isTrue();
    assertThat(ApiKeySecrets.verify(presented, ApiKeySecrets.generate().secretDigest())).isFalse();
  }

  @Test
  void aPastedKeyWithSurroundingWhitespaceStillParses() throws Exception {
    ApiKeySecrets.Issued key = ApiKeySecrets.generate();
    assertThat(ApiKeySecrets.parse("  " + key.plaintext() + "\n").keyId()).isEqualTo(key.keyId());
  }

  @Test
  void secretUnderAnotherKeyIdFailsVerification() throws Exception {
    ApiKeySecrets.Issued mine = ApiKeySecrets.generate();
    ApiKeySecrets.Issued theirs = ApiKeySecrets.generate();
    // Underscores may occur in the secret, so find it from the id.
    String secret = mine.plaintext().substring(("ek_" + mine.keyId() + "_").length());

    ApiKeySecrets.Presented swapped = ApiKeySecrets.parse("ek_" + theirs.keyId() + "_" + secret);

    assertThat(ApiKeySecrets.verify(swapped, theirs.secretDigest())).isFalse();
  }

  @Test
  void tamperedSecretFailsVerification() throws Exception {
    ApiKeySecrets.Issued key = ApiKeySecrets.generate();
    String plaintext = key.plaintext();
    int position = plaintext.length() - 10;
    char replacement = plaintext.charAt(position) == 'A' ? 'B' : 'A';
    String tampered =
        plaintext.substring(0, position) + replacement + plaintext.substring(position + 1);

    assertThat(ApiKeySecrets.verify(ApiKeySecrets.parse(tampered), key.secretDigest())).isFalse();
  }

  @Test
  void malformedStoredDigestNeverMatches() throws Exception {
    ApiKeySecrets.Presented presented = ApiKeySecrets.parse(ApiKeySecrets.generate().plaintext());
    assertThat(ApiKeySecrets.verify(presented, null)).isFalse();
    assertThat(ApiKeySecrets.verify(presented, "")).isFalse();
    assertThat(ApiKeySecrets.verify(presented, "zz".repeat(32))).isFalse();
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "ek_",
        "ek_abcdefghijklmnop",
        "ek_abcdefghijklmnop_",
        "rt_abcdefghijklmnop_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "EK_abcdefghijklmnop_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "ek_ABCDEFGHIJKLMNOP_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "ek_abcdefgh_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "ek_abcdefghijklmnop_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "ek_abcdefghijklmnop_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "ek_abcdefghijklmnop_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "ek_abcdefghijklmnop_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",
        "ek_abcdefghijklmnop_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",
        "Bearer ek_abcdefghijklmnop_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "ek_abcdefghijklmnop_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA extra"
      })
  void malformedKeysAreRefusedWithoutEchoingThem(String presented) {
    assertThatThrownBy(() -> ApiKeySecrets.parse(presented))
        .isInstanceOf(MalformedCredentialException.class)
        .hasMessage("not an Easel API key: expected ek_<key id>_<secret>");
  }

  @Test
  void theCanonicalFormOfTheSameBytesIsAccepted() throws Exception {
    // 43 characters carry 258 bits; the last character's two spare bits must be zero, so exactly
    // one spelling exists for each secret.
    assertThat(
            ApiKeySecrets.parse("ek_abcdefghijklmnop_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                .keyId())
        .isEqualTo("abcdefghijklmnop");
  }

  @Test
  void plaintextNeverAppearsInToString() throws Exception {
    ApiKeySecrets.Issued key = ApiKeySecrets.generate();
    ApiKeySecrets.Presented presented = ApiKeySecrets.parse(key.plaintext());
    String secret = presented.secret();

    assertThat(key.toString()).contains(key.keyId()).doesNotContain(secret);
    assertThat(presented.toString()).contains(key.keyId()).doesNotContain(secret);
  }
}
