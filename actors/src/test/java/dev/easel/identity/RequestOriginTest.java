package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What is kept of a request's origin, which the client chooses. */
class RequestOriginTest {
  @Test
  void longUserAgentsAreCutAndControlCharactersReplaced() {
    var origin = new RequestOrigin("203.0.113.7", "agent\r\nX-Injected: 1" + "a".repeat(400));

    assertThat(origin.userAgent()).hasSize(RequestOrigin.MAX_LENGTH).doesNotContain("\r", "\n");
    assertThat(origin.userAgent()).startsWith("agent  X-Injected: 1");
    assertThat(origin.clientAddress()).isEqualTo("203.0.113.7");
    assertThat(origin.sessionId()).isNull();
  }

  @Test
  void aCutNeverSplitsASurrogatePair() {
    String agent = "a".repeat(RequestOrigin.MAX_LENGTH - 1) + "😀";

    assertThat(new RequestOrigin(null, agent).userAgent())
        .isEqualTo("a".repeat(RequestOrigin.MAX_LENGTH - 1));
  }

  @Test
  void blankMeansUnknownAndTheSessionIsAddedLater() {
    var origin = new RequestOrigin(" ", "").withSession("f-1");

    assertThat(origin).isEqualTo(new RequestOrigin(null, null, "f-1"));
    assertThat(RequestOrigin.UNKNOWN.clientAddress()).isNull();
  }
}
