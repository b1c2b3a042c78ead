package dev.easel.project;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.easel.canvas.CanvasEntity;
import dev.easel.canvas.CanvasError;
import dev.easel.canvas.CanvasSchema;
import dev.easel.canvas.Canvases;
import dev.easel.identity.EmailIndexEntity;
import dev.easel.identity.RequestOrigin;
import dev.easel.identity.UserEntity;
import dev.easel.ot.Json0;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Projects as their members use them, across the entities: creating a project (alone or in an
 * organization) makes its creator the owner; members are added by the email of their account, get
 * other roles, leave or are removed; ownership is handed over; projects are renamed, archived and
 * deleted; canvases are created through {@link Canvases} and then entered in the project's catalog.
 * After each change to a {@link ProjectEntity} the users' {@link MembershipEntity} indexes are
 * updated before the change is answered, so that "my projects" lists it at once.
 *
 * <p>Who may do what is decided by {@link ProjectPolicy}; a caller who may not even read a project
 * is told that it does not exist, so that project ids cannot be probed.
 *
 * <p>Each change takes the {@link RequestOrigin} of the request that asked for it, which the
 * project's event keeps for its audit log ({@link ProjectAuditLog}); the forms without one record
 * no origin (changes made inside Easel).
 */
public final class Projects {
  static final int MAX_NAME = 200;
  static final int MAX_TITLE = 1_000;
  static final int MAX_EMAIL = 320;
  static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String CANVAS_ID_ALPHABET =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

  /**
   * Why a project operation was refused: {@code kind} for the edge to map to a status, {@code
   * reason} a stable machine code, the message for people, and for input that was refused the
   * request field at fault as the JSON mapping names it ({@code name}, {@code pageToken}), which
   * the edge reports as a field violation.
   */
  public static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Kind kind;
    private final String reason;
    private final String field;

    /** What kind of refusal, so the edge can map it to a status. */
    public enum Kind {
      INVALID,
      NOT_FOUND,
      PERMISSION_DENIED,
      ALREADY_EXISTS,
      FAILED_PRECONDITION,
      /** A conditional change whose condition no longer holds (a stale etag): nothing changed. */
      ABORTED
    }

    public Refusal(Kind kind, String reason, String message) {
      this(kind, reason, message, null);
    }

    /** A refusal because of request field {@code field} (its JSON name; null: none). */
    public Refusal(Kind kind, String reason, String message, String field) {
      super(message, null, false, false);
      this.kind = kind;
      this.reason = reason;
      this.field = field;
    }

    public Kind kind() {
      return kind;
    }

    /** A stable code such as {@code PROJECT_NOT_FOUND} or {@code ALREADY_MEMBER}. */
    public String reason() {
      return reason;
    }

