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
 * The audit log read back from the journal a project entity wrote: one entry per event, newest
 * first, with where each change came from; invitation addresses and canvas titles filled in; page
 * tokens.
 */
class ProjectAuditLogTest {
  static final ActorTestKit testKit =
      ActorTestKit.create("project-audit-log-test", EntityTestKits.config(""));
  static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
  static final Instant EXPIRES = NOW.plusSeconds(3600);
  static final ProjectEntity.Origin LAPTOP =
      new ProjectEntity.Origin("203.0.113.9", "Mozilla/5.0 (Easel test)");

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  static ProjectAuditLog auditLog() {
    return new ProjectAuditLog(
        testKit.system(), PersistenceTestKitReadJournal.Identifier(), null, null);
  }

  @Test
  void readsEveryEventOfAProjectNewestFirstWithItsOrigin() throws Exception {
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
            r -> new ProjectEntity.AddCanvas("c1", "Revenue", "bob", r),
            r -> new ProjectEntity.RemoveMember("bob", "bob", LAPTOP, r));
    for (var change : changes) {
      assertThat(project.runCommand(change).reply()).isEqualTo(new ProjectEntity.Accepted());
    }

    List<ProjectAuditLog.Entry> all =
        auditLog().entries(projectId, 1, 7).toCompletableFuture().get();
    assertThat(all)
        .extracting(
            ProjectAuditLog.Entry::sequenceNr,
            e -> e.kind().wireName(),
            ProjectAuditLog.Entry::actorUserId,
            ProjectAuditLog.Entry::subjectUserId)
        .containsExactly(
            tuple(7L, "member_left", "bob", "bob"),
            tuple(6L, "canvas_created", "bob", null),
            tuple(5L, "invitation_revoked", "ann", null),
            tuple(4L, "invited", "ann", null),
            tuple(3L, "role_changed", "ann", "bob"),
            tuple(2L, "member_added", "ann", "bob"),
            tuple(1L, "created", "ann", null));
    // Where each change came from; none for a change made without one.
    assertThat(all)
        .extracting(ProjectAuditLog.Entry::clientAddress, ProjectAuditLog.Entry::userAgent)
        .containsExactly(
            tuple("203.0.113.9", "Mozilla/5.0 (Easel test)"),
            tuple(null, null),
            tuple("203.0.113.9", "Mozilla/5.0 (Easel test)"),
            tuple("203.0.113.9", "Mozilla/5.0 (Easel test)"),
            tuple("203.0.113.9", "Mozilla/5.0 (Easel test)"),
            tuple("203.0.113.9", "Mozilla/5.0 (Easel test)"),
            tuple("203.0.113.9", "Mozilla/5.0 (Easel test)"));
    assertThat(all.get(2).email()).isEqualTo("cy@example.org");
    assertThat(all.get(3).expiresAt()).isEqualTo(EXPIRES);
    assertThat(all.get(4).previousRole()).isEqualTo(ProjectRole.VIEWER);
    assertThat(all.get(4).role()).isEqualTo(ProjectRole.EDITOR);
    assertThat(all.get(6).name()).isEqualTo("Sales");

