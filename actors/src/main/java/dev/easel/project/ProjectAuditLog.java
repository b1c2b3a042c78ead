package dev.easel.project;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * A project's audit log, for its owners and the admins of its organization ({@link
 * ProjectPolicy.Action#READ_AUDIT_LOG}): every event its {@link ProjectEntity} ever persisted, one
 * entry each, newest first, read back from the journal (there is no second copy to drift from it).
 * Events are only ever appended, so an entry never changes once written and a page token stays
 * valid while the log grows.
 *
 * <p>It shows more than the members' activity feed ({@link ProjectActivity}): the address each
 * invitation went to (also when it is revoked or accepted), a member who left apart from one who
 * was removed, and where each change was asked from ({@link ProjectEntity.Origin}: client address
 * and user agent; absent from events written before origins were recorded and from canvas edits). A
 * deleted project's log stays readable by those who were its owners when it was deleted ({@link
 * ProjectPolicy#allowsAfterDeletion}); to anyone else the project does not exist.
 */
public final class ProjectAuditLog {
  /** Entries per page when the caller does not say. */
  public static final int DEFAULT_PAGE_SIZE = 50;

  /** The most entries a page may have. */
  public static final int MAX_PAGE_SIZE = 200;

  private static final int MAX_TOKEN = 400;
  private static final String TOKEN_MARK = "audit:";

  /** What happened; one kind per event type, and a member who left apart from one removed. */
  public enum Kind {
    CREATED,
    RENAMED,
    ARCHIVED,
    UNARCHIVED,
    DELETED,
    MEMBER_ADDED,
    ROLE_CHANGED,
    MEMBER_REMOVED,
    MEMBER_LEFT,
    OWNERSHIP_TRANSFERRED,
    INVITED,
    INVITATION_REVOKED,
    INVITATION_ACCEPTED,
    CANVAS_CREATED,
    CANVAS_REMOVED,
    CANVAS_EDITED;

    /** The name on the wire: {@code member_added}, ... (stable: clients match on it). */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One event of the project: its sequence number (1 is the creation), when, who did it ({@code
   * actorUserId}), what, and to what. Fields that do not apply to the kind are null: {@code
   * subjectUserId} is the member added, changed, removed, who left, or was made owner; {@code role}
   * the role given (and {@code previousRole} the one before); {@code name} the project's (new) name
   * and {@code orgId} its organization at creation; {@code email}, {@code invitationId} and {@code
   * expiresAt} the invitation's; {@code canvasId} and {@code canvasTitle} the canvas's; {@code
   * clientAddress} and {@code userAgent} where the change was asked from, when recorded.
   */
  public record Entry(
      long sequenceNr,
      Instant at,
      Kind kind,
      String actorUserId,
      String subjectUserId,
      ProjectRole role,
      ProjectRole previousRole,
      String name,
      String orgId,
      String email,
      String invitationId,
      Instant expiresAt,
      String canvasId,
      String canvasTitle,
      String clientAddress,
      String userAgent) {}

  /**
   * A page of the log, newest first, with the people named in it by user id (see {@link
   * People#of}); {@code nextPageToken} is empty on the last page.
   */
  public record Page(
      List<Entry> entries, Map<String, People.Person> people, String nextPageToken) {}

  private final ActorSystem<?> system;
  private final CurrentEventsByPersistenceIdQuery journal;
  private final Projects projects;
  private final People people;

  /** The log read through the read journal {@code easel.projects.read-journal}. */
  public ProjectAuditLog(ActorSystem<?> system, Projects projects, People people) {
    this(
        system,
        system.settings().config().getString("easel.projects.read-journal"),
        projects,
        people);
  }

  ProjectAuditLog(
      ActorSystem<?> system, String readJournalPluginId, Projects projects, People people) {
    this.system = system;
    this.journal =
        PersistenceQuery.get(system)
            .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, readJournalPluginId);
    this.projects = projects;
    this.people = people;
  }

