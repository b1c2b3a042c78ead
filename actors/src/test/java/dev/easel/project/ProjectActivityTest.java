package dev.easel.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the activity feed shows of a project's events: an entry for each, with less than the audit
 * log. Reading them from the journal, and page tokens: {@link ProjectEventPagesTest}.
 */
class ProjectActivityTest {

  @Test
  void everyEventIsAnEntry() {
    List<ProjectActivity.Entry> entries =
        ProjectEventSamples.everyKindRecorded(7).stream().map(ProjectActivity::entry).toList();
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
            "member_removed",
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
    assertThat(entries)
        .extracting(ProjectActivity.Entry::kind)
        .contains(ProjectActivity.Kind.values());
    assertThat(entries).extracting(ProjectActivity.Entry::sequenceNr).containsOnly(7L);
    assertThat(entries)
        .extracting(ProjectActivity.Entry::actorUserId, ProjectActivity.Entry::subjectUserId)
        .startsWith(tuple("ann", null))
        .contains(tuple("ann", "bob"), tuple("bob", "bob"), tuple("ann", "cy"));
    ProjectActivity.Entry roleChanged = entries.get(6);
    assertThat(roleChanged.role()).isEqualTo(ProjectRole.OWNER);
    assertThat(roleChanged.previousRole()).isEqualTo(ProjectRole.VIEWER);
    assertThat(entries.get(1).name()).isEqualTo("EU");
    ProjectActivity.Entry invited = entries.get(10);
    assertThat(invited.email()).isEqualTo("cy@example.org");
    assertThat(invited.invitationId()).isEqualTo("i1");
    assertThat(invited.role()).isEqualTo(ProjectRole.EDITOR);
    assertThat(invited.toString()).doesNotContain("secret-hash");
    assertThat(entries.get(9).subjectUserId()).isEqualTo("cy");
    assertThat(entries.get(9).role()).isEqualTo(ProjectRole.OWNER);
    assertThat(entries.get(13).canvasTitle()).isEqualTo("Revenue");
    assertThat(entries.get(15).canvasId()).isEqualTo("c1");
    assertThat(entries.get(15).at()).isEqualTo(ProjectEventSamples.NOW);
    assertThat(entries.get(17).dataset())
        .isEqualTo(new ProjectAuditLog.Dataset("d_1", "orders", "sales", null));
  }

  @Test
  void membersSeeNeitherOriginsNorAddressesBeyondTheInvitation() {
    List<ProjectAuditLog.Entry> recorded = ProjectEventSamples.everyKindRecorded(7);
    List<ProjectActivity.Entry> shown = recorded.stream().map(ProjectActivity::entry).toList();
    // The audit log has the address of a revoked invitation; the feed only that of the invitation.
    assertThat(recorded.get(11).email()).isEqualTo("cy@example.org");
    assertThat(shown)
        .filteredOn(e -> e.email() != null)
        .extracting(ProjectActivity.Entry::kind)
        .containsExactly(ProjectActivity.Kind.INVITED);
    // A member who left is shown as removed, by themselves.
    assertThat(recorded.get(8).kind()).isEqualTo(ProjectAuditLog.Kind.MEMBER_LEFT);
    assertThat(shown.get(8).kind()).isEqualTo(ProjectActivity.Kind.MEMBER_REMOVED);
    assertThat(shown.get(8).actorUserId()).isEqualTo("bob");
    // Where a change came from is not part of what members see.
    assertThat(recorded.get(0).clientAddress()).isEqualTo("203.0.113.9");
    assertThat(shown.toString()).doesNotContain("203.0.113.9", "Mozilla", "org-1");
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
}
