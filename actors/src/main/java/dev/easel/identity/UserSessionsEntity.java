package dev.easel.identity;

import com.typesafe.config.Config;
import dev.easel.CborSerializable;
import dev.easel.Entities;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * One account's sign-ins: the refresh-token families ({@link SessionEntity}) started for it, keyed
 * by user id. It is the index behind "end my other sign-ins" (a password change) and "end every
 * sign-in" (account deletion): {@link Accounts} adds a family here before starting it, so no
 * started family is missing. Each {@link SessionEntity} stays the authority on whether its family
 * still holds; families past their absolute expiry are dropped from the index as new ones come.
 *
 * <p>Adding and forgetting are idempotent, so the facade may repeat them safely. It holds no
 * secret, only family ids and their expiry times.
 */
public final class UserSessionsEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        UserSessionsEntity.Command, UserSessionsEntity.Event, UserSessionsEntity.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "UserSessions");

  // ---- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** A command that changes the index, answered with a {@link Result}. */
  public sealed interface Change extends Command {
    ActorRef<Result> replyTo();
  }

  /** The family {@code familyId}, ending at {@code expiresAt}, is (about to be) started. */
  public record AddSession(String familyId, Instant expiresAt, ActorRef<Result> replyTo)
      implements Change {}

  /** These families were revoked: the index no longer needs them. */
  public record ForgetSessions(List<String> familyIds, ActorRef<Result> replyTo)
      implements Change {}

  /** Reply with the families not yet expired or forgotten. */
  public record GetSessions(ActorRef<Sessions> replyTo) implements Command {}

  // ---- replies --------------------------------------------------------------------------------

  /** The outcome of a {@link Change}. */
  public sealed interface Result extends CborSerializable {}

  /** Done (or there was nothing to do). */
  public record Accepted() implements Result {}

  /** Refused: nothing was changed or persisted. */
  public record Refused(IdentityError code, String message) implements Result {}

  /** The account's sign-ins, the one ending first first. */
  public record Sessions(String userId, List<SessionEntry> sessions) implements CborSerializable {
    public Sessions {
      sessions = sessions == null ? List.of() : List.copyOf(sessions);
    }
  }

  // ---- events ---------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {
    Instant at();
  }

  /** The family {@code familyId}, ending at {@code expiresAt}, was added. */
  public record SessionAdded(String familyId, Instant expiresAt, Instant at) implements Event {}

  /** These families were forgotten. */
  public record SessionsForgotten(List<String> familyIds, Instant at) implements Event {}

  // ---- state ----------------------------------------------------------------------------------

  /** One sign-in of the account: its family id and its absolute expiry. */
  public record SessionEntry(String familyId, Instant expiresAt) {}

  /** The families by id; immutable. */
  public record State(Map<String, SessionEntry> sessions) implements CborSerializable {
    public static final State EMPTY = new State(null);

    public State {
      sessions =
          sessions == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(sessions));
    }

    /** With {@code entry}, and without the families expired at {@code now}. */
    State added(SessionEntry entry, Instant now) {
      Map<String, SessionEntry> next = new LinkedHashMap<>();
      for (SessionEntry kept : sessions.values()) {
        if (kept.expiresAt().isAfter(now)) next.put(kept.familyId(), kept);
      }
      next.put(entry.familyId(), entry);
      return new State(next);
    }

    State forgotten(List<String> familyIds) {
      Map<String, SessionEntry> next = new LinkedHashMap<>(sessions);
      familyIds.forEach(next::remove);
      return new State(next);
    }

    Sessions view(String userId, Instant now) {
      List<SessionEntry> live = new ArrayList<>();
      for (SessionEntry entry : sessions.values()) {
        if (entry.expiresAt().isAfter(now)) live.add(entry);
      }
      live.sort(
          Comparator.comparing(SessionEntry::expiresAt).thenComparing(SessionEntry::familyId));
      return new Sessions(userId, live);
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

  /** Starts sharding for the sign-in index on nodes with the {@code core} role. */
  public static void init(ActorSystem<?> system) {
    Settings settings = Settings.from(system.settings().config());
    Entities.shardOnCore(system, KEY, id -> create(id, settings));
  }

  /** The sign-ins of the account {@code userId}. */
  public static Behavior<Command> create(String userId, Settings settings) {
    return Behaviors.setup(context -> new UserSessionsEntity(userId, settings));
  }

  private UserSessionsEntity(String userId, Settings settings) {
    super(PersistenceId.of(KEY.name(), userId), Entities.restartWithBackoff());
    this.userId = userId;
    this.settings = settings;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Entities.tag("user-sessions", userId);
  }

  // ---- commands -------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState().onAnyCommand(this::onCommand);
  }

  private ReplyEffect<Event, State> onCommand(State state, Command command) {
    return switch (command) {
      case GetSessions get -> Effect().reply(get.replyTo(), state.view(userId, Instant.now()));
      case AddSession add -> onAddSession(state, add);
      case ForgetSessions forget -> onForgetSessions(state, forget);
    };
  }

  private ReplyEffect<Event, State> onAddSession(State state, AddSession add) {
    if (blank(add.familyId()) || add.expiresAt() == null) {
      return refuse(add, "A family id and an expiry are required");
    }
    SessionEntry entry = new SessionEntry(add.familyId(), add.expiresAt());
    if (entry.equals(state.sessions().get(add.familyId()))) return accept(add);
    return persist(add, new SessionAdded(add.familyId(), add.expiresAt(), Instant.now()));
  }

  private ReplyEffect<Event, State> onForgetSessions(State state, ForgetSessions forget) {
    if (forget.familyIds() == null) return refuse(forget, "The family ids are missing");
    List<String> known =
        forget.familyIds().stream().filter(state.sessions()::containsKey).distinct().toList();
    if (known.isEmpty()) return accept(forget);
    return persist(forget, new SessionsForgotten(known, Instant.now()));
  }

  private ReplyEffect<Event, State> persist(Change change, Event event) {
    return Effect().persist(event).thenReply(change.replyTo(), state -> new Accepted());
  }

  private ReplyEffect<Event, State> accept(Change change) {
    return Effect().reply(change.replyTo(), new Accepted());
  }

  private ReplyEffect<Event, State> refuse(Change change, String message) {
    return Effect().reply(change.replyTo(), new Refused(IdentityError.INVALID_ARGUMENT, message));
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
                  case SessionAdded added ->
                      state.added(
                          new SessionEntry(added.familyId(), added.expiresAt()), added.at());
                  case SessionsForgotten forgotten -> state.forgotten(forgotten.familyIds());
                });
  }
}