    /** The request field at fault (its JSON name, such as {@code role}), or null. */
    public String field() {
      return field;
    }
  }

  /**
   * A project as one caller sees it: the project, the caller's role in it (null for an admin of its
   * organization who is not a member) and the people among its members, by user id.
   */
  public record MemberView(
      ProjectEntity.ProjectView project, ProjectRole role, Map<String, People.Person> people) {}

  /** A canvas created in a project; {@code version} is the canvas's version after creation. */
  public record ProjectCanvas(String canvasId, String projectId, String title, long version) {}

  /** The project as the caller may act on it: its view and where the caller stands. */
  record Access(ProjectEntity.ProjectView view, ProjectPolicy.Standing standing) {}

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final Canvases canvases;

  /** The project of each canvas this node has read lately (a canvas never changes project). */
  private final Cache<String, String> canvasProjects =
      Caffeine.newBuilder().maximumSize(100_000).build();

  private final People people;

  public Projects(ActorSystem<?> system, Canvases canvases, People people) {
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = system.settings().config().getDuration("easel.canvas.ask-timeout");
    this.canvases = canvases;
    this.people = people;
  }

  /** Who is who: names and addresses of users. */
  People people() {
    return people;
  }

  /** The role as written on the wire: {@code owner}, {@code editor}, ... */
  public static String wireName(ProjectRole role) {
    return role.name().toLowerCase(Locale.ROOT);
  }

  /**
   * Reads a role from its wire name, ignoring case.
   *
   * @throws Refusal naming the accepted roles
   */
  public static ProjectRole parseRole(String role) {
    if (role != null) {
      for (ProjectRole candidate : ProjectRole.values()) {
        if (wireName(candidate).equalsIgnoreCase(role.strip())) return candidate;
      }
    }
    throw invalid("role", "role must be one of owner, editor, commenter, viewer");
  }

  /**
   * Creates a project owned by {@code userId}, in organization {@code orgId} (null or empty: none)
   * of which the caller must be a member.
   */
  public CompletionStage<MemberView> create(String userId, String name, String orgId) {
    return create(userId, name, orgId, RequestOrigin.UNKNOWN);
  }

  /** As {@link #create(String, String, String)}, asked from {@code origin}. */
  public CompletionStage<MemberView> create(
      String userId, String name, String orgId, RequestOrigin origin) {
    String stripped = name == null ? "" : name.strip();
    if (stripped.isEmpty() || stripped.length() > MAX_NAME) {
      return failed(invalid("name", "name is required, at most " + MAX_NAME + " characters"));
    }
    String org = orgId == null || orgId.isBlank() ? null : orgId.strip();
    if (org != null && !ID.matcher(org).matches()) {
      return failed(invalid("orgId", "orgId must be 1 to 128 letters, digits, '-', '_' or '.'"));
    }
    String projectId = "p_" + randomHex(12);
    // The organization lists the project before it exists, so that its list never misses a live
    // project; an entry whose project was never created is not shown (the project is the
    // authority).
    CompletionStage<Void> allowed =
        org == null
            ? CompletableFuture.completedFuture(null)
            : organization(org)
                .<OrganizationEntity.OrganizationView>ask(OrganizationEntity.Get::new, askTimeout)
                .thenCompose(
                    view -> {
                      Organizations.require(
                          view, userId, ProjectPolicy.OrganizationAction.CREATE_PROJECT);
                      return organization(org)
                          .<OrganizationEntity.Result>ask(
                              replyTo ->
                                  new OrganizationEntity.AddProject(projectId, userId, replyTo),
                              askTimeout);
                    })
                .thenAccept(Organizations::accepted);
    return allowed
        .thenCompose(
            ok ->
                project(projectId)
                    .<ProjectEntity.Result>ask(
                        replyTo ->
                            new ProjectEntity.Create(
                                stripped, userId, org, ProjectEntity.Origin.of(origin), replyTo),
                        askTimeout))
        .thenCompose(
            created -> {
              accepted(created);
              return join(userId, projectId, ProjectRole.OWNER);
            })
        .thenCompose(joined -> get(userId, projectId));
  }

  /** The projects {@code userId} is a member of, in the order they joined them. */
  public CompletionStage<List<MemberView>> listFor(String userId) {
    return memberships(userId)
        .<MembershipEntity.Memberships>ask(MembershipEntity.List::new, askTimeout)
        .thenCompose(
            memberships -> {
              List<CompletableFuture<ProjectEntity.ProjectView>> views = new ArrayList<>();
              for (MembershipEntity.Membership membership : memberships.projects()) {
                views.add(view(membership.projectId()).toCompletableFuture());
              }
              return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
                  .thenCompose(
                      done -> {
                        // The project is the authority: the index may lag behind a removal.
                        List<Access> visible = new ArrayList<>();
                        Set<String> members = new LinkedHashSet<>();
                        for (CompletableFuture<ProjectEntity.ProjectView> view : views) {
                          ProjectEntity.ProjectView project = view.join();
                          ProjectPolicy.Standing standing = standingOf(project, userId, false);
                          if (ProjectPolicy.decide(standing, ProjectPolicy.Action.READ)
                              == ProjectPolicy.Decision.ALLOWED) {
                            visible.add(new Access(project, standing));
                            project.members().forEach(m -> members.add(m.userId()));
                          }
                        }
                        return people
                            .lookUp(members)
                            .thenApply(
                                found ->
                                    visible.stream()
                                        .map(
                                            a ->
                                                new MemberView(
                                                    a.view(), a.standing().role(), found))
                                        .toList());
                      });
            });
  }

  /** The name of the index of a user's projects in its page tokens. */
  static final String YOUR_PROJECTS = "your projects";

  /**
   * A page of the projects {@code userId} is a member of and {@code reaches} (the credential's
   * reach: a key of one project reaches that one), in the order it joined them: {@code pageSize} of
   * them (0: 50, at most 200) after {@code pageToken} (empty: from the first). Each is checked
   * against the project itself, so a page may hold fewer than asked and still not be the last.
   */
  public CompletionStage<OrderedPages.Page<MemberView>> listFor(
      String userId, int pageSize, String pageToken, Predicate<String> reaches) {
    int size;
    OrderedPages.Place after;
    try {
      size = OrderedPages.size(pageSize);
      after = OrderedPages.after(YOUR_PROJECTS, pageToken);
    } catch (Refusal refusal) {
      return failed(refusal);
    }
    return memberships(userId)
        .<MembershipEntity.Memberships>ask(MembershipEntity.List::new, askTimeout)
        .thenCompose(
            indexed -> {
              List<OrderedPages.Place> places = new ArrayList<>();
              for (MembershipEntity.Membership m : indexed.projects()) {
                if (reaches.test(m.projectId())) {
                  places.add(new OrderedPages.Place(m.since(), m.projectId()));
                }
              }
              return OrderedPages.collect(
                  YOUR_PROJECTS,
                  places,
                  after,
                  size,
                  place ->
                      view(place.id())
                          .thenApply(
                              project -> {
                                // The project is the authority: the index may lag behind.
                                ProjectPolicy.Standing standing =
                                    standingOf(project, userId, false);
                                return ProjectPolicy.decide(standing, ProjectPolicy.Action.READ)
                                        == ProjectPolicy.Decision.ALLOWED
                                    ? Optional.of(new Access(project, standing))
                                    : Optional.<Access>empty();
                              }));
            })
        .thenCompose(
            page -> {
              Set<String> members = new LinkedHashSet<>();
              for (Access access : page.items()) {
                access.view().members().forEach(m -> members.add(m.userId()));
              }
              return people
                  .lookUp(members)
                  .thenApply(
                      found ->
                          new OrderedPages.Page<>(
                              page.items().stream()
                                  .map(a -> new MemberView(a.view(), a.standing().role(), found))
                                  .toList(),
                              page.nextPageToken()));
            });
  }

  /** The project, for a caller who may read it. */
  public CompletionStage<MemberView> get(String userId, String projectId) {
    return authorized(userId, projectId, ProjectPolicy.Action.READ).thenCompose(this::shown);
  }

  /** Renames the project. */
  public CompletionStage<MemberView> rename(String userId, String projectId, String name) {
    return rename(userId, projectId, name, RequestOrigin.UNKNOWN);
  }

  /** As {@link #rename(String, String, String)}, asked from {@code origin}. */
  public CompletionStage<MemberView> rename(
      String userId, String projectId, String name, RequestOrigin origin) {
    return update(userId, projectId, name == null ? "" : name, null, origin);
  }

  /**
   * Changes the project's fields: its name ({@code name} null: unchanged). With {@code
   * expectedEtag} (not null) only if the project's etag is still that, checked by the project in
   * the same step as the change: otherwise refused as {@link Refusal.Kind#ABORTED} with reason
   * {@code ETAG_MISMATCH}, and nothing changes. Asked from {@code origin}.
   */
  public CompletionStage<MemberView> update(
      String userId, String projectId, String name, String expectedEtag, RequestOrigin origin) {
    String stripped = name == null ? null : name.strip();
    if (stripped != null && (stripped.isEmpty() || stripped.length() > MAX_NAME)) {
      return failed(invalid("name", "name is required, at most " + MAX_NAME + " characters"));
    }
    return change(
            userId,
            projectId,
            ProjectPolicy.Action.RENAME,
            replyTo ->
                new ProjectEntity.Rename(
                    stripped, userId, ProjectEntity.Origin.of(origin), expectedEtag, replyTo))
        .thenCompose(done -> get(userId, projectId));
  }

  /**
   * Archives ({@code archived} true) or unarchives the project. An archived project is read-only:
   * its name and canvases cannot change and no canvas can be created in it.
   */
  public CompletionStage<MemberView> setArchived(
      String userId, String projectId, boolean archived) {
    return setArchived(userId, projectId, archived, RequestOrigin.UNKNOWN);
  }

  /** As {@link #setArchived(String, String, boolean)}, asked from {@code origin}. */
  public CompletionStage<MemberView> setArchived(
      String userId, String projectId, boolean archived, RequestOrigin origin) {
    ProjectEntity.Origin from = ProjectEntity.Origin.of(origin);
    return change(
            userId,
            projectId,
            ProjectPolicy.Action.ARCHIVE,
            replyTo ->
                archived
                    ? new ProjectEntity.Archive(userId, from, replyTo)
                    : new ProjectEntity.Unarchive(userId, from, replyTo))
        .thenCompose(done -> get(userId, projectId));
  }

  /**
   * Deletes the project: from then on it, its members and its canvases are not found by anyone, and
   * it leaves its members' lists of projects and its organization's.
   */
  public CompletionStage<Void> delete(String userId, String projectId) {
    return delete(userId, projectId, RequestOrigin.UNKNOWN);
  }

  /** As {@link #delete(String, String)}, asked from {@code origin}. */
  public CompletionStage<Void> delete(String userId, String projectId, RequestOrigin origin) {
    return authorized(userId, projectId, ProjectPolicy.Action.DELETE)
        .thenCompose(
            access ->
                project(projectId)
                    .<ProjectEntity.Result>ask(
                        replyTo ->
                            new ProjectEntity.Delete(
                                userId, ProjectEntity.Origin.of(origin), replyTo),
                        askTimeout)
                    .thenCompose(
                        deleted -> {
                          accepted(deleted);
                          List<CompletableFuture<Void>> left = new ArrayList<>();
                          for (ProjectEntity.Member member : access.view().members()) {
                            left.add(leave(member.userId(), projectId).toCompletableFuture());
                          }
                          String org = access.view().orgId();
                          if (org != null) {
                            left.add(
                                organization(org)
                                    .<OrganizationEntity.Result>ask(
                                        replyTo ->
                                            new OrganizationEntity.RemoveProject(
                                                projectId, userId, replyTo),
                                        askTimeout)
                                    .thenAccept(Organizations::accepted)
                                    .toCompletableFuture());
                          }
                          return CompletableFuture.allOf(left.toArray(CompletableFuture[]::new));
                        }));
  }

  /**
   * The live projects that would be left without an owner if {@code userId} went: it is their only
   * owner and others are members. An account is not deleted while it has any (its owner hands them
   * over or deletes them first).
   */
  public CompletionStage<List<ProjectEntity.ProjectView>> soleOwnerships(String userId) {
    return listFor(userId)
        .thenApply(
            memberships ->
                memberships.stream()
                    .filter(membership -> membership.role() == ProjectRole.OWNER)
                    .map(MemberView::project)
                    .filter(
                        project ->
                            project.members().size() > 1
                                && project.members().stream()
                                        .filter(member -> member.role() == ProjectRole.OWNER)
                                        .count()
                                    == 1)
                    .toList());
  }

  /**
   * Takes a deleted account out of its projects: it leaves those that have other members (its edits
   * stay, attributed to a deleted user) and deletes those it was the only member of. Each project
   * is tried even when another fails; the stage fails with the first failure.
   */
  public CompletionStage<Void> removeAccount(String userId) {
    return listFor(userId)
        .thenCompose(
            memberships -> {
              List<CompletableFuture<Void>> removed = new ArrayList<>();
              for (MemberView membership : memberships) {
                String projectId = membership.project().projectId();
                removed.add(
                    (membership.project().members().size() == 1
                            ? delete(userId, projectId)
                            : removeMember(userId, projectId, userId))
                        .toCompletableFuture());
              }
              return CompletableFuture.allOf(removed.toArray(CompletableFuture[]::new));
            });
  }

  /** Gives member {@code memberId} the role {@code role} (a wire name). */
  public CompletionStage<MemberView> changeRole(
      String userId, String projectId, String memberId, String role) {
    return changeRole(userId, projectId, memberId, role, RequestOrigin.UNKNOWN);
  }

  /** As {@link #changeRole(String, String, String, String)}, asked from {@code origin}. */
  public CompletionStage<MemberView> changeRole(
      String userId, String projectId, String memberId, String role, RequestOrigin origin) {
    ProjectRole newRole;
    try {
      newRole = parseRole(role);
      checkUserId(memberId);
    } catch (Refusal refusal) {
      return failed(refusal);
    }
    return change(
            userId,
            projectId,
            ProjectPolicy.Action.CHANGE_ROLE,
            replyTo ->
                new ProjectEntity.ChangeRole(
                    memberId, newRole, userId, ProjectEntity.Origin.of(origin), replyTo))
        .thenCompose(done -> join(memberId, projectId, newRole))
        .thenCompose(done -> get(userId, projectId));
  }

  /**
   * Removes member {@code memberId}: owners (and admins of the project's organization) may remove
   * anyone, any member may remove itself (leave). The last owner can do neither.
   */
  public CompletionStage<Void> removeMember(String userId, String projectId, String memberId) {
    return removeMember(userId, projectId, memberId, RequestOrigin.UNKNOWN);
  }

  /** As {@link #removeMember(String, String, String)}, asked from {@code origin}. */
  public CompletionStage<Void> removeMember(
      String userId, String projectId, String memberId, RequestOrigin origin) {
    try {
      checkUserId(memberId);
    } catch (Refusal refusal) {
      return failed(refusal);
    }
    ProjectPolicy.Action action =
        memberId.equals(userId) ? ProjectPolicy.Action.LEAVE : ProjectPolicy.Action.REMOVE_MEMBER;
    return change(
            userId,
            projectId,
            action,
            replyTo ->
                new ProjectEntity.RemoveMember(
                    memberId, userId, ProjectEntity.Origin.of(origin), replyTo))
        .thenCompose(done -> leave(memberId, projectId));
  }

  /** The caller, an owner, makes member {@code toUserId} an owner and becomes an editor. */
  public CompletionStage<MemberView> transferOwnership(
      String userId, String projectId, String toUserId) {
    return transferOwnership(userId, projectId, toUserId, RequestOrigin.UNKNOWN);
  }

  /** As {@link #transferOwnership(String, String, String)}, asked from {@code origin}. */
  public CompletionStage<MemberView> transferOwnership(
      String userId, String projectId, String toUserId, RequestOrigin origin) {
    try {
      checkUserId(toUserId);
    } catch (Refusal refusal) {
      return failed(refusal);
    }
    if (toUserId.equals(userId)) {
      return failed(invalid("userId", "userId must be another member: the new owner"));
    }
    return change(
            userId,
            projectId,
            ProjectPolicy.Action.TRANSFER_OWNERSHIP,
            replyTo ->
                new ProjectEntity.TransferOwnership(
                    toUserId, userId, ProjectEntity.Origin.of(origin), replyTo))
        .thenCompose(done -> join(toUserId, projectId, ProjectRole.OWNER))
        .thenCompose(done -> join(userId, projectId, ProjectRole.EDITOR))
        .thenCompose(done -> get(userId, projectId));
  }

  /** Adds the account that uses {@code email} to the project with {@code role} (a wire name). */
  public CompletionStage<MemberView> addMember(
      String userId, String projectId, String email, String role) {
    return addMember(userId, projectId, email, role, RequestOrigin.UNKNOWN);
  }

  /** As {@link #addMember(String, String, String, String)}, asked from {@code origin}. */
  public CompletionStage<MemberView> addMember(
      String userId, String projectId, String email, String role, RequestOrigin origin) {
    String address = email == null ? "" : email.strip();
    if (address.isEmpty() || address.length() > MAX_EMAIL) {
      return failed(invalid("email", "email is required, at most " + MAX_EMAIL + " characters"));
    }
    ProjectRole newRole;
    try {
      newRole = parseRole(role);
    } catch (Refusal refusal) {
      return failed(refusal);
    }
    return authorized(userId, projectId, ProjectPolicy.Action.ADD_MEMBER)
        .thenCompose(allowed -> accountOf(address))
        .thenCompose(
            memberId ->
                project(projectId)
                    .<ProjectEntity.Result>ask(
                        replyTo ->
                            new ProjectEntity.AddMember(
                                memberId,
                                newRole,
                                userId,
                                ProjectEntity.Origin.of(origin),
                                replyTo),
                        askTimeout)
                    .thenCompose(
                        added -> {
                          accepted(added);
                          return join(memberId, projectId, newRole);
                        }))
        .thenCompose(joined -> get(userId, projectId));
  }

  /**
   * Creates an empty canvas titled {@code title} and enters it in the project's catalog, for a
   * caller who may create canvases there.
   */
  public CompletionStage<ProjectCanvas> createCanvas(
      String userId, String projectId, String title) {
    return createCanvas(userId, projectId, title, null, RequestOrigin.UNKNOWN);
  }

  /** As {@link #createCanvas(String, String, String)}, with a chosen id (null: a random one). */
  public CompletionStage<ProjectCanvas> createCanvas(
      String userId, String projectId, String title, String chosenId) {
    return createCanvas(userId, projectId, title, chosenId, RequestOrigin.UNKNOWN);
  }

  /**
   * As {@link #createCanvas(String, String, String, String)}, asked from {@code origin}, which the
   * project's catalog entry records.
   */
  public CompletionStage<ProjectCanvas> createCanvas(
      String userId, String projectId, String title, String chosenId, RequestOrigin origin) {
    String canvasTitle = title == null ? "" : title;
    if (canvasTitle.length() > MAX_TITLE) {
      return failed(invalid("title", "title is longer than " + MAX_TITLE + " characters"));
    }
    String problem = chosenId == null ? null : Canvases.checkId(chosenId);
    if (problem != null) return failed(invalid("canvasId", problem));
    String canvasId = chosenId == null ? newCanvasId() : chosenId;
    JsonNode data = Json0.toJson(CanvasSchema.emptyDocument(canvasTitle));
    // An archived project is refused here, before the canvas exists, so that no canvas is left
    // outside its project.
    return authorized(userId, projectId, ProjectPolicy.Action.CREATE_CANVAS)
        .thenCompose(allowed -> canvases.create(canvasId, projectId, data, userId))
        .thenCompose(
            submitted ->
                switch (submitted) {
                  case CanvasEntity.Applied applied ->
                      project(projectId)
                          .<ProjectEntity.Result>ask(
                              replyTo ->
                                  new ProjectEntity.AddCanvas(
                                      canvasId,
                                      canvasTitle,
                                      userId,
                                      ProjectEntity.Origin.of(origin),
                                      replyTo),
                              askTimeout)
                          .thenApply(
                              added -> {
                                accepted(added);
                                return new ProjectCanvas(
                                    canvasId, projectId, canvasTitle, applied.v() + 1);
                              });
                  case CanvasEntity.AlreadyApplied again ->
                      throw new IllegalStateException("a create without src cannot repeat");
                  case CanvasEntity.Rejected rejected ->
                      throw new Refusal(
                          rejected.code() == CanvasError.ERR_DOC_ALREADY_CREATED
                              ? Refusal.Kind.ALREADY_EXISTS
                              : Refusal.Kind.INVALID,
                          rejected.code().name(),
                          rejected.message());
                });
  }

  /**
   * Records in the project's activity feed and audit log a change {@code userId} made, from {@code
   * origin}, to dataset {@code datasetId} of the project (kept in its dataset catalog, which has
   * made the change already): see {@link ProjectEntity.RecordDatasetChange}.
   */
  public CompletionStage<Void> recordDatasetChange(
      String projectId,
      ProjectEntity.DatasetChange change,
      String datasetId,
      String name,
      String previousName,
      long version,
      String userId,
      RequestOrigin origin) {
    return project(projectId)
        .<ProjectEntity.Result>ask(
            replyTo ->
                new ProjectEntity.RecordDatasetChange(
                    change,
                    datasetId,
                    name,
                    previousName,
                    version,
                    userId,
                    ProjectEntity.Origin.of(origin),
                    replyTo),
            askTimeout)
        .thenAccept(Projects::accepted);
  }

  /**
   * Where the caller stands in project {@code projectId}, if {@link ProjectPolicy} allows {@code
   * action} there; refused as the project's own calls are (not found for a caller who may not see
   * it, permission denied for a role too low, failed precondition for a change to an archived
   * project). For the project's parts kept outside its entity, such as its datasets.
   */
  public CompletionStage<ProjectPolicy.Standing> authorize(
      String userId, String projectId, ProjectPolicy.Action action) {
    return authorized(userId, projectId, action).thenApply(Access::standing);
  }

  /**
   * The caller's role in the project of canvas {@code canvasId}, if {@link ProjectPolicy} allows
   * {@code action} there. A canvas the caller may not read (no such canvas, not in a project, not a
   * member) is refused as not found, so that canvas ids cannot be probed; a change to a canvas of
   * an archived project is refused as a failed precondition.
   */
  public CompletionStage<ProjectRole> authorizeCanvas(
      String userId, String canvasId, ProjectPolicy.Action action) {
    return canvasStanding(userId, canvasId)
        .thenApply(standing -> check(canvasId, standing, action).role());
  }

  /**
   * Checks a standing already looked up with {@link #canvasStanding}: returns it when {@code
   * action} is allowed, else throws the refusal {@link #authorizeCanvas} would.
   */
  public static ProjectPolicy.Standing check(
      String canvasId, ProjectPolicy.Standing standing, ProjectPolicy.Action action) {
    if (ProjectPolicy.decide(standing, ProjectPolicy.Action.CANVAS_READ)
        != ProjectPolicy.Decision.ALLOWED) {
      throw canvasNotFound(canvasId);
    }
    return switch (ProjectPolicy.decide(standing, action)) {
      case ALLOWED -> standing;
      case HIDDEN -> throw canvasNotFound(canvasId);
      case DENIED -> throw denied(standing, action);
      case ARCHIVED -> throw archived(action);
    };
  }

  /**
   * Where the caller stands in the project of canvas {@code canvasId}: {@link
   * ProjectPolicy.Standing#OUTSIDER} when the canvas does not exist, is in no project, the project
   * is gone or the caller is not a member. Admins of the project's organization who are not members
   * see none of its canvases, so the organization is not consulted.
   */
  public CompletionStage<ProjectPolicy.Standing> canvasStanding(String userId, String canvasId) {
    return canvasStanding(userId, canvasId, null);
  }

  /**
   * Like {@link #canvasStanding(String, String)} for a caller limited to project {@code
   * onlyProject} (an API key of one project; null: no limit): a canvas of any other project is
   * {@link ProjectPolicy.Standing#OUTSIDER}, hidden like one the caller may not see.
   */
  public CompletionStage<ProjectPolicy.Standing> canvasStanding(
      String userId, String canvasId, String onlyProject) {
    return snapshotAndStanding(userId, canvasId, onlyProject).thenApply(CanvasStanding::standing);
  }

  /**
   * The current snapshot of canvas {@code canvasId}, if the caller may do {@code action} on it:
   * decided from that same snapshot (one ask of the canvas for both), refused as {@link
   * #authorizeCanvas} refuses.
   */
  public CompletionStage<CanvasEntity.Snapshot> authorizedSnapshot(
      String userId, String canvasId, ProjectPolicy.Action action) {
    return snapshotAndStanding(userId, canvasId, null)
        .thenApply(
            decided -> {
              check(canvasId, decided.standing(), action);
              return decided.snapshot();
            });
  }

  /** A canvas's snapshot and where the caller stands in its project. */
  private record CanvasStanding(CanvasEntity.Snapshot snapshot, ProjectPolicy.Standing standing) {}

  /**
   * The snapshot of canvas {@code canvasId} and where the caller stands in its project (limited to
   * {@code onlyProject} when not null). A canvas stays in the project it was created in: when this
   * node has seen it, the project is asked at the same time as the canvas. The decision always uses
   * the project the snapshot names; a guess that turns out wrong is asked again.
   */
  private CompletionStage<CanvasStanding> snapshotAndStanding(
      String userId, String canvasId, String onlyProject) {
    String knownProject = canvasProjects.getIfPresent(canvasId);
    CompletionStage<ProjectEntity.ProjectView> guessed =
        knownProject == null || (onlyProject != null && !onlyProject.equals(knownProject))
            ? null
            : view(knownProject);
    return canvases
        .snapshot(canvasId)
        .thenCompose(
            snapshot -> {
              if (snapshot.projectId() != null) {
                canvasProjects.put(canvasId, snapshot.projectId());
              }
              CompletionStage<ProjectPolicy.Standing> standing =
                  guessed != null && knownProject.equals(snapshot.projectId())
                      ? guessed.thenApply(view -> standingOf(view, userId, false))
                      : standingIn(snapshot, userId, onlyProject);
              return standing.thenApply(decided -> new CanvasStanding(snapshot, decided));
            });
  }

  /** Where the caller stands in the project of the canvas of {@code snapshot}. */
  private CompletionStage<ProjectPolicy.Standing> standingIn(
      CanvasEntity.Snapshot snapshot, String userId, String onlyProject) {
    return snapshot.projectId() == null
            || (onlyProject != null && !onlyProject.equals(snapshot.projectId()))
        ? CompletableFuture.completedFuture(ProjectPolicy.Standing.OUTSIDER)
        : view(snapshot.projectId()).thenApply(view -> standingOf(view, userId, false));
  }

  private static Refusal canvasNotFound(String canvasId) {
    return new Refusal(
        Refusal.Kind.NOT_FOUND, "CANVAS_NOT_FOUND", "canvas " + canvasId + " does not exist");
  }

  // ---- helpers --------------------------------------------------------------------------------

  /**
   * The project and where the caller stands, if {@link ProjectPolicy} allows {@code action}:
   * refused as not found for a caller who may not see it, as permission denied for one whose role
   * is too low, as a failed precondition for a change that the archive forbids. The project's
   * organization is asked only when the caller's role alone does not allow the action.
   */
  CompletionStage<Access> authorized(String userId, String projectId, ProjectPolicy.Action action) {
    if (projectId == null || !ID.matcher(projectId).matches()) {
      return failed(
          invalid("projectId", "project id must be 1 to 128 letters, digits, '-', '_' or '.'"));
    }
    return view(projectId)
        .thenCompose(
            view -> {
              ProjectPolicy.Standing standing = standingOf(view, userId, false);
              ProjectPolicy.Decision decision = ProjectPolicy.decide(standing, action);
              boolean orgMayMatter =
                  (decision == ProjectPolicy.Decision.HIDDEN
                          || decision == ProjectPolicy.Decision.DENIED)
                      && view.status() == ProjectEntity.Status.ACTIVE
                      && view.orgId() != null;
              if (!orgMayMatter) {
                return CompletableFuture.completedFuture(decided(view, standing, decision, action));
              }
              return organization(view.orgId())
                  .<OrganizationEntity.OrganizationView>ask(OrganizationEntity.Get::new, askTimeout)
                  .thenApply(
                      org -> {
                        ProjectPolicy.Standing withOrg =
                            standingOf(view, userId, Organizations.isAdmin(org, userId));
                        return decided(
                            view, withOrg, ProjectPolicy.decide(withOrg, action), action);
                      });
            });
  }

  private static Access decided(
      ProjectEntity.ProjectView view,
      ProjectPolicy.Standing standing,
      ProjectPolicy.Decision decision,
      ProjectPolicy.Action action) {
    return switch (decision) {
      case ALLOWED -> new Access(view, standing);
      case HIDDEN ->
          throw new Refusal(
              Refusal.Kind.NOT_FOUND,
              ProjectError.PROJECT_NOT_FOUND.name(),
              "There is no project " + view.projectId());
      case DENIED -> throw denied(standing, action);
      case ARCHIVED -> throw archived(action);
    };
  }

  /**
   * A refusal that says who may, and what the caller is: "Only editors and owners may upload or
   * rename datasets; you are a viewer of this project".
   */
  static Refusal denied(ProjectPolicy.Standing standing, ProjectPolicy.Action action) {
    List<String> may = new ArrayList<>();
    ProjectRole[] roles = ProjectRole.values();
    for (int i = roles.length - 1; i >= 0; i--) {
      if (ProjectPolicy.allows(roles[i], action)) may.add(wireName(roles[i]) + "s");
    }
    String you =
        standing.role() == null
            ? "you are an organization admin but not a member of this project"
            : "you are " + article(wireName(standing.role())) + " of this project";
    String message =
        may.isEmpty()
            ? "Nobody may " + describe(action) + " here; " + you
            : "Only "
                + (may.size() == 1
                    ? may.get(0)
                    : String.join(", ", may.subList(0, may.size() - 1))
                        + " and "
                        + may.get(may.size() - 1))
                + " may "
                + describe(action)
                + "; "
                + you;
    return new Refusal(Refusal.Kind.PERMISSION_DENIED, "PERMISSION_DENIED", message);
  }

  private static String article(String role) {
    return (role.startsWith("o") || role.startsWith("e") ? "an " : "a ") + role;
  }

  private static Refusal archived(ProjectPolicy.Action action) {
    return new Refusal(
        Refusal.Kind.FAILED_PRECONDITION,
        ProjectError.PROJECT_ARCHIVED.name(),
        "The project is archived, so nobody may "
            + describe(action)
            + "; an owner can unarchive it");
  }

  private static String describe(ProjectPolicy.Action action) {
    return switch (action) {
      case READ -> "read it";
      case READ_ACTIVITY -> "read its activity";
      case READ_AUDIT_LOG -> "read its audit log";
      case RENAME -> "rename it";
      case ARCHIVE -> "archive or unarchive it";
      case DELETE -> "delete it";
      case ADD_MEMBER -> "add members";
      case CHANGE_ROLE -> "change members' roles";
      case REMOVE_MEMBER -> "remove other members";
      case LEAVE -> "leave it";
      case TRANSFER_OWNERSHIP -> "hand over its ownership";
      case INVITE -> "manage its invitations";
      case CREATE_CANVAS -> "create canvases";
      case CANVAS_READ -> "read its canvases";
      case CANVAS_COMMENT -> "comment on its canvases";
      case CANVAS_EDIT -> "edit its canvases";
      case CANVAS_DELETE -> "delete its canvases";
      case QUERY -> "query its data";
      case DATASET_READ -> "read its datasets";
      case DATASET_WRITE -> "upload or rename datasets";
      case DATASET_DELETE -> "delete datasets";
    };
  }

  /**
   * Where {@code userId} stands in a project: no role if it is not a member or the project is not
   * live, and nothing at all in a project that is not live.
   */
  static ProjectPolicy.Standing standingOf(
      ProjectEntity.ProjectView view, String userId, boolean orgAdmin) {
    if (view.status() != ProjectEntity.Status.ACTIVE) return ProjectPolicy.Standing.OUTSIDER;
    ProjectRole role = null;
    for (ProjectEntity.Member member : view.members()) {
      if (member.userId().equals(userId)) role = member.role();
    }
    return new ProjectPolicy.Standing(role, orgAdmin, view.archived());
  }

  /** The project as shown to a caller who may read it, with its members' names. */
  CompletionStage<MemberView> shown(Access access) {
    List<String> ids = new ArrayList<>();
    for (ProjectEntity.Member member : access.view().members()) ids.add(member.userId());
    return people
        .lookUp(ids)
        .thenApply(found -> new MemberView(access.view(), access.standing().role(), found));
  }

  /**
   * Asks the project for a change, once the caller may make it; fails with the project's refusal.
   */
  private CompletionStage<Access> change(
      String userId,
      String projectId,
      ProjectPolicy.Action action,
      Function<ActorRef<ProjectEntity.Result>, ProjectEntity.Command> command) {
    return authorized(userId, projectId, action)
        .thenCompose(
            access ->
                project(projectId)
                    .<ProjectEntity.Result>ask(command::apply, askTimeout)
                    .thenApply(
                        result -> {
                          accepted(result);
                          return access;
                        }));
  }

  /** The id of the active account that uses {@code email}; refused as not found otherwise. */
  CompletionStage<String> accountOf(String email) {
    return sharding
        .entityRefFor(EmailIndexEntity.KEY, EmailIndexEntity.entityId(email))
        .<EmailIndexEntity.Holder>ask(EmailIndexEntity.Lookup::new, askTimeout)
        .thenCompose(
            holder ->
                holder.userId() == null
                    ? CompletableFuture.completedFuture(null)
                    : sharding
                        .entityRefFor(UserEntity.KEY, holder.userId())
                        .<UserEntity.UserView>ask(UserEntity.Get::new, askTimeout))
        .thenApply(
            account -> {
              if (account == null || account.status() != UserEntity.Status.ACTIVE) {
                throw new Refusal(
                    Refusal.Kind.NOT_FOUND,
                    "USER_NOT_FOUND",
                    "No Easel account uses this email address; ask them to sign up first");
              }
              return account.userId();
            });
  }

  CompletionStage<ProjectEntity.ProjectView> view(String projectId) {
    return project(projectId).ask(ProjectEntity.Get::new, askTimeout);
  }

  CompletionStage<Void> join(String userId, String projectId, ProjectRole role) {
    return memberships(userId)
        .<MembershipEntity.Result>ask(
            replyTo -> new MembershipEntity.Join(projectId, role, replyTo), askTimeout)
        .thenApply(Projects::recorded);
  }

  private CompletionStage<Void> leave(String userId, String projectId) {
    return memberships(userId)
        .<MembershipEntity.Result>ask(
            replyTo -> new MembershipEntity.Leave(projectId, replyTo), askTimeout)
        .thenApply(Projects::recorded);
  }

  private static Void recorded(MembershipEntity.Result result) {
    if (result instanceof MembershipEntity.Refused refused) {
      throw new IllegalStateException("membership not recorded: " + refused.message());
    }
    return null;
  }

  /** Throws the refusal of a project change that was not accepted. */
  static void accepted(ProjectEntity.Result result) {
    if (result instanceof ProjectEntity.Refused refused) throw refusal(refused);
  }

  static Refusal refusal(ProjectEntity.Refused refused) {
    Refusal.Kind kind =
        switch (refused.code()) {
          case INVALID_ARGUMENT, INVITE_INVALID -> Refusal.Kind.INVALID;
          case PROJECT_NOT_FOUND,
              PROJECT_DELETED,
              NOT_MEMBER,
              INVITE_NOT_FOUND,
              CANVAS_NOT_FOUND,
              ORGANIZATION_NOT_FOUND ->
              Refusal.Kind.NOT_FOUND;
          case PROJECT_EXISTS, ALREADY_MEMBER, INVITE_EXISTS, CANVAS_EXISTS, ORGANIZATION_EXISTS ->
              Refusal.Kind.ALREADY_EXISTS;
          case PROJECT_ARCHIVED, LAST_OWNER, LAST_ADMIN, INVITE_EXPIRED, INVITE_USED ->
              Refusal.Kind.FAILED_PRECONDITION;
          case ETAG_MISMATCH -> Refusal.Kind.ABORTED;
          case NOT_OWNER -> Refusal.Kind.PERMISSION_DENIED;
        };
    return new Refusal(kind, refused.code().name(), refused.message());
  }

  EntityRef<ProjectEntity.Command> project(String projectId) {
    return sharding.entityRefFor(ProjectEntity.KEY, projectId);
  }

  private EntityRef<MembershipEntity.Command> memberships(String userId) {
    return sharding.entityRefFor(MembershipEntity.KEY, userId);
  }

  /** The ids of the projects {@code userId} is a member of, as its index has them. */
  CompletionStage<Set<String>> indexedProjects(String userId) {
    return memberships(userId)
        .<MembershipEntity.Memberships>ask(MembershipEntity.List::new, askTimeout)
        .thenApply(
            memberships -> {
              Set<String> ids = new LinkedHashSet<>();
              for (MembershipEntity.Membership m : memberships.projects()) ids.add(m.projectId());
              return ids;
            });
  }

  private EntityRef<OrganizationEntity.Command> organization(String orgId) {
    return sharding.entityRefFor(OrganizationEntity.KEY, orgId);
  }

  private static void checkUserId(String userId) {
    if (userId == null || !ID.matcher(userId).matches()) {
      throw invalid("userId", "userId must be 1 to 128 letters, digits, '-', '_' or '.'");
    }
  }

  /** Input refused because of request field {@code field} (its JSON name), saying why. */
  static Refusal invalid(String field, String message) {
    return new Refusal(Refusal.Kind.INVALID, "INVALID_ARGUMENT", message, field);
  }

  static <T> CompletionStage<T> failed(Refusal refusal) {
    return CompletableFuture.failedFuture(refusal);
  }

  private static String newCanvasId() {
    StringBuilder id = new StringBuilder(20);
    for (int i = 0; i < 20; i++) {
      id.append(CANVAS_ID_ALPHABET.charAt(RANDOM.nextInt(CANVAS_ID_ALPHABET.length())));
    }
    return id.toString();
  }

  static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return HexFormat.of().formatHex(random);
  }
}
