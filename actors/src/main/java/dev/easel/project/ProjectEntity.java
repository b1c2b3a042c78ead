package dev.easel.project;

import dev.easel.CborSerializable;
import dev.easel.Entities;
import dev.easel.Etags;
import dev.easel.identity.RequestOrigin;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One project: its name, members and their roles, invitations, and the catalog of its canvases.
 * Every event names the user who made the change, when, and where the request came from ({@link
 * Origin}, when the edge told it): the project's activity feed ({@link ProjectActivity}) and its
 * owners' audit log ({@link ProjectAuditLog}) are these events, read back from the journal. Its
 * canvases tell it who edited them ({@link RecordCanvasEdit}), which it records at most once per
 * canvas and user per interval.
 *
 * <p>The edge decides who may do what; the entity only keeps its invariants: a project always has
 * at least one owner, an invitation is accepted once, before it expires, with its token. An
 * archived project keeps its members manageable but refuses changes to its name, catalog and
 * invitations until it is unarchived; a deleted one refuses everything but {@link Get}.
 */
public final class ProjectEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        ProjectEntity.Command, ProjectEntity.Event, ProjectEntity.State> {

  public static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, "Project");

  /** Save a snapshot every this many events. */
  static final int SNAPSHOT_EVERY = 100;

  // ---- commands -------------------------------------------------------------------------------

  private ProjectView view(State state) {
    long revision = lastSequenceNumber(context);
    if (state != viewed || revision != viewedRevision) {
      lastView = state.view(projectId, revision);
      viewed = state;
      viewedRevision = revision;
    }
    return lastView;
  }

  public sealed interface Command extends CborSerializable {}

  /**
   * A command that changes the project, answered with a {@link Result}; {@code origin} is where the
   * change was asked from (null when not known: a change made inside Easel), kept in its event.
   */
  public sealed interface Change extends Command {
    Origin origin();

    ActorRef<Result> replyTo();
  }

  /** Create the project, owned by {@code ownerUserId}, in organization {@code orgId} (or none). */
  public record Create(
      String name, String ownerUserId, String orgId, Origin origin, ActorRef<Result> replyTo)
      implements Change {}

  /**
   * Rename the project ({@code name} null: keep it). With {@code expectedEtag} (not null) only if
   * the project's {@link ProjectView#etag()} is still that; otherwise refused with {@link
   * ProjectError#ETAG_MISMATCH} and nothing changes.
   */
  public record Rename(
      String name, String byUserId, Origin origin, String expectedEtag, ActorRef<Result> replyTo)
      implements Change {
    /** Rename the project, whatever it is now. */
    public Rename(String name, String byUserId, Origin origin, ActorRef<Result> replyTo) {
      this(name, byUserId, origin, null, replyTo);
    }
  }

  /** Archive the project: its name, catalog and invitations are frozen. */
  public record Archive(String byUserId, Origin origin, ActorRef<Result> replyTo)
      implements Change {}

  /** Bring an archived project back. */
  public record Unarchive(String byUserId, Origin origin, ActorRef<Result> replyTo)
      implements Change {}

  /** Delete the project. */
  public record Delete(String byUserId, Origin origin, ActorRef<Result> replyTo)
      implements Change {}

  /** Make {@code userId} a member with {@code role}. */
  public record AddMember(
      String userId, ProjectRole role, String byUserId, Origin origin, ActorRef<Result> replyTo)
      implements Change {}

  /** Give member {@code userId} another role. */
  public record ChangeRole(
      String userId, ProjectRole role, String byUserId, Origin origin, ActorRef<Result> replyTo)
      implements Change {}

  /** Remove member {@code userId}. */
  public record RemoveMember(
      String userId, String byUserId, Origin origin, ActorRef<Result> replyTo) implements Change {}

  /**
   * Invite {@code email} to join with {@code role}; {@code tokenHash} is the hash of the token in
   * the invitation link.
   */
  public record Invite(
      String email,
      ProjectRole role,
      String inviteId,
      String tokenHash,
      Instant expiresAt,
      String byUserId,
      Origin origin,
      ActorRef<Result> replyTo)
      implements Change {}

  /** Withdraw an invitation that was not accepted yet. */
  public record RevokeInvite(
      String inviteId, String byUserId, Origin origin, ActorRef<Result> replyTo)
      implements Change {}

  /**
   * {@code userId} accepts an invitation with its token at {@code now}. A member keeps the higher
   * of its role and the invited one.
   */
  public record AcceptInvite(
      String inviteId,
      String tokenHash,
      String userId,
      Instant now,
      Origin origin,
      ActorRef<Result> replyTo)
      implements Change {}

  /** Owner {@code byUserId} makes member {@code toUserId} an owner and becomes an editor. */
  public record TransferOwnership(
      String toUserId, String byUserId, Origin origin, ActorRef<Result> replyTo)
      implements Change {}

  /** Add a canvas to the project's catalog. */
  public record AddCanvas(
      String canvasId, String title, String byUserId, Origin origin, ActorRef<Result> replyTo)
      implements Change {}

  /** Remove a canvas from the project's catalog. */
  public record RemoveCanvas(
      String canvasId, String byUserId, Origin origin, ActorRef<Result> replyTo)
      implements Change {}

  /** What was done to one of the project's datasets. */
  public enum DatasetChange {
    UPLOADED,
    RENAMED,
    DELETED
  }

  /**
   * Record, for the activity feed and the audit log, a change that {@code byUserId} made to the
   * project's datasets, once the dataset catalog (kept apart from this entity) has made it: a new
   * {@code version} of dataset {@code datasetId} named {@code name}, its rename from {@code
   * previousName}, or its deletion.
   */
  public record RecordDatasetChange(
      DatasetChange change,
      String datasetId,
      String name,
      String previousName,
      long version,
      String byUserId,
      Origin origin,
      ActorRef<Result> replyTo)
      implements Change {}

  /**
   * {@code userId} edited canvas {@code canvasId} of the project at {@code at}; told by the canvas.
   * Recorded as {@link CanvasEdited} at most once per canvas and user per edit interval ({@code
   * easel.projects.activity-edit-interval}); ignored for a canvas not in the catalog. Not answered.
   */
  public record RecordCanvasEdit(String canvasId, String userId, Instant at) implements Command {}

  /** Reply with the project, its members, canvases and invitations. */
  public record Get(ActorRef<ProjectView> replyTo) implements Command {}

  // ---- replies --------------------------------------------------------------------------------

  /** The outcome of a {@link Change}. */
  public sealed interface Result extends CborSerializable {}

  /** Done (or there was nothing to do). */
  public record Accepted() implements Result {}

  /** Refused: nothing was changed or persisted. */
  public record Refused(ProjectError code, String message) implements Result {}

  /**
   * The project as shown; all but {@code status} empty if it was never created. Members by role,
   * then id; canvases and invitations in the order they were added. {@code revision} is the
   * sequence number of the project's latest event (0 if none): the activity feed starts there.
   * {@code etag} changes whenever the project as its members see it (name, archive, members and
   * their roles, canvases) does; events that show nothing there (edits noted for the activity feed,
   * invitations) leave it as it was.
   */
  public record ProjectView(
      String projectId,
      Status status,
      String name,
      String orgId,
      boolean archived,
      Instant createdAt,
      List<Member> members,
      List<CanvasEntry> canvases,
      List<InvitationView> invitations,
      long revision,
      String etag)
      implements CborSerializable {}

  /** An invitation as shown, without its token hash. */
  public record InvitationView(
      String inviteId,
      String email,
      ProjectRole role,
      Instant expiresAt,
      String invitedBy,
      Instant invitedAt,
      String acceptedBy,
      Instant acceptedAt) {}

  // ---- events ---------------------------------------------------------------------------------

  /**
   * Where a change was asked from, as the edge saw it: the client's address and its {@code
   * User-Agent}, each null when not known, cleaned and cut as {@link RequestOrigin} does. Shown to
   * the project's owners in its audit log ({@link ProjectAuditLog}).
   */
  public record Origin(String clientAddress, String userAgent) {
    public Origin {
      RequestOrigin cleaned = new RequestOrigin(clientAddress, userAgent);
      clientAddress = cleaned.clientAddress();
      userAgent = cleaned.userAgent();
    }

    /** The origin of a request (its sign-in is not kept), or null when nothing of it is known. */
    public static Origin of(RequestOrigin request) {
      if (request == null || (request.clientAddress() == null && request.userAgent() == null)) {
        return null;
      }
      return new Origin(request.clientAddress(), request.userAgent());
    }
  }

  /**
   * Something that happened to the project: who did it, when, and from where. Events are never
   * changed or deleted: the activity feed and the audit log read them back from the journal.
   */
  public sealed interface Event extends CborSerializable {
    String byUserId();

    Instant at();

    /**
     * Where the change was asked from; null when not known: events written before origins were
     * recorded (their serialized form lacks the field), changes made inside Easel, and canvas edits
     * (told by the canvas).
     */
    default Origin origin() {
      return null;
    }
  }

  /** The project was created; {@code byUserId} is its first owner. */
  public record ProjectCreated(
      String name, String orgId, String byUserId, Instant at, Origin origin) implements Event {}

  /** The project was renamed. */
  public record ProjectRenamed(String name, String byUserId, Instant at, Origin origin)
      implements Event {}

  /** The project was archived. */
  public record ProjectArchived(String byUserId, Instant at, Origin origin) implements Event {}

  /** The project was unarchived. */
  public record ProjectUnarchived(String byUserId, Instant at, Origin origin) implements Event {}

  /** The project was deleted. */
  public record ProjectDeleted(String byUserId, Instant at, Origin origin) implements Event {}

  /** {@code userId} became a member. */
  public record MemberAdded(
      String userId, ProjectRole role, String byUserId, Instant at, Origin origin)
      implements Event {}

  /** Member {@code userId}'s role changed from {@code from} to {@code to}. */
  public record MemberRoleChanged(
      String userId, ProjectRole from, ProjectRole to, String byUserId, Instant at, Origin origin)
      implements Event {}

  /** {@code userId} is no longer a member (it left if it is {@code byUserId}). */
  public record MemberRemoved(String userId, String byUserId, Instant at, Origin origin)
      implements Event {}

  /** {@code email} was invited. */
  public record MemberInvited(
      String inviteId,
      String email,
      ProjectRole role,
      String tokenHash,
      Instant expiresAt,
      String byUserId,
      Instant at,
      Origin origin)
      implements Event {}

  /**
   * An invitation of {@code email} was withdrawn ({@code email} is null in events written before it
   * was recorded).
   */
  public record InviteRevoked(
      String inviteId, String email, String byUserId, Instant at, Origin origin) implements Event {}

  /** {@code byUserId} accepted an invitation and is a member with {@code role} now. */
  public record InviteAccepted(
      String inviteId, ProjectRole role, String byUserId, Instant at, Origin origin)
      implements Event {}

  /** {@code toUserId} became an owner; the previous owner {@code byUserId} an editor. */
  public record OwnershipTransferred(String toUserId, String byUserId, Instant at, Origin origin)
      implements Event {}

  /** A canvas joined the catalog. */
  public record CanvasAdded(
      String canvasId, String title, String byUserId, Instant at, Origin origin) implements Event {}

  /** A canvas left the catalog. */
  public record CanvasRemoved(String canvasId, String byUserId, Instant at, Origin origin)
      implements Event {}

  /**
   * {@code byUserId} edited canvas {@code canvasId} at {@code at} (and maybe more often within the
   * edit interval that followed).
   */
  public record CanvasEdited(String canvasId, String byUserId, Instant at) implements Event {}

  /** Version {@code version} of dataset {@code datasetId}, named {@code name}, was uploaded. */
  public record DatasetUploaded(
      String datasetId, String name, long version, String byUserId, Instant at, Origin origin)
      implements Event {}

  /** Dataset {@code datasetId} was renamed from {@code previousName} to {@code name}. */
  public record DatasetRenamed(
      String datasetId,
      String name,
      String previousName,
      String byUserId,
      Instant at,
      Origin origin)
      implements Event {}

  /** Dataset {@code datasetId}, named {@code name}, was deleted with all its versions. */
  public record DatasetDeleted(
      String datasetId, String name, String byUserId, Instant at, Origin origin) implements Event {}

  // ---- state ----------------------------------------------------------------------------------

  /** Where a project is in its life. */
  public enum Status {
    /** Never created. */
    NEW,
    ACTIVE,
    DELETED
  }

  /** A member and its role, since {@code since}. */
  public record Member(String userId, ProjectRole role, Instant since) {}

  /** A canvas in the catalog. */
  public record CanvasEntry(String canvasId, String title, String addedBy, Instant addedAt) {}

  /** An invitation; {@code acceptedBy} is set once it was accepted. */
  public record Invitation(
      String inviteId,
      String email,
      ProjectRole role,
      String tokenHash,
      Instant expiresAt,
      String invitedBy,
      Instant invitedAt,
      String acceptedBy,
      Instant acceptedAt) {

    boolean used() {
      return acceptedBy != null;
    }

    boolean expiredAt(Instant now) {
      return !now.isBefore(expiresAt);
    }

    /** Whether {@code presented} is this invitation's token hash (compared in constant time). */
    boolean matches(String presented) {
      return presented != null
          && MessageDigest.isEqual(
              tokenHash.getBytes(StandardCharsets.UTF_8),
              presented.getBytes(StandardCharsets.UTF_8));
    }

    Invitation accepted(String userId, Instant at) {
      return new Invitation(
          inviteId, email, role, tokenHash, expiresAt, invitedBy, invitedAt, userId, at);
    }

    InvitationView view() {
      return new InvitationView(
          inviteId, email, role, expiresAt, invitedBy, invitedAt, acceptedBy, acceptedAt);
    }
  }

  /**
   * The project; immutable. Maps are keyed by user, invitation and canvas id; {@code editsNoted}
   * holds when each user's edits of each canvas were last recorded, keyed by {@link #editKey}.
   */
  public record State(
      Status status,
      String name,
      String orgId,
      boolean archived,
      Instant createdAt,
      Map<String, Member> members,
      Map<String, Invitation> invitations,
      Map<String, CanvasEntry> canvases,
      Map<String, Instant> editsNoted)
      implements CborSerializable {
    public static final State NEW =
        new State(Status.NEW, null, null, false, null, null, null, null, null);

    public State {
      members = frozen(members);
      invitations = frozen(invitations);
      canvases = frozen(canvases);
      editsNoted = frozen(editsNoted);
    }

    /** The key of {@code editsNoted} for a canvas and a user (canvas ids hold no '/'). */
    static String editKey(String canvasId, String userId) {
      return canvasId + "/" + userId;
    }

    /** The role of {@code userId}, or null if it is not a member. */
    public ProjectRole roleOf(String userId) {
      Member member = members.get(userId);
      return member == null ? null : member.role();
    }

    public long ownerCount() {
      return members.values().stream().filter(m -> m.role() == ProjectRole.OWNER).count();
    }

    /** Whether {@code userId} is the only owner, so that it must stay one. */
    public boolean lastOwner(String userId) {
      return roleOf(userId) == ProjectRole.OWNER && ownerCount() == 1;
    }

    State withName(String name) {
      return new State(
          status, name, orgId, archived, createdAt, members, invitations, canvases, editsNoted);
    }

    State withArchived(boolean archived) {
      return new State(
          status, name, orgId, archived, createdAt, members, invitations, canvases, editsNoted);
    }

    State deleted() {
      return new State(
          Status.DELETED,
          name,
          orgId,
          archived,
          createdAt,
          members,
          invitations,
          canvases,
          editsNoted);
    }

    State withMember(String userId, ProjectRole role, Instant at) {
      Member current = members.get(userId);
      Member member = new Member(userId, role, current == null ? at : current.since());
      return new State(
          status,
          name,
          orgId,
          archived,
          createdAt,
          put(members, userId, member),
          invitations,
          canvases,
          editsNoted);
    }

    State withoutMember(String userId) {
      return new State(
          status,
          name,
          orgId,
          archived,
          createdAt,
          remove(members, userId),
          invitations,
          canvases,
          editsNoted);
    }

    State withInvitation(Invitation invitation) {
      return new State(
          status,
          name,
          orgId,
          archived,
          createdAt,
          members,
          put(invitations, invitation.inviteId(), invitation),
          canvases,
          editsNoted);
    }

    State withoutInvitation(String inviteId) {
      return new State(
          status,
          name,
          orgId,
          archived,
          createdAt,
          members,
          remove(invitations, inviteId),
          canvases,
          editsNoted);
    }

    State withCanvas(CanvasEntry canvas) {
      return new State(
          status,
          name,
          orgId,
          archived,
          createdAt,
          members,
          invitations,
          put(canvases, canvas.canvasId(), canvas),
          editsNoted);
    }

    State withoutCanvas(String canvasId) {
      Map<String, Instant> edits = new LinkedHashMap<>(editsNoted);
      edits.keySet().removeIf(key -> key.startsWith(canvasId + "/"));
      return new State(
          status,
          name,
          orgId,
          archived,
          createdAt,
          members,
          invitations,
          remove(canvases, canvasId),
          edits);
    }

    State withEditNoted(String canvasId, String userId, Instant at) {
      return new State(
          status,
          name,
          orgId,
          archived,
          createdAt,
          members,
          invitations,
          canvases,
          put(editsNoted, editKey(canvasId, userId), at));
    }

    ProjectView view(String projectId, long revision) {
      List<Member> sortedMembers = new ArrayList<>(members.values());
      sortedMembers.sort(Comparator.comparing(Member::role).thenComparing(Member::userId));
      List<InvitationView> invites = new ArrayList<>();
      for (Invitation invitation : invitations.values()) invites.add(invitation.view());
      return new ProjectView(
          projectId,
          status,
          name,
          orgId,
          archived,
          createdAt,
          List.copyOf(sortedMembers),
          List.copyOf(canvases.values()),
          List.copyOf(invites),
          revision,
          etag(projectId));
    }

    /** The etag of the project as its members see it. */
    String etag(String projectId) {
      List<Object> shown = new ArrayList<>();
      members.values().stream()
          .sorted(Comparator.comparing(Member::userId))
          .forEach(m -> shown.add(List.of(m.userId(), m.role().name(), String.valueOf(m.since()))));
      List<Object> catalog = new ArrayList<>();
      for (CanvasEntry canvas : canvases.values()) {
        catalog.add(
            Arrays.asList(canvas.canvasId(), canvas.title(), canvas.addedBy(), canvas.addedAt()));
      }
      return Etags.of(projectId, status, name, orgId, archived, createdAt, shown, catalog);
    }

    private static <V> Map<String, V> frozen(Map<String, V> map) {
      return map == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    private static <V> Map<String, V> put(Map<String, V> map, String key, V value) {
      Map<String, V> copy = new LinkedHashMap<>(map);
      copy.put(key, value);
      return copy;
    }

    private static <V> Map<String, V> remove(Map<String, V> map, String key) {
      Map<String, V> copy = new LinkedHashMap<>(map);
      copy.remove(key);
      return copy;
    }
  }

  // ---- wiring ---------------------------------------------------------------------------------

  private final String projectId;
  private final ActorContext<Command> context;

  /**
   * The last view answered, and the state and revision it shows: every access check reads the view,
   * so it is built (members sorted, etag digested) once per change, not once per read.
   */
  private State viewed;

  private long viewedRevision;
  private ProjectView lastView;
  private final Duration editInterval;

  /** Starts sharding for projects on nodes with the {@code core} role. */
  public static void init(ActorSystem<?> system) {
    Entities.shardOnCore(system, KEY, id -> create(id));
  }

  /** The project {@code projectId}; settings from {@code easel.projects}. */
  public static Behavior<Command> create(String projectId) {
    return Behaviors.setup(
        context ->
            new ProjectEntity(
                projectId,
                context,
                context
                    .getSystem()
                    .settings()
                    .config()
                    .getDuration("easel.projects.activity-edit-interval")));
  }

  private ProjectEntity(String projectId, ActorContext<Command> context, Duration editInterval) {
    super(PersistenceId.of(KEY.name(), projectId), Entities.restartWithBackoff());
    this.projectId = projectId;
    this.context = context;
    this.editInterval = editInterval;
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
    return Entities.tag("project", projectId);
  }

  // ---- commands -------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState().onAnyCommand(this::onCommand);
  }

  private ReplyEffect<Event, State> onCommand(State state, Command command) {
    return switch (command) {
      case Get get -> Effect().reply(get.replyTo(), view(state));
      case RecordCanvasEdit edit -> onRecordCanvasEdit(state, edit);
      case Change change when state.status() == Status.DELETED ->
          refuse(change, ProjectError.PROJECT_DELETED, "The project was deleted");
      case Create create -> onCreate(state, create);
      case Change change when state.status() == Status.NEW ->
          refuse(change, ProjectError.PROJECT_NOT_FOUND, "There is no project " + projectId);
      case Change change when state.archived() && frozenWhileArchived(change) ->
          refuse(change, ProjectError.PROJECT_ARCHIVED, "The project is archived; unarchive it");
      case Rename rename -> onRename(state, rename);
      case Archive archive -> onArchive(state, archive);
      case Unarchive unarchive -> onUnarchive(state, unarchive);
      case Delete delete -> onDelete(delete);
      case AddMember add -> onAddMember(state, add);
      case ChangeRole change -> onChangeRole(state, change);
      case RemoveMember remove -> onRemoveMember(state, remove);
      case Invite invite -> onInvite(state, invite);
      case RevokeInvite revoke -> onRevokeInvite(state, revoke);
      case AcceptInvite accept -> onAcceptInvite(state, accept);
      case TransferOwnership transfer -> onTransferOwnership(state, transfer);
      case AddCanvas add -> onAddCanvas(state, add);
      case RemoveCanvas remove -> onRemoveCanvas(state, remove);
      case RecordDatasetChange change -> onRecordDatasetChange(change);
    };
  }

  private static boolean frozenWhileArchived(Change change) {
    return change instanceof Rename
        || change instanceof Invite
        || change instanceof RevokeInvite
        || change instanceof AcceptInvite
        || change instanceof AddCanvas
        || change instanceof RemoveCanvas;
  }

  private ReplyEffect<Event, State> onCreate(State state, Create create) {
    if (state.status() == Status.ACTIVE) {
      return refuse(create, ProjectError.PROJECT_EXISTS, "The project exists already");
    }
    if (blank(create.name())) return invalid(create, "A project name is required");
    if (blank(create.ownerUserId())) return invalid(create, "An owner is required");
    String orgId = blank(create.orgId()) ? null : create.orgId();
    return persist(
        create,
        new ProjectCreated(
            create.name().strip(), orgId, create.ownerUserId(), Instant.now(), create.origin()));
  }

  private ReplyEffect<Event, State> onRename(State state, Rename rename) {
    if (rename.expectedEtag() != null && !rename.expectedEtag().equals(state.etag(projectId))) {
      return refuse(
          rename,
          ProjectError.ETAG_MISMATCH,
          "The project changed since this etag was given out; read it again and retry");
    }
    if (rename.name() != null && blank(rename.name())) {
      return invalid(rename, "A project name is required");
    }
    if (blank(rename.byUserId())) return noActor(rename);
    if (rename.name() == null) return accept(rename);
    String name = rename.name().strip();
    if (name.equals(state.name())) return accept(rename);
    return persist(
        rename, new ProjectRenamed(name, rename.byUserId(), Instant.now(), rename.origin()));
  }

  private ReplyEffect<Event, State> onArchive(State state, Archive archive) {
    if (blank(archive.byUserId())) return noActor(archive);
    if (state.archived()) return accept(archive);
    return persist(
        archive, new ProjectArchived(archive.byUserId(), Instant.now(), archive.origin()));
  }

  private ReplyEffect<Event, State> onUnarchive(State state, Unarchive unarchive) {
    if (blank(unarchive.byUserId())) return noActor(unarchive);
    if (!state.archived()) return accept(unarchive);
    return persist(
        unarchive, new ProjectUnarchived(unarchive.byUserId(), Instant.now(), unarchive.origin()));
  }

  private ReplyEffect<Event, State> onDelete(Delete delete) {
    if (blank(delete.byUserId())) return noActor(delete);
    return persist(delete, new ProjectDeleted(delete.byUserId(), Instant.now(), delete.origin()));
  }

  private ReplyEffect<Event, State> onAddMember(State state, AddMember add) {
    if (blank(add.userId()) || add.role() == null) {
      return invalid(add, "A user id and a role are required");
    }
    if (blank(add.byUserId())) return noActor(add);
    if (state.roleOf(add.userId()) != null) {
      return refuse(
          add,
          ProjectError.ALREADY_MEMBER,
          "The user is a member already; change its role instead");
    }
    return persist(
        add,
        new MemberAdded(add.userId(), add.role(), add.byUserId(), Instant.now(), add.origin()));
  }

  private ReplyEffect<Event, State> onChangeRole(State state, ChangeRole change) {
    if (blank(change.userId()) || change.role() == null) {
      return invalid(change, "A user id and a role are required");
    }
    if (blank(change.byUserId())) return noActor(change);
    ProjectRole current = state.roleOf(change.userId());
    if (current == null) return notMember(change);
    if (current == change.role()) return accept(change);
    if (state.lastOwner(change.userId())) {
      return lastOwner(change, "Make another member an owner before changing this one's role");
    }
    return persist(
        change,
        new MemberRoleChanged(
            change.userId(),
            current,
            change.role(),
            change.byUserId(),
            Instant.now(),
            change.origin()));
  }

  private ReplyEffect<Event, State> onRemoveMember(State state, RemoveMember remove) {
    if (blank(remove.userId())) return invalid(remove, "A user id is required");
    if (blank(remove.byUserId())) return noActor(remove);
    if (state.roleOf(remove.userId()) == null) return notMember(remove);
    if (state.lastOwner(remove.userId())) {
      return lastOwner(remove, "Make another member an owner before removing this one");
    }
    return persist(
        remove,
        new MemberRemoved(remove.userId(), remove.byUserId(), Instant.now(), remove.origin()));
  }

  private ReplyEffect<Event, State> onInvite(State state, Invite invite) {
    if (blank(invite.email()) || invite.role() == null) {
      return invalid(invite, "An email address and a role are required");
    }
    if (blank(invite.inviteId()) || blank(invite.tokenHash()) || invite.expiresAt() == null) {
      return invalid(invite, "An invitation id, token hash and expiry are required");
    }
    if (blank(invite.byUserId())) return noActor(invite);
    if (state.invitations().containsKey(invite.inviteId())) {
      return refuse(
          invite, ProjectError.INVITE_EXISTS, "An invitation with this id exists already");
    }
    return persist(
        invite,
        new MemberInvited(
            invite.inviteId(),
            invite.email().strip().toLowerCase(Locale.ROOT),
            invite.role(),
            invite.tokenHash(),
            invite.expiresAt(),
            invite.byUserId(),
            Instant.now(),
            invite.origin()));
  }

  private ReplyEffect<Event, State> onRevokeInvite(State state, RevokeInvite revoke) {
    if (blank(revoke.byUserId())) return noActor(revoke);
    Invitation invitation = state.invitations().get(revoke.inviteId());
    if (invitation == null) return inviteNotFound(revoke);
    if (invitation.used()) return inviteUsed(revoke);
    return persist(
        revoke,
        new InviteRevoked(
            revoke.inviteId(),
            invitation.email(),
            revoke.byUserId(),
            Instant.now(),
            revoke.origin()));
  }

  private ReplyEffect<Event, State> onAcceptInvite(State state, AcceptInvite accept) {
    if (blank(accept.userId()) || accept.now() == null) {
      return invalid(accept, "A user id and the time are required");
    }
    Invitation invitation = state.invitations().get(accept.inviteId());
    if (invitation == null) return inviteNotFound(accept);
    if (!invitation.matches(accept.tokenHash())) {
      return refuse(accept, ProjectError.INVITE_INVALID, "This invitation link is not valid");
    }
    if (invitation.used()) return inviteUsed(accept);
    if (invitation.expiredAt(accept.now())) {
      return refuse(
          accept, ProjectError.INVITE_EXPIRED, "This invitation expired; ask for a new one");
    }
    ProjectRole current = state.roleOf(accept.userId());
    ProjectRole role =
        current == null ? invitation.role() : ProjectRole.higher(current, invitation.role());
    return persist(
        accept,
        new InviteAccepted(
            accept.inviteId(), role, accept.userId(), accept.now(), accept.origin()));
  }

  private ReplyEffect<Event, State> onTransferOwnership(State state, TransferOwnership transfer) {
    if (blank(transfer.toUserId())) return invalid(transfer, "The new owner is required");
    if (blank(transfer.byUserId())) return noActor(transfer);
    if (transfer.toUserId().equals(transfer.byUserId())) {
      return invalid(transfer, "The new owner must be another member");
    }
    if (state.roleOf(transfer.byUserId()) != ProjectRole.OWNER) {
      return refuse(transfer, ProjectError.NOT_OWNER, "Only an owner can hand over ownership");
    }
    if (state.roleOf(transfer.toUserId()) == null) return notMember(transfer);
    return persist(
        transfer,
        new OwnershipTransferred(
            transfer.toUserId(), transfer.byUserId(), Instant.now(), transfer.origin()));
  }

  private ReplyEffect<Event, State> onAddCanvas(State state, AddCanvas add) {
    if (blank(add.canvasId())) return invalid(add, "A canvas id is required");
    if (blank(add.byUserId())) return noActor(add);
    if (state.canvases().containsKey(add.canvasId())) {
      return refuse(add, ProjectError.CANVAS_EXISTS, "The canvas is in the project already");
    }
    String title = add.title() == null ? "" : add.title().strip();
    return persist(
        add, new CanvasAdded(add.canvasId(), title, add.byUserId(), Instant.now(), add.origin()));
  }

  private ReplyEffect<Event, State> onRemoveCanvas(State state, RemoveCanvas remove) {
    if (blank(remove.byUserId())) return noActor(remove);
    if (!state.canvases().containsKey(remove.canvasId())) {
      return refuse(remove, ProjectError.CANVAS_NOT_FOUND, "The canvas is not in the project");
    }
    return persist(
        remove,
        new CanvasRemoved(remove.canvasId(), remove.byUserId(), Instant.now(), remove.origin()));
  }

  private ReplyEffect<Event, State> onRecordDatasetChange(RecordDatasetChange change) {
    if (blank(change.byUserId())) return noActor(change);
    if (change.change() == null || blank(change.datasetId()) || blank(change.name())) {
      return invalid(change, "A dataset change needs its kind, the dataset's id and name");
    }
    Instant now = Instant.now();
    String by = change.byUserId();
    return persist(
        change,
        switch (change.change()) {
          case UPLOADED ->
              new DatasetUploaded(
                  change.datasetId(), change.name(), change.version(), by, now, change.origin());
          case RENAMED ->
              new DatasetRenamed(
                  change.datasetId(),
                  change.name(),
                  change.previousName(),
                  by,
                  now,
                  change.origin());
          case DELETED ->
              new DatasetDeleted(change.datasetId(), change.name(), by, now, change.origin());
        });
  }

  private ReplyEffect<Event, State> onRecordCanvasEdit(State state, RecordCanvasEdit edit) {
    if (state.status() != Status.ACTIVE
        || blank(edit.userId())
        || edit.at() == null
        || !state.canvases().containsKey(edit.canvasId())) {
      return Effect().noReply();
    }
    Instant last = state.editsNoted().get(State.editKey(edit.canvasId(), edit.userId()));
    if (last != null && edit.at().isBefore(last.plus(editInterval))) return Effect().noReply();
    return Effect()
        .persist(new CanvasEdited(edit.canvasId(), edit.userId(), edit.at()))
        .thenNoReply();
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

  private ReplyEffect<Event, State> notMember(Change change) {
    return refuse(change, ProjectError.NOT_MEMBER, "The user is not a member of the project");
  }

  private ReplyEffect<Event, State> lastOwner(Change change, String advice) {
    return refuse(change, ProjectError.LAST_OWNER, "A project needs at least one owner. " + advice);
  }

  private ReplyEffect<Event, State> inviteNotFound(Change change) {
    return refuse(change, ProjectError.INVITE_NOT_FOUND, "There is no such invitation");
  }

  private ReplyEffect<Event, State> inviteUsed(Change change) {
    return refuse(change, ProjectError.INVITE_USED, "This invitation was accepted already");
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  // ---- events ---------------------------------------------------------------------------------

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(ProjectEntity::apply);
  }

  static State apply(State state, Event event) {
    return switch (event) {
      case ProjectCreated e ->
          new State(Status.ACTIVE, e.name(), e.orgId(), false, e.at(), null, null, null, null)
              .withMember(e.byUserId(), ProjectRole.OWNER, e.at());
      case ProjectRenamed e -> state.withName(e.name());
      case ProjectArchived e -> state.withArchived(true);
      case ProjectUnarchived e -> state.withArchived(false);
      case ProjectDeleted e -> state.deleted();
      case MemberAdded e -> state.withMember(e.userId(), e.role(), e.at());
      case MemberRoleChanged e -> state.withMember(e.userId(), e.to(), e.at());
      case MemberRemoved e -> state.withoutMember(e.userId());
      case MemberInvited e ->
          state.withInvitation(
              new Invitation(
                  e.inviteId(),
                  e.email(),
                  e.role(),
                  e.tokenHash(),
                  e.expiresAt(),
                  e.byUserId(),
                  e.at(),
                  null,
                  null));
      case InviteRevoked e -> state.withoutInvitation(e.inviteId());
      case InviteAccepted e ->
          state
              .withInvitation(state.invitations().get(e.inviteId()).accepted(e.byUserId(), e.at()))
              .withMember(e.byUserId(), e.role(), e.at());
      case OwnershipTransferred e ->
          state
              .withMember(e.toUserId(), ProjectRole.OWNER, e.at())
              .withMember(e.byUserId(), ProjectRole.EDITOR, e.at());
      case CanvasAdded e ->
          state.withCanvas(new CanvasEntry(e.canvasId(), e.title(), e.byUserId(), e.at()));
      case CanvasRemoved e -> state.withoutCanvas(e.canvasId());
      case CanvasEdited e -> state.withEditNoted(e.canvasId(), e.byUserId(), e.at());
      case DatasetUploaded e -> state;
      case DatasetRenamed e -> state;
      case DatasetDeleted e -> state;
    };
  }
}
