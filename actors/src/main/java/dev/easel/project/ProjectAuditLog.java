package dev.easel.project;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

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
  public static final int DEFAULT_PAGE_SIZE = ProjectEventPages.DEFAULT_PAGE_SIZE;

  /** The most entries a page may have. */
  public static final int MAX_PAGE_SIZE = ProjectEventPages.MAX_PAGE_SIZE;

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
    CANVAS_EDITED,
    DATASET_UPLOADED,
    DATASET_RENAMED,
    DATASET_DELETED;

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
   * clientAddress} and {@code userAgent} where the change was asked from, when recorded; {@code
   * dataset} the dataset uploaded, renamed or deleted.
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
      String userAgent,
      Dataset dataset) {}

  /**
   * The dataset an entry is about: its id and name (the new name of a renamed one), the name it had
   * before a rename (else null), and the version an upload made (else null).
   */
  public record Dataset(String datasetId, String name, String previousName, Long version) {}

  /**
   * A page of the log, newest first, with the people named in it by user id (see {@link
   * People#of}); {@code nextPageToken} is empty on the last page.
   */
  public record Page(
      List<Entry> entries, Map<String, People.Person> people, String nextPageToken) {}

  /** How the log's pages are asked for; its tokens are no tokens of the activity feed. */
  static final ProjectEventPages.Format PAGES =
      new ProjectEventPages.Format(
          "audit:",
          2,
          "pageSize must be between 1 and " + MAX_PAGE_SIZE + " (0: " + DEFAULT_PAGE_SIZE + ")",
          "pageToken is not a page of this project's audit log: pass the nextPageToken of the"
              + " previous page",
          "pageToken points past the end of this project's log");

  private final ProjectEventPages pages;
  private final Projects projects;

  /** The log read through the read journal {@code easel.projects.read-journal}. */
  public ProjectAuditLog(ActorSystem<?> system, Projects projects, People people) {
    this.pages = new ProjectEventPages(system, people, PAGES);
    this.projects = projects;
  }

  /**
   * A page of the audit log of a project the caller may read it of: {@code pageSize} entries (0:
   * {@value #DEFAULT_PAGE_SIZE}) from {@code pageToken} (empty: the newest). Refused as not found
   * for a caller who may not see the project, as permission denied for a member below owner, and as
   * invalid naming the problem for a bad size or token.
   */
  public CompletionStage<Page> page(
      String userId, String projectId, int pageSize, String pageToken) {
    return pages.page(projectId, pageSize, pageToken, () -> readable(userId, projectId));
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

  /**
   * The entry of one event, as it was written: the one description of a project's events that the
   * audit log shows whole and the activity feed in part ({@link ProjectActivity#entry}).
   */
  static Entry entry(long sequenceNr, ProjectEntity.Event event) {
    Draft draft = new Draft(sequenceNr, event);
    Draft described =
        switch (event) {
          case ProjectEntity.ProjectCreated e ->
              draft.kind(Kind.CREATED).name(e.name()).orgId(e.orgId());
          case ProjectEntity.ProjectRenamed e -> draft.kind(Kind.RENAMED).name(e.name());
          case ProjectEntity.ProjectArchived e -> draft.kind(Kind.ARCHIVED);
          case ProjectEntity.ProjectUnarchived e -> draft.kind(Kind.UNARCHIVED);
          case ProjectEntity.ProjectDeleted e -> draft.kind(Kind.DELETED);
          case ProjectEntity.MemberAdded e ->
              draft.kind(Kind.MEMBER_ADDED).member(e.userId(), e.role(), null);
          case ProjectEntity.MemberRoleChanged e ->
              draft.kind(Kind.ROLE_CHANGED).member(e.userId(), e.to(), e.from());
          case ProjectEntity.MemberRemoved e ->
              draft
                  .kind(e.userId().equals(e.byUserId()) ? Kind.MEMBER_LEFT : Kind.MEMBER_REMOVED)
                  .member(e.userId(), null, null);
          case ProjectEntity.OwnershipTransferred e ->
              draft.kind(Kind.OWNERSHIP_TRANSFERRED).member(e.toUserId(), ProjectRole.OWNER, null);
          case ProjectEntity.MemberInvited e ->
              draft
                  .kind(Kind.INVITED)
                  .invitation(e.inviteId(), e.email(), e.role())
                  .expiresAt(e.expiresAt());
          case ProjectEntity.InviteRevoked e ->
              draft.kind(Kind.INVITATION_REVOKED).invitation(e.inviteId(), e.email(), null);
          case ProjectEntity.InviteAccepted e ->
              draft.kind(Kind.INVITATION_ACCEPTED).invitation(e.inviteId(), null, e.role());
          case ProjectEntity.CanvasAdded e ->
              draft.kind(Kind.CANVAS_CREATED).canvas(e.canvasId(), e.title());
          case ProjectEntity.CanvasRemoved e ->
              draft.kind(Kind.CANVAS_REMOVED).canvas(e.canvasId(), null);
          case ProjectEntity.CanvasEdited e ->
              draft.kind(Kind.CANVAS_EDITED).canvas(e.canvasId(), null);
          case ProjectEntity.DatasetUploaded e ->
              draft
                  .kind(Kind.DATASET_UPLOADED)
                  .dataset(new Dataset(e.datasetId(), e.name(), null, e.version()));
          case ProjectEntity.DatasetRenamed e ->
              draft
                  .kind(Kind.DATASET_RENAMED)
                  .dataset(new Dataset(e.datasetId(), e.name(), e.previousName(), null));
          case ProjectEntity.DatasetDeleted e ->
              draft
                  .kind(Kind.DATASET_DELETED)
                  .dataset(new Dataset(e.datasetId(), e.name(), null, null));
        };
    return described.entry();
  }

  /** An entry being filled in from its event: when, who and from where come from the event. */
  private static final class Draft {
    private final long sequenceNr;
    private final ProjectEntity.Event event;
    private Kind kind;
    private String subjectUserId;
    private ProjectRole role;
    private ProjectRole previousRole;
    private String name;
    private String orgId;
    private String email;
    private String invitationId;
    private Instant expiresAt;
    private String canvasId;
    private String canvasTitle;
    private Dataset dataset;

    Draft(long sequenceNr, ProjectEntity.Event event) {
      this.sequenceNr = sequenceNr;
      this.event = event;
    }

    Draft kind(Kind kind) {
      this.kind = kind;
      return this;
    }

    Draft name(String name) {
      this.name = name;
      return this;
    }

    Draft orgId(String orgId) {
      this.orgId = orgId;
      return this;
    }

    /** The member the event is about, the role it was given and the one it had. */
    Draft member(String userId, ProjectRole role, ProjectRole previousRole) {
      this.subjectUserId = userId;
      this.role = role;
      this.previousRole = previousRole;
      return this;
    }

    Draft invitation(String invitationId, String email, ProjectRole role) {
      this.invitationId = invitationId;
      this.email = email;
      this.role = role;
      return this;
    }

    Draft expiresAt(Instant expiresAt) {
      this.expiresAt = expiresAt;
      return this;
    }

    Draft canvas(String canvasId, String canvasTitle) {
      this.canvasId = canvasId;
      this.canvasTitle = canvasTitle;
      return this;
    }

    Draft dataset(Dataset dataset) {
      this.dataset = dataset;
      return this;
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
          origin == null ? null : origin.userAgent(),
          dataset);
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
              e.userAgent(),
              e.dataset()));
    }
    return completed;
  }

  private static String orElse(String value, Map<String, String> known, String key) {
    return value != null ? value : known.get(key);
  }
}
