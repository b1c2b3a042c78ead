package dev.easel.project;

import com.fasterxml.jackson.databind.JsonNode;
import dev.easel.canvas.CanvasEntity;
import dev.easel.canvas.CanvasError;
import dev.easel.canvas.CanvasSchema;
import dev.easel.canvas.Canvases;
import dev.easel.identity.EmailIndexEntity;
import dev.easel.identity.UserEntity;
import dev.easel.ot.Json0;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Projects as their members use them, across the entities: creating a project makes its creator the
 * owner; members are added by the email of their account; canvases are created through {@link
 * Canvases} and then entered in the project's catalog. After each change to a {@link ProjectEntity}
 * the user's {@link MembershipEntity} is updated before the change is answered, so that "my
 * projects" lists it at once.
 *
 * <p>Who may do what is decided by {@link ProjectPolicy}; a caller who may not even read a project
 * is told that it does not exist, so that project ids cannot be probed.
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
   * reason} a stable machine code, the message for people.
   */
  public static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Kind kind;
    private final String reason;

    /** What kind of refusal, so the edge can map it to a status. */
    public enum Kind {
      INVALID,
      NOT_FOUND,
      PERMISSION_DENIED,
      ALREADY_EXISTS,
      FAILED_PRECONDITION
    }

    public Refusal(Kind kind, String reason, String message) {
      super(message, null, false, false);
      this.kind = kind;
      this.reason = reason;
    }

    public Kind kind() {
      return kind;
    }

    /** A stable code such as {@code PROJECT_NOT_FOUND} or {@code ALREADY_MEMBER}. */
    public String reason() {
      return reason;
    }
  }

  /** A project as one member sees it: the project and that member's role in it. */
  public record MemberView(ProjectEntity.ProjectView project, ProjectRole role) {}

  /** A canvas created in a project; {@code version} is the canvas's version after creation. */
  public record ProjectCanvas(String canvasId, String projectId, String title, long version) {}

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final Canvases canvases;

  public Projects(ActorSystem<?> system, Canvases canvases) {
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = system.settings().config().getDuration("easel.canvas.ask-timeout");
    this.canvases = canvases;
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
    throw invalid("role must be one of owner, editor, commenter, viewer");
  }

  /** Creates a project owned by {@code userId}. */
  public CompletionStage<MemberView> create(String userId, String name) {
    String stripped = name == null ? "" : name.strip();
    if (stripped.isEmpty() || stripped.length() > MAX_NAME) {
      return failed(invalid("name is required, at most " + MAX_NAME + " characters"));
    }
    String projectId = "p_" + randomHex(12);
    return project(projectId)
        .<ProjectEntity.Result>ask(
            replyTo -> new ProjectEntity.Create(stripped, userId, null, replyTo), askTimeout)
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
                  .thenApply(
                      done -> {
                        // The project is the authority: the index may lag behind a removal.
                        List<MemberView> visible = new ArrayList<>();
                        for (CompletableFuture<ProjectEntity.ProjectView> view : views) {
                          ProjectRole role = roleOf(view.join(), userId);
                          if (ProjectPolicy.allows(role, ProjectPolicy.Action.READ)) {
                            visible.add(new MemberView(view.join(), role));
                          }
                        }
                        return visible;
                      });
            });
  }

  /** The project, for a caller who may read it. */
  public CompletionStage<MemberView> get(String userId, String projectId) {
    return authorized(userId, projectId, ProjectPolicy.Action.READ);
  }

  /** Adds the account that uses {@code email} to the project with {@code role} (a wire name). */
  public CompletionStage<MemberView> addMember(
      String userId, String projectId, String email, String role) {
    String address = email == null ? "" : email.strip();
    if (address.isEmpty() || address.length() > MAX_EMAIL) {
      return failed(invalid("email is required, at most " + MAX_EMAIL + " characters"));
    }
    ProjectRole newRole;
    try {
      newRole = parseRole(role);
    } catch (Refusal refusal) {
      return failed(refusal);
    }
    return authorized(userId, projectId, ProjectPolicy.Action.ADD_MEMBER)
        .thenCompose(
            allowed ->
                sharding
                    .entityRefFor(EmailIndexEntity.KEY, EmailIndexEntity.entityId(address))
                    .<EmailIndexEntity.Holder>ask(EmailIndexEntity.Lookup::new, askTimeout))
        .thenCompose(
            holder ->
                holder.userId() == null
                    ? CompletableFuture.completedFuture(null)
                    : sharding
                        .entityRefFor(UserEntity.KEY, holder.userId())
                        .<UserEntity.UserView>ask(UserEntity.Get::new, askTimeout))
        .thenCompose(
            account -> {
              if (account == null || account.status() != UserEntity.Status.ACTIVE) {
                throw new Refusal(
                    Refusal.Kind.NOT_FOUND,
                    "USER_NOT_FOUND",
                    "No Easel account uses this email address; ask them to sign up first");
              }
              String memberId = account.userId();
              return project(projectId)
                  .<ProjectEntity.Result>ask(
                      replyTo -> new ProjectEntity.AddMember(memberId, newRole, userId, replyTo),
                      askTimeout)
                  .thenCompose(
                      added -> {
                        accepted(added);
                        return join(memberId, projectId, newRole);
                      });
            })
        .thenCompose(joined -> get(userId, projectId));
  }

  /**
   * Creates an empty canvas titled {@code title} and enters it in the project's catalog, for a
   * caller who may create canvases there.
   */
  public CompletionStage<ProjectCanvas> createCanvas(
      String userId, String projectId, String title) {
    return createCanvas(userId, projectId, title, null);
  }

  /** As {@link #createCanvas(String, String, String)}, with a chosen id (null: a random one). */
  public CompletionStage<ProjectCanvas> createCanvas(
      String userId, String projectId, String title, String chosenId) {
    String canvasTitle = title == null ? "" : title;
    if (canvasTitle.length() > MAX_TITLE) {
      return failed(invalid("title is longer than " + MAX_TITLE + " characters"));
    }
    String problem = chosenId == null ? null : Canvases.checkId(chosenId);
    if (problem != null) return failed(invalid(problem));
    String canvasId = chosenId == null ? newCanvasId() : chosenId;
    JsonNode data = Json0.toJson(CanvasSchema.emptyDocument(canvasTitle));
    return authorized(userId, projectId, ProjectPolicy.Action.CREATE_CANVAS)
        .thenCompose(
            allowed -> {
              // Checked first so that an archived project does not leave a canvas outside it.
              if (allowed.project().archived()) {
                throw new Refusal(
                    Refusal.Kind.FAILED_PRECONDITION,
                    ProjectError.PROJECT_ARCHIVED.name(),
                    "The project is archived; unarchive it");
              }
              return canvases.create(canvasId, projectId, data, userId);
            })
        .thenCompose(
            submitted ->
                switch (submitted) {
                  case CanvasEntity.Applied applied ->
                      project(projectId)
                          .<ProjectEntity.Result>ask(
                              replyTo ->
                                  new ProjectEntity.AddCanvas(
                                      canvasId, canvasTitle, userId, replyTo),
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
   * The caller's role in the project of canvas {@code canvasId}, if {@link ProjectPolicy} allows
   * {@code action} there. A canvas the caller may not read (no such canvas, not in a project, not a
   * member) is refused as not found, so that canvas ids cannot be probed.
   */
  public CompletionStage<ProjectRole> authorizeCanvas(
      String userId, String canvasId, ProjectPolicy.Action action) {
    return canvasRole(userId, canvasId).thenApply(role -> check(canvasId, role, action));
  }

  /**
   * Checks a role already looked up with {@link #canvasRole}: returns it when {@code action} is
   * allowed, else throws the refusal {@link #authorizeCanvas} would.
   */
  public static ProjectRole check(String canvasId, ProjectRole role, ProjectPolicy.Action action) {
    if (!ProjectPolicy.allows(role, ProjectPolicy.Action.CANVAS_READ)) {
      throw canvasNotFound(canvasId);
    }
    if (!ProjectPolicy.allows(role, action)) {
      throw new Refusal(
          Refusal.Kind.PERMISSION_DENIED,
          "PERMISSION_DENIED",
          "A " + wireName(role) + " of this project may not " + describe(action));
    }
    return role;
  }

  /**
   * The caller's role in the project of canvas {@code canvasId}; null when the canvas does not
   * exist, is in no project, or the caller is not a member.
   */
  public CompletionStage<ProjectRole> canvasRole(String userId, String canvasId) {
    return canvases
        .snapshot(canvasId)
        .thenCompose(
            snapshot ->
                snapshot.projectId() == null
                    ? CompletableFuture.completedFuture(null)
                    : view(snapshot.projectId()).thenApply(view -> roleOf(view, userId)));
  }

  private static Refusal canvasNotFound(String canvasId) {
    return new Refusal(
        Refusal.Kind.NOT_FOUND, "CANVAS_NOT_FOUND", "canvas " + canvasId + " does not exist");
  }

  // ---- helpers --------------------------------------------------------------------------------

  /**
   * The project and the caller's role, if {@link ProjectPolicy} allows {@code action}: refused as
   * not found for a caller who may not read it, as permission denied for a member whose role is too
   * low.
   */
  private CompletionStage<MemberView> authorized(
      String userId, String projectId, ProjectPolicy.Action action) {
    if (projectId == null || !ID.matcher(projectId).matches()) {
      return failed(invalid("project id must be 1 to 128 letters, digits, '-', '_' or '.'"));
    }
    return view(projectId)
        .thenApply(
            view -> {
              ProjectRole role = roleOf(view, userId);
              if (!ProjectPolicy.allows(role, ProjectPolicy.Action.READ)) {
                throw new Refusal(
                    Refusal.Kind.NOT_FOUND,
                    ProjectError.PROJECT_NOT_FOUND.name(),
                    "There is no project " + projectId);
              }
              if (!ProjectPolicy.allows(role, action)) {
                throw new Refusal(
                    Refusal.Kind.PERMISSION_DENIED,
                    "PERMISSION_DENIED",
                    "A "
                        + wireName(role)
                        + " of this project may not "
                        + describe(action)
                        + "; ask an owner");
              }
              return new MemberView(view, role);
            });
  }

  private static String describe(ProjectPolicy.Action action) {
    return switch (action) {
      case READ -> "read it";
      case ADD_MEMBER -> "add members";
      case CREATE_CANVAS -> "create canvases";
      case CANVAS_READ -> "read its canvases";
      case CANVAS_COMMENT -> "comment on its canvases";
      case CANVAS_EDIT -> "edit its canvases";
      case CANVAS_DELETE -> "delete its canvases";
    };
  }

  /** The role of {@code userId} in a live project; null if not a member or the project is gone. */
  private static ProjectRole roleOf(ProjectEntity.ProjectView view, String userId) {
    if (view.status() != ProjectEntity.Status.ACTIVE) return null;
    for (ProjectEntity.Member member : view.members()) {
      if (member.userId().equals(userId)) return member.role();
    }
    return null;
  }

  private CompletionStage<ProjectEntity.ProjectView> view(String projectId) {
    return project(projectId).ask(ProjectEntity.Get::new, askTimeout);
  }

  private CompletionStage<Void> join(String userId, String projectId, ProjectRole role) {
    return memberships(userId)
        .<MembershipEntity.Result>ask(
            replyTo -> new MembershipEntity.Join(projectId, role, replyTo), askTimeout)
        .thenApply(
            joined -> {
              if (joined instanceof MembershipEntity.Refused refused) {
                throw new IllegalStateException("membership not recorded: " + refused.message());
              }
              return null;
            });
  }

  /** Throws the refusal of a project change that was not accepted. */
  private static void accepted(ProjectEntity.Result result) {
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
          case NOT_OWNER -> Refusal.Kind.PERMISSION_DENIED;
        };
    return new Refusal(kind, refused.code().name(), refused.message());
  }

  private EntityRef<ProjectEntity.Command> project(String projectId) {
    return sharding.entityRefFor(ProjectEntity.KEY, projectId);
  }

  private EntityRef<MembershipEntity.Command> memberships(String userId) {
    return sharding.entityRefFor(MembershipEntity.KEY, userId);
  }

  private static Refusal invalid(String message) {
    return new Refusal(Refusal.Kind.INVALID, "INVALID_ARGUMENT", message);
  }

  private static <T> CompletionStage<T> failed(Refusal refusal) {
    return CompletableFuture.failedFuture(refusal);
  }

  private static String newCanvasId() {
    StringBuilder id = new StringBuilder(20);
    for (int i = 0; i < 20; i++) {
      id.append(CANVAS_ID_ALPHABET.charAt(RANDOM.nextInt(CANVAS_ID_ALPHABET.length())));
    }
    return id.toString();
  }

  private static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return HexFormat.of().formatHex(random);
  }
}
