package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.easel.EntityTestKits;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The email index on the Pekko persistence test journal, with serialization checked. */
class EmailIndexEntityTest {
  static final ActorTestKit testKit =
      ActorTestKit.create("email-index-entity-test", EntityTestKits.config(""));

  EventSourcedBehaviorTestKit<
          EmailIndexEntity.Command, EmailIndexEntity.Event, EmailIndexEntity.State>
      index;

  @BeforeEach
  void setUp() {
    index =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            EmailIndexEntity.create(EmailIndexEntity.entityId("e-" + System.nanoTime() + "@x.io")),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  CommandResultWithReply<
          EmailIndexEntity.Command,
          EmailIndexEntity.Event,
          EmailIndexEntity.State,
          EmailIndexEntity.Result>
      run(Function<ActorRef<EmailIndexEntity.Result>, EmailIndexEntity.Command> command) {
    return index.runCommand(command);
  }

  String holder() {
    EmailIndexEntity.Holder holder =
        index.<EmailIndexEntity.Holder>runCommand(EmailIndexEntity.Lookup::new).reply();
    assertThat(holder.claimed()).isEqualTo(holder.userId() != null);
    return holder.userId();
  }

  void refused(
      IdentityError code,
      Function<ActorRef<EmailIndexEntity.Result>, EmailIndexEntity.Command> command) {
    var result = run(command);
    assertThat(result.reply())
        .isInstanceOfSatisfying(
            EmailIndexEntity.Refused.class,
            refused -> {
              assertThat(refused.code()).isEqualTo(code);
              assertThat(refused.message()).isNotBlank();
            });
    assertThat(result.hasNoEvents()).isTrue();
  }

  @Test
  void keysEveryAddressByTheHashOfItsNormalizedForm() {
    assertThat(EmailIndexEntity.normalize("  Ada@Example.COM \n")).isEqualTo("ada@example.com");
    assertThat(EmailIndexEntity.entityId(" Ada@Example.COM"))
        .isEqualTo(EmailIndexEntity.entityId("ada@example.com"))
        .hasSize(64)
        .doesNotContain("ada");
    assertThat(EmailIndexEntity.entityId("ada@example.com"))
        .isNotEqualTo(EmailIndexEntity.entityId("eve@example.com"));
  }

  @Test
  void grantsTheAddressToTheFirstAccountOnly() {
    assertThat(holder()).isNull();
    var first = run(r -> new EmailIndexEntity.Claim("u-1", r));
    assertThat(first.reply()).isEqualTo(new EmailIndexEntity.Accepted());
    assertThat(first.event()).isInstanceOf(EmailIndexEntity.EmailClaimed.class);
    // the same account again: idempotent, nothing persisted
    var again = run(r -> new EmailIndexEntity.Claim("u-1", r));
    assertThat(again.reply()).isEqualTo(new EmailIndexEntity.Accepted());
    assertThat(again.hasNoEvents()).isTrue();
    refused(IdentityError.EMAIL_TAKEN, r -> new EmailIndexEntity.Claim("u-2", r));
    refused(IdentityError.INVALID_ARGUMENT, r -> new EmailIndexEntity.Claim(" ", r));
    assertThat(holder()).isEqualTo("u-1");
  }

  @Test
  void releasesTheAddressForItsHolderOnly() {
    var free = run(r -> new EmailIndexEntity.Release("u-1", r));
    assertThat(free.reply()).isEqualTo(new EmailIndexEntity.Accepted());
    assertThat(free.hasNoEvents()).isTrue();
    run(r -> new EmailIndexEntity.Claim("u-1", r));
    refused(IdentityError.EMAIL_NOT_HELD, r -> new EmailIndexEntity.Release("u-2", r));
    var released = run(r -> new EmailIndexEntity.Release("u-1", r));
    assertThat(released.reply()).isEqualTo(new EmailIndexEntity.Accepted());
    assertThat(released.event()).isInstanceOf(EmailIndexEntity.EmailReleased.class);
    assertThat(holder()).isNull();
    // a released address can be claimed by another account
    assertThat(run(r -> new EmailIndexEntity.Claim("u-2", r)).reply())
        .isEqualTo(new EmailIndexEntity.Accepted());
    assertThat(holder()).isEqualTo("u-2");
  }

  @Test
  void recoversTheHolder() {
    run(r -> new EmailIndexEntity.Claim("u-1", r));
    run(r -> new EmailIndexEntity.Release("u-1", r));
    run(r -> new EmailIndexEntity.Claim("u-2", r));
    assertThat(index.restart().state()).isEqualTo(new EmailIndexEntity.State("u-2"));
    refused(IdentityError.EMAIL_TAKEN, r -> new EmailIndexEntity.Claim("u-1", r));
  }
}
