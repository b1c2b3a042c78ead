package dev.easel.mail;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Mails per sender and period, with a clock the test moves. */
class MailQuotaTest {
  @Test
  void eachSenderHasItsOwnWindowThatOpensAgainAfterThePeriod() {
    HandClock clock = new HandClock();
    MailQuota quota = new MailQuota(2, Duration.ofHours(1), clock);
    assertThat(quota.take("ann")).isTrue();
    clock.advance(Duration.ofMinutes(10));
    assertThat(quota.take("ann")).isTrue();
    assertThat(quota.take("ann")).isFalse();
    assertThat(quota.take("bob")).isTrue();
    clock.advance(Duration.ofMinutes(49));
    assertThat(quota.take("ann")).isFalse();
    clock.advance(Duration.ofMinutes(1));
    assertThat(quota.take("ann")).isTrue();
    assertThat(quota.describe()).isEqualTo("2 per 1h");
  }

  @Test
  void zeroIsNoLimit() {
    MailQuota quota = new MailQuota(0, Duration.ofHours(1), new HandClock());
    for (int i = 0; i < 1000; i++) assertThat(quota.take("ann")).isTrue();
  }

  @Test
  void memoryStaysBoundedAndAForgottenSenderStartsAfresh() {
    HandClock clock = new HandClock();
    MailQuota quota = new MailQuota(1, Duration.ofDays(1), clock);
    assertThat(quota.take("ann")).isTrue();
    assertThat(quota.take("ann")).isFalse();
    for (int i = 0; i < MailQuota.MAX_TRACKED; i++) quota.take("sender-" + i);
    assertThat(quota.take("ann")).isTrue();
  }

  /** A clock that the test moves by hand. */
  static final class HandClock extends Clock {
    private Instant now = Instant.parse("2026-03-02T10:00:00Z");

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
