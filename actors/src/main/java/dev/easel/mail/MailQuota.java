package dev.easel.mail;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How many mails one sender (a user) may have sent per period, counted in this node's memory: a
 * window per sender opens with its first mail and holds {@code mails} of them until the period is
 * over. At most {@link #MAX_TRACKED} senders are tracked; past that the one unused the longest is
 * forgotten (and may send a full window again), so memory stays bounded. {@code mails} 0 is no
 * limit.
 */
public final class MailQuota {
  /** Senders tracked at once. */
  static final int MAX_TRACKED = 10_000;

  private final int mails;
  private final Duration period;
  private final Clock clock;
  private final Map<String, Window> windows =
      new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
          return size() > MAX_TRACKED;
        }
      };

  private record Window(Instant start, int used) {}

  public MailQuota(int mails, Duration period, Clock clock) {
    if (mails < 0) throw new IllegalArgumentException("mails must be 0 (no limit) or more");
    if (period.isZero() || period.isNegative()) {
      throw new IllegalArgumentException("period must be positive");
    }
    this.mails = mails;
    this.period = period;
    this.clock = clock;
  }

  /** The quota of {@code easel.mail.invitations-per-user}. */
  public static MailQuota invitations(MailSettings settings, Clock clock) {
    return new MailQuota(settings.invitationsPerUser(), settings.invitationsPeriod(), clock);
  }

  /**
   * Counts one mail of {@code sender} (sent or not: every try counts); false, and nothing counted,
   * when its quota is used up.
   */
  public synchronized boolean take(String sender) {
    if (mails == 0) return true;
    Instant now = clock.instant();
    Window window = windows.get(sender);
    if (window == null || !now.isBefore(window.start().plus(period))) {
      windows.put(sender, new Window(now, 1));
      return true;
    }
    if (window.used() >= mails) return false;
    windows.put(sender, new Window(window.start(), window.used() + 1));
    return true;
  }

  /** The limit in words, such as "50 per 1h". */
  public String describe() {
    return mails + " per " + period.toString().substring(2).toLowerCase(Locale.ROOT);
  }
}