    // Any window of sequence numbers, and nothing for a project that never was.
    assertThat(auditLog().entries(projectId, 3, 4).toCompletableFuture().get())
        .extracting(ProjectAuditLog.Entry::sequenceNr)
        .containsExactly(4L, 3L);
    assertThat(auditLog().entries("p-none", 1, 50).toCompletableFuture().get()).isEmpty();
  }

  @Test
  void everyEventIsAnEntryOfItsOwn() {
    var events =
        List.<ProjectEntity.Event>of(
            new ProjectEntity.ProjectCreated("Sales", "org-1", "ann", NOW, LAPTOP),
            new ProjectEntity.ProjectRenamed("EU", "ann", NOW, LAPTOP),
            new ProjectEntity.ProjectArchived("ann", NOW, LAPTOP),
            new ProjectEntity.ProjectUnarchived("ann", NOW, LAPTOP),
            new ProjectEntity.ProjectDeleted("ann", NOW, LAPTOP),
            new ProjectEntity.MemberAdded("bob", ProjectRole.VIEWER, "ann", NOW, LAPTOP),
            new ProjectEntity.MemberRoleChanged(
                "bob", ProjectRole.VIEWER, ProjectRole.OWNER, "ann", NOW, LAPTOP),
            new ProjectEntity.MemberRemoved("bob", "ann", NOW, LAPTOP),
            new ProjectEntity.MemberRemoved("bob", "bob", NOW, LAPTOP),
            new ProjectEntity.OwnershipTransferred("cy", "ann", NOW, LAPTOP),
            new ProjectEntity.MemberInvited(
                "i1",
                "cy@example.org",
                ProjectRole.EDITOR,
                "secret-hash",
                EXPIRES,
                "ann",
                NOW,
                LAPTOP),
            new ProjectEntity.InviteRevoked("i1", "cy@example.org", "ann", NOW, LAPTOP),
            new ProjectEntity.InviteAccepted("i1", ProjectRole.EDITOR, "cy", NOW, LAPTOP),
            new ProjectEntity.CanvasAdded("c1", "Revenue", "ann", NOW, LAPTOP),
            new ProjectEntity.CanvasRemoved("c1", "ann", NOW, LAPTOP),
            new ProjectEntity.CanvasEdited("c1", "cy", NOW));
    List<ProjectAuditLog.Entry> entries =
        events.stream().map(e -> ProjectAuditLog.entry(9, e)).toList();
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
            "member_left",
            "ownership_transferred",
            "invited",
            "invitation_revoked",
            "invitation_accepted",
            "canvas_created",
            "canvas_removed",
            "canvas_edited");
    // Every kind of event has a kind of entry, each its own.
    assertThat(entries).extracting(ProjectAuditLog.Entry::kind).doesNotHaveDuplicates();
    assertThat(ProjectAuditLog.Kind.values()).hasSize(entries.size());
    assertThat(entries).extracting(ProjectAuditLog.Entry::sequenceNr).containsOnly(9L);
    assertThat(entries.subList(0, 15))
        .extracting(ProjectAuditLog.Entry::clientAddress)
        .containsOnly("203.0.113.9");
    assertThat(entries.get(15).clientAddress()).isNull();
    assertThat(entries.get(0).orgId()).isEqualTo("org-1");
    assertThat(entries.get(9).subjectUserId()).isEqualTo("cy");
    assertThat(entries.get(9).role()).isEqualTo(ProjectRole.OWNER);
    ProjectAuditLog.Entry invited = entries.get(10);
    assertThat(invited.email()).isEqualTo("cy@example.org");
    assertThat(invited.role()).isEqualTo(ProjectRole.EDITOR);
    assertThat(invited.expiresAt()).isEqualTo(EXPIRES);
    assertThat(invited.toString()).doesNotContain("secret-hash");
    assertThat(entries.get(13).canvasTitle()).isEqualTo("Revenue");
  }

  @Test
  void invitationsAndCanvasesAreNamedFromThePageOrTheProject() {
    ProjectEntity.ProjectView project =
        new ProjectEntity.ProjectView(
            "p-1",
            ProjectEntity.Status.ACTIVE,
            "Sales",
            null,
            false,
            NOW,
            List.of(new ProjectEntity.Member("ann", ProjectRole.OWNER, NOW)),
            List.of(new ProjectEntity.CanvasEntry("c2", "Costs", "ann", NOW)),
            List.of(
                new ProjectEntity.InvitationView(
                    "i2", "dee@example.org", ProjectRole.VIEWER, EXPIRES, "ann", NOW, "dee", NOW)),
            12);
    List<ProjectAuditLog.Entry> page =
        List.of(
                new ProjectEntity.InviteAccepted("i2", ProjectRole.VIEWER, "dee", NOW, null),
                new ProjectEntity.CanvasEdited("c2", "ann", NOW),
                new ProjectEntity.CanvasRemoved("c1", "ann", NOW, null),
                new ProjectEntity.InviteRevoked("i1", null, "ann", NOW, null),
                new ProjectEntity.InviteRevoked("i3", null, "ann", NOW, null),
                new ProjectEntity.CanvasAdded("c1", "Revenue", "ann", NOW, null),
                new ProjectEntity.MemberInvited(
                    "i1", "cy@example.org", ProjectRole.EDITOR, "h", EXPIRES, "ann", NOW, null))
            .stream()
            .map(e -> ProjectAuditLog.entry(1, e))
            .toList();
    List<ProjectAuditLog.Entry> completed = ProjectAuditLog.completed(page, project);
    assertThat(completed)
        .extracting(ProjectAuditLog.Entry::email, ProjectAuditLog.Entry::canvasTitle)
        .containsExactly(
            tuple("dee@example.org", null), // accepted: the project keeps the invitation
            tuple(null, "Costs"), // in the catalog
            tuple(null, "Revenue"), // removed, created on this page
            tuple("cy@example.org", null), // revoked, invited on this page
            tuple(null, null), // revoked before addresses were kept, invited on another page
            tuple(null, "Revenue"),
            tuple("cy@example.org", null));
  }

  @Test
  void pageTokensNameAPositionInOneProjectsLog() {
    String token = ProjectAuditLog.token("p_1", 51);
    assertThat(token).doesNotContain("p_1");
    assertThat(ProjectAuditLog.position("p_1", token)).isEqualTo(51);
    for (String bad :
        List.of(
            ProjectAuditLog.token("p_2", 51),
            ProjectAuditLog.token("p_1", 1),
            ProjectActivity.token("p_1", 51),
            "%%%",
            "YXVkaXQ6cF8xOng",
            "x".repeat(1000))) {
      assertThatThrownBy(() -> ProjectAuditLog.position("p_1", bad))
          .isInstanceOfSatisfying(
              Projects.Refusal.class,
              refusal -> {
                assertThat(refusal.kind()).isEqualTo(Projects.Refusal.Kind.INVALID);
                assertThat(refusal.getMessage()).contains("pageToken");
              });
    }
  }
}
