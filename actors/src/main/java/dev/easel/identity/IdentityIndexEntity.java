package dev.easel.identity;

import dev.easel.CborSerializable;
import dev.easel.Entities;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * One identity that signs in to an account, and that account: an identity at an external provider
 * (the {@code sub} of an OpenID provider, the numeric id of a GitHub user), or the id of one of
 * Easel's own API keys. It is the single writer that lets each identity sign in to one account
 * only. Signing in through a provider claims the identity for the account before linking it there
 * ({@link UserEntity.LinkIdentity}); the claim is released when that fails or the account is gone.
 * Creating an API key claims its id for the account first, so that a presented key is checked by
 * exactly one account ({@link ApiKeys#authenticate}).
 *
 * <p>The entity id is {@link #entityId(String, String)}: a hash of provider and subject, so that no
 * subject appears in persistence ids, which outlive a GDPR erasure of the events.
 */
public final class IdentityIndexEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        IdentityIndexEntity.Command, IdentityIndexEntity.Event, IdentityIndexEntity.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "IdentityIndex");

  /**
   * The id of the entity that indexes {@code subject} of {@code provider} (a configured provider
   * name, which never contains a colon): SHA-256 of {@code provider:subject}, in hex. Subjects are
   * compared exactly, as OpenID Connect requires.
   */
  public static String entityId(String provider, String subject) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((provider + ":" + subject).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /**
   * The id of the entity that indexes API key {@code keyId}: {@link #entityId(String, String)} of a
   * provider name that no configured provider can have (those are {@code [a-z0-9-]}).
   */
  public static String apiKeyEntityId(String keyId) {
    return entityId("easel api key", keyId);
  }

  // ---- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Hold the identity for {@code userId}: granted to the first account, again to the same one. */
  public record Claim(String userId, ActorRef<Result> replyTo) implements Command {}

  /** Free the identity held by {@code userId}; nothing to do if it is free. */
  public record Release(String userId, ActorRef<Result> replyTo) implements Command {}

  /** Reply with the account that holds the identity. */
  public record Lookup(ActorRef<Holder> replyTo) implements Command {}

  // ---- replies --------------------------------------------------------------------------------

  /** The outcome of a {@link Claim} or {@link Release}. */
  public sealed interface Result extends CborSerializable {}

  /** Done (or there was nothing to do). */
  public record Accepted() implements Result {}

  /** Refused: nothing was changed or persisted. */
  public record Refused(IdentityError code, String message) implements Result {}

  /** The account that holds the identity; {@code userId} is null when it is free. */
  public record Holder(String userId) implements CborSerializable {
    public boolean claimed() {
      return userId != null;
    }
  }

  // ---- events ---------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {
    String userId();

    Instant at();
  }

  /** {@code userId} holds the identity now. */
  public record IdentityClaimed(String userId, Instant at) implements Event {}

  /** {@code userId} let the identity go. */
  public record IdentityReleased(String userId, Instant at) implements Event {}

  // ---- state ----------------------------------------------------------------------------------

  /** Who holds the identity (null: nobody). */
  public record State(String userId) implements CborSerializable {
    public static final State FREE = new State(null);
  }

  // ---- wiring ---------------------------------------------------------------------------------

  private final String entityId;

  /** Starts sharding for the identity index on nodes with the {@code core} role. */
  public static void init(ActorSystem<?> system) {
    Entities.shardOnCore(system, KEY, id -> create(id));
  }

  /**
   * The index entry for the identity whose {@link #entityId(String, String)} is {@code entityId}.
   */
  public static Behavior<Command> create(String entityId) {
    return Behaviors.setup(context -> new IdentityIndexEntity(entityId));
  }

  private IdentityIndexEntity(String entityId) {
    super(PersistenceId.of(KEY.name(), entityId), Entities.restartWithBackoff());
    this.entityId = entityId;
  }

  @Override
  public State emptyState() {
    return State.FREE;
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Entities.tag("identity-index", entityId);
  }

  // ---- commands -------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState().onAnyCommand(this::onCommand);
  }

  private ReplyEffect<Event, State> onCommand(State state, Command command) {
    return switch (command) {
      case Claim claim -> onClaim(state, claim);
      case Release release -> onRelease(state, release);
      case Lookup lookup -> Effect().reply(lookup.replyTo(), new Holder(state.userId()));
    };
  }

  private ReplyEffect<Event, State> onClaim(State state, Claim claim) {
    if (claim.userId() == null || claim.userId().isBlank()) {
      return refuse(claim.replyTo(), IdentityError.INVALID_ARGUMENT, "A user id is required");
    }
    if (claim.userId().equals(state.userId())) {
      return Effect().reply(claim.replyTo(), new Accepted());
    }
    if (state.userId() != null) {
      return refuse(
          claim.replyTo(),
          IdentityError.IDENTITY_TAKEN,
          "Another account is linked to this identity");
    }
    return Effect()
        .persist(new IdentityClaimed(claim.userId(), Instant.now()))
        .thenReply(claim.replyTo(), next -> new Accepted());
  }

  private ReplyEffect<Event, State> onRelease(State state, Release release) {
    if (state.userId() == null) return Effect().reply(release.replyTo(), new Accepted());
    if (!state.userId().equals(release.userId())) {
      return refuse(
          release.replyTo(),
          IdentityError.IDENTITY_NOT_HELD,
          "This identity is linked to another account");
    }
    return Effect()
        .persist(new IdentityReleased(release.userId(), Instant.now()))
        .thenReply(release.replyTo(), next -> new Accepted());
  }

  private ReplyEffect<Event, State> refuse(
      ActorRef<Result> replyTo, IdentityError code, String message) {
    return Effect().reply(replyTo, new Refused(code, message));
  }

  // ---- events ---------------------------------------------------------------------------------

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onAnyEvent(
            (state, event) ->
                switch (event) {
                  case IdentityClaimed claimed -> new State(claimed.userId());
                  case IdentityReleased released -> State.FREE;
                });
  }
}
