package dev.easel.identity;

import dev.easel.CborSerializable;
import dev.easel.Entities;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
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
 * One email address, and the account that holds it: the single writer that keeps addresses unique
 * across accounts. Registration claims the address before registering the account (and releases it
 * if that fails); deletion releases it after the account was erased.
 *
 * <p>The entity id is {@link #entityId(String)}: a hash of the normalized address, so that no
 * address appears in persistence ids, which outlive a GDPR erasure of the events.
 */
public final class EmailIndexEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        EmailIndexEntity.Command, EmailIndexEntity.Event, EmailIndexEntity.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "EmailIndex");

  /** The address as compared for uniqueness: trimmed and in lower case. */
  public static String normalize(String email) {
    return email.strip().toLowerCase(Locale.ROOT);
  }

  /** The id of the entity that indexes {@code email}: SHA-256 of its normalized form, in hex. */
  public static String entityId(String email) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(normalize(email).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  // ---- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Hold the address for {@code userId}: granted to the first account, again to the same one. */
  public record Claim(String userId, ActorRef<Result> replyTo) implements Command {}

  /** Free the address held by {@code userId}; nothing to do if it is free. */
  public record Release(String userId, ActorRef<Result> replyTo) implements Command {}

  /** Reply with the account that holds the address. */
  public record Lookup(ActorRef<Holder> replyTo) implements Command {}

  // ---- replies --------------------------------------------------------------------------------

  /** The outcome of a {@link Claim} or {@link Release}. */
  public sealed interface Result extends CborSerializable {}

  /** Done (or there was nothing to do). */
  public record Accepted() implements Result {}

  /** Refused: nothing was changed or persisted. */
  public record Refused(IdentityError code, String message) implements Result {}

  /** The account that holds the address; {@code userId} is null when it is free. */
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

  /** {@code userId} holds the address now. */
  public record EmailClaimed(String userId, Instant at) implements Event {}

  /** {@code userId} let the address go. */
  public record EmailReleased(String userId, Instant at) implements Event {}

  // ---- state ----------------------------------------------------------------------------------

  /** Who holds the address (null: nobody). */
  public record State(String userId) implements CborSerializable {
    public static final State FREE = new State(null);
  }

  // ---- wiring ---------------------------------------------------------------------------------

  private final String entityId;

  /** Starts sharding for the email index on nodes with the {@code core} role. */
  public static void init(ActorSystem<?> system) {
    Entities.shardOnCore(system, KEY, id -> create(id));
  }

  /** The index entry for the address whose {@link #entityId(String)} is {@code entityId}. */
  public static Behavior<Command> create(String entityId) {
    return Behaviors.setup(context -> new EmailIndexEntity(entityId));
  }

  private EmailIndexEntity(String entityId) {
    super(PersistenceId.of(KEY.name(), entityId), Entities.restartWithBackoff());
    this.entityId = entityId;
  }

  @Override
  public State emptyState() {
    return State.FREE;
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Entities.tag("email-index", entityId);
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
          claim.replyTo(), IdentityError.EMAIL_TAKEN, "Another account uses this email address");
    }
    return Effect()
        .persist(new EmailClaimed(claim.userId(), Instant.now()))
        .thenReply(claim.replyTo(), next -> new Accepted());
  }

  private ReplyEffect<Event, State> onRelease(State state, Release release) {
    if (state.userId() == null) return Effect().reply(release.replyTo(), new Accepted());
    if (!state.userId().equals(release.userId())) {
      return refuse(
          release.replyTo(),
          IdentityError.EMAIL_NOT_HELD,
          "This email address is held by another account");
    }
    return Effect()
        .persist(new EmailReleased(release.userId(), Instant.now()))
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
                  case EmailClaimed claimed -> new State(claimed.userId());
                  case EmailReleased released -> State.FREE;
                });
  }
}
