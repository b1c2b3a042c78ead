package dev.easel.gateway;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.easel.identity.EmailIndexEntity;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;

/**
 * How often callers may knock: token buckets (Bucket4j, refilled gradually so that a burst up to
 * the limit passes) per signed-in user, per API key, and for sign-in and sign-up per account and
 * per client address. Checked before the work they protect (the sign-in limits before the password
 * is hashed); a caller over a limit gets {@link Exceeded} with the time until the next attempt
 * would pass.
 *
 * <p>The buckets live in this gateway's memory, in one bounded cache per limit ({@code max-tracked}
 * entries, least useful evicted first): traffic with ever new users, emails or addresses cannot
 * grow memory without bound. A bucket untouched for its limit's period is full again, so it is
 * dropped then and nothing is lost. Emails are never kept: an account's bucket is found by a salted
 * SHA-256 of the normalized email, the salt random per process.
 */
final class RateLimits {
  /** The limits, by the names used in configuration, errors and docs. */
  enum Kind {
    PER_USER("per-user", "requests from this user"),
    PER_API_KEY("per-api-key", "requests with this API key"),
    LOGIN_PER_ACCOUNT("login-per-account", "sign-in attempts for this account"),
    LOGIN_PER_ADDRESS("login-per-address", "sign-in and sign-up attempts from this address");

    private final String key;
    private final String what;

    Kind(String key, String what) {
      this.key = key;
      this.what = what;
    }

    /** The limit's name in {@code easel.http.rate-limits} and in errors. */
    String key() {
      return key;
    }
  }

  /** At most {@code requests} per {@code period}; {@code requests} 0 is no limit. */
  record Limit(long requests, Duration period) {
    Limit {
      if (requests < 0) throw new IllegalArgumentException("requests must be 0 (off) or more");
      if (period.isZero() || period.isNegative()) {
        throw new IllegalArgumentException("period must be positive");
      }
    }

    boolean off() {
      return requests == 0;
    }

    @Override
    public String toString() {
      return requests + " per " + describe(period);
    }
  }

  /** Every limit, and how many keys each may track at once. */
  record Settings(
      Limit perUser,
      Limit perApiKey,
      Limit loginPerAccount,
      Limit loginPerAddress,
      long maxTracked) {
    Settings {
      if (maxTracked < 1) throw new IllegalArgumentException("max-tracked must be at least 1");
    }

    Limit of(Kind kind) {
      return switch (kind) {
        case PER_USER -> perUser;
        case PER_API_KEY -> perApiKey;
        case LOGIN_PER_ACCOUNT -> loginPerAccount;
        case LOGIN_PER_ADDRESS -> loginPerAddress;
      };
    }

    /** The settings of {@code easel.http.rate-limits}; a bad value is named. */
    static Settings load(Config config) {
      return new Settings(
          limit(config, Kind.PER_USER),
          limit(config, Kind.PER_API_KEY),
          limit(config, Kind.LOGIN_PER_ACCOUNT),
          limit(config, Kind.LOGIN_PER_ADDRESS),
          positive(config, "max-tracked"));
    }

    private static Limit limit(Config config, Kind kind) {
      Config limit = config.getConfig(kind.key());
      long requests = limit.getLong("requests");
      if (requests < 0) {
        throw new ConfigException.BadValue(
            limit.origin(),
            "easel.http.rate-limits." + kind.key() + ".requests",
            "must be 0 (no limit) or more, was " + requests);
      }
      Duration period = limit.getDuration("period");
      if (period.isZero() || period.isNegative()) {
        throw new ConfigException.BadValue(
            limit.origin(),
            "easel.http.rate-limits." + kind.key() + ".period",
            "must be positive, was " + period);
      }
      return new Limit(requests, period);
    }

    private static long positive(Config config, String path) {
      long value = config.getLong(path);
      if (value < 1) {
        throw new ConfigException.BadValue(
            config.origin(), "easel.http.rate-limits." + path, "must be at least 1, was " + value);
      }
      return value;
    }
  }

  /** A refusal: the limit that was hit and how long until an attempt would pass. */
  static final class Exceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final String REASON = "RATE_LIMITED";
    private final Kind kind;
    private final Duration retryAfter;

    Exceeded(Kind kind, Limit limit, Duration retryAfter) {
      super(
          "too many "
              + kind.what
              + ": at most "
              + limit
              + "; try again in "
              + retryAfterSeconds(retryAfter)
              + " s",
          null,
          false,
          false);
      this.kind = kind;
      this.retryAfter = retryAfter;
    }

    Kind kind() {
      return kind;
    }

    Duration retryAfter() {
      return retryAfter;
    }

    /** The wait in whole seconds, rounded up and at least 1: the {@code Retry-After} value. */
    long retryAfterSeconds() {
      return retryAfterSeconds(retryAfter);
    }

