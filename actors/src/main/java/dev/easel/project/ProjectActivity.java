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
import java.util.function.LongFunction;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * A project's activity feed, newest first: the events of its {@link ProjectEntity}, read back from
 * the journal by sequence number, so that there is no second copy of them. Every event takes one
 * sequence number and events are never deleted, so a page of {@code n} entries is the {@code n}
 * sequence numbers before a position: each page costs one bounded journal read, however long the
 * project's history. Page tokens carry that position (opaque to clients).
 */
public final class ProjectActivity {
  /** Entries per page when the caller does not say. */
  public static final int DEFAULT_PAGE_SIZE = 50;

  /** The most entries a page may have. */
  public static final int MAX_PAGE_SIZE = 200;

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
    CANVAS_EDITED;

    /** The name on the wire: {@code member_added}, ... */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One thing that happened: when, who did it, what, and to what. Fields that do not apply to the
   * kind are null: {@code subjectUserId} is the member added, changed, removed or made owner;
   * {@code role} the role given (and {@code previousRole} the one before); {@code name} the
   * project's (new) name; {@code email} the invited address.
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
      String invitationId) {}

  /**
   * A page of the feed, newest first, with the people named in it by user id; {@code nextPageToken}
   * is empty on the last page.
   */
  public record Page(
      List<Entry> entries, Map<String, People.Person> people, String nextPageToken) {}

  private final ActorSystem<?> system;
  private final CurrentEventsByPersistenceIdQuery journal;
  private final Projects projects;
  private final People people;

  /** The feed read through the read journal {@code easel.projects.read-journal}. */
  public ProjectActivity(ActorSystem<?> system, Projects projects, People people) {
    this(
        system,
        system.settings().config().getString("easel.projects.read-journal"),
        projects,
        people);
  }

  ProjectActivity(
      ActorSystem<?> system, String readJournalPluginId, Projects projects, People people) {
    this.system = system;
    this.journal =
        PersistenceQuery.get(system)
            .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, readJournalPluginId);
    this.projects = projects;
    this.people = people;
  }

  /**
   * A page of the activity of a project the caller may read: {@code pageSize} entries (0: {@value
   * #DEFAULT_PAGE_SIZE}) from {@code pageToken} (empty: the newest).
   */
  public CompletionStage<Page> page(
      String userId, String projectId, int pageSize, String pageToken) {
    if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
      return Projects.failed(
          Projects.invalid("pageSize must be between 1 and " + MAX_PAGE_SIZE + " (0: default)"));
    }
    int size = pageSize == 0 ? DEFAULT_PAGE_SIZE : pageSize;
    long before;
    try {
      before = pageToken == null || pageToken.isEmpty() ? -1 : position(projectId, pageToken);
    } catch (Projects.Refusal refusal) {
      return Projects.failed(refusal);
    }
    return projects
        .authorized(userId, projectId, ProjectPolicy.Action.READ_ACTIVITY)
        .thenCompose(
            access -> {
              long end = before < 0 ? access.view().revision() + 1 : before;
              long from = Math.max(1, end - size);
              CompletionStage<List<Entry>> read =
                  end <= 1
                      ? CompletableFuture.completedFuture(List.of())
                      : entries(projectId, from, end - 1);
              return read.thenCompose(
                  entries -> {
                    List<Entry> titled = withTitles(entries, access.view());
                    Set<String> named = new LinkedHashSet<>();
                    for (Entry entry : titled) {
                      named.add(entry.actorUserId());
                      if (entry.subjectUserId() != null) named.add(entry.subjectUserId());
                    }
                    String next = from > 1 ? token(projectId, from) : "";
                    return people.lookUp(named).thenApply(found -> new Page(titled, found, next));
                  });
            });
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
          Projects.invalid("recent must be between 0 and " + MAX_PAGE_SIZE + " entries"));
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
              if (read.from() > read.to()) {
                return CompletableFuture.completedFuture(new Since(List.of(), Map.of(), read.to()));
              }
              return entries(projectId, read.from(), read.to())
                  .thenCompose(
                      newestFirst -> {
                        List<Entry> oldestFirst =
                            new ArrayList<>(withTitles(newestFirst, access.view()));
                        Collections.reverse(oldestFirst);
                        Set<String> named = new LinkedHashSet<>();
                        for (Entry entry : oldestFirst) {
                          named.add(entry.actorUserId());
                          if (entry.subjectUserId() != null) named.add(entry.subjectUserId());
                        }
                        return people
                            .lookUp(named)
                            .thenApply(found -> new Since(oldestFirst, found, read.to()));
                      });
            });
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

  /** The feed entry of one event. */
  static Entry entry(long sequenceNr, ProjectEntity.Event event) {
    return switch (event) {
      case ProjectEntity.ProjectCreated e ->
          new Entry(
              sequenceNr,
              e.at(),
              e.byUserId(),
              Kind.CREATED,
              null,
              null,
              null,
              e.name(),
              null,
              null,
              null,
              null);
      case ProjectEntity.ProjectRenamed e -> simple(sequenceNr, e, Kind.RENAMED).withName(e.name());
      case ProjectEntity.ProjectArchived e -> simple(sequenceNr, e, Kind.ARCHIVED).build();
      case ProjectEntity.ProjectUnarchived e -> simple(sequenceNr, e, Kind.UNARCHIVED).build();
      case ProjectEntity.ProjectDeleted e -> simple(sequenceNr, e, Kind.DELETED).build();
      case ProjectEntity.MemberAdded e ->
          simple(sequenceNr, e, Kind.MEMBER_ADDED).withMember(e.userId(), e.role(), null);
      case ProjectEntity.MemberRoleChanged e ->
          simple(sequenceNr, e, Kind.ROLE_CHANGED).withMember(e.userId(), e.to(), e.from());
      case ProjectEntity.MemberRemoved e ->
          simple(sequenceNr, e, Kind.MEMBER_REMOVED).withMember(e.userId(), null, null);
      case ProjectEntity.OwnershipTransferred e ->
          simple(sequenceNr, e, Kind.OWNERSHIP_TRANSFERRED)
              .withMember(e.toUserId(), ProjectRole.OWNER, null);
      case ProjectEntity.MemberInvited e ->
          new Entry(
              sequenceNr,
              e.at(),
              e.byUserId(),
              Kind.INVITED,
              null,
              e.role(),
              null,
              null,
              e.email(),
              null,
              null,
              e.inviteId());
      case ProjectEntity.InviteRevoked e ->
          simple(sequenceNr, e, Kind.INVITATION_REVOKED).withInvitation(e.inviteId(), null);
      case ProjectEntity.InviteAccepted e ->
          simple(sequenceNr, e, Kind.INVITATION_ACCEPTED).withInvitation(e.inviteId(), e.role());
      case ProjectEntity.CanvasAdded e ->
          simple(sequenceNr, e, Kind.CANVAS_CREATED).withCanvas(e.canvasId(), e.title());
      case ProjectEntity.CanvasRemoved e ->
          simple(sequenceNr, e, Kind.CANVAS_REMOVED).withCanvas(e.canvasId(), null);
      case ProjectEntity.CanvasEdited e ->
          simple(sequenceNr, e, Kind.CANVAS_EDITED).withCanvas(e.canvasId(), null);
    };
  }

  /** The common part of an entry: when, who, what. */
  private record Simple(long sequenceNr, Instant at, String actor, Kind kind) {
    Entry build() {
      return new Entry(sequenceNr, at, actor, kind, null, null, null, null, null, null, null, null);
    }

    Entry withName(String name) {
      return new Entry(sequenceNr, at, actor, kind, null, null, null, name, null, null, null, null);
    }

    Entry withMember(String userId, ProjectRole role, ProjectRole previousRole) {
      return new Entry(
          sequenceNr, at, actor, kind, userId, role, previousRole, null, null, null, null, null);
    }

    Entry withInvitation(String invitationId, ProjectRole role) {
      return new Entry(
          sequenceNr, at, actor, kind, null, role, null, null, null, null, null, invitationId);
    }

    Entry withCanvas(String canvasId, String title) {
      return new Entry(
          sequenceNr, at, actor, kind, null, null, null, null, null, canvasId, title, null);
    }
  }

  private static Simple simple(long sequenceNr, ProjectEntity.Event event, Kind kind) {
    return new Simple(sequenceNr, event.at(), event.byUserId(), kind);
  }

  /**
   * Entries about canvases get the canvas's title: the one it was created with, from this page or
   * from the project's catalog.
   */
  private static List<Entry> withTitles(List<Entry> entries, ProjectEntity.ProjectView project) {
    Map<String, String> titles = new HashMap<>();
    for (ProjectEntity.CanvasEntry canvas : project.canvases()) {
      titles.put(canvas.canvasId(), canvas.title());
    }
    for (Entry entry : entries) {
      if (entry.kind() == Kind.CANVAS_CREATED) {
        titles.putIfAbsent(entry.canvasId(), entry.canvasTitle());
      }
    }
    List<Entry> titled = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      titled.add(
          e.canvasId() == null || e.canvasTitle() != null
              ? e
              : new Entry(
                  e.sequenceNr(),
                  e.at(),
                  e.actorUserId(),
                  e.kind(),
                  e.subjectUserId(),
                  e.role(),
                  e.previousRole(),
                  e.name(),
                  e.email(),
                  e.canvasId(),
                  titles.get(e.canvasId()),
                  e.invitationId()));
    }
    return titled;
  }

  /** The opaque token of the page that ends before sequence number {@code before}. */
  static String token(String projectId, long before) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((projectId + ":" + before).getBytes(StandardCharsets.UTF_8));
  }

  /** The position a page token of this project stands for; refused if it is not one. */
  static long position(String projectId, String token) {
    Projects.Refusal invalid =
        Projects.invalid("pageToken is not a page of this project's activity");
    if (token.length() > 400) throw invalid;
    String decoded;
    try {
      decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid;
    }
    String prefix = projectId + ":";
    if (!decoded.startsWith(prefix)) throw invalid;
    try {
      long before = Long.parseLong(decoded.substring(prefix.length()));
      if (before < 1) throw invalid;
      return before;
    } catch (NumberFormatException e) {
      throw invalid;
    }
  }
}
