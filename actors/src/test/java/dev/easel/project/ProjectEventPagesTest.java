package dev.easel.project;

import static dev.easel.project.ProjectEventSamples.EXPIRES;
import static dev.easel.project.ProjectEventSamples.LAPTOP;
import static dev.easel.project.ProjectEventSamples.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.easel.EntityTestKits;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.query.javadsl.PersistenceTestKitReadJournal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A project's events read back from the journal a project entity wrote, for the activity feed and
 * the audit log: newest first in any window of sequence numbers, with where each change came from;
 * page sizes and page tokens of each reader, including tokens handed out before.
 */
class ProjectEventPagesTest {
  static final ActorTestKit testKit =
      ActorTestKit.create("project-event-pages-test", EntityTestKits.config(""));

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  static ProjectEventPages pages(ProjectEventPages.Format format) {
    return new ProjectEventPages(
        testKit.system(), PersistenceTestKitReadJournal.Identifier(), null, format);
  }

  @Test
  void readsAProjectsEventsNewestFirstInAnyWindowWithTheirOrigin() throws Exception {
    String projectId = "p-" + System.nanoTime();
    var project =
        EventSourcedBehaviorTestKit
            .<ProjectEntity.Command, ProjectEntity.Event, ProjectEntity.State>create(
                testKit.system(), ProjectEntity.create(projectId));
    List<Function<ActorRef<ProjectEntity.Result>, ProjectEntity.Command>> changes =
        List.of(
            r -> new ProjectEntity.Create("Sales", "ann", null, LAPTOP, r),
            r -> new ProjectEntity.AddMember("bob", ProjectRole.VIEWER, "ann", LAPTOP, r),
            r -> new ProjectEntity.ChangeRole("bob", ProjectRole.EDITOR, "ann", LAPTOP, r),
            r ->
                new ProjectEntity.Invite(
                    "cy@example.org", ProjectRole.VIEWER, "i1", "h1", EXPIRES, "ann", LAPTOP, r),
            r -> new ProjectEntity.RevokeInvite("i1", "ann", LAPTOP, r),
            r -> new ProjectEntity.AddCanvas("c1", "Revenue", "bob", null, r));
    for (var change : changes) {
      assertThat(project.runCommand(change).reply()).isEqualTo(new ProjectEntity.Accepted());
    }
    project.runCommand(new ProjectEntity.RecordCanvasEdit("c1", "bob", NOW));
    Function<ActorRef<ProjectEntity.Result>, ProjectEntity.Command> leave =
        r -> new ProjectEntity.RemoveMember("bob", "bob", LAPTOP, r);
    assertThat(project.runCommand(leave).reply()).isEqualTo(new ProjectEntity.Accepted());

    List<ProjectAuditLog.Entry> all =
        pages(ProjectAuditLog.PAGES).entries(projectId, 1, 8).toCompletableFuture().get();
    assertThat(all)
        .extracting(
            ProjectAuditLog.Entry::sequenceNr,
            e -> e.kind().wireName(),
            ProjectAuditLog.Entry::actorUserId,
            ProjectAuditLog.Entry::subjectUserId,
            ProjectAuditLog.Entry::clientAddress)
        .containsExactly(
            tuple(8L, "member_left", "bob", "bob", "203.0.113.9"),
            tuple(7L, "canvas_edited", "bob", null, null),
            tuple(6L, "canvas_created", "bob", null, null), // a change made without an origin
            tuple(5L, "invitation_revoked", "ann", null, "203.0.113.9"),
            tuple(4L, "invited", "ann", null, "203.0.113.9"),
            tuple(3L, "role_changed", "ann", "bob", "203.0.113.9"),
            tuple(2L, "member_added", "ann", "bob", "203.0.113.9"),
            tuple(1L, "created", "ann", null, "203.0.113.9"));
    assertThat(all.get(0).userAgent()).isEqualTo("Mozilla/5.0 (Easel test)");
    assertThat(all.get(1).at()).isEqualTo(NOW);
    assertThat(all.get(2).canvasTitle()).isEqualTo("Revenue");
    assertThat(all.get(3).email()).isEqualTo("cy@example.org");
    assertThat(all.get(4).expiresAt()).isEqualTo(EXPIRES);
    assertThat(all.get(5).previousRole()).isEqualTo(ProjectRole.VIEWER);
    assertThat(all.get(5).role()).isEqualTo(ProjectRole.EDITOR);
    assertThat(all.get(7).name()).isEqualTo("Sales");

    // Any window of sequence numbers, and nothing for a project that never was.
    assertThat(pages(ProjectActivity.PAGES).entries(projectId, 3, 4).toCompletableFuture().get())
        .extracting(ProjectAuditLog.Entry::sequenceNr)
        .containsExactly(4L, 3L);
    assertThat(pages(ProjectAuditLog.PAGES).entries("p-none", 1, 50).toCompletableFuture().get())
        .isEmpty();
  }

