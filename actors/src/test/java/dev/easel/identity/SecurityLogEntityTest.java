package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.easel.EntityTestKits;
import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An account's security log on the Pekko persistence test journal. */
class SecurityLogEntityTest {
  static final ActorTestKit testKit =
      ActorTestKit.create("security-log-entity-test", EntityTestKits.config(""));
  static final Instant AT = Instant.parse("2026-11-29T10:15:30Z");

  String userId;
  EventSourcedBehaviorTestKit<
          SecurityLogEntity.Command, SecurityLogEntity.Event, SecurityLogEntity.State>
      log;

  @BeforeEach
  void setUp() {
    userId = "u-" + System.nanoTime();
    log =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            SecurityLogEntity.create(userId, new SecurityLogEntity.Settings(3)),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  static SecurityLogEntity.Entry entry(SecurityLogEntity.Kind kind) {
    return new SecurityLogEntity.Entry(AT, kind, "detail", "127.0.0.1", "curl/8", "f-1");
  }

  EventSourcedBehaviorTestKit.CommandResultWithReply<
          SecurityLogEntity.Command,
          SecurityLogEntity.Event,
          SecurityLogEntity.State,
          SecurityLogEntity.Result>
      record(SecurityLogEntity.Entry entry) {
    return log.runCommand(replyTo -> new SecurityLogEntity.Record(entry, replyTo));
  }

  SecurityLogEntity.LogStatus status() {
    return log.<SecurityLogEntity.LogStatus>runCommand(SecurityLogEntity.GetStatus::new).reply();
  }

  @Test
  void eachEntryIsOneEventAndTheStateOnlyCountsThem() {
    var first = record(entry(SecurityLogEntity.Kind.SIGNED_IN));
    var second = record(entry(SecurityLogEntity.Kind.PASSWORD_CHANGED));

    assertThat(first.reply()).isEqualTo(new SecurityLogEntity.Recorded(1));
    assertThat(second.reply()).isEqualTo(new SecurityLogEntity.Recorded(2));
    assertThat(second.event())
        .isEqualTo(
            new SecurityLogEntity.SecurityEventRecorded(
                entry(SecurityLogEntity.Kind.PASSWORD_CHANGED)));
    assertThat(log.getState()).isEqualTo(new SecurityLogEntity.State(2, null));
    assertThat(status()).isEqualTo(new SecurityLogEntity.LogStatus(2, null));
  }

  @Test
  void anEntryWithoutTimeOrKindIsRefused() {
    var noKind = record(new SecurityLogEntity.Entry(AT, null, null, null, null, null));
    var noTime =
        record(
            new SecurityLogEntity.Entry(
                null, SecurityLogEntity.Kind.SIGNED_IN, null, null, null, null));

    assertThat(noKind.reply())
        .isInstanceOfSatisfying(
            SecurityLogEntity.Refused.class,
            refused -> assertThat(refused.code()).isEqualTo(IdentityError.INVALID_ARGUMENT));
    assertThat(noTime.reply()).isInstanceOf(SecurityLogEntity.Refused.class);
    assertThat(noKind.hasNoEvents()).isTrue();
    assertThat(noTime.hasNoEvents()).isTrue();
    assertThat(status().entries()).isZero();
  }

  @Test
  void theCountSurvivesARestartPastSnapshots() {
    for (int i = 0; i < 7; i++) record(entry(SecurityLogEntity.Kind.SIGNED_IN));

    log.restart();

    assertThat(status()).isEqualTo(new SecurityLogEntity.LogStatus(7, null));
    assertThat(record(entry(SecurityLogEntity.Kind.SIGNED_OUT)).reply())
        .isEqualTo(new SecurityLogEntity.Recorded(8));
  }

  @Test
  void closingDeletesEveryEventAndRefusesLaterEntries() {
    PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());
    String persistenceId = SecurityLogEntity.persistenceId(userId);
    record(entry(SecurityLogEntity.Kind.SIGNED_IN));
    record(entry(SecurityLogEntity.Kind.ACCOUNT_DELETED));
    assertThat(journal.persistedInStorage(persistenceId)).hasSize(2);

    // The reply comes from the eraser, a child of the log, once the events are deleted.
    TestProbe<SecurityLogEntity.Result> closer = testKit.createTestProbe();
    log.runCommand(new SecurityLogEntity.Close(AT, closer.getRef()));

    assertThat(closer.receiveMessage(Duration.ofSeconds(10)))
        .isEqualTo(new SecurityLogEntity.Closed());
    assertThat(journal.persistedInStorage(persistenceId)).isEmpty();
    assertThat(status()).isEqualTo(new SecurityLogEntity.LogStatus(2, AT));
    var late = record(entry(SecurityLogEntity.Kind.SIGNED_IN));
    assertThat(late.reply())
        .isInstanceOfSatisfying(
            SecurityLogEntity.Refused.class,
            refused -> assertThat(refused.code()).isEqualTo(IdentityError.USER_DELETED));
    assertThat(late.hasNoEvents()).isTrue();
  }

  @Test
  void aClosedLogStaysClosedAfterARestartAndClosingAgainErasesAgain() {
    record(entry(SecurityLogEntity.Kind.SIGNED_IN));
    TestProbe<SecurityLogEntity.Result> closer = testKit.createTestProbe();
    log.runCommand(new SecurityLogEntity.Close(AT, closer.getRef()));
    closer.expectMessage(Duration.ofSeconds(10), new SecurityLogEntity.Closed());

    log.restart();

    assertThat(status()).isEqualTo(new SecurityLogEntity.LogStatus(1, AT));
    var again = log.runCommand(new SecurityLogEntity.Close(AT.plusSeconds(60), closer.getRef()));
    assertThat(again.hasNoEvents()).isTrue();
    closer.expectMessage(Duration.ofSeconds(10), new SecurityLogEntity.Closed());
    assertThat(status().closedAt()).isEqualTo(AT);
  }
}
