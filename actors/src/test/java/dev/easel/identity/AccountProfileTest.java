package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AccountProfileTest {
  @Test
  void aDisplayNameIsStrippedAndBounded() {
    assertThat(AccountProfile.displayName("  Ada Lovelace ")).isEqualTo("Ada Lovelace");
    assertThat(AccountProfile.displayName("Zoë 😀")).isEqualTo("Zoë 😀");
    assertThat(AccountProfile.displayName("x".repeat(200))).hasSize(200);
    for (String bad : List.of("", "   ", "x".repeat(201))) {
      assertThatThrownBy(() -> AccountProfile.displayName(bad))
          .isInstanceOfSatisfying(
              Accounts.Refusal.class,
              refusal -> assertThat(refusal.kind()).isEqualTo(Accounts.Refusal.Kind.INVALID))
          .hasMessage("displayName must be 1 to 200 characters");
    }
    assertThatThrownBy(() -> AccountProfile.displayName(null)).isInstanceOf(Accounts.Refusal.class);
    assertThatThrownBy(() -> AccountProfile.displayName("Ada\u0000Bob"))
        .hasMessageContaining("control characters");
    assertThatThrownBy(() -> AccountProfile.displayName("Ada\nBob"))
        .hasMessageContaining("control characters");
  }

  @Test
  void anEmptyAvatarRemovesIt() {
    assertThat(AccountProfile.avatarUrl("")).isNull();
    assertThat(AccountProfile.avatarUrl("  ")).isNull();
    assertThat(AccountProfile.avatarUrl(null)).isNull();
  }

  @Test
  void anAvatarIsAnHttpsUrlWithAHost() {
    assertThat(AccountProfile.avatarUrl(" https://cdn.example.org/a/b.png?size=64 "))
        .isEqualTo("https://cdn.example.org/a/b.png?size=64");
    assertThat(AccountProfile.avatarUrl("HTTPS://CDN.example.org/a.png"))
        .isEqualTo("HTTPS://CDN.example.org/a.png");
    String longest = "https://cdn.example.org/" + "a".repeat(2048 - 24);
    assertThat(AccountProfile.avatarUrl(longest)).hasSize(2048);
  }

  @Test
  void otherAvatarsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> AccountProfile.avatarUrl("http://cdn.example.org/a.png"))
        .hasMessage("avatarUrl must be an https URL");
    assertThatThrownBy(() -> AccountProfile.avatarUrl("javascript:alert(1)"))
        .hasMessage("avatarUrl must be an https URL");
    assertThatThrownBy(() -> AccountProfile.avatarUrl("data:image/png;base64,AAAA"))
        .hasMessage("avatarUrl must be an https URL");
    assertThatThrownBy(() -> AccountProfile.avatarUrl("/relative/a.png"))
        .hasMessage("avatarUrl must be an https URL");
    assertThatThrownBy(() -> AccountProfile.avatarUrl("https:///a.png"))
        .hasMessage("avatarUrl must name a host");
    assertThatThrownBy(() -> AccountProfile.avatarUrl("https://user:pw@cdn.example.org/a.png"))
        .hasMessage("avatarUrl must not contain a user name or password");
    assertThatThrownBy(() -> AccountProfile.avatarUrl("https://cdn.example.org/a b.png"))
        .hasMessage("avatarUrl must not contain spaces or control characters");
    assertThatThrownBy(() -> AccountProfile.avatarUrl("https://cdn.example.org/%zz"))
        .hasMessage("avatarUrl is not a valid URL");
    String tooLong = "https://cdn.example.org/" + "a".repeat(2048);
    assertThatThrownBy(() -> AccountProfile.avatarUrl(tooLong))
        .hasMessage("avatarUrl must be at most 2048 characters");
  }
}
