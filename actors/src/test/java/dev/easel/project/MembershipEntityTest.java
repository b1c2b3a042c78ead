package dev.easel.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.easel.EntityTestKits;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A user's membership index on the Pekko persistence test journal, with serialization of every
 * command, event and state checked on each step.
 */
class MembershipEntityTest {
  static final ActorTestKit testKit =
      ActorTestKit.create("membership-entity-test", EntityTestKits.config(""));

  String userId;
  EventSourcedBehaviorTestKit<
          MembershipEntity.Command, MembershipEntity.Event, MembershipEntity.State>
      memberships;

  @BeforeEach
  void setUp() {
    userId = "u_" + System.nanoTime();
    memberships =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            MembershipEntity.create(userId),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  CommandResultWithReply<
          MembershipEntity.Command,
          MembershipEntity.Event,
          MembershipEntity.State,
          MembershipEntity.Result>
      run(Function<ActorRef<MembershipEntity.Result>, MembershipEntity.Command> command) {
    return memberships.runCommand(command);
  }

  MembershipEntity.Event accepted(
      Function<ActorRef<MembershipEntity.Result>, MembershipEntity.Command> command) {
    var result = run(command);
    assertThat(result.reply()).isEqualTo(new MembershipEntity.Accepted());
    return result.event();
  }

  void acceptedWithoutEvent(
      Function<ActorRef<MembershipEntity.Result>, MembershipEntity.Command> command) {
    var result = run(command);
    assertThat(result.reply()).isEqualTo(new MembershipEntity.Accepted());
    assertThat(result.hasNoEvents()).isTrue();
  }

  void invalid(Function<ActorRef<MembershipEntity.Result>, MembershipEntity.Command> command) {
    var result = run(command);
    assertThat(result.reply())
        .isInstanceOfSatisfying(
            MembershipEntity.Refused.class,
            refused -> {
              assertThat(refused.code()).isEqualTo(ProjectError.INVALID_ARGUMENT);
              assertThat(refused.message()).isNotBlank();
            });
    assertThat(result.hasNoEvents()).isTrue();
  }

  MembershipEntity.Memberships list() {
    return memberships.<MembershipEntity.Memberships>runCommand(MembershipEntity.List::new).reply();
  }

  @Test
  void startsWithNoProjects() {
    MembershipEntity.Memberships none = list();
    assertThat(none.userId()).isEqualTo(userId);
    assertThat(none.projects()).isEmpty();
  }

  @Test
  void listsTheProjectsJoinedInTheOrderTheyWereJoined() {
    MembershipEntity.Event joined =
        accepted(r -> new MembershipEntity.Join("p_b", ProjectRole.OWNER, r));
    assertThat(joined)
        .isInstanceOfSatisfying(
            MembershipEntity.ProjectJoined.class,
            e -> {
              assertThat(e.projectId()).isEqualTo("p_b");
              assertThat(e.role()).isEqualTo(ProjectRole.OWNER);
              assertThat(e.at()).isNotNull();
            });
    accepted(r -> new MembershipEntity.Join("p_a", ProjectRole.VIEWER, r));
    assertThat(list().projects())
        .extracting(MembershipEntity.Membership::projectId, MembershipEntity.Membership::role)
        .containsExactly(tuple("p_b", ProjectRole.OWNER), tuple("p_a", ProjectRole.VIEWER));
  }

  @Test
  void joiningAgainIsIdempotentAndANewRoleKeepsTheFirstJoinTime() {
    accepted(r -> new MembershipEntity.Join("p_1", ProjectRole.VIEWER, r));
    var since = list().projects().getFirst().since();
    acceptedWithoutEvent(r -> new MembershipEntity.Join("p_1", ProjectRole.VIEWER, r));
    accepted(r -> new MembershipEntity.Join("p_1", ProjectRole.EDITOR, r));
    assertThat(list().projects())
        .containsExactly(new MembershipEntity.Membership("p_1", ProjectRole.EDITOR, since));
    assertThat(memberships.getState().roleIn("p_1")).isEqualTo(ProjectRole.EDITOR);
  }

  @Test
  void leavingRemovesTheProjectAndLeavingTwiceDoesNothing() {
    accepted(r -> new MembershipEntity.Join("p_1", ProjectRole.OWNER, r));
    accepted(r -> new MembershipEntity.Join("p_2", ProjectRole.EDITOR, r));
    assertThat(accepted(r -> new MembershipEntity.Leave("p_1", r)))
        .isInstanceOf(MembershipEntity.ProjectLeft.class);
    acceptedWithoutEvent(r -> new MembershipEntity.Leave("p_1", r));
    acceptedWithoutEvent(r -> new MembershipEntity.Leave("p_never", r));
    assertThat(list().projects())
        .extracting(MembershipEntity.Membership::projectId)
        .containsExactly("p_2");
    assertThat(memberships.getState().roleIn("p_1")).isNull();
  }

  @Test
  void refusesAMissingProjectOrRole() {
    invalid(r -> new MembershipEntity.Join(" ", ProjectRole.OWNER, r));
    invalid(r -> new MembershipEntity.Join(null, ProjectRole.OWNER, r));
    invalid(r -> new MembershipEntity.Join("p_1", null, r));
    invalid(r -> new MembershipEntity.Leave("", r));
    assertThat(list().projects()).isEmpty();
  }

  MembershipEntity.OrganizationMemberships organizations() {
    return memberships
        .<MembershipEntity.OrganizationMemberships>runCommand(
            MembershipEntity.ListOrganizations::new)
        .reply();
  }

  @Test
  void listsTheOrganizationsJoinedApartFromTheProjects() {
    assertThat(organizations().organizations()).isEmpty();
    assertThat(organizations().userId()).isEqualTo(userId);
    assertThat(accepted(r -> new MembershipEntity.JoinOrganization("o_b", true, r)))
        .isInstanceOfSatisfying(
            MembershipEntity.OrganizationJoined.class,
            e -> {
              assertThat(e.orgId()).isEqualTo("o_b");
              assertThat(e.admin()).isTrue();
            });
    accepted(r -> new MembershipEntity.JoinOrganization("o_a", false, r));
    accepted(r -> new MembershipEntity.Join("p_1", ProjectRole.VIEWER, r));
    assertThat(organizations().organizations())
        .extracting(
            MembershipEntity.OrganizationMembership::orgId,
            MembershipEntity.OrganizationMembership::admin)
        .containsExactly(tuple("o_b", true), tuple("o_a", false));
    assertThat(list().projects())
        .extracting(MembershipEntity.Membership::projectId)
        .containsExactly("p_1");
  }

  @Test
  void joiningAnOrganizationAgainChangesOnlyWhetherTheUserIsAnAdmin() {
    accepted(r -> new MembershipEntity.JoinOrganization("o_1", false, r));
    var since = organizations().organizations().getFirst().since();
    acceptedWithoutEvent(r -> new MembershipEntity.JoinOrganization("o_1", false, r));
    accepted(r -> new MembershipEntity.JoinOrganization("o_1", true, r));
    assertThat(organizations().organizations())
        .containsExactly(new MembershipEntity.OrganizationMembership("o_1", true, since));
    assertThat(memberships.getState().organization("o_1").admin()).isTrue();
  }

  @Test
  void leavingAnOrganizationRemovesItAndLeavingTwiceDoesNothing() {
    accepted(r -> new MembershipEntity.JoinOrganization("o_1", true, r));
    accepted(r -> new MembershipEntity.JoinOrganization("o_2", false, r));
    assertThat(accepted(r -> new MembershipEntity.LeaveOrganization("o_1", r)))
        .isInstanceOf(MembershipEntity.OrganizationLeft.class);
    acceptedWithoutEvent(r -> new MembershipEntity.LeaveOrganization("o_1", r));
    acceptedWithoutEvent(r -> new MembershipEntity.LeaveOrganization("o_never", r));
    assertThat(organizations().organizations())
        .extracting(MembershipEntity.OrganizationMembership::orgId)
        .containsExactly("o_2");
    assertThat(memberships.getState().organization("o_1")).isNull();
    invalid(r -> new MembershipEntity.JoinOrganization(" ", true, r));
    invalid(r -> new MembershipEntity.LeaveOrganization(null, r));
  }

  @Test
  void recoversItsMembershipsFromTheJournal() {
    accepted(r -> new MembershipEntity.Join("p_1", ProjectRole.OWNER, r));
    accepted(r -> new MembershipEntity.Join("p_2", ProjectRole.COMMENTER, r));
    accepted(r -> new MembershipEntity.Leave("p_1", r));
    accepted(r -> new MembershipEntity.JoinOrganization("o_1", true, r));
    accepted(r -> new MembershipEntity.JoinOrganization("o_2", false, r));
    accepted(r -> new MembershipEntity.LeaveOrganization("o_2", r));
    MembershipEntity.Memberships before = list();
    MembershipEntity.OrganizationMemberships organizationsBefore = organizations();
    memberships.restart();
    assertThat(list()).isEqualTo(before);
    assertThat(organizations()).isEqualTo(organizationsBefore);
    assertThat(organizationsBefore.organizations())
        .extracting(MembershipEntity.OrganizationMembership::orgId)
        .containsExactly("o_1");
    assertThat(before.projects())
        .extracting(MembershipEntity.Membership::projectId)
        .containsExactly("p_2");
  }
}