  @Test
  void pageTokensNameAPositionInOneProjectForOneReader() {
    for (ProjectEventPages.Format format : List.of(ProjectActivity.PAGES, ProjectAuditLog.PAGES)) {
      String token = format.token("p_1", 51);
      assertThat(token).doesNotContain("p_1");
      assertThat(format.position("p_1", token)).isEqualTo(51);
      ProjectEventPages.Format other =
          format == ProjectActivity.PAGES ? ProjectAuditLog.PAGES : ProjectActivity.PAGES;
      for (String bad :
          List.of(
              format.token("p_2", 51),
              format.token("p_1", format.lowestPosition() - 1),
              other.token("p_1", 51),
              "%%%",
              "cF8xOng", // "p_1:x"
              "YXVkaXQ6cF8xOng", // "audit:p_1:x"
              "x".repeat(1000))) {
        assertThatThrownBy(() -> format.position("p_1", bad))
            .isInstanceOfSatisfying(
                Projects.Refusal.class,
                refusal -> {
                  assertThat(refusal.kind()).isEqualTo(Projects.Refusal.Kind.INVALID);
                  assertThat(refusal.getMessage()).isEqualTo(format.badPageToken());
                });
      }
    }
  }

  @Test
  void tokensHandedOutBeforeStillNameTheirPage() {
    // base64url of "p_1:51" and "audit:p_1:51": what the feed and the audit log have handed out.
    assertThat(ProjectActivity.PAGES.token("p_1", 51)).isEqualTo("cF8xOjUx");
    assertThat(ProjectActivity.PAGES.position("p_1", "cF8xOjUx")).isEqualTo(51);
    assertThat(ProjectAuditLog.PAGES.token("p_1", 51)).isEqualTo("YXVkaXQ6cF8xOjUx");
    assertThat(ProjectAuditLog.PAGES.position("p_1", "YXVkaXQ6cF8xOjUx")).isEqualTo(51);
  }

  @Test
  void aBadRequestIsRefusedNamingTheProblemBeforeTheProjectIsAsked() {
    for (ProjectEventPages.Format format : List.of(ProjectActivity.PAGES, ProjectAuditLog.PAGES)) {
      ProjectEventPages pages = pages(format);
      assertThat(refusal(pages.page("p_1", -1, "", () -> unasked())))
          .isEqualTo(format.badPageSize());
      assertThat(refusal(pages.page("p_1", 201, "", () -> unasked())))
          .isEqualTo(format.badPageSize());
      assertThat(refusal(pages.page("p 1", 0, "", () -> unasked())))
          .isEqualTo("project id must be 1 to 128 letters, digits, '-', '_' or '.'");
      assertThat(refusal(pages.page("p_1", 0, "garbage", () -> unasked())))
          .isEqualTo(format.badPageToken());
    }
    assertThat(ProjectActivity.PAGES.badPageSize())
        .isEqualTo("pageSize must be between 1 and 200 (0: default)");
    assertThat(ProjectAuditLog.PAGES.badPageSize())
        .isEqualTo("pageSize must be between 1 and 200 (0: 50)");
  }

  @Test
  void theAuditLogRefusesATokenPastTheProjectsLatestEvent() {
    ProjectEntity.ProjectView project = ProjectEventSamples.project(List.of(), List.of(), 5);
    assertThat(
            refusal(
                pages(ProjectAuditLog.PAGES)
                    .page(
                        "p_1",
                        0,
                        ProjectAuditLog.PAGES.token("p_1", 7),
                        () -> CompletableFuture.completedFuture(project))))
        .isEqualTo("pageToken points past the end of this project's log");
  }

  private static CompletionStage<ProjectEntity.ProjectView> unasked() {
    throw new AssertionError("the project was asked for a request that is refused anyway");
  }

  private static String refusal(CompletionStage<?> page) {
    try {
      page.toCompletableFuture().get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      assertThat(cause).isInstanceOf(Projects.Refusal.class);
      assertThat(((Projects.Refusal) cause).kind()).isEqualTo(Projects.Refusal.Kind.INVALID);
      return cause.getMessage();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("the page was not refused");
  }
}
