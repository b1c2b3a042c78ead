package dev.easel.project;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Who may do what in a project, as a table: every role (and none) against every action. */
class ProjectPolicyTest {

  @ParameterizedTest(name = "{0} {1}: {2}")
  @CsvSource(
      nullValues = "NONE",
      value = {
        "OWNER,      READ,          true",
        "OWNER,      ADD_MEMBER,    true",
        "OWNER,      CREATE_CANVAS, true",
        "EDITOR,     READ,          true",
        "EDITOR,     ADD_MEMBER,    false",
        "EDITOR,     CREATE_CANVAS, true",
        "COMMENTER,  READ,          true",
        "COMMENTER,  ADD_MEMBER,    false",
        "COMMENTER,  CREATE_CANVAS, false",
        "VIEWER,     READ,          true",
        "VIEWER,     ADD_MEMBER,    false",
        "VIEWER,     CREATE_CANVAS, false",
        "NONE,       READ,          false",
        "NONE,       ADD_MEMBER,    false",
        "NONE,       CREATE_CANVAS, false",
        "OWNER,      CANVAS_READ,    true",
        "OWNER,      CANVAS_COMMENT, true",
        "OWNER,      CANVAS_EDIT,    true",
        "OWNER,      CANVAS_DELETE,  true",
        "EDITOR,     CANVAS_READ,    true",
        "EDITOR,     CANVAS_COMMENT, true",
        "EDITOR,     CANVAS_EDIT,    true",
        "EDITOR,     CANVAS_DELETE,  false",
        "COMMENTER,  CANVAS_READ,    true",
        "COMMENTER,  CANVAS_COMMENT, true",
        "COMMENTER,  CANVAS_EDIT,    false",
        "COMMENTER,  CANVAS_DELETE,  false",
        "VIEWER,     CANVAS_READ,    true",
        "VIEWER,     CANVAS_COMMENT, false",
        "VIEWER,     CANVAS_EDIT,    false",
        "VIEWER,     CANVAS_DELETE,  false",
        "NONE,       CANVAS_READ,    false",
        "NONE,       CANVAS_COMMENT, false",
        "NONE,       CANVAS_EDIT,    false",
        "NONE,       CANVAS_DELETE,  false",
        "OWNER,      READ_ACTIVITY,      true",
        "EDITOR,     READ_ACTIVITY,      true",
        "COMMENTER,  READ_ACTIVITY,      true",
        "VIEWER,     READ_ACTIVITY,      true",
        "NONE,       READ_ACTIVITY,      false",
        "OWNER,      READ_AUDIT_LOG,     true",
        "EDITOR,     READ_AUDIT_LOG,     false",
        "COMMENTER,  READ_AUDIT_LOG,     false",
        "VIEWER,     READ_AUDIT_LOG,     false",
        "NONE,       READ_AUDIT_LOG,     false",
        "OWNER,      RENAME,             true",
        "EDITOR,     RENAME,             false",
        "COMMENTER,  RENAME,             false",
        "VIEWER,     RENAME,             false",
        "NONE,       RENAME,             false",
        "OWNER,      ARCHIVE,            true",
        "EDITOR,     ARCHIVE,            false",
        "COMMENTER,  ARCHIVE,            false",
        "VIEWER,     ARCHIVE,            false",
        "NONE,       ARCHIVE,            false",
        "OWNER,      DELETE,             true",
        "EDITOR,     DELETE,             false",
        "COMMENTER,  DELETE,             false",
        "VIEWER,     DELETE,             false",
        "NONE,       DELETE,             false",
        "OWNER,      ADD_MEMBER,         true",
        "EDITOR,     ADD_MEMBER,         false",
        "COMMENTER,  ADD_MEMBER,         false",
        "VIEWER,     ADD_MEMBER,         false",
        "NONE,       ADD_MEMBER,         false",
        "OWNER,      CHANGE_ROLE,        true",
        "EDITOR,     CHANGE_ROLE,        false",
        "COMMENTER,  CHANGE_ROLE,        false",
        "VIEWER,     CHANGE_ROLE,        false",
        "NONE,       CHANGE_ROLE,        false",
        "OWNER,      REMOVE_MEMBER,      true",
        "EDITOR,     REMOVE_MEMBER,      false",
        "COMMENTER,  REMOVE_MEMBER,      false",
        "VIEWER,     REMOVE_MEMBER,      false",
        "NONE,       REMOVE_MEMBER,      false",
        "OWNER,      LEAVE,              true",
        "EDITOR,     LEAVE,              true",
        "COMMENTER,  LEAVE,              true",
        "VIEWER,     LEAVE,              true",
        "NONE,       LEAVE,              false",
        "OWNER,      TRANSFER_OWNERSHIP, true",
        "EDITOR,     TRANSFER_OWNERSHIP, false",
        "COMMENTER,  TRANSFER_OWNERSHIP, false",
        "VIEWER,     TRANSFER_OWNERSHIP, false",
        "NONE,       TRANSFER_OWNERSHIP, false",
        "OWNER,      INVITE,             true",
        "EDITOR,     INVITE,             false",
        "COMMENTER,  INVITE,             false",
        "VIEWER,     INVITE,             false",
        "NONE,       INVITE,             false",
        "OWNER,      QUERY,              true",
        "EDITOR,     QUERY,              true",
        "COMMENTER,  QUERY,              true",
        "VIEWER,     QUERY,              true",
        "NONE,       QUERY,              false",
        "OWNER,      DATASET_READ,       true",
        "EDITOR,     DATASET_READ,       true",
        "COMMENTER,  DATASET_READ,       true",
        "VIEWER,     DATASET_READ,       true",
        "NONE,       DATASET_READ,       false",
        "OWNER,      DATASET_WRITE,      true",
        "EDITOR,     DATASET_WRITE,      true",
        "COMMENTER,  DATASET_WRITE,      false",
        "VIEWER,     DATASET_WRITE,      false",
        "NONE,       DATASET_WRITE,      false",
        "OWNER,      DATASET_DELETE,     true",
        "EDITOR,     DATASET_DELETE,     true",
        "COMMENTER,  DATASET_DELETE,     false",
        "VIEWER,     DATASET_DELETE,     false",
        "NONE,       DATASET_DELETE,     false",
      })
  void decides(ProjectRole role, ProjectPolicy.Action action, boolean allowed) {
    assertThat(ProjectPolicy.allows(role, action)).isEqualTo(allowed);
  }