  /**
   * A page of the audit log of a project the caller may read it of: {@code pageSize} entries (0:
   * {@value #DEFAULT_PAGE_SIZE}) from {@code pageToken} (empty: the newest). Refused as not found
   * for a caller who may not see the project, as permission denied for a member below owner, and as
   * invalid naming the problem for a bad size or token.
   */
  public CompletionStage<Page> page(
      String userId, String projectId, int pageSize, String pageToken) {
    if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
      return Projects.failed(
          Projects.invalid(
              "pageSize must be between 1 and "
                  + MAX_PAGE_SIZE
                  + " (0: "
                  + DEFAULT_PAGE_SIZE
                  + ")"));
    }
    if (projectId == null || !Projects.ID.matcher(projectId).matches()) {
      return Projects.failed(
          Projects.invalid("project id must be 1 to 128 letters, digits, '-', '_' or '.'"));
    }
    int size = pageSize == 0 ? DEFAULT_PAGE_SIZE : pageSize;
    long before;
    try {
      before = pageToken == null || pageToken.isEmpty() ? -1 : position(projectId, pageToken);
    } catch (Projects.Refusal refusal) {
      return Projects.failed(refusal);
    }
    return readable(userId, projectId)
        .thenCompose(
            view -> {
              long end = view.revision() + 1;
              if (before > end) {
                throw Projects.invalid("pageToken points past the end of this project's log");
              }
              long upTo = before < 0 ? end : before;
              long from = Math.max(1, upTo - size);
              CompletionStage<List<Entry>> read =
                  upTo <= 1
                      ? CompletableFuture.completedFuture(List.of())
                      : entries(projectId, from, upTo - 1);
              return read.thenCompose(
                  entries -> {
                    List<Entry> completed = completed(entries, view);
                    Set<String> named = new LinkedHashSet<>();
                    for (Entry entry : completed) {
                      named.add(entry.actorUserId());
                      if (entry.subjectUserId() != null) named.add(entry.subjectUserId());
                    }
                    String next = from > 1 ? token(projectId, from) : "";
                    return people
                        .lookUp(named)
                        .thenApply(found -> new Page(completed, found, next));
                  });
            });
  }

  /**
   * The project, if the caller may read its log: as {@link Projects#authorized} decides for a live
   * project, and for a deleted one if the caller was one of its owners.
   */
  private CompletionStage<ProjectEntity.ProjectView> readable(String userId, String projectId) {
    return projects
        .view(projectId)
        .thenCompose(
            view -> {
              if (view.status() == ProjectEntity.Status.DELETED
                  && ProjectPolicy.allowsAfterDeletion(
                      roleOf(view, userId), ProjectPolicy.Action.READ_AUDIT_LOG)) {
                return CompletableFuture.completedFuture(view);
              }
              return projects
                  .authorized(userId, projectId, ProjectPolicy.Action.READ_AUDIT_LOG)
                  .thenApply(Projects.Access::view);
            });
  }

  private static ProjectRole roleOf(ProjectEntity.ProjectView view, String userId) {
    for (ProjectEntity.Member member : view.members()) {
      if (member.userId().equals(userId)) return member.role();
    }
    return null;
  }

  /** The project's events with sequence numbers {@code from} to {@code to}, newest first. */
  CompletionStage<List<Entry>> entries(String projectId, long from, long to) {
    return journal
        .currentEventsByPersistenceId(
            PersistenceId.of(ProjectEntity.KEY.name(), projectId).id(), from, to)
        .filter(envelope -> envelope.event() instanceof ProjectEntity.Event)
        .map(envelope -> entry(envelope.sequenceNr(), (ProjectEntity.Event) envelope.event()))
        .runWith(Sink.seq(), system)
        .thenApply(
            entries -> {
              List<Entry> newestFirst = new ArrayList<>(entries);
              Collections.reverse(newestFirst);
              return newestFirst;
            });
  }

  /** The entry of one event, as it was written. */
  static Entry entry(long sequenceNr, ProjectEntity.Event event) {
    Draft draft = new Draft(sequenceNr, event);
    switch (event) {
      case ProjectEntity.ProjectCreated e -> {
        draft.kind = Kind.CREATED;
        draft.name = e.name();
        draft.orgId = e.orgId();
      }
      case ProjectEntity.ProjectRenamed e -> {
        draft.kind = Kind.RENAMED;
        draft.name = e.name();
      }
      case ProjectEntity.ProjectArchived e -> draft.kind = Kind.ARCHIVED;
      case ProjectEntity.ProjectUnarchived e -> draft.kind = Kind.UNARCHIVED;
      case ProjectEntity.ProjectDeleted e -> draft.kind = Kind.DELETED;
      case ProjectEntity.MemberAdded e -> {
        draft.kind = Kind.MEMBER_ADDED;
        draft.subjectUserId = e.userId();
        draft.role = e.role();
      }
      case ProjectEntity.MemberRoleChanged e -> {
        draft.kind = Kind.ROLE_CHANGED;
        draft.subjectUserId = e.userId();
        draft.role = e.to();
        draft.previousRole = e.from();
      }
      case ProjectEntity.MemberRemoved e -> {
        draft.kind = e.userId().equals(e.byUserId()) ? Kind.MEMBER_LEFT : Kind.MEMBER_REMOVED;
        draft.subjectUserId = e.userId();
      }
      case ProjectEntity.OwnershipTransferred e -> {
        draft.kind = Kind.OWNERSHIP_TRANSFERRED;
        draft.subjectUserId = e.toUserId();
        draft.role = ProjectRole.OWNER;
      }
      case ProjectEntity.MemberInvited e -> {
        draft.kind = Kind.INVITED;
        draft.invitationId = e.inviteId();
        draft.email = e.email();
        draft.role = e.role();
        draft.expiresAt = e.expiresAt();
      }
      case ProjectEntity.InviteRevoked e -> {
        draft.kind = Kind.INVITATION_REVOKED;
        draft.invitationId = e.inviteId();
        draft.email = e.email();
      }
      case ProjectEntity.InviteAccepted e -> {
        draft.kind = Kind.INVITATION_ACCEPTED;
        draft.invitationId = e.inviteId();
        draft.role = e.role();
      }
      case ProjectEntity.CanvasAdded e -> {
        draft.kind = Kind.CANVAS_CREATED;
        draft.canvasId = e.canvasId();
        draft.canvasTitle = e.title();
      }
      case ProjectEntity.CanvasRemoved e -> {
        draft.kind = Kind.CANVAS_REMOVED;
        draft.canvasId = e.canvasId();
      }
      case ProjectEntity.CanvasEdited e -> {
        draft.kind = Kind.CANVAS_EDITED;
        draft.canvasId = e.canvasId();
      }
    }
    return draft.entry();
  }

  /** An entry being filled in from its event. */
  private static final class Draft {
    final long sequenceNr;
    final ProjectEntity.Event event;
    Kind kind;
    String subjectUserId;
    ProjectRole role;
    ProjectRole previousRole;
    String name;
    String orgId;
    String email;
    String invitationId;
    Instant expiresAt;
    String canvasId;
    String canvasTitle;

    Draft(long sequenceNr, ProjectEntity.Event event) {
      this.sequenceNr = sequenceNr;
      this.event = event;
    }

    Entry entry() {
      ProjectEntity.Origin origin = event.origin();
      return new Entry(
          sequenceNr,
          event.at(),
          kind,
          event.byUserId(),
          subjectUserId,
          role,
          previousRole,
          name,
          orgId,
          email,
          invitationId,
          expiresAt,
          canvasId,
          canvasTitle,
          origin == null ? null : origin.clientAddress(),
          origin == null ? null : origin.userAgent());
    }
  }

  /**
   * Entries about an invitation get its address, and entries about a canvas the title it was
   * created with, where their own event does not hold it: from this page, or from the project
   * (which keeps accepted invitations and the canvases in its catalog).
   */
  static List<Entry> completed(List<Entry> entries, ProjectEntity.ProjectView project) {
    Map<String, String> emails = new HashMap<>();
    Map<String, String> titles = new HashMap<>();
    for (ProjectEntity.InvitationView invitation : project.invitations()) {
      emails.put(invitation.inviteId(), invitation.email());
    }
    for (ProjectEntity.CanvasEntry canvas : project.canvases()) {
      titles.put(canvas.canvasId(), canvas.title());
    }
    for (Entry entry : entries) {
      if (entry.invitationId() != null && entry.email() != null) {
        emails.putIfAbsent(entry.invitationId(), entry.email());
      }
      if (entry.kind() == Kind.CANVAS_CREATED) {
        titles.putIfAbsent(entry.canvasId(), entry.canvasTitle());
      }
    }
    List<Entry> completed = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      String email =
          e.invitationId() == null ? e.email() : orElse(e.email(), emails, e.invitationId());
      String title = e.canvasId() == null ? null : orElse(e.canvasTitle(), titles, e.canvasId());
      completed.add(
          new Entry(
              e.sequenceNr(),
              e.at(),
              e.kind(),
              e.actorUserId(),
              e.subjectUserId(),
              e.role(),
              e.previousRole(),
              e.name(),
              e.orgId(),
              email,
              e.invitationId(),
              e.expiresAt(),
              e.canvasId(),
              title,
              e.clientAddress(),
              e.userAgent()));
    }
    return completed;
  }

  private static String orElse(String value, Map<String, String> known, String key) {
    return value != null ? value : known.get(key);
  }

  /** The opaque token of the page that ends before sequence number {@code before}. */
  static String token(String projectId, long before) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((TOKEN_MARK + projectId + ":" + before).getBytes(StandardCharsets.UTF_8));
  }

  /** The position a page token of this project's log stands for; refused if it is not one. */
  static long position(String projectId, String token) {
    Projects.Refusal invalid =
        Projects.invalid(
            "pageToken is not a page of this project's audit log: pass the nextPageToken of the"
                + " previous page");
    if (token.length() > MAX_TOKEN) throw invalid;
    String decoded;
    try {
      decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid;
    }
    String prefix = TOKEN_MARK + projectId + ":";
    if (!decoded.startsWith(prefix)) throw invalid;
    try {
      long before = Long.parseLong(decoded.substring(prefix.length()));
      if (before < 2) throw invalid;
      return before;
    } catch (NumberFormatException e) {
      throw invalid;
    }
  }
}
