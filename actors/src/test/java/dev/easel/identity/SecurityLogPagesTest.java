package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pages of a security log, newest first, and their tokens. */
class SecurityLogPagesTest {
  @Test
  void theFirstPageIsTheNewestEntries() {
    var page = SecurityLogPages.page(120, 0, "");

    assertThat(page.from()).isEqualTo(71);
    assertThat(page.to()).isEqualTo(120);
    assertThat(page.nextPageToken()).isNotEmpty();
  }

  @Test
  void walkingTheTokensVisitsEveryEntryOnceNewestFirst() {
    for (long entries : new long[] {0, 1, 2, 5, 6, 7}) {
      List<Long> seen = new ArrayList<>();
      String token = "";
      int pages = 0;
      do {
        var page = SecurityLogPages.page(entries, 2, token);
        for (long n = page.to(); n >= page.from(); n--) seen.add(n);
        token = page.nextPageToken();
        pages++;
      } while (!token.isEmpty());

      List<Long> expected = new ArrayList<>();
      for (long n = entries; n >= 1; n--) expected.add(n);
      assertThat(seen).as("a log of %d entries", entries).isEqualTo(expected);
      assertThat(pages).isEqualTo(Math.max(1, (int) ((entries + 1) / 2)));
    }
  }

  @Test
  void aTokenStaysValidWhileTheLogGrows() {
    String token = SecurityLogPages.page(10, 4, null).nextPageToken();

    var later = SecurityLogPages.page(25, 4, token);

    assertThat(later.from()).isEqualTo(3);
    assertThat(later.to()).isEqualTo(6);
  }

  @Test
  void pageSizesAreDefaultedAndCapped() {
    assertThat(SecurityLogPages.page(1000, 0, "").from()).isEqualTo(951);
    assertThat(SecurityLogPages.page(1000, 5000, "").from()).isEqualTo(801);
    assertThatThrownBy(() -> SecurityLogPages.page(10, -1, ""))
        .isInstanceOfSatisfying(
            Accounts.Refusal.class,
            refusal -> assertThat(refusal.kind()).isEqualTo(Accounts.Refusal.Kind.INVALID))
        .hasMessageContaining("pageSize");
  }

  @Test
  void malformedTokensAreRefusedNamingTheProblem() {
    assertRefused("!!!not-base64!!!", "not base64url");
    assertRefused("x".repeat(65), "too long");
    assertRefused(Base64.getUrlEncoder().encodeToString(new byte[] {1, 2, 3}), "not a page token");
    assertRefused(
        Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[9]), "not a page token");
    assertRefused(SecurityLogPages.token(12), "outside this security log");
    assertRefused(SecurityLogPages.token(1), "outside this security log");
    assertRefused(SecurityLogPages.token(-5), "outside this security log");
  }

  static void assertRefused(String token, String problem) {
    assertThatThrownBy(() -> SecurityLogPages.page(10, 2, token))
        .isInstanceOfSatisfying(
            Accounts.Refusal.class,
            refusal -> assertThat(refusal.kind()).isEqualTo(Accounts.Refusal.Kind.INVALID))
        .hasMessageContaining("pageToken")
        .hasMessageContaining(problem);
  }
}
