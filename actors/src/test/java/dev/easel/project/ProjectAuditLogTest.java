package dev.easel.project;

import static dev.easel.project.ProjectEventSamples.EXPIRES;
import static dev.easel.project.ProjectEventSamples.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the audit log shows of a project's events: one entry per event with where each change came
 * from; invitation addresses and canvas titles filled in. Reading them from the journal, and page
 * tokens: {@link ProjectEventPagesTest}.
 */
class ProjectAuditLogTest {

  @Test
  void everyEventIsAnEntryOfItsOwn() {
    List<ProjectAuditLog.Entry> entries = ProjectEventSamples.everyKindRecorded(9);
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
            "canvas_edited",
            "dataset_uploaded",
            "dataset_renamed",
            "dataset_deleted");
    // Every kind of event has a kind of entry, each its own.
    assertThat(entries).extracting(ProjectAuditLog.Entry::kind).doesNotHaveDuplicates();
    assertThat(ProjectAuditLog.Kind.values()).hasSize(entries.size());
    assertThat(entries).extracting(ProjectAuditLog.Entry::sequenceNr).containsOnly(9L);
    assertThat(entries.subList(0, 15))
        .extracting(ProjectAuditLog.Entry::clientAddress)
        .containsOnly("203.0.113.9");
    assertThat(entries.get(15).clientAddress()).isNull();
    assertThat(entries.subList(16, 19))
        .extracting(ProjectAuditLog.Entry::clientAddress)
        .containsOnly("203.0.113.9");
    assertThat(entries.subList(0, 16))
        .extracting(ProjectAuditLog.Entry::dataset)
        .containsOnlyNulls();
    assertThat(entries.subList(16, 19))
        .extracting(ProjectAuditLog.Entry::dataset)
        .containsExactly(
            new ProjectAuditLog.Dataset("d_1", "sales", null, 2L),
            new ProjectAuditLog.Dataset("d_1", "orders", "sales", null),
            new ProjectAuditLog.Dataset("d_1", "orders", null, null));
    assertThat(entries.get(0).orgId()).isEqualTo("org-1");
    assertThat(entries.get(9).subjectUserId()).isEqualTo("cy");
    assertThat(entries.get(9).role()).isEqualTo(ProjectRole.OWNER);
    ProjectAuditLog.Entry invited = entries.get(10);
    assertThat(invited.email()).isEqualTo("cy@example.org");
    assertThat(invited.role()).isEqualTo(ProjectRole.EDITOR);
    assertThat(invited.expiresAt()).isEqualTo(EXPIRES);
    assertThat(invited.toString()).doesNotContain("secret-hash");
    assertThat(entries.get(11).email()).isEqualTo("cy@example.org");
    assertThat(entries.get(13).canvasTitle()).isEqualTo("Revenue");
  }

  @Test
  void invitationsAndCanvasesAreNamedFromThePageOrTheProject() {
    ProjectEntity.ProjectView project =
        ProjectEventSamples.project(
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
}
