package dev.easel.project;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.LongFunction;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * A project's activity feed, for every member ({@link ProjectPolicy.Action#READ_ACTIVITY}), newest
 * first: the events of its {@link ProjectEntity}, read back from the journal a page at a time by
 * {@link ProjectEventPages}, so that there is no second copy of them. It has an entry for each
 * event the owners' {@link ProjectAuditLog} has, with less in it ({@link #entry}). Page tokens
 * carry a position in the project's events (opaque to clients, and no tokens of the audit log).
 */
public final class ProjectActivity {
  /** Entries per page when the caller does not say. */
  public static final int DEFAULT_PAGE_SIZE = ProjectEventPages.DEFAULT_PAGE_SIZE;

  /** The most entries a page may have. */
  public static final int MAX_PAGE_SIZE = ProjectEventPages.MAX_PAGE_SIZE;

  /** What happened. */
  public enum Kind {
    CREATED,
    RENAMED,
    ARCHIVED,
    UNARCHIVED,
    DELETED,
    MEMBER_ADDED,
    ROLE_CHANGED,
    MEMBER_REMOVED,
    INVITED,
    INVITATION_REVOKED,
    INVITATION_ACCEPTED,
    OWNERSHIP_TRANSFERRED,
    CANVAS_CREATED,
    CANVAS_REMOVED,
    CANVAS_EDITED,
    DATASET_UPLOADED,
    DATASET_RENAMED,
    DATASET_DELETED;

    /** The name on the wire: {@code member_added}, ... */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One thing that happened: when, who did it, what, and to what. Fields that do not apply to the
   * kind are null: {@code subjectUserId} is the member added, changed, removed or made owner;
   * {@code role} the role given (and {@code previousRole} the one before); {@code name} the
   * project's (new) name; {@code email} the invited address; {@code dataset} the dataset uploaded,
   * renamed or deleted.
   */
  public record Entry(
      long sequenceNr,
      Instant at,
      String actorUserId,
      Kind kind,
      String subjectUserId,
      ProjectRole role,
      ProjectRole previousRole,
      String name,
      String email,
      String canvasId,
      String canvasTitle,
      String invitationId,
      ProjectAuditLog.Dataset dataset) {}

  /**
   * A page of the feed, newest first, with the people named in it by user id; {@code nextPageToken}
   * is empty on the last page.
   */
  public record Page(
      List<Entry> entries, Map<String, People.Person> people, String nextPageToken) {}

  /**
   * How the feed's pages are asked for: its tokens carry no mark (as it has always handed them
   * out), and a token at or past the project's latest event reads what there is.
   */
  static final ProjectEventPages.Format PAGES =
      new ProjectEventPages.Format(
          "",
          1,
          "pageSize must be between 1 and " + MAX_PAGE_SIZE + " (0: default)",
          "pageToken is not a page of this project's activity",
          null);

  private final ProjectEventPages pages;
  private final Projects projects;

  /** The feed read through the read journal {@code easel.projects.read-journal}. */
  public ProjectActivity(ActorSystem<?> system, Projects projects, People people) {
    this.pages = new ProjectEventPages(system, people, PAGES);
    this.projects = projects;
  }

  /**
   * A page of the activity of a project the caller may read: {@code pageSize} entries (0: {@value
   * #DEFAULT_PAGE_SIZE}) from {@code pageToken} (empty: the newest).
   */
  public CompletionStage<Page> page(
      String userId, String projectId, int pageSize, String pageToken) {
    return pages
        .page(
            projectId,
            pageSize,
            pageToken,
            () ->
                projects
                    .authorized(userId, projectId, ProjectPolicy.Action.READ_ACTIVITY)
                    .thenApply(Projects.Access::view))
        .thenApply(
            recorded ->
                new Page(
                    recorded.entries().stream().map(ProjectActivity::entry).toList(),
                    recorded.people(),
                    recorded.nextPageToken()));
  }

  /**
   * A stretch of the feed, oldest first, with the people named in it, and the sequence number it
   * reaches: where a watch of the feed goes on from.
   */
  public record Since(List<Entry> entries, Map<String, People.Person> people, long reached) {}

  /** The sequence numbers {@code from} to {@code to} of a stretch; none when from &gt; to. */
  record Window(long from, long to) {
    /** The latest {@code recent} events of a project whose latest event is {@code revision}. */
    static Window latest(long revision, int recent) {
      return new Window(Math.max(1, revision - recent + 1), revision);
    }

    /** The events after {@code after}, at most {@value #MAX_PAGE_SIZE} of them (the oldest). */
    static Window after(long after, long revision) {
      return new Window(after + 1, Math.max(after, Math.min(revision, after + MAX_PAGE_SIZE)));
    }
  }

  /**
   * Where a watch of the feed of a project the caller may read starts: its latest {@code recent}
   * entries (0 to {@value #MAX_PAGE_SIZE}), oldest first, reaching its latest event.
   */
  public CompletionStage<Since> latest(String userId, String projectId, int recent) {
    if (recent < 0 || recent > MAX_PAGE_SIZE) {
      return Projects.failed(
          Projects.invalid("recent", "recent must be between 0 and " + MAX_PAGE_SIZE + " entries"));
    }
    return stretch(userId, projectId, revision -> Window.latest(revision, recent));
  }

  /**
   * What happened in a project the caller may (still) read after sequence number {@code after}: at
   * most {@value #MAX_PAGE_SIZE} entries, oldest first; asked again from what it reached, the rest.
   */
  public CompletionStage<Since> since(String userId, String projectId, long after) {
    return stretch(userId, projectId, revision -> Window.after(after, revision));
  }

  private CompletionStage<Since> stretch(
      String userId, String projectId, LongFunction<Window> window) {
    return projects
        .authorized(userId, projectId, ProjectPolicy.Action.READ_ACTIVITY)
        .thenCompose(
            access -> {
              Window read = window.apply(access.view().revision());
              return pages
                  .window(projectId, read.from(), read.to(), access.view())
                  .thenApply(
                      recorded -> {
                        List<Entry> oldestFirst =
                            new ArrayList<>(
                                recorded.entries().stream().map(ProjectActivity::entry).toList());
                        Collections.reverse(oldestFirst);
                        return new Since(oldestFirst, recorded.people(), read.to());
                      });
            });
  }

  /**
   * What the feed shows of an event as the audit log records it ({@link ProjectAuditLog#entry}):
   * neither its origin, nor the organization a project was created in, nor when an invitation
   * expires; the invited address only on the invitation itself; a member who left as removed.
   */
  static Entry entry(ProjectAuditLog.Entry recorded) {
    return new Entry(
        recorded.sequenceNr(),
        recorded.at(),
        recorded.actorUserId(),
        recorded.kind() == ProjectAuditLog.Kind.MEMBER_LEFT
            ? Kind.MEMBER_REMOVED
            : Kind.valueOf(recorded.kind().name()),
        recorded.subjectUserId(),
        recorded.role(),
        recorded.previousRole(),
        recorded.name(),
        recorded.kind() == ProjectAuditLog.Kind.INVITED ? recorded.email() : null,
        recorded.canvasId(),
        recorded.canvasTitle(),
        recorded.invitationId(),
        recorded.dataset());
  }
}
