package dev.easel.project;

import java.time.Instant;
import java.util.List;

/**
 * Events of every kind a project records, as the tests of its activity feed and audit log read
 * them.
 */
final class ProjectEventSamples {
  static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
  static final Instant EXPIRES = NOW.plusSeconds(3600);
  static final ProjectEntity.Origin LAPTOP =
      new ProjectEntity.Origin("203.0.113.9", "Mozilla/5.0 (Easel test)");

  private ProjectEventSamples() {}

  /**
   * One event of each type, in the order of {@link ProjectAuditLog.Kind}, with both a member
   * removed by another (index 7) and one who left (8); all asked from {@link #LAPTOP} but the
   * canvas edit (15), which the canvas tells; the dataset changes come last (16 to 18).
   */
  static List<ProjectEntity.Event> everyKind() {
    return List.of(
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
            "i1", "cy@example.org", ProjectRole.EDITOR, "secret-hash", EXPIRES, "ann", NOW, LAPTOP),
        new ProjectEntity.InviteRevoked("i1", "cy@example.org", "ann", NOW, LAPTOP),
        new ProjectEntity.InviteAccepted("i1", ProjectRole.EDITOR, "cy", NOW, LAPTOP),
        new ProjectEntity.CanvasAdded("c1", "Revenue", "ann", NOW, LAPTOP),
        new ProjectEntity.CanvasRemoved("c1", "ann", NOW, LAPTOP),
        new ProjectEntity.CanvasEdited("c1", "cy", NOW),
        new ProjectEntity.DatasetUploaded("d_1", "sales", 2, "ann", NOW, LAPTOP),
        new ProjectEntity.DatasetRenamed("d_1", "orders", "sales", "ann", NOW, LAPTOP),
        new ProjectEntity.DatasetDeleted("d_1", "orders", "ann", NOW, LAPTOP));
  }

  /** Project "p_1", owned by ann, at {@code revision}, with these canvases and invitations. */
  static ProjectEntity.ProjectView project(
      List<ProjectEntity.CanvasEntry> canvases,
      List<ProjectEntity.InvitationView> invitations,
      long revision) {
    return new ProjectEntity.ProjectView(
        "p_1",
        ProjectEntity.Status.ACTIVE,
        "Sales",
        null,
        false,
        NOW,
        List.of(new ProjectEntity.Member("ann", ProjectRole.OWNER, NOW)),
        canvases,
        invitations,
        revision,
        "etag-" + revision);
  }

  /** The audit log's entries of {@link #everyKind}, each at sequence number {@code sequenceNr}. */
  static List<ProjectAuditLog.Entry> everyKindRecorded(long sequenceNr) {
    return everyKind().stream().map(e -> ProjectAuditLog.entry(sequenceNr, e)).toList();
  }
}
