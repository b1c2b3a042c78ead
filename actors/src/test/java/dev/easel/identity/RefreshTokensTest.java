package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RefreshTokensTest {

  @Test
  void aFamilyStartsWithATokenOfTheDocumentedShape() throws Exception {
    RefreshTokens.Issued first = RefreshTokens.startFamily();

    assertThat(first.plaintext()).matches("rt_[a-z2-7]{16}_[A-Za-z0-9_-]{43}");
    RefreshTokens.Presented presented = RefreshTokens.parse(first.plaintext());
    assertThat(presented.familyId()).isEqualTo(first.familyId());
    assertThat(RefreshTokens.verify(presented, first.secretDigest())).isTrue();
  }

  @Test
  void rotationKeepsTheFamilyAndRetiresTheOldSecret() throws Exception {
    RefreshTokens.Issued first = RefreshTokens.startFamily();
    RefreshTokens.Issued second = RefreshTokens.rotate(first.familyId());

    assertThat(second.familyId()).isEqualTo(first.familyId());
    assertThat(second.plaintext()).isNotEqualTo(first.plaintext());
    // The server now stores only the second digest: the first token no longer matches it.
    RefreshTokens.Presented replayed = RefreshTokens.parse(first.plaintext());
    assertThat(replayed.familyId()).isEqualTo(first.familyId());
    assertThat(RefreshTokens.verify(replayed, second.secretDigest())).isFalse();
    assertThat(RefreshTokens.verify(RefreshTokens.parse(second.plaintext()), second.secretDigest()))
        .isTrue();
  }

  @Test
  void rotatingAnInvalidFamilyIdIsRefused() {
    assertThatThrownBy(() -> RefreshTokens.rotate("not a family"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RefreshTokens.rotate(null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void apiKeysAndRefreshTokensAreNotInterchangeable() {
    String apiKey = ApiKeySecrets.generate().plaintext();
    String refreshToken = RefreshTokens.startFamily().plaintext();

    assertThatThrownBy(() -> RefreshTokens.parse(apiKey))
        .isInstanceOf(MalformedCredentialException.class)
        .hasMessage("not an Easel refresh token: expected rt_<family id>_<secret>");
    assertThatThrownBy(() -> ApiKeySecrets.parse(refreshToken))
        .isInstanceOf(MalformedCredentialException.class);
  }

  @Test
  void plaintextNeverAppearsInToString() throws Exception {
    RefreshTokens.Issued token = RefreshTokens.startFamily();
    String secret = RefreshTokens.parse(token.plaintext()).secret();

    assertThat(token.toString()).doesNotContain(secret);
    assertThat(RefreshTokens.parse(token.plaintext()).toString()).doesNotContain(secret);
  }
}
