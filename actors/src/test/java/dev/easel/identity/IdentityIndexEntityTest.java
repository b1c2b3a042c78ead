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

/**
 * The external identity index on the Pekko persistence test journal, with serialization checked.
 */
class IdentityIndexEntityTest {
  static final ActorTestKit testKit =
      ActorTestKit.create("identity-index-entity-test", EntityTestKits.config(""));

  EventSourcedBehaviorTestKit<
          IdentityIndexEntity.Command, IdentityIndexEntity.Event, IdentityIndexEntity.State>
      index;

  @BeforeEach
  void setUp() {
    index =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            IdentityIndexEntity.create(
                IdentityIndexEntity.entityId("google", "sub-" + System.nanoTime())),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  CommandResultWithReply<
          IdentityIndexEntity.Command,
          IdentityIndexEntity.Event,
          IdentityIndexEntity.State,
          IdentityIndexEntity.Result>
      run(Function<ActorRef<IdentityIndexEntity.Result>, IdentityIndexEntity.Command> command) {
    return index.runCommand(command);
  }

  String holder() {
    IdentityIndexEntity.Holder holder =
        index.<IdentityIndexEntity.Holder>runCommand(IdentityIndexEntity.Lookup::new).reply();
    assertThat(holder.claimed()).isEqualTo(holder.userId() != null);
    return holder.userId();
  }

  void refused(
      IdentityError code,
      Function<ActorRef<IdentityIndexEntity.Result>, IdentityIndexEntity.Command> command) {
    var result = run(command);
    assertThat(result.reply())
        .isInstanceOfSatisfying(
            IdentityIndexEntity.Refused.class,
            refused -> {
              assertThat(refused.code()).isEqualTo(code);
              assertThat(refused.message()).isNotBlank();
            });
    assertThat(result.hasNoEvents()).isTrue();
  }

  @Test
  void keysEveryIdentityByTheHashOfProviderAndSubject() {
    assertThat(IdentityIndexEntity.entityId("google", "1234"))
        .hasSize(64)
        .doesNotContain("1234")
        .isEqualTo(IdentityIndexEntity.entityId("google", "1234"));
    // the same subject at another provider is another identity; subjects compare exactly
    assertThat(IdentityIndexEntity.entityId("google", "1234"))
        .isNotEqualTo(IdentityIndexEntity.entityId("github", "1234"))
        .isNotEqualTo(IdentityIndexEntity.entityId("google", "1234 "));
  }

  @Test
  void grantsTheIdentityToTheFirstAccountOnly() {
    assertThat(holder()).isNull();
    var first = run(r -> new IdentityIndexEntity.Claim("u-1", r));
    assertThat(first.reply()).isEqualTo(new IdentityIndexEntity.Accepted());
    assertThat(first.event()).isInstanceOf(IdentityIndexEntity.IdentityClaimed.class);
    var again = run(r -> new IdentityIndexEntity.Claim("u-1", r));
    assertThat(again.reply()).isEqualTo(new IdentityIndexEntity.Accepted());
    assertThat(again.hasNoEvents()).isTrue();
    refused(IdentityError.IDENTITY_TAKEN, r -> new IdentityIndexEntity.Claim("u-2", r));
    refused(IdentityError.INVALID_ARGUMENT, r -> new IdentityIndexEntity.Claim(" ", r));
    assertThat(holder()).isEqualTo("u-1");
  }

  @Test
  void releasesTheIdentityForItsHolderOnlyAndRecovers() {
    var free = run(r -> new IdentityIndexEntity.Release("u-1", r));
    assertThat(free.hasNoEvents()).isTrue();
    run(r -> new IdentityIndexEntity.Claim("u-1", r));
    refused(IdentityError.IDENTITY_NOT_HELD, r -> new IdentityIndexEntity.Release("u-2", r));
    var released = run(r -> new IdentityIndexEntity.Release("u-1", r));
    assertThat(released.event()).isInstanceOf(IdentityIndexEntity.IdentityReleased.class);
    assertThat(run(r -> new IdentityIndexEntity.Claim("u-2", r)).reply())
        .isEqualTo(new IdentityIndexEntity.Accepted());
    assertThat(index.restart().state()).isEqualTo(new IdentityIndexEntity.State("u-2"));
    refused(IdentityError.IDENTITY_TAKEN, r -> new IdentityIndexEntity.Claim("u-1", r));
  }
}
