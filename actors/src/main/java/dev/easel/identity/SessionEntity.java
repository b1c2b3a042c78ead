package dev.easel.identity;

import com.typesafe.config.Config;
import dev.easel.CborSerializable;
import dev.easel.Entities;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One sign-in: a family of refresh tokens, of which only the newest is valid. Each refresh rotates
 * the family's secret; presenting a secret that was already rotated away means that a refresh token
 * was stolen and used by two parties, so the whole family is revoked and both must sign in again. A
 * family also ends at its absolute expiry, however often it was refreshed, and on logout.
 *
 * <p>The entity stores only hashes of the secrets, computed by its callers.
 */
public final class SessionEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        SessionEntity.Command, SessionEntity.Event, SessionEntity.State> {

  public static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, "Session");

  /** The revocation reason recorded when a spent secret is presented again. */
  public static final String REUSE = "reuse";

  // ---- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /**
   * Start the family for {@code userId} with its first secret; it ends at {@code absoluteExpiry}
   * (null: after the configured lifetime).
   */
  public record Start(
      String userId, String secretHash, Instant absoluteExpiry, ActorRef<Result> replyTo)
      implements Command {}

  /**
   * Replace the current secret, presented as {@code presentedSecretHash}, with {@code
   * newSecretHash}; presenting a spent secret revokes the family.
   */
  public record Rotate(
      String presentedSecretHash, String newSecretHash, Instant now, ActorRef<RotateResult> replyTo)
      implements Command {}

  /** End the family (logout, account deletion...), for {@code reason}. */
  public record Revoke(String reason, ActorRef<Result> replyTo) implements Command {}

  /** Reply with whose sign-in this is and whether it still holds. */
  public record Get(ActorRef<SessionView> replyTo) implements Command {}

  // ---- replies --------------------------------------------------------------------------------

  /** The outcome of a {@link Start} or {@link Revoke}. */
  public sealed interface Result extends CborSerializable {}

  /** The outcome of a {@link Rotate}. */
  public sealed interface RotateResult extends CborSerializable {}

  /** Done (or there was nothing to do). */
  public record Accepted() implements Result {}

  /** The new secret is the current one; the family ends at {@code absoluteExpiry}. */
  public record Rotated(String userId, Instant absoluteExpiry) implements RotateResult {}

  /**
   * A spent secret was presented: the refresh token was stolen and used twice. The family is
   * revoked now; {@code userId} should be told.
   */
  public record ReuseDetected(String userId) implements RotateResult {}

  /** Refused: nothing was changed or persisted. */
  public record Refused(IdentityError code, String message) implements Result, RotateResult {}

  /** A sign-in as others may see it; {@code userId} is null if it was never started. */
  public record SessionView(
      String familyId,
      String userId,
      Instant startedAt,
      Instant absoluteExpiry,
      boolean revoked,
      String revokedReason)
      implements CborSerializable {}

  // ---- events ---------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {
    Instant at();
  }

  /** The family started with its first secret. */
  public record SessionStarted(String userId, String secretHash, Instant absoluteExpiry, Instant at)
      implements Event {}

  /** The current secret was spent and replaced with {@code newSecretHash}. */
  public record SecretRotated(String newSecretHash, Instant at) implements Event {}

  /** The family was revoked: {@code "reuse"} when a spent secret came back, or as told. */
  public record FamilyRevoked(String reason, Instant at) implements Event {}

  // ---- state ----------------------------------------------------------------------------------

  /**
   * The family; immutable. {@code spentSecretHashes} are the most recently rotated-away secrets,
   * oldest first, at most {@link Settings#spentSecretsKept()} of them.
   */
  public record State(
      String userId,
      String currentSecretHash,
      List<String> spentSecretHashes,
      Instant startedAt,
      Instant absoluteExpiry,
      boolean revoked,
      String revokedReason)
      implements CborSerializable {
    public static final State NOT_STARTED = new State(null, null, null, null, null, false, null);

    public State {
      spentSecretHashes = spentSecretHashes == null ? List.of() : List.copyOf(spentSecretHashes);
    }

    public boolean started() {
      return userId != null;
    }

    /** Whether the family is past its absolute expiry at {@code now}. */
    public boolean expiredAt(Instant now) {
      return !now.isBefore(absoluteExpiry);
    }

    /** Whether {@code secretHash} is the current secret (compared in constant time). */
    public boolean current(String secretHash) {
      return currentSecretHash != null
          && secretHash != null
          && MessageDigest.isEqual(bytes(currentSecretHash), bytes(secretHash));
    }

    /** Whether {@code secretHash} is a secret that was rotated away. */
    public boolean spent(String secretHash) {
      return spentSecretHashes.contains(secretHash);
    }

    State rotated(String newSecretHash, int keep) {
      List<String> spent = new ArrayList<>(spentSecretHashes);
      spent.add(currentSecretHash);
      while (spent.size() > keep) spent.remove(0);
      return new State(
          userId, newSecretHash, spent, startedAt, absoluteExpiry, revoked, revokedReason);
    }

    State revokedFor(String reason) {
      return new State(
          userId, currentSecretHash, spentSecretHashes, startedAt, absoluteExpiry, true, reason);
    }

    SessionView view(String familyId) {
      return new SessionView(familyId, userId, startedAt, absoluteExpiry, revoked, revokedReason);
    }

    private static byte[] bytes(String value) {
      return value.getBytes(StandardCharsets.UTF_8);
    }
  }

  /** Settings from {@code easel.identity}. */
  public record Settings(int snapshotEvery, Duration absoluteLifetime, int spentSecretsKept) {
    public static Settings from(Config config) {
      Config c = config.getConfig("easel.identity");
      return new Settings(
          c.getInt("snapshot-every"),
          c.getDuration("session.absolute-lifetime"),
          c.getInt("session.spent-secrets-kept"));
    }
  }

  // ---- wiring ---------------------------------------------------------------------------------

  private final String familyId;
  private final Settings settings;

  /** Starts sharding for sign-ins on nodes with the {@code core} role. */
  public static void init(ActorSystem<?> system) {
    Settings settings = Settings.from(system.settings().config());
    Entities.shardOnCore(system, KEY, id -> create(id, settings));
  }

  public static Behavior<Command> create(String familyId, Settings settings) {
    return Behaviors.setup(context -> new SessionEntity(familyId, settings));
  }

  private SessionEntity(String familyId, Settings settings) {
    super(PersistenceId.of(KEY.name(), familyId), Entities.restartWithBackoff());
    this.familyId = familyId;
    this.settings = settings;
  }

  @Override
  public State emptyState() {
    return State.NOT_STARTED;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Entities.tag("session", familyId);
  }

  // ---- commands -------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState().onAnyCommand(this::onCommand);
  }

  private ReplyEffect<Event, State> onCommand(State state, Command command) {
    return switch (command) {
      case Start start -> onStart(state, start);
      case Rotate rotate -> onRotate(state, rotate);
      case Revoke revoke -> onRevoke(state, revoke);
      case Get get -> Effect().reply(get.replyTo(), state.view(familyId));
    };
  }

  private ReplyEffect<Event, State> onStart(State state, Start start) {
    if (state.started()) {
      return Effect()
          .reply(
              start.replyTo(),
              new Refused(IdentityError.SESSION_EXISTS, "This sign-in was started already"));
    }
    if (blank(start.userId()) || blank(start.secretHash())) {
      return Effect()
          .reply(
              start.replyTo(),
              new Refused(
                  IdentityError.INVALID_ARGUMENT, "A user id and a secret hash are required"));
    }
    Instant now = Instant.now();
    Instant expiry =
        start.absoluteExpiry() != null
            ? start.absoluteExpiry()
            : now.plus(settings.absoluteLifetime());
    return Effect()
        .persist(new SessionStarted(start.userId(), start.secretHash(), expiry, now))
        .thenReply(start.replyTo(), next -> new Accepted());
  }

  private ReplyEffect<Event, State> onRotate(State state, Rotate rotate) {
    if (!state.started()) {
      return refuse(rotate, IdentityError.SESSION_NOT_FOUND, "There is no such sign-in");
    }
    if (state.revoked()) {
      return refuse(rotate, IdentityError.SESSION_REVOKED, "This sign-in was ended; sign in again");
    }
    if (rotate.now() == null || blank(rotate.newSecretHash())) {
      return refuse(
          rotate, IdentityError.INVALID_ARGUMENT, "The time and a new secret hash are required");
    }
    if (state.spent(rotate.presentedSecretHash())) {
      // A refresh token that was already exchanged came back: two parties hold this family.
      String userId = state.userId();
      return Effect()
          .persist(new FamilyRevoked(REUSE, rotate.now()))
          .thenReply(rotate.replyTo(), next -> new ReuseDetected(userId));
    }
    if (state.expiredAt(rotate.now())) {
      return refuse(rotate, IdentityError.SESSION_EXPIRED, "This sign-in expired; sign in again");
    }
    if (!state.current(rotate.presentedSecretHash())) {
      return refuse(
          rotate, IdentityError.SECRET_MISMATCH, "This refresh token does not belong here");
    }
    if (state.current(rotate.newSecretHash()) || state.spent(rotate.newSecretHash())) {
      return refuse(rotate, IdentityError.INVALID_ARGUMENT, "The new secret was used before");
    }
    return Effect()
        .persist(new SecretRotated(rotate.newSecretHash(), rotate.now()))
        .thenReply(rotate.replyTo(), next -> new Rotated(next.userId(), next.absoluteExpiry()));
  }

  private ReplyEffect<Event, State> onRevoke(State state, Revoke revoke) {
    if (!state.started()) {
      return Effect()
          .reply(
              revoke.replyTo(),
              new Refused(IdentityError.SESSION_NOT_FOUND, "There is no such sign-in"));
    }
    if (state.revoked()) return Effect().reply(revoke.replyTo(), new Accepted());
    String reason = blank(revoke.reason()) ? "revoked" : revoke.reason();
    return Effect()
        .persist(new FamilyRevoked(reason, Instant.now()))
        .thenReply(revoke.replyTo(), next -> new Accepted());
  }

  private ReplyEffect<Event, State> refuse(Rotate rotate, IdentityError code, String message) {
    return Effect().reply(rotate.replyTo(), new Refused(code, message));
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  // ---- events ---------------------------------------------------------------------------------

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onAnyEvent(
            (state, event) ->
                switch (event) {
                  case SessionStarted started ->
                      new State(
                          started.userId(),
                          started.secretHash(),
                          List.of(),
                          started.at(),
                          started.absoluteExpiry(),
                          false,
                          null);
                  case SecretRotated rotated ->
                      state.rotated(rotated.newSecretHash(), settings.spentSecretsKept());
                  case FamilyRevoked revoked -> state.revokedFor(revoked.reason());
                });
  }
}
