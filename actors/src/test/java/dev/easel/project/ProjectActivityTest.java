package dev.easel.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.easel.EntityTestKits;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.query.javadsl.PersistenceTestKitReadJournal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The activity feed read back from the journal a project entity wrote: entries newest first, any
 * window of sequence numbers, every event kind, and page tokens.
 */
class ProjectActivityTest {
  static final ActorTestKit testKit =
      ActorTestKit.create("project-activity-test", EntityTestKits.config(""));
  static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  static ProjectActivity activity() {
    return new ProjectActivity(
        testKit.system(), PersistenceTestKitReadJournal.Identifier(), null, null);
  }

  @Test
  void readsAProjectsEventsNewestFirstInAnyWindow() throws Exception {
    String projectId = "p-" + System.nanoTime();
    var project =
        EventSourcedBehaviorTestKit
            .<ProjectEntity.Command, ProjectEntity.Event, ProjectEntity.State>create(
                testKit.system(), ProjectEntity.create(projectId));
    List<Function<ActorRef<ProjectEntity.Result>, ProjectEntity.Command>> changes =
        List.of(
            r -> new ProjectEntity.Create("Sales", "ann", null, r),
            r -> new ProjectEntity.AddMember("bob", ProjectRole.VIEWER, "ann", r),
            r -> new ProjectEntity.ChangeRole("bob", ProjectRole.EDITOR, "ann", r),
            r -> new ProjectEntity.AddCanvas("c1", "Revenue", "bob", r),
            r -> new ProjectEntity.Rename("Sales EU", "ann", r));
    for (var change : changes) {
      assertThat(project.runCommand(change).reply()).isEqualTo(new ProjectEntity.Accepted());
    }
    project.runCommand(new ProjectEntity.RecordCanvasEdit("c1", "bob", NOW));

    List<ProjectActivity.Entry> all =
        activity().entries(projectId, 1, 6).toCompletableFuture().get();
    assertThat(all)
        .extracting(
            ProjectActivity.Entry::sequenceNr,
            ProjectActivity.Entry::kind,
            ProjectActivity.Entry::actorUserId)
        .containsExactly(
            tuple(6L, ProjectActivity.Kind.CANVAS_EDITED, "bob"),
            tuple(5L, ProjectActivity.Kind.RENAMED, "ann"),
            tuple(4L, ProjectActivity.Kind.CANVAS_CREATED, "bob"),
            tuple(3L, ProjectActivity.Kind.ROLE_CHANGED, "ann"),
            tuple(2L, ProjectActivity.Kind.MEMBER_ADDED, "ann"),
            tuple(1L, ProjectActivity.Kind.CREATED, "ann"));
    ProjectActivity.Entry roleChanged = all.get(3);
    assertThat(roleChanged.subjectUserId()).isEqualTo("bob");
    assertThat(roleChanged.role()).isEqualTo(ProjectRole.EDITOR);
    assertThat(roleChanged.previousRole()).isEqualTo(ProjectRole.VIEWER);
    assertThat(all.get(1).name()).isEqualTo("Sales EU");
    assertThat(all.get(2).canvasTitle()).isEqualTo("Revenue");
    assertThat(all.get(0).at()).isEqualTo(NOW);

    assertThat(activity().entries(projectId, 2, 3).toCompletableFuture().get())
        .extracting(ProjectActivity.Entry::sequenceNr)
        .containsExactly(3L, 2L);
    assertThat(activity().entries("p-none", 1, 50).toCompletableFuture().get()).isEmpty();
  }

