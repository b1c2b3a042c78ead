package dev.easel.project;

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
 * One organization: its name and members, some of them admins, and the projects created in it. An
 * organization always keeps at least one admin. Who may change it is decided at the edge.
 *
 * <p>The list of projects is an index: {@link Projects} adds a project before creating it and
 * removes it once it is deleted, so every live project of the organization is in it, and each
 * project (its status and organization) stays the authority on whether it is shown.
 */
public final class OrganizationEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        OrganizationEntity.Command, OrganizationEntity.Event, OrganizationEntity.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "Organization");

  /** Save a snapshot every this many events. */
  static final int SNAPSHOT_EVERY = 100;

  // ---- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** A command that changes the organization, answered with a {@link Result}. */
  public sealed interface Change extends Command {
    ActorRef<Result> replyTo();
  }

  /** Create the organization with {@code adminUserId} as its first admin. */
  public record Create(String name, String adminUserId, ActorRef<Result> replyTo)
      implements Change {}

  /** Make {@code userId} a member, an admin or not; for a member, this sets whether it is one. */
  public record AddMember(String userId, boolean admin, String byUserId, ActorRef<Result> replyTo)
      implements Change {}

  /** Remove member {@code userId}. */
  public record RemoveMember(String userId, String byUserId, ActorRef<Result> replyTo)
      implements Change {}

  /** Enter project {@code projectId} in the organization's list of projects. */
  public record AddProject(String projectId, String byUserId, ActorRef<Result> replyTo)
      implements Change {}

  /** Take project {@code projectId} out of the organization's list of projects. */
  public record RemoveProject(String projectId, String byUserId, ActorRef<Result> replyTo)
      implements Change {}

  /** Reply with the organization and its members. */
  public record Get(ActorRef<OrganizationView> replyTo) implements Command {}

  /** Reply with the organization, its members and its list of projects. */
  public record GetProjects(ActorRef<OrganizationProjects> replyTo) implements Command {}

  // ---- replies --------------------------------------------------------------------------------

  /** The outcome of a {@link Change}. */
  public sealed interface Result extends CborSerializable {}

  /** Done (or there was nothing to do). */
  public record Accepted() implements Result {}

  /** Refused: nothing was changed or persisted. */
  public record Refused(ProjectError code, String message) implements Result {}

  /**
   * The organization as shown; {@code exists} is false (and the rest empty) if it was never
   * created. Admins first, then by id.
   */
  public record OrganizationView(
      String orgId, boolean exists, String name, Instant createdAt, List<Member> members)
      implements CborSerializable {}

  /** The organization (as {@link Get} shows it) and its projects, in the order they were added. */
  public record OrganizationProjects(OrganizationView organization, List<ProjectEntry> projects)
      implements CborSerializable {
    public OrganizationProjects {
      projects = projects == null ? List.of() : List.copyOf(projects);
    }
  }

  // ---- events ---------------------------------------------------------------------------------

  /** Something that happened to the organization: who did it, and when. */
  public sealed interface Event extends CborSerializable {
    String byUserId();

    Instant at();
  }

  /** The organization was created; {@code byUserId} is its first admin. */
  public record OrganizationCreated(String name, String byUserId, Instant at) implements Event {}

  /** {@code userId} is a member now, an admin or not. */
  public record MemberAdded(String userId, boolean admin, String byUserId, Instant at)
      implements Event {}

  /** {@code userId} is no longer a member. */
  public record MemberRemoved(String userId, String byUserId, Instant at) implements Event {}

  /** Project {@code projectId} is in the organization's list of projects. */
  public record ProjectAdded(String projectId, String byUserId, Instant at) implements Event {}

  /** Project {@code projectId} left the organization's list of projects. */
  public record ProjectRemoved(String projectId, String byUserId, Instant at) implements Event {}

  // ---- state ----------------------------------------------------------------------------------

  /** A member, since {@code since}. */
  public record Member(String userId, boolean admin, Instant since) {}

  /** A project in the organization's list, since {@code addedAt}. */
  public record ProjectEntry(String projectId, Instant addedAt) {}

  /**
   * The organization; immutable. {@code name} is null until it is created. A state saved before
   * projects were listed reads with none.
   */
  public record State(
      String name,
      Instant createdAt,
      Map<String, Member> members,
      Map<String, ProjectEntry> projects)
      implements CborSerializable {
    public static final State NEW = new State(null, null, null, null);

    public State {
      members =
          members == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(members));
      projects =
          projects == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(projects));
    }

    public boolean exists() {
      return name != null;
    }

    public long adminCount() {
      return members.values().stream().filter(Member::admin).count();
    }

    /** Whether {@code userId} is the only admin, so that it must stay one. */
    public boolean lastAdmin(String userId) {
      Member member = members.get(userId);
      return member != null && member.admin() && adminCount() == 1;
    }

    State withMember(String userId, boolean admin, Instant at) {
      Member current = members.get(userId);
      Map<String, Member> next = new LinkedHashMap<>(members);
      next.put(userId, new Member(userId, admin, current == null ? at : current.since()));
      return new State(name, createdAt, next, projects);
    }

    State withoutMember(String userId) {
      Map<String, Member> next = new LinkedHashMap<>(members);
      next.remove(userId);
      return new State(name, createdAt, next, projects);
    }

    State withProject(String projectId, Instant at) {
      Map<String, ProjectEntry> next = new LinkedHashMap<>(projects);
      next.putIfAbsent(projectId, new ProjectEntry(projectId, at));
      return new State(name, createdAt, members, next);
    }

    State withoutProject(String projectId) {
      Map<String, ProjectEntry> next = new LinkedHashMap<>(projects);
      next.remove(projectId);
      return new State(name, createdAt, members, next);
    }

    OrganizationView view(String orgId) {
      List<Member> sorted = new ArrayList<>(members.values());
      sorted.sort(Comparator.comparing((Member m) -> !m.admin()).thenComparing(Member::userId));
      return new OrganizationView(orgId, exists(), name, createdAt, sorted);
    }

    OrganizationProjects projectsView(String orgId) {
      List<ProjectEntry> sorted = new ArrayList<>(projects.values());
      sorted.sort(
          Comparator.comparing(ProjectEntry::addedAt).thenComparing(ProjectEntry::projectId));
      return new OrganizationProjects(view(orgId), sorted);
    }
  }

  // ---- wiring ---------------------------------------------------------------------------------

  private final String orgId;

  /** Starts sharding for organizations on nodes with the {@code core} role. */
  public static void init(ActorSystem<?> system) {
    Entities.shardOnCore(system, KEY, id -> create(id));
  }

  public static Behavior<Command> create(String orgId) {
    return Behaviors.setup(context -> new OrganizationEntity(orgId));
  }

  private OrganizationEntity(String orgId) {
    super(PersistenceId.of(KEY.name(), orgId), Entities.restartWithBackoff());
    this.orgId = orgId;
  }

  @Override
  public State emptyState() {
    return State.NEW;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Entities.tag("organization", orgId);
  }

  // ---- commands -------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState().onAnyCommand(this::onCommand);
  }

  private ReplyEffect<Event, State> onCommand(State state, Command command) {
    return switch (command) {
      case Get get -> Effect().reply(get.replyTo(), state.view(orgId));
      case GetProjects get -> Effect().reply(get.replyTo(), state.projectsView(orgId));
      case Create create -> onCreate(state, create);
      case Change change when !state.exists() ->
          refuse(change, ProjectError.ORGANIZATION_NOT_FOUND, "There is no organization " + orgId);
      case AddMember add -> onAddMember(state, add);
      case RemoveMember remove -> onRemoveMember(state, remove);
      case AddProject add -> onAddProject(state, add);
      case RemoveProject remove -> onRemoveProject(state, remove);
    };
  }

  private ReplyEffect<Event, State> onCreate(State state, Create create) {
    if (state.exists()) {
      return refuse(create, ProjectError.ORGANIZATION_EXISTS, "The organization exists already");
    }
    if (blank(create.name()) || blank(create.adminUserId())) {
      return invalid(create, "A name and a first admin are required");
    }
    return persist(
        create,
        new OrganizationCreated(create.name().strip(), create.adminUserId(), Instant.now()));
  }

  private ReplyEffect<Event, State> onAddMember(State state, AddMember add) {
    if (blank(add.userId())) return invalid(add, "A user id is required");
    if (blank(add.byUserId())) return noActor(add);
    Member current = state.members().get(add.userId());
    if (current != null && current.admin() == add.admin()) return accept(add);
    if (!add.admin() && state.lastAdmin(add.userId())) {
      return lastAdmin(add, "Make another member an admin before this one stops being one");
    }
    return persist(add, new MemberAdded(add.userId(), add.admin(), add.byUserId(), Instant.now()));
  }

  private ReplyEffect<Event, State> onRemoveMember(State state, RemoveMember remove) {
    if (blank(remove.userId())) return invalid(remove, "A user id is required");
    if (blank(remove.byUserId())) return noActor(remove);
    if (!state.members().containsKey(remove.userId())) {
      return refuse(remove, ProjectError.NOT_MEMBER, "The user is not a member");
    }
    if (state.lastAdmin(remove.userId())) {
      return lastAdmin(remove, "Make another member an admin before removing this one");
    }
    return persist(remove, new MemberRemoved(remove.userId(), remove.byUserId(), Instant.now()));
  }

  private ReplyEffect<Event, State> onAddProject(State state, AddProject add) {
    if (blank(add.projectId())) return invalid(add, "A project id is required");
    if (blank(add.byUserId())) return noActor(add);
    if (state.projects().containsKey(add.projectId())) return accept(add);
    return persist(add, new ProjectAdded(add.projectId(), add.byUserId(), Instant.now()));
  }

  private ReplyEffect<Event, State> onRemoveProject(State state, RemoveProject remove) {
    if (blank(remove.projectId())) return invalid(remove, "A project id is required");
    if (blank(remove.byUserId())) return noActor(remove);
    if (!state.projects().containsKey(remove.projectId())) return accept(remove);
    return persist(
        remove, new ProjectRemoved(remove.projectId(), remove.byUserId(), Instant.now()));
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

  private ReplyEffect<Event, State> invalid(Change change, String message) {
    return refuse(change, ProjectError.INVALID_ARGUMENT, message);
  }

  private ReplyEffect<Event, State> noActor(Change change) {
    return invalid(change, "The user making the change (byUserId) is required");
  }

  private ReplyEffect<Event, State> lastAdmin(Change change, String advice) {
    return refuse(
        change, ProjectError.LAST_ADMIN, "An organization needs at least one admin. " + advice);
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
                  case OrganizationCreated created ->
                      new State(created.name(), created.at(), null, null)
                          .withMember(created.byUserId(), true, created.at());
                  case MemberAdded added ->
                      state.withMember(added.userId(), added.admin(), added.at());
                  case MemberRemoved removed -> state.withoutMember(removed.userId());
                  case ProjectAdded added -> state.withProject(added.projectId(), added.at());
                  case ProjectRemoved removed -> state.withoutProject(removed.projectId());
                });
  }
}