  @Test
  void adminsOfTheOrganizationManageMembersAndInvitationsWithoutARole() {
    var admin = new ProjectPolicy.Standing(null, true, false);
    assertThat(ProjectPolicy.decide(admin, ProjectPolicy.Action.READ))
        .isEqualTo(ProjectPolicy.Decision.ALLOWED);
    // and read the audit log of how members and invitations were managed
    for (var action :
        List.of(
            ProjectPolicy.Action.READ_AUDIT_LOG,
            ProjectPolicy.Action.ADD_MEMBER,
            ProjectPolicy.Action.CHANGE_ROLE,
            ProjectPolicy.Action.REMOVE_MEMBER,
            ProjectPolicy.Action.INVITE)) {
      assertThat(ProjectPolicy.decide(admin, action)).isEqualTo(ProjectPolicy.Decision.ALLOWED);
      assertThat(ProjectPolicy.orgAdminsMay(action)).isTrue();
    }
    // but they neither run the project's life nor touch its canvases
    for (var action :
        List.of(
            ProjectPolicy.Action.RENAME,
            ProjectPolicy.Action.ARCHIVE,
            ProjectPolicy.Action.DELETE,
            ProjectPolicy.Action.TRANSFER_OWNERSHIP,
            ProjectPolicy.Action.READ_ACTIVITY,
            ProjectPolicy.Action.CREATE_CANVAS,
            ProjectPolicy.Action.CANVAS_READ,
            ProjectPolicy.Action.CANVAS_EDIT,
            ProjectPolicy.Action.QUERY)) {
      assertThat(ProjectPolicy.decide(admin, action)).isEqualTo(ProjectPolicy.Decision.DENIED);
    }
    // a viewer who administers the organization changes roles as an admin, edits as a viewer
    var viewerAdmin = new ProjectPolicy.Standing(ProjectRole.VIEWER, true, false);
    assertThat(ProjectPolicy.decide(viewerAdmin, ProjectPolicy.Action.CHANGE_ROLE))
        .isEqualTo(ProjectPolicy.Decision.ALLOWED);
    assertThat(ProjectPolicy.decide(viewerAdmin, ProjectPolicy.Action.CANVAS_EDIT))
        .isEqualTo(ProjectPolicy.Decision.DENIED);
    assertThat(ProjectPolicy.decide(ProjectPolicy.Standing.OUTSIDER, ProjectPolicy.Action.READ))
        .isEqualTo(ProjectPolicy.Decision.HIDDEN);
  }

  @Test
  void anArchivedProjectIsReadOnly() {
    var owner = new ProjectPolicy.Standing(ProjectRole.OWNER, false, true);
    for (var action :
        List.of(
            ProjectPolicy.Action.RENAME,
            ProjectPolicy.Action.CREATE_CANVAS,
            ProjectPolicy.Action.CANVAS_COMMENT,
            ProjectPolicy.Action.CANVAS_EDIT,
            ProjectPolicy.Action.CANVAS_DELETE,
            ProjectPolicy.Action.DATASET_WRITE,
            ProjectPolicy.Action.DATASET_DELETE)) {
      assertThat(ProjectPolicy.decide(owner, action)).isEqualTo(ProjectPolicy.Decision.ARCHIVED);
    }
    // it can be read, unarchived, deleted, and its members managed
    for (var action :
        List.of(
            ProjectPolicy.Action.READ,
            ProjectPolicy.Action.READ_ACTIVITY,
            ProjectPolicy.Action.READ_AUDIT_LOG,
            ProjectPolicy.Action.CANVAS_READ,
            ProjectPolicy.Action.QUERY,
            ProjectPolicy.Action.DATASET_READ,
            ProjectPolicy.Action.ARCHIVE,
            ProjectPolicy.Action.DELETE,
            ProjectPolicy.Action.CHANGE_ROLE,
            ProjectPolicy.Action.TRANSFER_OWNERSHIP)) {
      assertThat(ProjectPolicy.decide(owner, action)).isEqualTo(ProjectPolicy.Decision.ALLOWED);
    }
    // a role too low is told so first
    var viewer = new ProjectPolicy.Standing(ProjectRole.VIEWER, false, true);
    assertThat(ProjectPolicy.decide(viewer, ProjectPolicy.Action.CANVAS_EDIT))
        .isEqualTo(ProjectPolicy.Decision.DENIED);
  }

