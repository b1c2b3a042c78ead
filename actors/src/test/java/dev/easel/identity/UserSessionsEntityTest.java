package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.easel.EntityTestKits;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The index of an account's sign-ins on the Pekko persistence test journal. */
class UserSessionsEntityTest {
  static final ActorTestKit testKit =
      ActorTestKit.create("user-sessions-entity-test", EntityTestKits.config(""));

  EventSourcedBehaviorTestKit<
          UserSessionsEntity.Command, UserSessionsEntity.Event, UserSessionsEntity.State>
      index;

  @BeforeEach
  void setUp() {
    index =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            UserSessionsEntity.create(
                "u-" + System.nanoTime(), new UserSessionsEntity.Settings(100)),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  UserSessionsEntity.Result add(String familyId, Instant expiresAt) {
    return index
        .<UserSessionsEntity.Result>runCommand(
            replyTo -> new UserSessionsEntity.AddSession(familyId, expiresAt, replyTo))
        .reply();
  }

  List<String> families() {
    return index
        .<UserSessionsEntity.Sessions>runCommand(UserSessionsEntity.GetSessions::new)
        .reply()
        .sessions()
        .stream()
        .map(UserSessionsEntity.SessionEntry::familyId)
        .toList();
  }

  @Test
  void listsTheAddedSignInsTheOneEndingFirstFirst() {
    Instant now = Instant.now();
    assertThat(add("f2", now.plus(Duration.ofDays(2))))
        .isInstanceOf(UserSessionsEntity.Accepted.class);
    assertThat(add("f1", now.plus(Duration.ofDays(1))))
        .isInstanceOf(UserSessionsEntity.Accepted.class);

    assertThat(families()).containsExactly("f1", "f2");
  }

  @Test
  void addingTheSameSignInTwicePersistsOnce() {
    Instant expiry = Instant.now().plus(Duration.ofDays(1));
    add("f1", expiry);

    var again =
        index.<UserSessionsEntity.Result>runCommand(
            replyTo -> new UserSessionsEntity.AddSession("f1", expiry, replyTo));

    assertThat(again.reply()).isInstanceOf(UserSessionsEntity.Accepted.class);
    assertThat(again.hasNoEvents()).isTrue();
  }

  @Test
  void expiredSignInsAreNotListedAndDroppedWhenAnotherIsAdded() {
    Instant now = Instant.now();
    add("old", now.minus(Duration.ofMinutes(1)));
    assertThat(families()).isEmpty();

    add("new", now.plus(Duration.ofDays(1)));

    assertThat(index.getState().sessions()).containsOnlyKeys("new");
  }

  @Test
  void forgottenSignInsLeaveTheIndex() {
    Instant expiry = Instant.now().plus(Duration.ofDays(1));
    add("f1", expiry);
    add("f2", expiry);

    var forgotten =
        index.<UserSessionsEntity.Result>runCommand(
            replyTo -> new UserSessionsEntity.ForgetSessions(List.of("f1", "unknown"), replyTo));
    var nothingLeft =
        index.<UserSessionsEntity.Result>runCommand(
            replyTo -> new UserSessionsEntity.ForgetSessions(List.of("f1"), replyTo));

    assertThat(forgotten.reply()).isInstanceOf(UserSessionsEntity.Accepted.class);
    assertThat(forgotten.events())
        .singleElement()
        .isInstanceOfSatisfying(
            UserSessionsEntity.SessionsForgotten.class,
            event -> assertThat(event.familyIds()).containsExactly("f1"));
    assertThat(nothingLeft.hasNoEvents()).isTrue();
    assertThat(families()).containsExactly("f2");
  }

  @Test
  void anIncompleteSignInIsRefused() {
    assertThat(add(" ", Instant.now()))
        .isInstanceOfSatisfying(
            UserSessionsEntity.Refused.class,
            refused -> assertThat(refused.code()).isEqualTo(IdentityError.INVALID_ARGUMENT));
    assertThat(add("f1", null)).isInstanceOf(UserSessionsEntity.Refused.class);
    assertThat(families()).isEmpty();
  }

  @Test
  void theIndexSurvivesARestart() {
    add("f1", Instant.now().plus(Duration.ofDays(1)));

    index.restart();

    assertThat(families()).containsExactly("f1");
  }
}
