package dev.easel.project;

import static org.assertj.core.api.Assertions.assertThat;

import dev.easel.EntityTestKits;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The organization entity on the Pekko persistence test journal, with serialization checked. */
class OrganizationEntityTest {
  static final ActorTestKit testKit =
      ActorTestKit.create("organization-entity-test", EntityTestKits.config(""));

  String orgId;
  EventSourcedBehaviorTestKit<
          OrganizationEntity.Command, OrganizationEntity.Event, OrganizationEntity.State>
      org;

  @BeforeEach
  void setUp() {
    orgId = "o-" + System.nanoTime();
    org =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            OrganizationEntity.create(orgId),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  CommandResultWithReply<
          OrganizationEntity.Command,
          OrganizationEntity.Event,
          OrganizationEntity.State,
          OrganizationEntity.Result>
      run(Function<ActorRef<OrganizationEntity.Result>, OrganizationEntity.Command> command) {
    return org.runCommand(command);
  }

  OrganizationEntity.Event accepted(
      Function<ActorRef<OrganizationEntity.Result>, OrganizationEntity.Command> command) {
    var result = run(command);
    assertThat(result.reply()).isEqualTo(new OrganizationEntity.Accepted());
    return result.event();
  }

  void refused(
      ProjectError code,
      Function<ActorRef<OrganizationEntity.Result>, OrganizationEntity.Command> command) {
    var result = run(command);
    assertThat(result.reply())
        .isInstanceOfSatisfying(
            OrganizationEntity.Refused.class,
            refused -> {
              assertThat(refused.code()).isEqualTo(code);
              assertThat(refused.message()).isNotBlank();
            });
    assertThat(result.hasNoEvents()).isTrue();
  }

  OrganizationEntity.OrganizationView view() {
    return org.<OrganizationEntity.OrganizationView>runCommand(OrganizationEntity.Get::new).reply();
  }

  @Test
  void createsAnOrganizationWithItsFirstAdmin() {
    assertThat(view().exists()).isFalse();
    refused(
        ProjectError.ORGANIZATION_NOT_FOUND,
        r -> new OrganizationEntity.AddMember("bob", false, "ann", r));
    refused(
        ProjectError.ORGANIZATION_NOT_FOUND,
        r -> new OrganizationEntity.RemoveMember("bob", "ann", r));
    refused(ProjectError.INVALID_ARGUMENT, r -> new OrganizationEntity.Create(" ", "ann", r));
    assertThat(accepted(r -> new OrganizationEntity.Create("Acme", "ann", r)).byUserId())
        .isEqualTo("ann");
    refused(ProjectError.ORGANIZATION_EXISTS, r -> new OrganizationEntity.Create("Acme", "bob", r));
    OrganizationEntity.OrganizationView view = view();
    assertThat(view.exists()).isTrue();
    assertThat(view.name()).isEqualTo("Acme");
    assertThat(view.members())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.userId()).isEqualTo("ann");
              assertThat(m.admin()).isTrue();
            });
  }

  @Test
  void addsMembersAndSetsWhetherTheyAreAdmins() {
    accepted(r -> new OrganizationEntity.Create("Acme", "ann", r));
    accepted(r -> new OrganizationEntity.AddMember("bob", false, "ann", r));
    var again = run(r -> new OrganizationEntity.AddMember("bob", false, "ann", r));
    assertThat(again.reply()).isEqualTo(new OrganizationEntity.Accepted());
    assertThat(again.hasNoEvents()).isTrue();
    accepted(r -> new OrganizationEntity.AddMember("bob", true, "ann", r));
    assertThat(org.getState().adminCount()).isEqualTo(2);
    refused(
        ProjectError.INVALID_ARGUMENT, r -> new OrganizationEntity.AddMember("", true, "ann", r));
    refused(
        ProjectError.INVALID_ARGUMENT, r -> new OrganizationEntity.AddMember("cy", true, null, r));
    accepted(r -> new OrganizationEntity.AddMember("cy", false, "bob", r));
    assertThat(view().members())
        .extracting(OrganizationEntity.Member::userId)
        .containsExactly("ann", "bob", "cy");
    accepted(r -> new OrganizationEntity.RemoveMember("cy", "ann", r));
    refused(ProjectError.NOT_MEMBER, r -> new OrganizationEntity.RemoveMember("cy", "ann", r));
  }

  @Test
  void alwaysKeepsAnAdmin() {
    accepted(r -> new OrganizationEntity.Create("Acme", "ann", r));
    refused(ProjectError.LAST_ADMIN, r -> new OrganizationEntity.RemoveMember("ann", "ann", r));
    refused(ProjectError.LAST_ADMIN, r -> new OrganizationEntity.AddMember("ann", false, "ann", r));
    accepted(r -> new OrganizationEntity.AddMember("bob", true, "ann", r));
    accepted(r -> new OrganizationEntity.AddMember("ann", false, "bob", r));
    refused(ProjectError.LAST_ADMIN, r -> new OrganizationEntity.RemoveMember("bob", "bob", r));
    accepted(r -> new OrganizationEntity.RemoveMember("ann", "bob", r));
    assertThat(org.getState().lastAdmin("bob")).isTrue();
  }

  OrganizationEntity.OrganizationProjects projects() {
    return org.<OrganizationEntity.OrganizationProjects>runCommand(
            OrganizationEntity.GetProjects::new)
        .reply();
  }

  @Test
  void listsItsProjectsInTheOrderTheyWereAddedUntilTheyAreRemoved() {
    refused(
        ProjectError.ORGANIZATION_NOT_FOUND,
        r -> new OrganizationEntity.AddProject("p_1", "ann", r));
    assertThat(projects().organization().exists()).isFalse();
    accepted(r -> new OrganizationEntity.Create("Acme", "ann", r));
    assertThat(projects().projects()).isEmpty();
    assertThat(accepted(r -> new OrganizationEntity.AddProject("p_b", "ann", r)))
        .isInstanceOfSatisfying(
            OrganizationEntity.ProjectAdded.class,
            e -> {
              assertThat(e.projectId()).isEqualTo("p_b");
              assertThat(e.byUserId()).isEqualTo("ann");
            });
    accepted(r -> new OrganizationEntity.AddProject("p_a", "bob", r));
    // Adding again keeps the first time; removing what is not listed does nothing.
    var again = run(r -> new OrganizationEntity.AddProject("p_b", "ann", r));
    assertThat(again.reply()).isEqualTo(new OrganizationEntity.Accepted());
    assertThat(again.hasNoEvents()).isTrue();
    var never = run(r -> new OrganizationEntity.RemoveProject("p_never", "ann", r));
    assertThat(never.reply()).isEqualTo(new OrganizationEntity.Accepted());
    assertThat(never.hasNoEvents()).isTrue();
    OrganizationEntity.OrganizationProjects listed = projects();
    assertThat(listed.organization()).isEqualTo(view());
    assertThat(listed.projects())
        .extracting(OrganizationEntity.ProjectEntry::projectId)
        .containsExactly("p_b", "p_a");
    assertThat(accepted(r -> new OrganizationEntity.RemoveProject("p_b", "cy", r)))
        .isInstanceOf(OrganizationEntity.ProjectRemoved.class);
    assertThat(projects().projects())
        .extracting(OrganizationEntity.ProjectEntry::projectId)
        .containsExactly("p_a");
    refused(ProjectError.INVALID_ARGUMENT, r -> new OrganizationEntity.AddProject(" ", "ann", r));
    refused(ProjectError.INVALID_ARGUMENT, r -> new OrganizationEntity.AddProject("p_c", null, r));
    refused(ProjectError.INVALID_ARGUMENT, r -> new OrganizationEntity.RemoveProject("", "ann", r));
  }

  @Test
  void recoversTheSameOrganization() {
    accepted(r -> new OrganizationEntity.Create("Acme", "ann", r));
    accepted(r -> new OrganizationEntity.AddMember("bob", true, "ann", r));
    accepted(r -> new OrganizationEntity.AddMember("cy", false, "bob", r));
    accepted(r -> new OrganizationEntity.RemoveMember("ann", "bob", r));
    accepted(r -> new OrganizationEntity.AddProject("p_1", "cy", r));
    accepted(r -> new OrganizationEntity.AddProject("p_2", "bob", r));
    accepted(r -> new OrganizationEntity.RemoveProject("p_1", "cy", r));
    OrganizationEntity.State before = org.getState();
    assertThat(before.projects()).containsOnlyKeys("p_2");
    assertThat(org.restart().state()).isEqualTo(before);
    refused(ProjectError.LAST_ADMIN, r -> new OrganizationEntity.RemoveMember("bob", "cy", r));
  }
}
