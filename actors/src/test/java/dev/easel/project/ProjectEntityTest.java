package dev.easel.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.easel.EntityTestKits;
import dev.easel.identity.RequestOrigin;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The project entity on the Pekko persistence test journal, with serialization of every command,
 * event and state checked on each step.
 */
class ProjectEntityTest {
  static final ActorTestKit testKit =
      ActorTestKit.create("project-entity-test", EntityTestKits.config(""));

  static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
  static final Instant EXPIRES = NOW.plusSeconds(7 * 24 * 3600);

  String projectId;
  EventSourcedBehaviorTestKit<ProjectEntity.Command, ProjectEntity.Event, ProjectEntity.State>
      project;

  @BeforeEach
  void setUp() {
    projectId = "p-" + System.nanoTime();
    project =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            ProjectEntity.create(projectId),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  CommandResultWithReply<
          ProjectEntity.Command, ProjectEntity.Event, ProjectEntity.State, ProjectEntity.Result>
      run(Function<ActorRef<ProjectEntity.Result>, ProjectEntity.Command> command) {
    return project.runCommand(command);
  }

  ProjectEntity.Event accepted(
      Function<ActorRef<ProjectEntity.Result>, ProjectEntity.Command> command) {
    var result = run(command);
    assertThat(result.reply()).isEqualTo(new ProjectEntity.Accepted());
    return result.event();
  }

  void acceptedWithoutEvent(
      Function<ActorRef<ProjectEntity.Result>, ProjectEntity.Command> command) {
    var result = run(command);
    assertThat(result.reply()).isEqualTo(new ProjectEntity.Accepted());
    assertThat(result.hasNoEvents()).isTrue();
  }

  void refused(
      ProjectError code, Function<ActorRef<ProjectEntity.Result>, ProjectEntity.Command> command) {
    var result = run(command);
    assertThat(result.reply())
        .isInstanceOfSatisfying(
            ProjectEntity.Refused.class,
            refused -> {
              assertThat(refused.code()).isEqualTo(code);
              assertThat(refused.message()).isNotBlank();
            });
    assertThat(result.hasNoEvents()).isTrue();
  }

  ProjectEntity.ProjectView view() {
    return project.<ProjectEntity.ProjectView>runCommand(ProjectEntity.Get::new).reply();
  }

  ProjectRole roleOf(String userId) {
    return project.getState().roleOf(userId);
  }

  void create() {
    assertThat(accepted(r -> new ProjectEntity.Create("Sales", "ann", "org-1", null, r)))
        .isInstanceOf(ProjectEntity.ProjectCreated.class);
  }

  void invite(String inviteId, ProjectRole role) {
    accepted(
        r ->
            new ProjectEntity.Invite(
                "Bob@Example.com ", role, inviteId, "hash-" + inviteId, EXPIRES, "ann", null, r));
  }

  @Test
  void ordersRoles() {
    assertThat(ProjectRole.OWNER.atLeast(ProjectRole.EDITOR)).isTrue();
    assertThat(ProjectRole.EDITOR.atLeast(ProjectRole.COMMENTER)).isTrue();
    assertThat(ProjectRole.COMMENTER.atLeast(ProjectRole.VIEWER)).isTrue();
    assertThat(ProjectRole.VIEWER.atLeast(ProjectRole.VIEWER)).isTrue();
    assertThat(ProjectRole.VIEWER.atLeast(ProjectRole.COMMENTER)).isFalse();
    assertThat(ProjectRole.EDITOR.atLeast(ProjectRole.OWNER)).isFalse();
    assertThat(ProjectRole.higher(ProjectRole.VIEWER, ProjectRole.EDITOR))
        .isEqualTo(ProjectRole.EDITOR);
    assertThat(ProjectRole.higher(ProjectRole.OWNER, ProjectRole.COMMENTER))
        .isEqualTo(ProjectRole.OWNER);
  }

  @Test
  void createsAProjectOwnedByItsCreator() {
    assertThat(view().status()).isEqualTo(ProjectEntity.Status.NEW);
    refused(ProjectError.PROJECT_NOT_FOUND, r -> new ProjectEntity.Rename("X", "ann", null, r));
    refused(
        ProjectError.INVALID_ARGUMENT, r -> new ProjectEntity.Create(" ", "ann", null, null, r));
    refused(
        ProjectError.INVALID_ARGUMENT, r -> new ProjectEntity.Create("Sales", "", null, null, r));
    create();
    refused(
        ProjectError.PROJECT_EXISTS, r -> new ProjectEntity.Create("Other", "bob", null, null, r));
    ProjectEntity.ProjectView view = view();
    assertThat(view.projectId()).isEqualTo(projectId);
    assertThat(view.status()).isEqualTo(ProjectEntity.Status.ACTIVE);
    assertThat(view.name()).isEqualTo("Sales");
    assertThat(view.orgId()).isEqualTo("org-1");
    assertThat(view.members())
        .extracting(ProjectEntity.Member::userId, ProjectEntity.Member::role)
        .containsExactly(tuple("ann", ProjectRole.OWNER));
  }

  @Test
  void recordsWhoMadeEachChange() {
    create();
    ProjectEntity.Event renamed =
        accepted(r -> new ProjectEntity.Rename("Sales EU", "bob", null, r));
    assertThat(renamed.byUserId()).isEqualTo("bob");
    assertThat(renamed.at()).isNotNull();
    acceptedWithoutEvent(r -> new ProjectEntity.Rename(" Sales EU ", "bob", null, r));
    refused(ProjectError.INVALID_ARGUMENT, r -> new ProjectEntity.Rename("", "bob", null, r));
    refused(ProjectError.INVALID_ARGUMENT, r -> new ProjectEntity.Rename("Y", null, null, r));
    assertThat(view().name()).isEqualTo("Sales EU");
  }

  @Test
  void keepsWhereEachChangeWasAskedFromInItsEvent() {
    ProjectEntity.Origin origin = new ProjectEntity.Origin("203.0.113.7", "Easel-CLI/2.0");
    assertThat(accepted(r -> new ProjectEntity.Create("Sales", "ann", null, origin, r)).origin())
        .isEqualTo(origin);
    List<Function<ActorRef<ProjectEntity.Result>, ProjectEntity.Command>> changes =
        List.of(
            r -> new ProjectEntity.Rename("Sales EU", "ann", origin, r),
            r -> new ProjectEntity.AddMember("bob", ProjectRole.VIEWER, "ann", origin, r),
            r -> new ProjectEntity.ChangeRole("bob", ProjectRole.EDITOR, "ann", origin, r),
            r ->
                new ProjectEntity.Invite(
                    "cy@example.com",
                    ProjectRole.VIEWER,
                    "i1",
                    "hash-i1",
                    EXPIRES,
                    "ann",
                    origin,
                    r),
            r -> new ProjectEntity.RevokeInvite("i1", "ann", origin, r),
            r ->
                new ProjectEntity.Invite(
                    "dee@example.com",
                    ProjectRole.VIEWER,
                    "i2",
                    "hash-i2",
                    EXPIRES,
                    "ann",
                    origin,
                    r),
            r -> new ProjectEntity.AcceptInvite("i2", "hash-i2", "dee", NOW, origin, r),
            r -> new ProjectEntity.AddCanvas("c1", "Revenue", "bob", origin, r),
            r -> new ProjectEntity.RemoveCanvas("c1", "ann", origin, r),
            r -> new ProjectEntity.TransferOwnership("bob", "ann", origin, r),
            r -> new ProjectEntity.RemoveMember("dee", "dee", origin, r),
            r -> new ProjectEntity.Archive("bob", origin, r),
            r -> new ProjectEntity.Unarchive("bob", origin, r),
            r -> new ProjectEntity.Delete("bob", origin, r));
    for (var change : changes) {
      assertThat(accepted(change).origin()).isEqualTo(origin);
    }
  }

  @Test
  void keepsNoOriginForAChangeMadeInsideEaselOrACanvasEdit() {
    create();
    assertThat(accepted(r -> new ProjectEntity.Rename("Sales EU", "ann", null, r)).origin())
        .isNull();
    accepted(r -> new ProjectEntity.AddCanvas("c1", "Revenue", "ann", null, r));
    ProjectEntity.Event edited =
        project.runCommand(new ProjectEntity.RecordCanvasEdit("c1", "ann", NOW)).event();
    assertThat(edited.origin()).isNull();
    // an origin of which nothing is known is none
    assertThat(ProjectEntity.Origin.of(RequestOrigin.UNKNOWN)).isNull();
    assertThat(ProjectEntity.Origin.of(new RequestOrigin("198.51.100.2", " ua\n", "family-1")))
        .isEqualTo(new ProjectEntity.Origin("198.51.100.2", "ua"));
  }

  @Test
  void aRevokedInvitationNamesItsAddress() {
    create();
    invite("i1", ProjectRole.VIEWER);
    assertThat(accepted(r -> new ProjectEntity.RevokeInvite("i1", "ann", null, r)))
        .isInstanceOfSatisfying(
            ProjectEntity.InviteRevoked.class,
            revoked -> assertThat(revoked.email()).isEqualTo("bob@example.com"));
  }

  @Test
  void managesMembersAndTheirRoles() {
    create();
    assertThat(
            accepted(r -> new ProjectEntity.AddMember("bob", ProjectRole.VIEWER, "ann", null, r)))
        .isEqualTo(
            new ProjectEntity.MemberAdded(
                "bob",
                ProjectRole.VIEWER,
                "ann",
                project.getState().members().get("bob").since(),
                null));
    refused(
        ProjectError.ALREADY_MEMBER,
        r -> new ProjectEntity.AddMember("bob", ProjectRole.EDITOR, "ann", null, r));
    refused(
        ProjectError.INVALID_ARGUMENT,
        r -> new ProjectEntity.AddMember("cy", null, "ann", null, r));
    ProjectEntity.Event changed =
        accepted(r -> new ProjectEntity.ChangeRole("bob", ProjectRole.EDITOR, "ann", null, r));
    assertThat(changed)
        .isInstanceOfSatisfying(
            ProjectEntity.MemberRoleChanged.class,
            e -> {
              assertThat(e.from()).isEqualTo(ProjectRole.VIEWER);
              assertThat(e.to()).isEqualTo(ProjectRole.EDITOR);
            });
    acceptedWithoutEvent(
        r -> new ProjectEntity.ChangeRole("bob", ProjectRole.EDITOR, "ann", null, r));
    refused(
        ProjectError.NOT_MEMBER,
        r -> new ProjectEntity.ChangeRole("zed", ProjectRole.EDITOR, "ann", null, r));
    accepted(r -> new ProjectEntity.AddMember("cy", ProjectRole.COMMENTER, "bob", null, r));
    assertThat(view().members())
        .extracting(ProjectEntity.Member::userId)
        .containsExactly("ann", "bob", "cy");
    accepted(r -> new ProjectEntity.RemoveMember("cy", "ann", null, r));
    refused(ProjectError.NOT_MEMBER, r -> new ProjectEntity.RemoveMember("cy", "ann", null, r));
    assertThat(roleOf("cy")).isNull();
    assertThat(roleOf("bob")).isEqualTo(ProjectRole.EDITOR);
  }

  @Test
  void alwaysKeepsAnOwner() {
    create();
    refused(
        ProjectError.LAST_OWNER,
        r -> new ProjectEntity.ChangeRole("ann", ProjectRole.EDITOR, "ann", null, r));
    refused(ProjectError.LAST_OWNER, r -> new ProjectEntity.RemoveMember("ann", "ann", null, r));
    // with a second owner, either may step down, but not both
    accepted(r -> new ProjectEntity.AddMember("bob", ProjectRole.OWNER, "ann", null, r));
    accepted(r -> new ProjectEntity.ChangeRole("ann", ProjectRole.VIEWER, "ann", null, r));
    refused(ProjectError.LAST_OWNER, r -> new ProjectEntity.RemoveMember("bob", "bob", null, r));
    refused(
        ProjectError.LAST_OWNER,
        r -> new ProjectEntity.ChangeRole("bob", ProjectRole.COMMENTER, "bob", null, r));
    assertThat(project.getState().ownerCount()).isEqualTo(1);
    assertThat(project.getState().lastOwner("bob")).isTrue();
    assertThat(project.getState().lastOwner("ann")).isFalse();
  }

  @Test
  void transfersOwnershipToAMember() {
    create();
    accepted(r -> new ProjectEntity.AddMember("bob", ProjectRole.VIEWER, "ann", null, r));
    accepted(r -> new ProjectEntity.AddMember("cy", ProjectRole.EDITOR, "ann", null, r));
    refused(ProjectError.NOT_OWNER, r -> new ProjectEntity.TransferOwnership("cy", "bob", null, r));
    refused(
        ProjectError.NOT_MEMBER, r -> new ProjectEntity.TransferOwnership("zed", "ann", null, r));
    refused(
        ProjectError.INVALID_ARGUMENT,
        r -> new ProjectEntity.TransferOwnership("ann", "ann", null, r));
    ProjectEntity.Event transferred =
        accepted(r -> new ProjectEntity.TransferOwnership("bob", "ann", null, r));
    assertThat(transferred.byUserId()).isEqualTo("ann");
    assertThat(roleOf("bob")).isEqualTo(ProjectRole.OWNER);
    assertThat(roleOf("ann")).isEqualTo(ProjectRole.EDITOR);
    assertThat(project.getState().ownerCount()).isEqualTo(1);
    refused(ProjectError.NOT_OWNER, r -> new ProjectEntity.TransferOwnership("cy", "ann", null, r));
  }

  @Test
  void acceptsAnInvitationOnceWithItsTokenBeforeItExpires() {
    create();
    invite("i1", ProjectRole.EDITOR);
    refused(
        ProjectError.INVITE_EXISTS,
        r ->
            new ProjectEntity.Invite(
                "x@y.z", ProjectRole.VIEWER, "i1", "h", EXPIRES, "ann", null, r));
    refused(
        ProjectError.INVALID_ARGUMENT,
        r ->
            new ProjectEntity.Invite("x@y.z", ProjectRole.VIEWER, "i2", "h", null, "ann", null, r));
    refused(
        ProjectError.INVITE_NOT_FOUND,
        r -> new ProjectEntity.AcceptInvite("nope", "hash-i1", "bob", NOW, null, r));
    refused(
        ProjectError.INVITE_INVALID,
        r -> new ProjectEntity.AcceptInvite("i1", "hash-other", "bob", NOW, null, r));
    ProjectEntity.Event accepted =
        accepted(r -> new ProjectEntity.AcceptInvite("i1", "hash-i1", "bob", NOW, null, r));
    assertThat(accepted)
        .isEqualTo(new ProjectEntity.InviteAccepted("i1", ProjectRole.EDITOR, "bob", NOW, null));
    assertThat(roleOf("bob")).isEqualTo(ProjectRole.EDITOR);
    refused(
        ProjectError.INVITE_USED,
        r -> new ProjectEntity.AcceptInvite("i1", "hash-i1", "cy", NOW, null, r));
    refused(ProjectError.INVITE_USED, r -> new ProjectEntity.RevokeInvite("i1", "ann", null, r));

    ProjectEntity.InvitationView shown = view().invitations().get(0);
    assertThat(shown)
        .isEqualTo(
            new ProjectEntity.InvitationView(
                "i1",
                "bob@example.com",
                ProjectRole.EDITOR,
                EXPIRES,
                "ann",
                shown.invitedAt(),
                "bob",
                NOW));
    assertThat(view().toString()).doesNotContain("hash-i1");
  }

  @Test
  void refusesAnExpiredInvitation() {
    create();
    invite("i1", ProjectRole.VIEWER);
    refused(
        ProjectError.INVITE_EXPIRED,
        r -> new ProjectEntity.AcceptInvite("i1", "hash-i1", "bob", EXPIRES, null, r));
    refused(
        ProjectError.INVITE_EXPIRED,
        r ->
            new ProjectEntity.AcceptInvite(
                "i1", "hash-i1", "bob", EXPIRES.plusSeconds(1), null, r));
    assertThat(roleOf("bob")).isNull();
    accepted(
        r ->
            new ProjectEntity.AcceptInvite(
                "i1", "hash-i1", "bob", EXPIRES.minusMillis(1), null, r));
    assertThat(roleOf("bob")).isEqualTo(ProjectRole.VIEWER);
  }

  @Test
  void revokesInvitationsAndNeverLowersAMembersRole() {
    create();
    invite("i1", ProjectRole.VIEWER);
    accepted(r -> new ProjectEntity.RevokeInvite("i1", "ann", null, r));
    refused(
        ProjectError.INVITE_NOT_FOUND, r -> new ProjectEntity.RevokeInvite("i1", "ann", null, r));
    refused(
        ProjectError.INVITE_NOT_FOUND,
        r -> new ProjectEntity.AcceptInvite("i1", "hash-i1", "bob", NOW, null, r));
    assertThat(view().invitations()).isEmpty();
    // the only owner accepting a viewer invitation stays an owner
    invite("i2", ProjectRole.VIEWER);
    accepted(r -> new ProjectEntity.AcceptInvite("i2", "hash-i2", "ann", NOW, null, r));
    assertThat(roleOf("ann")).isEqualTo(ProjectRole.OWNER);
  }

  @Test
  void keepsACatalogOfCanvases() {
    create();
    accepted(r -> new ProjectEntity.AddCanvas("c1", "Revenue", "ann", null, r));
    accepted(r -> new ProjectEntity.AddCanvas("c2", "Churn", "bob", null, r));
    refused(
        ProjectError.CANVAS_EXISTS,
        r -> new ProjectEntity.AddCanvas("c1", "Again", "ann", null, r));
    refused(
        ProjectError.INVALID_ARGUMENT, r -> new ProjectEntity.AddCanvas("", "X", "ann", null, r));
    assertThat(view().canvases())
        .extracting(ProjectEntity.CanvasEntry::canvasId, ProjectEntity.CanvasEntry::addedBy)
        .containsExactly(tuple("c1", "ann"), tuple("c2", "bob"));
    accepted(r -> new ProjectEntity.RemoveCanvas("c1", "ann", null, r));
    refused(
        ProjectError.CANVAS_NOT_FOUND, r -> new ProjectEntity.RemoveCanvas("c1", "ann", null, r));
    assertThat(view().canvases())
        .extracting(ProjectEntity.CanvasEntry::title)
        .containsExactly("Churn");
  }

  @Test
  void freezesNameCatalogAndInvitationsWhileArchived() {
    create();
    invite("i1", ProjectRole.VIEWER);
    accepted(r -> new ProjectEntity.AddCanvas("c1", "Revenue", "ann", null, r));
    accepted(r -> new ProjectEntity.Archive("ann", null, r));
    acceptedWithoutEvent(r -> new ProjectEntity.Archive("ann", null, r));
    assertThat(view().archived()).isTrue();
    refused(ProjectError.PROJECT_ARCHIVED, r -> new ProjectEntity.Rename("X", "ann", null, r));
    refused(
        ProjectError.PROJECT_ARCHIVED, r -> new ProjectEntity.AddCanvas("c2", "", "ann", null, r));
    refused(
        ProjectError.PROJECT_ARCHIVED, r -> new ProjectEntity.RemoveCanvas("c1", "ann", null, r));
    refused(
        ProjectError.PROJECT_ARCHIVED,
        r ->
            new ProjectEntity.Invite(
                "x@y.z", ProjectRole.VIEWER, "i2", "h", EXPIRES, "ann", null, r));
    refused(
        ProjectError.PROJECT_ARCHIVED, r -> new ProjectEntity.RevokeInvite("i1", "ann", null, r));
    refused(
        ProjectError.PROJECT_ARCHIVED,
        r -> new ProjectEntity.AcceptInvite("i1", "hash-i1", "bob", NOW, null, r));
    // members stay manageable
    accepted(r -> new ProjectEntity.AddMember("bob", ProjectRole.VIEWER, "ann", null, r));
    accepted(r -> new ProjectEntity.Unarchive("ann", null, r));
    acceptedWithoutEvent(r -> new ProjectEntity.Unarchive("ann", null, r));
    accepted(r -> new ProjectEntity.Rename("Sales 2025", "ann", null, r));
    assertThat(view().archived()).isFalse();
  }

  @Test
  void refusesEverythingButReadingOnceDeleted() {
    create();
    accepted(r -> new ProjectEntity.AddMember("bob", ProjectRole.VIEWER, "ann", null, r));
    invite("i1", ProjectRole.VIEWER);
    assertThat(accepted(r -> new ProjectEntity.Delete("ann", null, r)).byUserId()).isEqualTo("ann");
    assertThat(view().status()).isEqualTo(ProjectEntity.Status.DELETED);
    ProjectError deleted = ProjectError.PROJECT_DELETED;
    refused(deleted, r -> new ProjectEntity.Create("Sales", "ann", null, null, r));
    refused(deleted, r -> new ProjectEntity.Rename("X", "ann", null, r));
    refused(deleted, r -> new ProjectEntity.Archive("ann", null, r));
    refused(deleted, r -> new ProjectEntity.Unarchive("ann", null, r));
    refused(deleted, r -> new ProjectEntity.Delete("ann", null, r));
    refused(deleted, r -> new ProjectEntity.AddMember("cy", ProjectRole.VIEWER, "ann", null, r));
    refused(deleted, r -> new ProjectEntity.ChangeRole("bob", ProjectRole.EDITOR, "ann", null, r));
    refused(deleted, r -> new ProjectEntity.RemoveMember("bob", "ann", null, r));
    refused(
        deleted,
        r ->
            new ProjectEntity.Invite(
                "x@y.z", ProjectRole.VIEWER, "i2", "h", EXPIRES, "ann", null, r));
    refused(deleted, r -> new ProjectEntity.RevokeInvite("i1", "ann", null, r));
    refused(deleted, r -> new ProjectEntity.AcceptInvite("i1", "hash-i1", "cy", NOW, null, r));
    refused(deleted, r -> new ProjectEntity.TransferOwnership("bob", "ann", null, r));
    refused(deleted, r -> new ProjectEntity.AddCanvas("c1", "T", "ann", null, r));
    refused(deleted, r -> new ProjectEntity.RemoveCanvas("c1", "ann", null, r));
  }

  @Test
  void recoversTheSameProject() {
    create();
    accepted(r -> new ProjectEntity.AddMember("bob", ProjectRole.VIEWER, "ann", null, r));
    accepted(r -> new ProjectEntity.ChangeRole("bob", ProjectRole.EDITOR, "ann", null, r));
    invite("i1", ProjectRole.COMMENTER);
    invite("i2", ProjectRole.VIEWER);
    accepted(r -> new ProjectEntity.AcceptInvite("i1", "hash-i1", "cy", NOW, null, r));
    accepted(r -> new ProjectEntity.AddCanvas("c1", "Revenue", "bob", null, r));
    accepted(r -> new ProjectEntity.TransferOwnership("bob", "ann", null, r));
    accepted(r -> new ProjectEntity.Archive("bob", null, r));
    ProjectEntity.ProjectView before = view();
    ProjectEntity.State state = project.getState();
    assertThat(project.restart().state()).isEqualTo(state);
    assertThat(view()).isEqualTo(before);
    refused(
        ProjectError.LAST_OWNER,
        r -> new ProjectEntity.ChangeRole("bob", ProjectRole.EDITOR, "bob", null, r));
  }

  List<ProjectEntity.Event> edited(String canvasId, String userId, Instant at) {
    return project.runCommand(new ProjectEntity.RecordCanvasEdit(canvasId, userId, at)).events();
  }

  @Test
  void recordsWhoEditedACanvasAtMostOncePerUserAndInterval() {
    create();
    accepted(r -> new ProjectEntity.AddCanvas("c1", "Revenue", "ann", null, r));
    accepted(r -> new ProjectEntity.AddCanvas("c2", "Churn", "ann", null, r));
    assertThat(edited("c1", "bob", NOW))
        .containsExactly(new ProjectEntity.CanvasEdited("c1", "bob", NOW));
    // the default interval is ten minutes
    assertThat(edited("c1", "bob", NOW.plusSeconds(599))).isEmpty();
    assertThat(edited("c1", "cy", NOW.plusSeconds(1))).hasSize(1);
    assertThat(edited("c2", "bob", NOW.plusSeconds(2))).hasSize(1);
    assertThat(edited("c1", "bob", NOW.plusSeconds(600)))
        .containsExactly(new ProjectEntity.CanvasEdited("c1", "bob", NOW.plusSeconds(600)));
    // the last note survives a restart, so a restarted project does not note twice
    project.restart();
    assertThat(edited("c1", "bob", NOW.plusSeconds(700))).isEmpty();
    // canvases outside the catalog, and deleted projects, note nothing
    assertThat(edited("elsewhere", "bob", NOW)).isEmpty();
    accepted(r -> new ProjectEntity.RemoveCanvas("c2", "ann", null, r));
    assertThat(project.getState().editsNoted()).doesNotContainKey("c2/bob");
    assertThat(edited("c2", "bob", NOW.plusSeconds(3600))).isEmpty();
    accepted(r -> new ProjectEntity.Delete("ann", null, r));
    assertThat(edited("c1", "bob", NOW.plusSeconds(3600))).isEmpty();
  }

  @Test
  void renamesOnlyWhileItsEtagIsTheOneExpected() {
    create();
    String created = view().etag();
    assertThat(created).isNotBlank();
    accepted(r -> new ProjectEntity.Rename("Sales EU", "ann", null, created, r));
    String renamed = view().etag();
    assertThat(renamed).isNotEqualTo(created);
    // A change based on the project as it was is refused, and changes nothing.
    refused(
        ProjectError.ETAG_MISMATCH,
        r -> new ProjectEntity.Rename("Sales US", "ann", null, created, r));
    assertThat(view().name()).isEqualTo("Sales EU");
    assertThat(view().etag()).isEqualTo(renamed);
    // Without a new name, the etag alone is checked.
    acceptedWithoutEvent(r -> new ProjectEntity.Rename(null, "ann", null, renamed, r));
    refused(
        ProjectError.ETAG_MISMATCH, r -> new ProjectEntity.Rename(null, "ann", null, created, r));
    // A restart computes the same etag from the same events.
    project.restart();
    assertThat(view().etag()).isEqualTo(renamed);
  }

  @Test
  void itsEtagFollowsWhatMembersSeeNotEveryEvent() {
    create();
    accepted(r -> new ProjectEntity.AddCanvas("c1", "Revenue", "ann", null, r));
    String before = view().etag();
    // Edits noted for the activity feed and invitations are not shown in the project.
    project.runCommand(new ProjectEntity.RecordCanvasEdit("c1", "ann", NOW));
    invite("i1", ProjectRole.EDITOR);
    assertThat(view().revision()).isEqualTo(4);
    assertThat(view().etag()).isEqualTo(before);
    // Members, roles, archive and the catalog are.
    accepted(r -> new ProjectEntity.AddMember("bob", ProjectRole.VIEWER, "ann", null, r));
    String withBob = view().etag();
    assertThat(withBob).isNotEqualTo(before);
    accepted(r -> new ProjectEntity.ChangeRole("bob", ProjectRole.EDITOR, "ann", null, r));
    assertThat(view().etag()).isNotEqualTo(withBob);
    String editor = view().etag();
    accepted(r -> new ProjectEntity.Archive("ann", null, r));
    assertThat(view().etag()).isNotEqualTo(editor);
    accepted(r -> new ProjectEntity.Unarchive("ann", null, r));
    assertThat(view().etag()).isEqualTo(editor);
  }

  @Test
  void showsItsRevisionTheSequenceNumberOfItsLatestEvent() {
    assertThat(view().revision()).isZero();
    create();
    accepted(r -> new ProjectEntity.Rename("Sales EU", "ann", null, r));
    acceptedWithoutEvent(r -> new ProjectEntity.Rename("Sales EU", "ann", null, r));
    assertThat(view().revision()).isEqualTo(2);
    project.restart();
    assertThat(view().revision()).isEqualTo(2);
  }

  @Test
  void listsMembersByRoleThenId() {
    create();
    accepted(r -> new ProjectEntity.AddMember("zoe", ProjectRole.VIEWER, "ann", null, r));
    accepted(r -> new ProjectEntity.AddMember("al", ProjectRole.VIEWER, "ann", null, r));
    accepted(r -> new ProjectEntity.AddMember("max", ProjectRole.EDITOR, "ann", null, r));
    assertThat(view().members())
        .extracting(ProjectEntity.Member::userId)
        .isEqualTo(List.of("ann", "max", "al", "zoe"));
  }
}
