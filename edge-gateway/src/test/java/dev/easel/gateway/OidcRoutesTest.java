package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Where a sign-in may send the browser back to, and the PKCE challenge. */
class OidcRoutesTest {
  @Test
  void returnsOnlyToPathsOfThisSite() {
    assertThat(OidcRoutes.returnPath(null)).isEqualTo("/");
    assertThat(OidcRoutes.returnPath("")).isEqualTo("/");
    assertThat(OidcRoutes.returnPath("/projects/p1?tab=members#top"))
        .isEqualTo("/projects/p1?tab=members#top");
    for (String unsafe :
        new String[] {
          "//evil.example",
          "///evil.example",
          "/\\evil.example",
          "https://evil.example/",
          "javascript:alert(1)",
          "evil.example",
          "/ok\r\nSet-Cookie: x=1",
          "/tab\tx",
          "/é",
          "/" + "a".repeat(OidcRoutes.MAX_RETURN_PATH)
        }) {
      assertThat(OidcRoutes.returnPath(unsafe)).as(unsafe).isNull();
    }
  }

  @Test
  void challengesWithS256() {
    // RFC 7636 appendix B
    assertThat(OidcRoutes.challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
        .isEqualTo("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    assertThat(OidcRoutes.random()).hasSize(43).isNotEqualTo(OidcRoutes.random());
  }
}