    static long retryAfterSeconds(Duration wait) {
      long seconds = wait.getSeconds() + (wait.getNano() > 0 ? 1 : 0);
      return Math.max(1, seconds);
    }
  }

  /**
   * A sign-in attempt that passed the limits. A successful sign-in gives its tokens back, so that
   * the sign-in limits count failed attempts (and those still being checked), not people who know
   * their password.
   */
  interface Attempt {
    /** The attempt succeeded: its tokens go back to the buckets it took them from. */
    void succeeded();
  }

  private static final Attempt UNLIMITED = () -> {};

  private final Settings settings;
  private final TimeMeter time;
  private final Cache<String, Bucket> users;
  private final Cache<String, Bucket> apiKeys;
  private final Cache<String, Bucket> accounts;
  private final Cache<String, Bucket> addresses;
  private final byte[] salt = new byte[16];

  RateLimits(Settings settings) {
    this(settings, TimeMeter.SYSTEM_NANOTIME);
  }

  /** Limits on the clock {@code time} (a test's own clock; the system's nanoTime otherwise). */
  RateLimits(Settings settings, TimeMeter time) {
    this.settings = settings;
    this.time = time;
    new SecureRandom().nextBytes(salt);
    this.users = cache(settings.perUser());
    this.apiKeys = cache(settings.perApiKey());
    this.accounts = cache(settings.loginPerAccount());
    this.addresses = cache(settings.loginPerAddress());
  }

  Settings settings() {
    return settings;
  }

  /**
   * One request of {@code caller}: counted against its API key's limit when it uses one, else its
   * user's; throws {@link Exceeded} over the limit.
   */
  void admit(Caller caller) {
    if (caller.viaApiKey()) admitApiKey(caller.key().keyId());
    else admitUser(caller.userId());
  }

  /** One request of signed-in user {@code userId}; throws {@link Exceeded} over the limit. */
  void admitUser(String userId) {
    take(Kind.PER_USER, users, userId);
  }

  /** One request made with API key {@code keyId}; throws {@link Exceeded} over the limit. */
  void admitApiKey(String keyId) {
    take(Kind.PER_API_KEY, apiKeys, keyId);
  }

  /**
   * One sign-in attempt with {@code email} from {@code client}: a token from the account's bucket
   * and one from the address's, or {@link Exceeded} naming the limit hit (then neither is taken).
   * Call it before checking the password; tell the returned attempt when it succeeded.
   */
  Attempt admitLogin(String email, InetAddress client) {
    return attempt(accountKey(email), client);
  }

  /**
   * One check of a signed-in user's password or second factor (changing the password, turning
   * two-step sign-in on or off, new recovery codes, deleting the account), from {@code client}:
   * counted like a sign-in, per account ({@code userId}) and per address, so that a stolen access
   * token cannot be used to guess them either. Tell the returned attempt when it succeeded.
   */
  Attempt admitReauthentication(String userId, InetAddress client) {
    // "user:" keeps user ids apart from the hashed email addresses of sign-ins.
    return attempt("user:" + userId, client);
  }

  private Attempt attempt(String accountKey, InetAddress client) {
    Bucket address = take(Kind.LOGIN_PER_ADDRESS, addresses, addressKey(client));
    Bucket account;
    try {
      account = take(Kind.LOGIN_PER_ACCOUNT, accounts, accountKey);
    } catch (Exceeded e) {
      if (address != null) address.addTokens(1);
      throw e;
    }
    if (address == null && account == null) return UNLIMITED;
    return () -> {
      if (address != null) address.addTokens(1);
      if (account != null) account.addTokens(1);
    };
  }

  /**
   * One sign-up from {@code client}, counted in the address's sign-in bucket (hashing the new
   * password is as costly as checking one); throws {@link Exceeded} over the limit.
   */
  void admitSignUp(InetAddress client) {
    take(Kind.LOGIN_PER_ADDRESS, addresses, addressKey(client));
  }

  /** How many API keys have a bucket now (after pending evictions). */
  long trackedApiKeys() {
    apiKeys.cleanUp();
    return apiKeys.estimatedSize();
  }

  /** A token from the bucket of {@code key}, or {@link Exceeded}; null when the limit is off. */
  private Bucket take(Kind kind, Cache<String, Bucket> buckets, String key) {
    Limit limit = settings.of(kind);
    if (limit.off()) return null;
    Bucket bucket = buckets.get(key, k -> bucket(limit));
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (!probe.isConsumed()) {
      throw new Exceeded(kind, limit, Duration.ofNanos(probe.getNanosToWaitForRefill()));
    }
    return bucket;
  }

  private Bucket bucket(Limit limit) {
    return Bucket.builder()
        .addLimit(
            bandwidth ->
                bandwidth.capacity(limit.requests()).refillGreedy(limit.requests(), limit.period()))
        .withCustomTimePrecision(time)
        .build();
  }

  private Cache<String, Bucket> cache(Limit limit) {
    Ticker ticker = time::currentTimeNanos;
    // A bucket left alone for its period has refilled completely: dropping it loses nothing.
    return Caffeine.newBuilder()
        .maximumSize(limit.off() ? 0 : settings.maxTracked())
        .expireAfterAccess(limit.period())
        .ticker(ticker)
        .build();
  }

  /** The account's key: a salted hash of the normalized email, so no email sits in memory. */
  String accountKey(String email) {
    String normalized = email == null ? "" : EmailIndexEntity.normalize(email);
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      sha256.update(salt);
      byte[] digest = sha256.digest(normalized.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 16));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * The address's key: an IPv4 address itself; an IPv6 address by its /64 network, which one
   * subscriber usually holds whole (limiting single IPv6 addresses would give each attacker 2^64
   * buckets).
   */
  static String addressKey(InetAddress client) {
    if (client instanceof Inet6Address) {
      byte[] network = Arrays.copyOf(client.getAddress(), 16);
      Arrays.fill(network, 8, 16, (byte) 0);
      try {
        return InetAddress.getByAddress(network).getHostAddress() + "/64";
      } catch (UnknownHostException e) {
        throw new IllegalStateException("16 bytes are an IPv6 address", e);
      }
    }
    return client.getHostAddress();
  }

  /** "1 minute", "5 minutes", "90 seconds", "1 hour"... */
  static String describe(Duration period) {
    long seconds = period.getSeconds();
    if (period.getNano() != 0) return period.toMillis() + " ms";
    if (seconds % 3600 == 0) return plural(seconds / 3600, "hour");
    if (seconds % 60 == 0) return plural(seconds / 60, "minute");
    return plural(seconds, "second");
  }

  private static String plural(long count, String unit) {
    return count == 1 ? "1 " + unit : count + " " + unit + "s";
  }
}
