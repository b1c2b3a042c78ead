package dev.easel.project;

import dev.easel.CborSerializable;
import dev.easel.Entities;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
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
 * One user's memberships, keyed by user id: the projects the user belongs to and the role in each,
 * and the organizations the user belongs to, as an admin or not. It is the index behind "my
 * projects" and "my organizations", kept by the {@link Projects} and {@link Organizations} facades
 * after each change that they made to a {@link ProjectEntity} or an {@link OrganizationEntity}, so
 * that it is up to date as soon as that change is answered. The project and the organization stay
 * the authorities on who is a member: this index only says where to look.
 *
 * <p>Joining and leaving are idempotent, so that the facades may repeat them safely.
 */
public final class MembershipEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        MembershipEntity.Command, MembershipEntity.Event, MembershipEntity.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "Membership");

  /** Save a snapshot every this many events. */
  static final int SNAPSHOT_EVERY = 100;

  // ---- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** A command that changes the memberships, answered with a {@link Result}. */
  public sealed interface Change extends Command {
    ActorRef<Result> replyTo();
  }

  /** The user is a member of {@code projectId} with {@code role} (a new role for a member). */
  public record Join(String projectId, ProjectRole role, ActorRef<Result> replyTo)
      implements Change {}

  /** The user is no longer a member of {@code projectId}. */
  public record Leave(String projectId, ActorRef<Result> replyTo) implements Change {}

  /** The user is a member of organization {@code orgId}, an admin or not (or no longer one). */
  public record JoinOrganization(String orgId, boolean admin, ActorRef<Result> replyTo)
      implements Change {}

  /** The user is no longer a member of organization {@code orgId}. */
  public record LeaveOrganization(String orgId, ActorRef<Result> replyTo) implements Change {}

  /**
   * Reply with every membership. Inside this class {@code List} names this command, so {@code
   * java.util.List} is written out in full.
   */
  public record List(ActorRef<Memberships> replyTo) implements Command {}

  /** Reply with every membership of an organization. */
  public record ListOrganizations(ActorRef<OrganizationMemberships> replyTo) implements Command {}

  // ---- replies --------------------------------------------------------------------------------

  /** The outcome of a {@link Change}. */
  public sealed interface Result extends CborSerializable {}

  /** Done (or there was nothing to do). */
  public record Accepted() implements Result {}

  /** Refused: nothing was changed or persisted. */
  public record Refused(ProjectError code, String message) implements Result {}

  /** The user's memberships, the earliest first. */
  public record Memberships(String userId, java.util.List<Membership> projects)
      implements CborSerializable {
    public Memberships {
      projects = projects == null ? java.util.List.of() : java.util.List.copyOf(projects);
    }
  }

  /** The user's memberships of organizations, the earliest first. */
  public record OrganizationMemberships(
      String userId, java.util.List<OrganizationMembership> organizations)
      implements CborSerializable {
    public OrganizationMemberships {
      organizations =
          organizations == null ? java.util.List.of() : java.util.List.copyOf(organizations);
    }
  }

  // ---- events ---------------------------------------------------------------------------------

  /** Something that happened to the user's memberships, and when. */
  public sealed interface Event extends CborSerializable {
    Instant at();
  }

  /** The user joined {@code projectId} with {@code role}, or its role there changed to it. */
  public record ProjectJoined(String projectId, ProjectRole role, Instant at) implements Event {}

  /** The user left {@code projectId}. */
  public record ProjectLeft(String projectId, Instant at) implements Event {}

  /** The user joined organization {@code orgId}, or became or stopped being an admin there. */
  public record OrganizationJoined(String orgId, boolean admin, Instant at) implements Event {}

  /** The user left organization {@code orgId}. */
  public record OrganizationLeft(String orgId, Instant at) implements Event {}

  // ---- state ----------------------------------------------------------------------------------

  /** A membership: the user's role in {@code projectId}, a member since {@code since}. */
  public record Membership(String projectId, ProjectRole role, Instant since) {}

  /** A membership of organization {@code orgId}, an admin or not, a member since {@code since}. */
  public record OrganizationMembership(String orgId, boolean admin, Instant since) {}

  /**
   * The memberships by project id and by organization id; immutable. A state saved before
   * organizations were indexed reads with none.
   */
  public record State(
      Map<String, Membership> projects, Map<String, OrganizationMembership> organizations)
      implements CborSerializable {
    public static final State EMPTY = new State(null, null);

    public State {
      projects =
          projects == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(projects));
      organizations =
          organizations == null
              ? Map.of()
              : Collections.unmodifiableMap(new LinkedHashMap<>(organizations));
    }

    /** The role in {@code projectId}, or null if the user is not a member. */
    public ProjectRole roleIn(String projectId) {
      Membership membership = projects.get(projectId);
      return membership == null ? null : membership.role();
    }

    State joined(String projectId, ProjectRole role, Instant at) {
      Membership current = projects.get(projectId);
      Map<String, Membership> next = new LinkedHashMap<>(projects);
      next.put(projectId, new Membership(projectId, role, current == null ? at : current.since()));
      return new State(next, organizations);
    }

    State left(String projectId) {
      Map<String, Membership> next = new LinkedHashMap<>(projects);
      next.remove(projectId);
      return new State(next, organizations);
    }

    /** The membership of organization {@code orgId}, or null if the user is not a member. */
    public OrganizationMembership organization(String orgId) {
      return organizations.get(orgId);
    }

    State joinedOrganization(String orgId, boolean admin, Instant at) {
      OrganizationMembership current = organizations.get(orgId);
      Map<String, OrganizationMembership> next = new LinkedHashMap<>(organizations);
      next.put(
          orgId, new OrganizationMembership(orgId, admin, current == null ? at : current.since()));
      return new State(projects, next);
    }

    State leftOrganization(String orgId) {
      Map<String, OrganizationMembership> next = new LinkedHashMap<>(organizations);
      next.remove(orgId);
      return new State(projects, next);
    }

    Memberships view(String userId) {
      java.util.List<Membership> sorted = new ArrayList<>(projects.values());
      sorted.sort(Comparator.comparing(Membership::since).thenComparing(Membership::projectId));
      return new Memberships(userId, sorted);
    }

    OrganizationMemberships organizationsView(String userId) {
      java.util.List<OrganizationMembership> sorted = new ArrayList<>(organizations.values());
      sorted.sort(
          Comparator.comparing(OrganizationMembership::since)
              .thenComparing(OrganizationMembership::orgId));
      return new OrganizationMemberships(userId, sorted);
    }
  }

  // ---- wiring ---------------------------------------------------------------------------------

  private final String userId;

  /** Starts sharding for memberships on nodes with the {@code core} role. */
  public static void init(ActorSystem<?> system) {
    Entities.shardOnCore(system, KEY, id -> create(id));
  }

  /** The memberships of the user {@code userId}. */
  public static Behavior<Command> create(String userId) {
    return Behaviors.setup(context -> new MembershipEntity(userId));
  }

  private MembershipEntity(String userId) {
    super(PersistenceId.of(KEY.name(), userId), Entities.restartWithBackoff());
    this.userId = userId;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Entities.tag("membership", userId);
  }

  // ---- commands -------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState().onAnyCommand(this::onCommand);
  }

  private ReplyEffect<Event, State> onCommand(State state, Command command) {
    return switch (command) {
      case List list -> Effect().reply(list.replyTo(), state.view(userId));
      case ListOrganizations list ->
          Effect().reply(list.replyTo(), state.organizationsView(userId));
      case Join join -> onJoin(state, join);
      case Leave leave -> onLeave(state, leave);
      case JoinOrganization join -> onJoinOrganization(state, join);
      case LeaveOrganization leave -> onLeaveOrganization(state, leave);
    };
  }

  private ReplyEffect<Event, State> onJoin(State state, Join join) {
    if (blank(join.projectId()) || join.role() == null) {
      return refuse(join, ProjectError.INVALID_ARGUMENT, "A project id and a role are required");
    }
    if (state.roleIn(join.projectId()) == join.role()) return accept(join);
    return persist(join, new ProjectJoined(join.projectId(), join.role(), Instant.now()));
  }

  private ReplyEffect<Event, State> onLeave(State state, Leave leave) {
    if (blank(leave.projectId())) {
      return refuse(leave, ProjectError.INVALID_ARGUMENT, "A project id is required");
    }
    if (state.roleIn(leave.projectId()) == null) return accept(leave);
    return persist(leave, new ProjectLeft(leave.projectId(), Instant.now()));
  }

  private ReplyEffect<Event, State> onJoinOrganization(State state, JoinOrganization join) {
    if (blank(join.orgId())) {
      return refuse(join, ProjectError.INVALID_ARGUMENT, "An organization id is required");
    }
    OrganizationMembership current = state.organization(join.orgId());
    if (current != null && current.admin() == join.admin()) return accept(join);
    return persist(join, new OrganizationJoined(join.orgId(), join.admin(), Instant.now()));
  }

  private ReplyEffect<Event, State> onLeaveOrganization(State state, LeaveOrganization leave) {
    if (blank(leave.orgId())) {
      return refuse(leave, ProjectError.INVALID_ARGUMENT, "An organization id is required");
    }
    if (state.organization(leave.orgId()) == null) return accept(leave);
    return persist(leave, new OrganizationLeft(leave.orgId(), Instant.now()));
  }

  private ReplyEffect<Event, State> persist(Change change, Event event) {
    return Effect().persist(event).thenReply(change.replyTo(), state -> new Accepted());
  }

  private ReplyEffect<Event, State> accept(Change change) {
    return Effect().reply(change.replyTo(), new Accepted());
  }

  private ReplyEffect<Event, State> refuse(Change change, ProjectError code, String message) {
    return Effect().reply(change.replyTo(), new Refused(code, message));
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
                  case ProjectJoined joined ->
                      state.joined(joined.projectId(), joined.role(), joined.at());
                  case ProjectLeft left -> state.left(left.projectId());
                  case OrganizationJoined joined ->
                      state.joinedOrganization(joined.orgId(), joined.admin(), joined.at());
                  case OrganizationLeft left -> state.leftOrganization(left.orgId());
                });
  }
}
