package dev.easel.node;

import static dev.easel.node.ProjectManagementIntegrationTest.body;
import static dev.easel.node.ProjectManagementIntegrationTest.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import dev.easel.node.ProjectManagementIntegrationTest.Client;
import dev.easel.node.ProjectManagementIntegrationTest.User;
import dev.easel.project.MembershipEntity;
import dev.easel.project.OrganizationEntity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's organizations and an organization's projects over REST against a real node: who sees
 * which, with which role, as members are added and removed and projects created, archived and
 * deleted; the pages of both lists; and that each list shows only what the organization and the
 * project confirm when its index says more.
 */
class OrganizationIntegrationTest {
  @TempDir Path dataDir;

  @Test
  void usersListTheirOrganizationsWithTheirRole() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      Client api = new Client(node.httpPort());
      User ann = api.signUp("ann@example.org", "Ann");
      User bob = api.signUp("bob@example.org", "Bob");
      User eve = api.signUp("eve@example.org", "Eve");

      assertThat(organizations(api, eve)).isEmpty();
      String bobs = create(api, bob, "Bob's");
      String acme = create(api, ann, "Acme");
      String beta = create(api, ann, "Beta");
      assertThat(organizations(api, ann))
          .extracting(o -> o.path("orgId").asText(), o -> o.path("admin").asBoolean())
          .containsExactly(tuple(acme, true), tuple(beta, true));
      JsonNode first = organizations(api, ann).getFirst();
      assertThat(first.path("name").asText()).isEqualTo("Acme");
      assertThat(first.path("memberCount").asInt()).isEqualTo(1);
      assertThat(first.path("createdAt").asText()).isNotEmpty();
      assertThat(first.path("since").asText()).isNotEmpty();

      // Added as a member: listed after the organizations joined before, as no admin.
      ok(addMember(api, ann, acme, "bob@example.org", false));
      assertThat(organizations(api, bob))
          .extracting(o -> o.path("orgId").asText(), o -> o.path("admin").asBoolean())
          .containsExactly(tuple(bobs, true), tuple(acme, false));
      assertThat(organizations(api, ann).getFirst().path("memberCount").asInt()).isEqualTo(2);

      // Made an admin, then a member again.
      ok(addMember(api, ann, acme, "bob@example.org", true));
      assertThat(organizations(api, bob).get(1).path("admin").asBoolean()).isTrue();
      ok(addMember(api, bob, acme, "ann@example.org", false));
      assertThat(organizations(api, ann).getFirst().path("admin").asBoolean()).isFalse();
      ok(addMember(api, bob, acme, "ann@example.org", true));

