package dev.easel.identity;

import com.typesafe.config.Config;
import dev.easel.CborSerializable;
import dev.easel.Entities;
import java.time.Instant;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One account's security log, keyed by user id: an append-only record of what happened to the
 * account's security (sign-ins and failed ones, second factor, password, API keys, deletion). Each
 * entry is one {@link SecurityEventRecorded} event; the entries are not kept in memory but read
 * back from the journal by {@link SecurityLog}, so the state is only their count.
 *
 * <p>When the account is deleted the log is closed ({@link Close}): nothing more is recorded, the
 * log is no longer read, and its events are deleted from the journal by a {@link
 * SecurityLogEraser}. What stays is the closing event and a snapshot, which hold the count and the
 * time of closing, nothing personal. Entries never hold a password, code, token or secret.
 */
public final class SecurityLogEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        SecurityLogEntity.Command, SecurityLogEntity.Event, SecurityLogEntity.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "SecurityLog");

  /** What happened to the account. */
  public enum Kind {
    /** The account was registered (with a password, or through an identity provider). */
    ACCOUNT_CREATED,
    /** Signed in with the password (and second factor). */
    SIGNED_IN,
    /** A wrong password, or a wrong or reused second factor; the detail is the reason code. */
    SIGN_IN_FAILED,
    /** Signed in through an identity provider; the detail names it. */
    SIGNED_IN_WITH_PROVIDER,
    /** An identity of a provider was linked to the account; the detail names the provider. */
    IDENTITY_LINKED,
    /** A sign-in was ended by its holder. */
    SIGNED_OUT,
    /** A spent refresh token was presented again, so its sign-in was ended. */
    SESSION_REVOKED_ON_REUSE,
    PASSWORD_CHANGED,
    PROFILE_CHANGED,
    /** An authenticator was enrolled, not yet confirmed. */
    MFA_ENROLLED,
    /** Two-step sign-in was turned on. */
    MFA_ENABLED,
    /** Two-step sign-in was turned off. */
    MFA_DISABLED,
    RECOVERY_CODES_REGENERATED,
    /** A recovery code was spent at sign-in. */
    RECOVERY_CODE_USED,
    API_KEY_CREATED,
    API_KEY_REVOKED,
    ACCOUNT_DELETED
  }

  /**
   * One entry of the log.
   *
   * @param at when it happened
   * @param kind what happened
   * @param detail a short text that is never secret (a key's id and name, a provider's name, a
   *     failure's reason code), or null
   * @param clientAddress the client's address, when known
   * @param userAgent the client's {@code User-Agent}, when known
   * @param sessionId the sign-in it happened in (or started), when known
   */
  public record Entry(
      Instant at,
      Kind kind,
      String detail,
      String clientAddress,
      String userAgent,
      String sessionId) {}

  // ---- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Append {@code entry} to the log. */
  public record Record(Entry entry, ActorRef<Result> replyTo) implements Command {}

  /**
   * The account was deleted: close the log at {@code at} and delete its events from the journal.
   * Closing a closed log deletes them again (a deletion that failed is retried).
   */
  public record Close(Instant at, ActorRef<Result> replyTo) implements Command {}

  /** Reply with how many entries the log has and whether it is closed. */
  public record GetStatus(ActorRef<LogStatus> replyTo) implements Command {}

  // ---- replies --------------------------------------------------------------------------------

  /** The outcome of {@link Record} or {@link Close}. */
  public sealed interface Result extends CborSerializable {}

  /** The entry was persisted as the {@code sequenceNr}-th of the log. */
  public record Recorded(long sequenceNr) implements Result {}

  /** The log is closed and its events deleted from the journal. */
  public record Closed() implements Result {}

  /** Refused: nothing was persisted. */
  public record Refused(IdentityError code, String message) implements Result {}

  /** The log is closed, but deleting its events failed (for {@code reason}); close it again. */
  public record NotErased(String reason) implements Result {}

  /**
   * The log's length: its entries are the events with sequence numbers 1 to {@code entries}; null
   * {@code closedAt} while the account exists.
   */
  public record LogStatus(long entries, Instant closedAt) implements CborSerializable {
    public boolean closed() {
      return closedAt != null;
    }
  }

  // ---- events ---------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {}

  /** {@code entry} was appended. */
  public record SecurityEventRecorded(Entry entry) implements Event {}

  /** The account was deleted: the log was closed; it holds nothing personal. */
  public record SecurityLogClosed(Instant at) implements Event {}

  // ---- state ----------------------------------------------------------------------------------

  /**
   * How many entries were recorded, and when the log was closed (null while open). Every event
   * before the closing one is an entry, so entry n has sequence number n and the closing event
   * {@code entries + 1}.
   */
  public record State(long entries, Instant closedAt) implements CborSerializable {
    public static final State EMPTY = new State(0, null);

    boolean closed() {
      return closedAt != null;
    }
  }

  /** Settings from {@code easel.identity}. */
  public record Settings(int snapshotEvery) {
    public static Settings from(Config config) {
      return new Settings(config.getConfig("easel.identity").getInt("snapshot-every"));
    }
  }

  // ---- wiring ---------------------------------------------------------------------------------

  private final String userId;
  private final Settings settings;
  private final ActorContext<Command> context;

  /** Starts sharding for the security logs on nodes with the {@code core} role. */
  public static void init(ActorSystem<?> system) {
    Settings settings = Settings.from(system.settings().config());
    Entities.shardOnCore(system, KEY, id -> create(id, settings));
  }

  /** The security log of the account {@code userId}. */
  public static Behavior<Command> create(String userId, Settings settings) {
    return Behaviors.setup(context -> new SecurityLogEntity(userId, settings, context));
  }

  /** The persistence id of the log of {@code userId}, by which its events are read back. */
  public static String persistenceId(String userId) {
    return PersistenceId.of(KEY.name(), userId).id();
  }

  private SecurityLogEntity(String userId, Settings settings, ActorContext<Command> context) {
    super(PersistenceId.of(KEY.name(), userId), Entities.restartWithBackoff());
    this.userId = userId;
    this.settings = settings;
    this.context = context;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  /** Closing is snapshotted at once, so that the closed state outlives the deleted events. */
  @Override
  public boolean shouldSnapshot(State state, Event event, long sequenceNr) {
    return event instanceof SecurityLogClosed;
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Entities.tag("security-log", userId);
  }

  // ---- commands -------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState().onAnyCommand(this::onCommand);
  }

  private ReplyEffect<Event, State> onCommand(State state, Command command) {
    return switch (command) {
      case GetStatus get ->
          Effect().reply(get.replyTo(), new LogStatus(state.entries(), state.closedAt()));
      case Record record -> onRecord(state, record);
      case Close close -> onClose(state, close);
    };
  }

  private ReplyEffect<Event, State> onRecord(State state, Record record) {
    Entry entry = record.entry();
    if (entry == null || entry.at() == null || entry.kind() == null) {
      return Effect()
          .reply(
              record.replyTo(),
              new Refused(IdentityError.INVALID_ARGUMENT, "An entry needs a time and a kind"));
    }
    if (state.closed()) {
      return Effect()
          .reply(
              record.replyTo(),
              new Refused(
                  IdentityError.USER_DELETED, "The account was deleted: its log is closed"));
    }
    return Effect()
        .persist(new SecurityEventRecorded(entry))
        .thenReply(record.replyTo(), next -> new Recorded(next.entries()));
  }

  private ReplyEffect<Event, State> onClose(State state, Close close) {
    if (close.at() == null) {
      return Effect()
          .reply(close.replyTo(), new Refused(IdentityError.INVALID_ARGUMENT, "A time is needed"));
    }
    if (state.closed()) {
      return Effect().none().thenRun(closed -> erase(closed, close.replyTo())).thenNoReply();
    }
    return Effect()
        .persist(new SecurityLogClosed(close.at()))
        .thenRun(closed -> erase(closed, close.replyTo()))
        .thenNoReply();
  }

  /** Deletes every event up to the closing one; the eraser answers {@code replyTo}. */
  private void erase(State closed, ActorRef<Result> replyTo) {
    Adapter.actorOf(
        context,
        SecurityLogEraser.props(persistenceId(userId), closed.entries() + 1, replyTo),
        "eraser-" + System.nanoTime());
  }

  // ---- events ---------------------------------------------------------------------------------

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onAnyEvent(
            (state, event) ->
                switch (event) {
                  case SecurityEventRecorded recorded ->
                      new State(state.entries() + 1, state.closedAt());
                  case SecurityLogClosed closed -> new State(state.entries(), closed.at());
                });
  }
}
