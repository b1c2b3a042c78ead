package dev.easel.project;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * A project's events read back from the journal a page at a time, newest first: what its activity
 * feed ({@link ProjectActivity}) and its audit log ({@link ProjectAuditLog}) show, so that there is
 * no second copy of them. Every event takes one sequence number and events are never deleted, so a
 * page of {@code n} entries is the {@code n} sequence numbers before a position: each page costs
 * one bounded journal read, however long the project's history, and a page token (that position,
 * opaque to clients) stays valid while the history grows.
 *
 * <p>A page holds one {@link ProjectAuditLog#entry entry} per event, as it was recorded, {@link
 * ProjectAuditLog#completed completed} from the page and the project; each reader decides who may
 * read it and shows it its own way. Its {@link Format} keeps the tokens of one reader from being
 * taken for those of another.
 */
final class ProjectEventPages {
  /** Entries per page when the caller does not say. */
  static final int DEFAULT_PAGE_SIZE = 50;

  /** The most entries a page may have. */
  static final int MAX_PAGE_SIZE = 200;

  private static final int MAX_TOKEN = 400;

  /**
   * How one reader's pages are asked for: its page tokens are {@code tokenMark}, the project id,
   * {@code ':'} and the position, in base64url, and name a position of at least {@code
   * lowestPosition}; {@code badPageSize} and {@code badPageToken} are its refusals of a page size
   * or token that is not one, and {@code pastTheEnd} that of a token past the project's latest
   * event (null: not refused; such a page holds what there is).
   */
  record Format(
      String tokenMark,
      long lowestPosition,
      String badPageSize,
      String badPageToken,
      String pastTheEnd) {

    /** The opaque token of the page that ends before sequence number {@code before}. */
    String token(String projectId, long before) {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString((tokenMark + projectId + ":" + before).getBytes(StandardCharsets.UTF_8));
    }

    /** The position a page token of this project stands for; refused if it is not one. */
    long position(String projectId, String token) {
      Projects.Refusal invalid = Projects.invalid("pageToken", badPageToken);
      if (token.length() > MAX_TOKEN) throw invalid;
      String decoded;
      try {
        decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw invalid;
      }
      String prefix = tokenMark + projectId + ":";
      if (!decoded.startsWith(prefix)) throw invalid;
      try {
        long before = Long.parseLong(decoded.substring(prefix.length()));
        if (before < lowestPosition) throw invalid;
        return before;
      } catch (NumberFormatException e) {
        throw invalid;
      }
    }
  }

  private final ActorSystem<?> system;
  private final CurrentEventsByPersistenceIdQuery journal;
  private final People people;
  private final Format format;

  /** Pages read through the read journal {@code easel.projects.read-journal}. */
  ProjectEventPages(ActorSystem<?> system, People people, Format format) {
    this(
        system,
        system.settings().config().getString("easel.projects.read-journal"),
        people,
        format);
  }

  ProjectEventPages(
      ActorSystem<?> system, String readJournalPluginId, People people, Format format) {
    this.system = system;
    this.journal =
        PersistenceQuery.get(system)
            .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, readJournalPluginId);
    this.people = people;
    this.format = format;
  }

  /**
   * A page of the project's events, newest first: {@code pageSize} entries (0: {@value
   * #DEFAULT_PAGE_SIZE}) from {@code pageToken} (empty: the newest), of the project that {@code
   * readable} answers with once the request is checked (or with the refusal of the caller), with
   * the people named in it. Refused as invalid, naming the problem, for a bad size, project id or
   * token.
   */
  CompletionStage<ProjectAuditLog.Page> page(
      String projectId,
      int pageSize,
      String pageToken,
      Supplier<CompletionStage<ProjectEntity.ProjectView>> readable) {
    if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
      return Projects.failed(Projects.invalid("pageSize", format.badPageSize()));
    }
    if (projectId == null || !Projects.ID.matcher(projectId).matches()) {
      return Projects.failed(
          Projects.invalid(
              "projectId", "project id must be 1 to 128 letters, digits, '-', '_' or '.'"));
    }
    int size = pageSize == 0 ? DEFAULT_PAGE_SIZE : pageSize;
    long before;
    try {
      before =
          pageToken == null || pageToken.isEmpty() ? -1 : format.position(projectId, pageToken);
    } catch (Projects.Refusal refusal) {
      return Projects.failed(refusal);
    }
    return readable
        .get()
        .thenCompose(
            view -> {
              long end = view.revision() + 1;
              if (format.pastTheEnd() != null && before > end) {
                throw Projects.invalid("pageToken", format.pastTheEnd());
              }
              long upTo = before < 0 ? end : before;
              long from = Math.max(1, upTo - size);
              String next = from > 1 ? format.token(projectId, from) : "";
              return window(projectId, from, upTo - 1, view)
                  .thenApply(read -> new ProjectAuditLog.Page(read.entries(), read.people(), next));
            });
  }

  /**
   * The project's events with sequence numbers {@code from} to {@code to} (none when from &gt; to),
   * newest first, completed from {@code view}, with the people named in them; no next page.
   */
  CompletionStage<ProjectAuditLog.Page> window(
      String projectId, long from, long to, ProjectEntity.ProjectView view) {
    CompletionStage<List<ProjectAuditLog.Entry>> read =
        from > to || to < 1
            ? CompletableFuture.completedFuture(List.of())
            : entries(projectId, from, to);
    return read.thenCompose(
        entries -> {
          List<ProjectAuditLog.Entry> completed = ProjectAuditLog.completed(entries, view);
          Set<String> named = new LinkedHashSet<>();
          for (ProjectAuditLog.Entry entry : completed) {
            named.add(entry.actorUserId());
            if (entry.subjectUserId() != null) named.add(entry.subjectUserId());
          }
          return people
              .lookUp(named)
              .thenApply(found -> new ProjectAuditLog.Page(completed, found, ""));
        });
  }

  /** The project's events with sequence numbers {@code from} to {@code to}, newest first. */
  CompletionStage<List<ProjectAuditLog.Entry>> entries(String projectId, long from, long to) {
    return journal
        .currentEventsByPersistenceId(
            PersistenceId.of(ProjectEntity.KEY.name(), projectId).id(), from, to)
        .filter(envelope -> envelope.event() instanceof ProjectEntity.Event)
        .map(
            envelope ->
                ProjectAuditLog.entry(
                    envelope.sequenceNr(), (ProjectEntity.Event) envelope.event()))
        .runWith(Sink.seq(), system)
        .thenApply(
            entries -> {
              List<ProjectAuditLog.Entry> newestFirst = new ArrayList<>(entries);
              Collections.reverse(newestFirst);
              return newestFirst;
            });
  }
}