      // Removed: gone from the list.
      ok(api.delete(ann, "/v1/organizations/" + acme + "/members/" + bob.id()));
      assertThat(organizations(api, bob))
          .extracting(o -> o.path("orgId").asText())
          .containsExactly(bobs);
      assertThat(organizations(api, eve)).isEmpty();
    }
  }

  @Test
  void adminsSeeEveryProjectOfTheOrganizationAndMembersTheirOwn() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      Client api = new Client(node.httpPort());
      User ann = api.signUp("ann@example.org", "Ann");
      User bob = api.signUp("bob@example.org", "Bob");
      User cy = api.signUp("cy@example.org", "Cy");
      User eve = api.signUp("eve@example.org", "Eve");
      String acme = create(api, ann, "Acme");
      ok(addMember(api, ann, acme, "bob@example.org", false));
      ok(addMember(api, ann, acme, "cy@example.org", false));
      assertThat(projects(api, ann, acme)).isEmpty();

      String ops = createProject(api, ann, "Ops", acme);
      String sales = createProject(api, bob, "Sales", acme);
      createProject(api, ann, "Outside", null);
      String elsewhere = createProject(api, bob, "Elsewhere", create(api, bob, "Bob's"));

      // The admin sees both, with her role (none where she is not a member).
      assertThat(projects(api, ann, acme))
          .extracting(p -> p.path("projectId").asText(), p -> p.path("role").asText())
          .containsExactly(tuple(ops, "owner"), tuple(sales, ""));
      JsonNode listed = projects(api, ann, acme).getFirst();
      assertThat(listed.path("name").asText()).isEqualTo("Ops");
      assertThat(listed.path("orgId").asText()).isEqualTo(acme);
      assertThat(listed.at("/members/0/displayName").asText()).isEqualTo("Ann");
      // Members see the projects they are members of.
      assertThat(projects(api, bob, acme))
          .extracting(p -> p.path("projectId").asText(), p -> p.path("role").asText())
          .containsExactly(tuple(sales, "owner"));
      assertThat(projects(api, cy, acme)).isEmpty();
      ok(
          api.post(
              ann,
              "/v1/projects/" + ops + "/members",
              "{\"email\":\"bob@example.org\",\"role\":\"viewer\"}"));
      assertThat(projects(api, bob, acme))
          .extracting(p -> p.path("projectId").asText(), p -> p.path("role").asText())
          .containsExactly(tuple(ops, "viewer"), tuple(sales, "owner"));

      // Anyone who is not a member of the organization: not found, a member of its projects too.
      ok(
          api.post(
              ann,
              "/v1/projects/" + ops + "/members",
              "{\"email\":\"eve@example.org\",\"role\":\"editor\"}"));
      var outsider = api.get(eve, "/v1/organizations/" + acme + "/projects");
      assertThat(outsider.statusCode()).isEqualTo(404);
      assertThat(outsider.body()).contains("ORGANIZATION_NOT_FOUND");
      assertThat(api.get(ann, "/v1/organizations/o_000000000000000000000000/projects").statusCode())
          .isEqualTo(404);
      assertThat(projects(api, ann, acme))
          .extracting(p -> p.path("projectId").asText())
          .doesNotContain(elsewhere);

      // Archived projects stay listed; deleted ones leave the list for everyone.
      ok(api.post(bob, "/v1/projects/" + sales + ":archive", "{}"));
      assertThat(projects(api, ann, acme).get(1).path("archived").asBoolean()).isTrue();
      ok(api.delete(bob, "/v1/projects/" + sales));
      assertThat(projects(api, ann, acme))
          .extracting(p -> p.path("projectId").asText())
          .containsExactly(ops);
      assertThat(projects(api, bob, acme))
          .extracting(p -> p.path("projectId").asText())
          .containsExactly(ops);

      // A member who leaves the organization no longer sees it; its projects stay with it.
      ok(api.delete(ann, "/v1/organizations/" + acme + "/members/" + bob.id()));
      assertThat(api.get(bob, "/v1/organizations/" + acme + "/projects").statusCode())
          .isEqualTo(404);
      assertThat(projects(api, ann, acme)).hasSize(1);
      // Made an admin, a member sees every project.
      ok(addMember(api, ann, acme, "cy@example.org", true));
      assertThat(projects(api, cy, acme))
          .extracting(p -> p.path("projectId").asText(), p -> p.path("role").asText())
          .containsExactly(tuple(ops, ""));
    }
  }

  @Test
  void bothListsComeInPages() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      Client api = new Client(node.httpPort());
      User ann = api.signUp("ann@example.org", "Ann");
      List<String> orgs = new ArrayList<>();
      for (int i = 0; i < 3; i++) orgs.add(create(api, ann, "Org " + i));
      List<String> projects = new ArrayList<>();
      for (int i = 0; i < 5; i++) projects.add(createProject(api, ann, "P" + i, orgs.getFirst()));

      assertThat(walk(api, ann, "/v1/organizations", "organizations", "orgId", 2))
          .containsExactlyElementsOf(orgs);
      String list = "/v1/organizations/" + orgs.getFirst() + "/projects";
      assertThat(walk(api, ann, list, "projects", "projectId", 2))
          .containsExactlyElementsOf(projects);
      assertThat(walk(api, ann, list, "projects", "projectId", 5))
          .containsExactlyElementsOf(projects);

      // A project deleted between two pages leaves the next page, which starts where it was.
      JsonNode page = body(ok(api.get(ann, list + "?pageSize=2")));
      ok(api.delete(ann, "/v1/projects/" + projects.get(2)));
      JsonNode next =
          body(
              ok(
                  api.get(
                      ann, list + "?pageSize=2&pageToken=" + page.path("nextPageToken").asText())));
      assertThat(next.path("projects").findValuesAsText("projectId"))
          .containsExactly(projects.get(3), projects.get(4));
      assertThat(next.path("nextPageToken").asText()).isEmpty();

      // Bad sizes and tokens are refused, naming what is wrong.
      var tooMany = api.get(ann, list + "?pageSize=201");
      assertThat(tooMany.statusCode()).isEqualTo(400);
      assertThat(tooMany.body()).contains("pageSize must be between 1 and 200");
      var foreign =
          api.get(
              ann,
              "/v1/organizations/"
                  + orgs.get(1)
                  + "/projects?pageToken="
                  + page.path("nextPageToken").asText());
      assertThat(foreign.statusCode()).isEqualTo(400);
      assertThat(foreign.body()).contains("pageToken is not a page of");
      assertThat(api.get(ann, "/v1/organizations?pageToken=garbage").statusCode()).isEqualTo(400);
      assertThat(api.get(ann, "/v1/organizations?pageSize=-1").statusCode()).isEqualTo(400);
    }
  }

  @Test
  void theListsShowOnlyWhatTheOrganizationAndTheProjectConfirm() throws Exception {
    try (EaselNode node = TestNodes.start(dataDir)) {
      Client api = new Client(node.httpPort());
      User ann = api.signUp("ann@example.org", "Ann");
      User eve = api.signUp("eve@example.org", "Eve");
      String acme = create(api, ann, "Acme");
      String ops = createProject(api, ann, "Ops", acme);
      String beta = create(api, ann, "Beta");
      String betaProject = createProject(api, ann, "Beta's", beta);

      // Indexes that say more than their authorities, as after a change that was not completed:
      // Eve's index names Acme, Acme's names a project that was never created and one of Beta.
      ClusterSharding sharding = ClusterSharding.get(node.system());
      Duration timeout = Duration.ofSeconds(10);
      MembershipEntity.Result joined =
          sharding
              .entityRefFor(MembershipEntity.KEY, eve.id())
              .<MembershipEntity.Result>ask(
                  r -> new MembershipEntity.JoinOrganization(acme, true, r), timeout)
              .toCompletableFuture()
              .get();
      assertThat(joined).isEqualTo(new MembershipEntity.Accepted());
      for (String project : List.of("p_000000000000000000000000", betaProject)) {
        OrganizationEntity.Result added =
            sharding
                .entityRefFor(OrganizationEntity.KEY, acme)
                .<OrganizationEntity.Result>ask(
                    r -> new OrganizationEntity.AddProject(project, ann.id(), r), timeout)
                .toCompletableFuture()
                .get();
        assertThat(added).isEqualTo(new OrganizationEntity.Accepted());
      }

      assertThat(organizations(api, eve)).isEmpty();
      assertThat(api.get(eve, "/v1/organizations/" + acme + "/projects").statusCode())
          .isEqualTo(404);
      assertThat(projects(api, ann, acme))
          .extracting(p -> p.path("projectId").asText())
          .containsExactly(ops);
      assertThat(projects(api, ann, beta))
          .extracting(p -> p.path("projectId").asText())
          .containsExactly(betaProject);
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  static String create(Client api, User user, String name) throws Exception {
    return body(ok(api.post(user, "/v1/organizations", "{\"name\":\"" + name + "\"}")))
        .path("orgId")
        .asText();
  }

  static String createProject(Client api, User user, String name, String orgId) throws Exception {
    String json =
        orgId == null
            ? "{\"name\":\"" + name + "\"}"
            : "{\"name\":\"" + name + "\",\"orgId\":\"" + orgId + "\"}";
    return body(ok(api.post(user, "/v1/projects", json))).path("projectId").asText();
  }

  static java.net.http.HttpResponse<String> addMember(
      Client api, User user, String orgId, String email, boolean admin) throws Exception {
    return api.post(
        user,
        "/v1/organizations/" + orgId + "/members",
        "{\"email\":\"" + email + "\",\"admin\":" + admin + "}");
  }

  /** The user's organizations, the first page, which must be the last. */
  static List<JsonNode> organizations(Client api, User user) throws Exception {
    return onlyPage(body(ok(api.get(user, "/v1/organizations"))), "organizations");
  }

  /** The organization's projects the user sees, the first page, which must be the last. */
  static List<JsonNode> projects(Client api, User user, String orgId) throws Exception {
    return onlyPage(
        body(ok(api.get(user, "/v1/organizations/" + orgId + "/projects"))), "projects");
  }

  static List<JsonNode> onlyPage(JsonNode page, String field) {
    assertThat(page.path("nextPageToken").asText()).isEmpty();
    List<JsonNode> items = new ArrayList<>();
    page.path(field).forEach(items::add);
    return items;
  }

  /** The {@code id} of every entry of a list, read in pages of {@code size}. */
  static List<String> walk(Client api, User user, String path, String field, String id, int size)
      throws Exception {
    List<String> ids = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      JsonNode page = body(ok(api.get(user, path + "?pageSize=" + size + "&pageToken=" + token)));
      assertThat(page.path(field).size()).isLessThanOrEqualTo(size);
      page.path(field).forEach(entry -> ids.add(entry.path(id).asText()));
      token = page.path("nextPageToken").asText();
      assertThat(++pages).as("pages of %s", path).isLessThan(20);
    } while (!token.isEmpty());
    return ids;
  }
}