  @Test
  void everyEventIsAnEntry() {
    var events =
        List.<ProjectEntity.Event>of(
            new ProjectEntity.ProjectCreated("Sales", null, "ann", NOW, null),
            new ProjectEntity.ProjectRenamed("EU", "ann", NOW, null),
            new ProjectEntity.ProjectArchived("ann", NOW, null),
            new ProjectEntity.ProjectUnarchived("ann", NOW, null),
            new ProjectEntity.ProjectDeleted("ann", NOW, null),
            new ProjectEntity.MemberAdded("bob", ProjectRole.VIEWER, "ann", NOW, null),
            new ProjectEntity.MemberRoleChanged(
                "bob", ProjectRole.VIEWER, ProjectRole.OWNER, "ann", NOW, null),
            new ProjectEntity.MemberRemoved("bob", "bob", NOW, null),
            new ProjectEntity.MemberInvited(
                "i1", "cy@example.org", ProjectRole.EDITOR, "secret-hash", NOW, "ann", NOW, null),
            new ProjectEntity.InviteRevoked("i1", "cy@example.org", "ann", NOW, null),
            new ProjectEntity.InviteAccepted("i1", ProjectRole.EDITOR, "cy", NOW, null),
            new ProjectEntity.OwnershipTransferred("cy", "ann", NOW, null),
            new ProjectEntity.CanvasAdded("c1", "Revenue", "ann", NOW, null),
            new ProjectEntity.CanvasRemoved("c1", "ann", NOW, null),
            new ProjectEntity.CanvasEdited("c1", "cy", NOW));
    List<ProjectActivity.Entry> entries =
        events.stream().map(e -> ProjectActivity.entry(7, e)).toList();
    assertThat(entries)
        .extracting(e -> e.kind().wireName())
        .containsExactly(
            "created",
            "renamed",
            "archived",
            "unarchived",
            "deleted",
            "member_added",
            "role_changed",
            "member_removed",
            "invited",
            "invitation_revoked",
            "invitation_accepted",
            "ownership_transferred",
            "canvas_created",
            "canvas_removed",
            "canvas_edited");
    assertThat(entries).extracting(ProjectActivity.Entry::sequenceNr).containsOnly(7L);
    ProjectActivity.Entry invited = entries.get(8);
    assertThat(invited.email()).isEqualTo("cy@example.org");
    assertThat(invited.invitationId()).isEqualTo("i1");
    assertThat(invited.toString()).doesNotContain("secret-hash");
    assertThat(entries.get(11).subjectUserId()).isEqualTo("cy");
    assertThat(entries.get(11).role()).isEqualTo(ProjectRole.OWNER);
    assertThat(entries.get(14).canvasId()).isEqualTo("c1");
  }

  @Test
  void aWatchStartsWithTheLatestEntriesAndGoesOnInBoundedStretches() {
    assertThat(ProjectActivity.Window.latest(9, 0)).isEqualTo(new ProjectActivity.Window(10, 9));
    assertThat(ProjectActivity.Window.latest(9, 3)).isEqualTo(new ProjectActivity.Window(7, 9));
    assertThat(ProjectActivity.Window.latest(2, 50)).isEqualTo(new ProjectActivity.Window(1, 2));
    // nothing new: an empty stretch that stays where it was
    assertThat(ProjectActivity.Window.after(9, 9)).isEqualTo(new ProjectActivity.Window(10, 9));
    assertThat(ProjectActivity.Window.after(9, 12)).isEqualTo(new ProjectActivity.Window(10, 12));
    // a burst is read 200 at a time, the oldest first
    assertThat(ProjectActivity.Window.after(9, 1000))
        .isEqualTo(new ProjectActivity.Window(10, 9 + ProjectActivity.MAX_PAGE_SIZE));
  }

  @Test
  void pageTokensNameAPositionInOneProject() {
    String token = ProjectActivity.token("p_1", 51);
    assertThat(token).doesNotContain("p_1");
    assertThat(ProjectActivity.position("p_1", token)).isEqualTo(51);
    for (String bad :
        List.of(
            ProjectActivity.token("p_2", 51),
            ProjectActivity.token("p_1", 0),
            "%%%",
            "cF8xOng",
            "x".repeat(1000))) {
      assertThatThrownBy(() -> ProjectActivity.position("p_1", bad))
          .isInstanceOfSatisfying(
              Projects.Refusal.class,
              refusal -> {
                assertThat(refusal.kind()).isEqualTo(Projects.Refusal.Kind.INVALID);
                assertThat(refusal.getMessage()).contains("pageToken");
              });
    }
  }
}
