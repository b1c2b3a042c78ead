package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import dev.easel.EntityTestKits;
import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Refresh-token families on the Pekko persistence test journal, with serialization of every
 * command, event and state checked on each step.
 */
class SessionEntityTest {
  static final Config CONFIG =
      EntityTestKits.config(
          "easel.identity.snapshot-every = 3\n"
              + "easel.identity.session.spent-secrets-kept = 5\n");
  static final ActorTestKit testKit = ActorTestKit.create("session-entity-test", CONFIG);

  static final Instant EXPIRY = Instant.parse("2026-04-01T00:00:00Z");
  static final Instant NOW = EXPIRY.minus(Duration.ofDays(10));

  String familyId;
  EventSourcedBehaviorTestKit<SessionEntity.Command, SessionEntity.Event, SessionEntity.State>
      session;

  @BeforeEach
  void setUp() {
    familyId = "f-" + System.nanoTime();
    session =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            SessionEntity.create(familyId, SessionEntity.Settings.from(CONFIG)),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  SessionEntity.Result start(String secretHash, Instant expiry) {
    return session
        .<SessionEntity.Result>runCommand(
            r -> new SessionEntity.Start("u-1", secretHash, expiry, r))
        .reply();
  }

  SessionEntity.RotateResult rotate(String presented, String next, Instant now) {
    return session
        .<SessionEntity.RotateResult>runCommand(
            r -> new SessionEntity.Rotate(presented, next, now, r))
        .reply();
  }

  SessionEntity.Result revoke(String reason) {
    return session
        .<SessionEntity.Result>runCommand(r -> new SessionEntity.Revoke(reason, r))
        .reply();
  }

  SessionEntity.SessionView view() {
    return session.<SessionEntity.SessionView>runCommand(SessionEntity.Get::new).reply();
  }

  static void assertRefused(Object reply, IdentityError code) {
    assertThat(reply)
        .isInstanceOfSatisfying(
            SessionEntity.Refused.class,
            refused -> {
              assertThat(refused.code()).isEqualTo(code);
              assertThat(refused.message()).isNotBlank();
            });
  }

  @Test
  void startsAFamilyAndRotatesItsSecret() {
    assertThat(view().userId()).isNull();
    assertThat(start("s0", EXPIRY)).isEqualTo(new SessionEntity.Accepted());
    assertRefused(start("s0", EXPIRY), IdentityError.SESSION_EXISTS);
    assertThat(rotate("s0", "s1", NOW)).isEqualTo(new SessionEntity.Rotated("u-1", EXPIRY));
    assertThat(rotate("s1", "s2", NOW.plusSeconds(60)))
        .isEqualTo(new SessionEntity.Rotated("u-1", EXPIRY));
    SessionEntity.SessionView view = view();
    assertThat(view.familyId()).isEqualTo(familyId);
    assertThat(view.userId()).isEqualTo("u-1");
    assertThat(view.revoked()).isFalse();
    assertThat(view.absoluteExpiry()).isEqualTo(EXPIRY);
    assertThat(session.getState().currentSecretHash()).isEqualTo("s2");
    assertThat(session.getState().spentSecretHashes()).containsExactly("s0", "s1");
  }

  @Test
  void endsThirtyDaysAfterTheStartByDefault() {
    Instant before = Instant.now();
    start("s0", null);
    Instant expiry = view().absoluteExpiry();
    assertThat(expiry)
        .isBetween(before.plus(Duration.ofDays(30)), Instant.now().plus(Duration.ofDays(30)));
  }

  @Test
  void refusesBadStartsAndUnknownFamilies() {
    assertRefused(start(" ", EXPIRY), IdentityError.INVALID_ARGUMENT);
    assertRefused(rotate("s0", "s1", NOW), IdentityError.SESSION_NOT_FOUND);
    assertRefused(revoke("logout"), IdentityError.SESSION_NOT_FOUND);
  }

  @Test
  void refusesAnUnknownSecretWithoutRevoking() {
    start("s0", EXPIRY);
    var result =
        session.<SessionEntity.RotateResult>runCommand(
            r -> new SessionEntity.Rotate("forged", "s1", NOW, r));
    assertRefused(result.reply(), IdentityError.SECRET_MISMATCH);
    assertThat(result.hasNoEvents()).isTrue();
    assertRefused(rotate("s0", "", NOW), IdentityError.INVALID_ARGUMENT);
    assertRefused(rotate("s0", "s0", NOW), IdentityError.INVALID_ARGUMENT);
    assertRefused(rotate("s0", "s1", null), IdentityError.INVALID_ARGUMENT);
    assertThat(rotate("s0", "s1", NOW)).isInstanceOf(SessionEntity.Rotated.class);
    // a secret that was spent cannot come back as the new one
    assertRefused(rotate("s1", "s0", NOW), IdentityError.INVALID_ARGUMENT);
  }

  @Test
  void revokesTheWholeFamilyWhenASpentSecretComesBack() {
    start("s0", EXPIRY);
    rotate("s0", "s1", NOW);
    rotate("s1", "s2", NOW);
    // the thief (or the victim) presents s1, which was exchanged already
    var reuse =
        session.<SessionEntity.RotateResult>runCommand(
            r -> new SessionEntity.Rotate("s1", "s3", NOW.plusSeconds(5), r));
    assertThat(reuse.reply()).isEqualTo(new SessionEntity.ReuseDetected("u-1"));
    assertThat(reuse.event())
        .isEqualTo(new SessionEntity.FamilyRevoked(SessionEntity.REUSE, NOW.plusSeconds(5)));
    // now even the current secret is refused
    assertRefused(rotate("s2", "s3", NOW), IdentityError.SESSION_REVOKED);
    SessionEntity.SessionView view = view();
    assertThat(view.revoked()).isTrue();
    assertThat(view.revokedReason()).isEqualTo("reuse");
    assertThat(session.restart().state().revoked()).isTrue();
    assertRefused(rotate("s2", "s3", NOW), IdentityError.SESSION_REVOKED);
  }

  @Test
  void detectsReuseEvenAfterTheAbsoluteExpiry() {
    start("s0", EXPIRY);
    rotate("s0", "s1", NOW);
    assertThat(rotate("s0", "x", EXPIRY.plusSeconds(1)))
        .isEqualTo(new SessionEntity.ReuseDetected("u-1"));
    assertThat(view().revoked()).isTrue();
  }

  @Test
  void remembersABoundedNumberOfSpentSecrets() {
    start("s0", EXPIRY);
    for (int i = 0; i < 8; i++) rotate("s" + i, "s" + (i + 1), NOW);
    assertThat(session.getState().spentSecretHashes())
        .containsExactly("s3", "s4", "s5", "s6", "s7");
    // the oldest ones are forgotten: presenting them is a mismatch, not a detected reuse
    assertRefused(rotate("s0", "x", NOW), IdentityError.SECRET_MISMATCH);
    assertThat(rotate("s3", "x", NOW)).isEqualTo(new SessionEntity.ReuseDetected("u-1"));
  }

  @Test
  void refusesRotationPastTheAbsoluteExpiry() {
    start("s0", EXPIRY);
    assertRefused(rotate("s0", "s1", EXPIRY), IdentityError.SESSION_EXPIRED);
    assertRefused(rotate("s0", "s1", EXPIRY.plusSeconds(1)), IdentityError.SESSION_EXPIRED);
    assertThat(rotate("s0", "s1", EXPIRY.minusMillis(1))).isInstanceOf(SessionEntity.Rotated.class);
  }

  @Test
  void revokesOnLogoutOnce() {
    start("s0", EXPIRY);
    var logout =
        session.<SessionEntity.Result>runCommand(r -> new SessionEntity.Revoke("logout", r));
    assertThat(logout.reply()).isEqualTo(new SessionEntity.Accepted());
    assertThat(logout.event()).isInstanceOf(SessionEntity.FamilyRevoked.class);
    var again =
        session.<SessionEntity.Result>runCommand(r -> new SessionEntity.Revoke("logout", r));
    assertThat(again.reply()).isEqualTo(new SessionEntity.Accepted());
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(view().revokedReason()).isEqualTo("logout");
    assertRefused(rotate("s0", "s1", NOW), IdentityError.SESSION_REVOKED);
  }

  @Test
  void recoversTheSameFamilyFromSnapshotsAndEvents() {
    start("s0", EXPIRY);
    for (int i = 0; i < 7; i++) rotate("s" + i, "s" + (i + 1), NOW);
    SessionEntity.State before = session.getState();
    assertThat(session.restart().state()).isEqualTo(before);
    assertThat(rotate("s5", "x", NOW)).isEqualTo(new SessionEntity.ReuseDetected("u-1"));
  }
}