  @Test
  void aDeletedProjectsAuditLogStaysReadableByItsOwnersOnly() {
    assertThat(
            ProjectPolicy.allowsAfterDeletion(
                ProjectRole.OWNER, ProjectPolicy.Action.READ_AUDIT_LOG))
        .isTrue();
    for (ProjectRole role :
        List.of(ProjectRole.EDITOR, ProjectRole.COMMENTER, ProjectRole.VIEWER)) {
      assertThat(ProjectPolicy.allowsAfterDeletion(role, ProjectPolicy.Action.READ_AUDIT_LOG))
          .isFalse();
    }
    assertThat(ProjectPolicy.allowsAfterDeletion(null, ProjectPolicy.Action.READ_AUDIT_LOG))
        .isFalse();
    for (ProjectPolicy.Action action : ProjectPolicy.Action.values()) {
      if (action != ProjectPolicy.Action.READ_AUDIT_LOG) {
        assertThat(ProjectPolicy.allowsAfterDeletion(ProjectRole.OWNER, action))
            .as(action.name())
            .isFalse();
      }
    }
  }

  @Test
  void organizationsAreSeenByMembersAndManagedByAdmins() {
    for (var action : ProjectPolicy.OrganizationAction.values()) {
      assertThat(ProjectPolicy.allowsInOrganization(false, false, action)).isFalse();
      assertThat(ProjectPolicy.allowsInOrganization(true, true, action)).isTrue();
    }
    assertThat(
            ProjectPolicy.allowsInOrganization(true, false, ProjectPolicy.OrganizationAction.READ))
        .isTrue();
    assertThat(
            ProjectPolicy.allowsInOrganization(
                true, false, ProjectPolicy.OrganizationAction.CREATE_PROJECT))
        .isTrue();
    assertThat(
            ProjectPolicy.allowsInOrganization(
                true, false, ProjectPolicy.OrganizationAction.MANAGE_MEMBERS))
        .isFalse();
  }

  @Test
  void theTableCoversEveryRoleAndAction() throws Exception {
    // A new role or action must be added to the table above: this counts its rows.
    var source =
        ProjectPolicyTest.class
            .getDeclaredMethod(
                "decides", ProjectRole.class, ProjectPolicy.Action.class, boolean.class)
            .getAnnotation(CsvSource.class);
    List<String> rows = new ArrayList<>();
    for (String row : source.value()) rows.add(row.replaceAll("\\s", ""));
    for (ProjectRole role : ProjectRole.values()) {
      for (ProjectPolicy.Action action : ProjectPolicy.Action.values()) {
        assertThat(rows).anyMatch(row -> row.startsWith(role + "," + action + ","));
      }
    }
    for (ProjectPolicy.Action action : ProjectPolicy.Action.values()) {
      assertThat(rows).anyMatch(row -> row.startsWith("NONE," + action + ","));
    }
  }

  @Test
  void aRefusalSaysWhichRolesMayAndWhatTheCallerIs() {
    assertThat(
            Projects.denied(
                    new ProjectPolicy.Standing(ProjectRole.VIEWER, false, false),
                    ProjectPolicy.Action.DATASET_WRITE)
                .getMessage())
        .isEqualTo(
            "Only editors and owners may upload or rename datasets; you are a viewer of this"
                + " project");
    assertThat(
            Projects.denied(
                    new ProjectPolicy.Standing(ProjectRole.EDITOR, false, false),
                    ProjectPolicy.Action.ADD_MEMBER)
                .getMessage())
        .isEqualTo("Only owners may add members; you are an editor of this project");
    assertThat(
            Projects.denied(
                    new ProjectPolicy.Standing(ProjectRole.VIEWER, false, false),
                    ProjectPolicy.Action.CANVAS_COMMENT)
                .getMessage())
        .isEqualTo(
            "Only commenters, editors and owners may comment on its canvases; you are a viewer of"
                + " this project");
    assertThat(
            Projects.denied(
                    new ProjectPolicy.Standing(null, true, false), ProjectPolicy.Action.QUERY)
                .getMessage())
        .startsWith("Only viewers, commenters, editors and owners may query its data")
        .endsWith("you are an organization admin but not a member of this project");
  }
}
