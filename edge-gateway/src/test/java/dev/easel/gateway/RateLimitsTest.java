package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.github.bucket4j.TimeMeter;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The buckets of {@link RateLimits} on a clock the test moves by hand: bursts up to the limit, the
 * refusal and its wait, gradual refill, sign-in attempts given back on success, limits off.
 */
class RateLimitsTest {
  /** A clock that moves only when told. */
  static final class HandClock implements TimeMeter {
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long currentTimeNanos() {
      return nanos.get();
    }

    @Override
    public boolean isWallClockBased() {
      return false;
    }

    void advance(Duration by) {
      nanos.addAndGet(by.toNanos());
    }
  }

  static final InetAddress HOME = address("192.0.2.10");
  static final InetAddress OTHER = address("198.51.100.7");

  static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static RateLimits.Settings settings(long perUser, long perAccount, long perAddress) {
    return new RateLimits.Settings(
        new RateLimits.Limit(perUser, Duration.ofMinutes(1)),
        new RateLimits.Limit(10_000, Duration.ofMinutes(1)),
        new RateLimits.Limit(perAccount, Duration.ofMinutes(5)),
        new RateLimits.Limit(perAddress, Duration.ofMinutes(1)),
        1000);
  }

  @Test
  void aBurstUpToTheLimitPassesThenTheUserWaitsForTheGradualRefill() {
    HandClock clock = new HandClock();
    RateLimits limits = new RateLimits(settings(60, 10, 60), clock);
    for (int i = 0; i < 60; i++) limits.admitUser("u_ada");
    assertThatThrownBy(() -> limits.admitUser("u_ada"))
        .isInstanceOfSatisfying(
            RateLimits.Exceeded.class,
            e -> {
              assertThat(e.kind()).isEqualTo(RateLimits.Kind.PER_USER);
              // 60 a minute refill one a second.
              assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1));
              assertThat(e.retryAfterSeconds()).isEqualTo(1);
              assertThat(e.getMessage())
                  .isEqualTo(
                      "too many requests from this user: at most 60 per 1 minute; try again in 1"
                          + " s");
            });
    // Another user has a bucket of their own.
    limits.admitUser("u_bob");

    clock.advance(Duration.ofSeconds(1));
    limits.admitUser("u_ada");
    assertThatThrownBy(() -> limits.admitUser("u_ada")).isInstanceOf(RateLimits.Exceeded.class);
    clock.advance(Duration.ofMinutes(1));
    for (int i = 0; i < 60; i++) limits.admitUser("u_ada");
    assertThatThrownBy(() -> limits.admitUser("u_ada")).isInstanceOf(RateLimits.Exceeded.class);
  }

  @Test
  void failedSignInsCountPerAccountWhateverTheSpellingOfTheEmail() {
    HandClock clock = new HandClock();
    RateLimits limits = new RateLimits(settings(1000, 3, 60), clock);
    limits.admitLogin("ada@example.org", HOME);
    limits.admitLogin("  Ada@Example.ORG ", OTHER);
    limits.admitLogin("ADA@example.org", HOME);
    assertThatThrownBy(() -> limits.admitLogin("ada@example.org", OTHER))
        .isInstanceOfSatisfying(
            RateLimits.Exceeded.class,
            e -> {
              assertThat(e.kind()).isEqualTo(RateLimits.Kind.LOGIN_PER_ACCOUNT);
              // 3 per 5 minutes: one every 100 s.
              assertThat(e.retryAfterSeconds()).isEqualTo(100);
              assertThat(e.getMessage())
                  .contains("sign-in attempts for this account")
                  .contains("3 per 5 minutes")
                  .doesNotContain("ada");
            });
    // Another account from the same addresses is not affected.
    limits.admitLogin("bob@example.org", HOME).succeeded();
    clock.advance(Duration.ofSeconds(100));
    limits.admitLogin("ada@example.org", HOME);
    assertThatThrownBy(() -> limits.admitLogin("ada@example.org", HOME))
        .isInstanceOf(RateLimits.Exceeded.class);
  }

  @Test
  void successfulSignInsGiveTheirAttemptsBack() {
    RateLimits limits = new RateLimits(settings(1000, 2, 3), new HandClock());
    for (int i = 0; i < 20; i++) limits.admitLogin("ada@example.org", HOME).succeeded();
    limits.admitLogin("ada@example.org", HOME);
    limits.admitLogin("ada@example.org", HOME);
    assertThatThrownBy(() -> limits.admitLogin("ada@example.org", HOME))
        .isInstanceOf(RateLimits.Exceeded.class);
  }

  @Test
  void checksOfASignedInUsersPasswordCountLikeSignInsPerAccount() {
    RateLimits limits = new RateLimits(settings(1000, 2, 100), new HandClock());
    limits.admitReauthentication("u_1", HOME).succeeded();
    limits.admitReauthentication("u_1", HOME);
    limits.admitReauthentication("u_1", OTHER);
    assertThatThrownBy(() -> limits.admitReauthentication("u_1", HOME))
        .isInstanceOfSatisfying(
            RateLimits.Exceeded.class,
            e -> assertThat(e.kind()).isEqualTo(RateLimits.Kind.LOGIN_PER_ACCOUNT));
    // Another account, and sign-ins by email, have buckets of their own.
    limits.admitReauthentication("u_2", HOME);
    limits.admitLogin("u_1", HOME);
  }

  @Test
  void theAddressLimitCountsEveryAccountAndSignUpsFromThatAddress() {
    RateLimits limits = new RateLimits(settings(1000, 10, 4), new HandClock());
    limits.admitLogin("a@example.org", HOME);
    limits.admitLogin("b@example.org", HOME);
    limits.admitSignUp(HOME);
    limits.admitLogin("c@example.org", HOME);
    assertThatThrownBy(() -> limits.admitLogin("d@example.org", HOME))
        .isInstanceOfSatisfying(
            RateLimits.Exceeded.class,
            e -> {
              assertThat(e.kind()).isEqualTo(RateLimits.Kind.LOGIN_PER_ADDRESS);
              assertThat(e.getMessage()).doesNotContain("192.0.2.10");
            });
    assertThatThrownBy(() -> limits.admitSignUp(HOME)).isInstanceOf(RateLimits.Exceeded.class);
    // The refused attempt took nothing from d's account: from elsewhere it has all its tries.
    for (int i = 0; i < 4; i++) limits.admitLogin("d@example.org", OTHER);
  }

  @Test
  void aRefusalByTheAccountLimitTakesNothingFromTheAddress() {
    RateLimits limits = new RateLimits(settings(1000, 1, 3), new HandClock());
    limits.admitLogin("ada@example.org", HOME);
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> limits.admitLogin("ada@example.org", HOME))
          .isInstanceOf(RateLimits.Exceeded.class);
    }
    limits.admitLogin("bob@example.org", HOME);
    limits.admitLogin("eve@example.org", HOME);
    assertThatThrownBy(() -> limits.admitLogin("joe@example.org", HOME))
        .isInstanceOfSatisfying(
            RateLimits.Exceeded.class,
            e -> assertThat(e.kind()).isEqualTo(RateLimits.Kind.LOGIN_PER_ADDRESS));
  }

  @Test
  void ipv6ClientsAreCountedByTheirSlash64() {
    assertThat(RateLimits.addressKey(address("2001:db8:1:2:aaaa::1")))
        .isEqualTo(RateLimits.addressKey(address("2001:db8:1:2:bbbb:cccc:dddd:eeee")))
        .isEqualTo("2001:db8:1:2:0:0:0:0/64");
    assertThat(RateLimits.addressKey(address("2001:db8:1:3::1")))
        .isNotEqualTo(RateLimits.addressKey(address("2001:db8:1:2::1")));
    assertThat(RateLimits.addressKey(HOME)).isEqualTo("192.0.2.10");

    RateLimits limits = new RateLimits(settings(1000, 10, 2), new HandClock());
    limits.admitSignUp(address("2001:db8::1"));
    limits.admitSignUp(address("2001:db8::2"));
    assertThatThrownBy(() -> limits.admitSignUp(address("2001:db8::ffff")))
        .isInstanceOf(RateLimits.Exceeded.class);
  }

  @Test
  void noEmailIsKeptInTheKeys() {
    RateLimits limits = new RateLimits(settings(1000, 10, 60), new HandClock());
    String key = limits.accountKey("Ada@Example.org");
    assertThat(key)
        .isEqualTo(limits.accountKey("ada@example.org"))
        .doesNotContainIgnoringCase("ada");
    // Salted per process: another gateway's keys differ.
    assertThat(new RateLimits(settings(1000, 10, 60)).accountKey("ada@example.org"))
        .isNotEqualTo(key);
  }

  @Test
  void zeroTurnsALimitOff() {
    RateLimits limits = new RateLimits(settings(0, 0, 0), new HandClock());
    for (int i = 0; i < 5000; i++) {
      limits.admitUser("u_ada");
      limits.admitLogin("ada@example.org", HOME);
      limits.admitSignUp(HOME);
    }
  }

  @Test
  void manyKeysStayWithinTheBound() {
    HandClock clock = new HandClock();
    RateLimits.Settings small =
        new RateLimits.Settings(
            new RateLimits.Limit(5, Duration.ofMinutes(1)),
            new RateLimits.Limit(5, Duration.ofMinutes(1)),
            new RateLimits.Limit(5, Duration.ofMinutes(5)),
            new RateLimits.Limit(5, Duration.ofMinutes(1)),
            100);
    RateLimits limits = new RateLimits(small, clock);
    for (int i = 0; i < 10_000; i++) limits.admitApiKey("k_" + i);
    assertThat(limits.trackedApiKeys()).isLessThanOrEqualTo(100);
  }

  @Test
  void settingsComeFromConfigurationAndBadValuesAreNamed() {
    String defaults =
        """
        per-user { requests = 1000, period = 1m }
        per-api-key { requests = 10000, period = 1m }
        login-per-account { requests = 10, period = 5m }
        login-per-address { requests = 60, period = 1m }
        max-tracked = 100000
        """;
    RateLimits.Settings loaded = RateLimits.Settings.load(ConfigFactory.parseString(defaults));
    assertThat(loaded.perUser()).isEqualTo(new RateLimits.Limit(1000, Duration.ofMinutes(1)));
    assertThat(loaded.loginPerAccount()).hasToString("10 per 5 minutes");
    assertThat(loaded.maxTracked()).isEqualTo(100_000);

    assertThatThrownBy(
            () ->
                RateLimits.Settings.load(
                    ConfigFactory.parseString("per-user.requests = -1")
                        .withFallback(ConfigFactory.parseString(defaults))))
        .isInstanceOf(ConfigException.BadValue.class)
        .hasMessageContaining("easel.http.rate-limits.per-user.requests");
    assertThatThrownBy(
            () ->
                RateLimits.Settings.load(
                    ConfigFactory.parseString("login-per-address.period = 0s")
                        .withFallback(ConfigFactory.parseString(defaults))))
        .isInstanceOf(ConfigException.BadValue.class)
        .hasMessageContaining("easel.http.rate-limits.login-per-address.period");
    assertThatThrownBy(
            () ->
                RateLimits.Settings.load(
                    ConfigFactory.parseString("max-tracked = 0")
                        .withFallback(ConfigFactory.parseString(defaults))))
        .isInstanceOf(ConfigException.BadValue.class)
        .hasMessageContaining("max-tracked");
  }

  @Test
  void periodsAreDescribedForPeople() {
    assertThat(RateLimits.describe(Duration.ofMinutes(1))).isEqualTo("1 minute");
    assertThat(RateLimits.describe(Duration.ofSeconds(90))).isEqualTo("90 seconds");
    assertThat(RateLimits.describe(Duration.ofHours(2))).isEqualTo("2 hours");
    assertThat(RateLimits.describe(Duration.ofMillis(1500))).isEqualTo("1500 ms");
  }
}
