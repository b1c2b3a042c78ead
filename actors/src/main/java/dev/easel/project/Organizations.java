package dev.easel.project;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Organizations as their members use them: creating one makes its creator an admin; admins add
 * members by the email of their account (as admins or not) and remove them; members see the
 * organization and its members, and its projects: admins all of them, other members those they are
 * members of. Who may do what is decided by {@link ProjectPolicy}; to anyone who is not a member an
 * organization does not exist, so that its id cannot be probed.
 *
 * <p>After each change of members the user's {@link MembershipEntity} index is updated before the
 * change is answered, so that "my organizations" lists it at once; the organization stays the
 * authority on who is a member, and the list shows only what it confirms.
 */
public final class Organizations {
  /** The name of the index of a user's organizations, which its page tokens carry. */
  private static final String YOUR_ORGANIZATIONS = "your organizations";

  /** An organization as a member sees it, with the people among its members by user id. */
  public record MemberView(
      OrganizationEntity.OrganizationView organization,
      boolean callerIsAdmin,
      Map<String, People.Person> people) {}

  /**
   * An organization in the caller's list: whether the caller is an admin, and since when a member.
   */
  public record Listed(
      OrganizationEntity.OrganizationView organization, boolean callerIsAdmin, Instant since) {}

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final Projects projects;
  private final People people;

  public Organizations(ActorSystem<?> system, Projects projects, People people) {
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = system.settings().config().getDuration("easel.canvas.ask-timeout");
    this.projects = projects;
    this.people = people;
  }

  /** Creates an organization named {@code name} with the caller as its first admin. */
  public CompletionStage<MemberView> create(String userId, String name) {
    String stripped = name == null ? "" : name.strip();
    if (stripped.isEmpty() || stripped.length() > Projects.MAX_NAME) {
      return Projects.failed(
          Projects.invalid(
              "name", "name is required, at most " + Projects.MAX_NAME + " characters"));
    }
    String orgId = "o_" + Projects.randomHex(12);
    return organization(orgId)
        .<OrganizationEntity.Result>ask(
            replyTo -> new OrganizationEntity.Create(stripped, userId, replyTo), askTimeout)
        .thenCompose(
            created -> {
              accepted(created);
              return joined(userId, orgId, true);
            })
        .thenCompose(done -> get(userId, orgId));
  }

  /**
   * A page of the organizations {@code userId} is a member of, in the order it joined them: {@code
   * pageSize} of them (0: 50, at most 200) after {@code pageToken} (empty: from the first).
   */
  public CompletionStage<OrderedPages.Page<Listed>> listFor(
      String userId, int pageSize, String pageToken) {
    int size;
    OrderedPages.Place after;
    try {
      size = OrderedPages.size(pageSize);
      after = OrderedPages.after(YOUR_ORGANIZATIONS, pageToken);
    } catch (Projects.Refusal refusal) {
      return Projects.failed(refusal);
    }
    return memberships(userId)
        .<MembershipEntity.OrganizationMemberships>ask(
            MembershipEntity.ListOrganizations::new, askTimeout)
        .thenCompose(
            indexed -> {
              List<OrderedPages.Place> places = new ArrayList<>();
              for (MembershipEntity.OrganizationMembership m : indexed.organizations()) {
                places.add(new OrderedPages.Place(m.since(), m.orgId()));
              }
              return OrderedPages.collect(
                  YOUR_ORGANIZATIONS,
                  places,
                  after,
                  size,
                  place ->
                      organization(place.id())
                          .<OrganizationEntity.OrganizationView>ask(
                              OrganizationEntity.Get::new, askTimeout)
                          .thenApply(view -> listed(view, userId)));
            });
  }

  /**
   * A page of the live projects of the organization that the caller may see, in the order they were
   * created: all of them for an admin of the organization (who manages their members), those the
   * caller is a member of for other members; {@code pageSize} of them (0: 50, at most 200) after
   * {@code pageToken} (empty: from the first). Refused as not found for anyone who is not a member
   * of the organization.
   */
  public CompletionStage<OrderedPages.Page<Projects.MemberView>> listProjects(
      String userId, String orgId, int pageSize, String pageToken) {
    if (orgId == null || !Projects.ID.matcher(orgId).matches()) {
      return Projects.failed(
          Projects.invalid(
              "orgId", "organization id must be 1 to 128 letters, digits, '-', '_' or '.'"));
    }
    String index = "the projects of organization " + orgId;
    int size;
    OrderedPages.Place after;
    try {
      size = OrderedPages.size(pageSize);
      after = OrderedPages.after(index, pageToken);
    } catch (Projects.Refusal refusal) {
      return Projects.failed(refusal);
    }
    return organization(orgId)
        .<OrganizationEntity.OrganizationProjects>ask(
            OrganizationEntity.GetProjects::new, askTimeout)
        .thenCompose(
            listed -> {
              require(listed.organization(), userId, ProjectPolicy.OrganizationAction.READ);
              boolean admin = isAdmin(listed.organization(), userId);
              // An admin may see every project; other members only look where they are members.
              CompletionStage<Set<String>> mine =
                  admin
                      ? CompletableFuture.completedFuture(null)
                      : projects.indexedProjects(userId);
              return mine.thenCompose(
                  memberOf -> {
                    List<OrderedPages.Place> places = new ArrayList<>();
                    for (OrganizationEntity.ProjectEntry entry : listed.projects()) {
                      if (memberOf == null || memberOf.contains(entry.projectId())) {
                        places.add(new OrderedPages.Place(entry.addedAt(), entry.projectId()));
                      }
                    }
                    return OrderedPages.collect(
                        index,
                        places,
                        after,
                        size,
                        place ->
                            projects
                                .view(place.id())
                                .thenApply(view -> visible(view, orgId, userId, admin)));
                  });
            })
        .thenCompose(this::withPeople);
  }

  /** The organization, for one of its members. */
  public CompletionStage<MemberView> get(String userId, String orgId) {
    return authorized(userId, orgId, ProjectPolicy.OrganizationAction.READ)
        .thenCompose(view -> shown(view, userId));
  }

  /** Adds the account that uses {@code email} as a member, an admin or not; admins only. */
  public CompletionStage<MemberView> addMember(
      String userId, String orgId, String email, boolean admin) {
    String address = email == null ? "" : email.strip();
    if (address.isEmpty() || address.length() > Projects.MAX_EMAIL) {
      return Projects.failed(
          Projects.invalid(
              "email", "email is required, at most " + Projects.MAX_EMAIL + " characters"));
    }
    return authorized(userId, orgId, ProjectPolicy.OrganizationAction.MANAGE_MEMBERS)
        .thenCompose(allowed -> projects.accountOf(address))
        .thenCompose(
            memberId ->
                change(
                        orgId,
                        replyTo ->
                            new OrganizationEntity.AddMember(memberId, admin, userId, replyTo))
                    .thenCompose(done -> joined(memberId, orgId, admin)))
        .thenCompose(done -> get(userId, orgId));
  }

  /** Removes member {@code memberId}; admins only, and never the last admin. */
  public CompletionStage<Void> removeMember(String userId, String orgId, String memberId) {
    if (memberId == null || !Projects.ID.matcher(memberId).matches()) {
      return Projects.failed(
          Projects.invalid("userId", "userId must be 1 to 128 letters, digits, '-', '_' or '.'"));
    }
    return authorized(userId, orgId, ProjectPolicy.OrganizationAction.MANAGE_MEMBERS)
        .thenCompose(
            allowed ->
                change(
                    orgId,
                    replyTo -> new OrganizationEntity.RemoveMember(memberId, userId, replyTo)))
        .thenCompose(done -> left(memberId, orgId));
  }

  /**
   * The organizations that would be left without an admin if {@code userId} went: it is their only
   * admin and others are members. An account is not deleted while it has any.
   */
  public CompletionStage<List<OrganizationEntity.OrganizationView>> soleAdministrations(
      String userId) {
    return organizationsOf(userId)
        .thenApply(
            views ->
                views.stream()
                    .filter(
                        view ->
                            isAdmin(view, userId)
                                && view.members().size() > 1
                                && view.members().stream()
                                        .filter(OrganizationEntity.Member::admin)
                                        .count()
                                    == 1)
                    .toList());
  }

  /**
   * Takes a deleted account out of its organizations. An organization it was the only member of
   * keeps it (nobody else can reach the organization, and an organization is never left without an
   * admin). Each organization is tried even when another fails.
   */
  public CompletionStage<Void> removeAccount(String userId) {
    return organizationsOf(userId)
        .thenCompose(
            views -> {
              List<CompletableFuture<Void>> left = new ArrayList<>();
              for (OrganizationEntity.OrganizationView view : views) {
                if (view.members().size() < 2) continue;
                left.add(
                    change(
                            view.orgId(),
                            replyTo -> new OrganizationEntity.RemoveMember(userId, userId, replyTo))
                        .thenCompose(done -> left(userId, view.orgId()))
                        .toCompletableFuture());
              }
              return CompletableFuture.allOf(left.toArray(CompletableFuture[]::new));
            });
  }

  /** Every organization that counts {@code userId} as a member now. */
  private CompletionStage<List<OrganizationEntity.OrganizationView>> organizationsOf(
      String userId) {
    return memberships(userId)
        .<MembershipEntity.OrganizationMemberships>ask(
            MembershipEntity.ListOrganizations::new, askTimeout)
        .thenCompose(
            indexed -> {
              List<CompletableFuture<OrganizationEntity.OrganizationView>> views =
                  new ArrayList<>();
              for (MembershipEntity.OrganizationMembership m : indexed.organizations()) {
                views.add(
                    organization(m.orgId())
                        .<OrganizationEntity.OrganizationView>ask(
                            OrganizationEntity.Get::new, askTimeout)
                        .toCompletableFuture());
              }
              return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
                  .thenApply(
                      done ->
                          views.stream()
                              .map(CompletableFuture::join)
                              .filter(
                                  view ->
                                      view.exists()
                                          && view.members().stream()
                                              .anyMatch(m -> m.userId().equals(userId)))
                              .toList());
            });
  }

  /** Whether {@code userId} is an admin of the organization. */
  static boolean isAdmin(OrganizationEntity.OrganizationView view, String userId) {
    if (!view.exists()) return false;
    for (OrganizationEntity.Member member : view.members()) {
      if (member.userId().equals(userId)) return member.admin();
    }
    return false;
  }

  /**
   * Throws the refusal for {@code userId} doing {@code action} in the organization, if {@link
   * ProjectPolicy} does not allow it: not found for someone who is not a member.
   */
  static void require(
      OrganizationEntity.OrganizationView view,
      String userId,
      ProjectPolicy.OrganizationAction action) {
    boolean member = false;
    boolean admin = false;
    if (view.exists()) {
      for (OrganizationEntity.Member m : view.members()) {
        if (m.userId().equals(userId)) {
          member = true;
          admin = m.admin();
        }
      }
    }
    if (!ProjectPolicy.allowsInOrganization(member, admin, ProjectPolicy.OrganizationAction.READ)) {
      throw new Projects.Refusal(
          Projects.Refusal.Kind.NOT_FOUND,
          ProjectError.ORGANIZATION_NOT_FOUND.name(),
          "There is no organization " + view.orgId());
    }
    if (!ProjectPolicy.allowsInOrganization(member, admin, action)) {
      throw new Projects.Refusal(
          Projects.Refusal.Kind.PERMISSION_DENIED,
          "PERMISSION_DENIED",
          "Only an admin of the organization may manage its members");
    }
  }

  private CompletionStage<OrganizationEntity.OrganizationView> authorized(
      String userId, String orgId, ProjectPolicy.OrganizationAction action) {
    if (orgId == null || !Projects.ID.matcher(orgId).matches()) {
      return Projects.failed(
          Projects.invalid(
              "orgId", "organization id must be 1 to 128 letters, digits, '-', '_' or '.'"));
    }
    return organization(orgId)
        .<OrganizationEntity.OrganizationView>ask(OrganizationEntity.Get::new, askTimeout)
        .thenApply(
            view -> {
              require(view, userId, action);
              return view;
            });
  }

  private CompletionStage<MemberView> shown(
      OrganizationEntity.OrganizationView view, String userId) {
    List<String> ids = new ArrayList<>();
    for (OrganizationEntity.Member member : view.members()) ids.add(member.userId());
    return people
        .lookUp(ids)
        .thenApply(found -> new MemberView(view, isAdmin(view, userId), found));
  }

  private CompletionStage<Void> change(
      String orgId,
      Function<ActorRef<OrganizationEntity.Result>, OrganizationEntity.Command> command) {
    return organization(orgId)
        .<OrganizationEntity.Result>ask(command::apply, askTimeout)
        .thenAccept(Organizations::accepted);
  }

  /** The organization as listed for {@code userId}: empty unless it confirms the membership. */
  private static Optional<Listed> listed(OrganizationEntity.OrganizationView view, String userId) {
    if (!view.exists()) return Optional.empty();
    for (OrganizationEntity.Member member : view.members()) {
      if (member.userId().equals(userId)) {
        return Optional.of(new Listed(view, member.admin(), member.since()));
      }
    }
    return Optional.empty();
  }

  /**
   * The project for {@code userId} in the list of organization {@code orgId}: empty unless it is
   * live, still belongs to the organization and {@link ProjectPolicy} lets the caller read it.
   */
  private static Optional<Projects.Access> visible(
      ProjectEntity.ProjectView view, String orgId, String userId, boolean orgAdmin) {
    if (!orgId.equals(view.orgId())) return Optional.empty();
    ProjectPolicy.Standing standing = Projects.standingOf(view, userId, orgAdmin);
    return ProjectPolicy.decide(standing, ProjectPolicy.Action.READ)
            == ProjectPolicy.Decision.ALLOWED
        ? Optional.of(new Projects.Access(view, standing))
        : Optional.empty();
  }

  /** The projects of a page as their callers see them, with the people among their members. */
  private CompletionStage<OrderedPages.Page<Projects.MemberView>> withPeople(
      OrderedPages.Page<Projects.Access> page) {
    Set<String> ids = new LinkedHashSet<>();
    for (Projects.Access access : page.items()) {
      access.view().members().forEach(member -> ids.add(member.userId()));
    }
    return people
        .lookUp(ids)
        .thenApply(
            found ->
                new OrderedPages.Page<>(
                    page.items().stream()
                        .map(a -> new Projects.MemberView(a.view(), a.standing().role(), found))
                        .toList(),
                    page.nextPageToken()));
  }

  private CompletionStage<Void> joined(String userId, String orgId, boolean admin) {
    return memberships(userId)
        .<MembershipEntity.Result>ask(
            replyTo -> new MembershipEntity.JoinOrganization(orgId, admin, replyTo), askTimeout)
        .thenAccept(Organizations::recorded);
  }

  private CompletionStage<Void> left(String userId, String orgId) {
    return memberships(userId)
        .<MembershipEntity.Result>ask(
            replyTo -> new MembershipEntity.LeaveOrganization(orgId, replyTo), askTimeout)
        .thenAccept(Organizations::recorded);
  }

  private static void recorded(MembershipEntity.Result result) {
    if (result instanceof MembershipEntity.Refused refused) {
      throw new IllegalStateException("membership not recorded: " + refused.message());
    }
  }

  static void accepted(OrganizationEntity.Result result) {
    if (result instanceof OrganizationEntity.Refused refused) {
      throw Projects.refusal(new ProjectEntity.Refused(refused.code(), refused.message()));
    }
  }

  private EntityRef<OrganizationEntity.Command> organization(String orgId) {
    return sharding.entityRefFor(OrganizationEntity.KEY, orgId);
  }

  private EntityRef<MembershipEntity.Command> memberships(String userId) {
    return sharding.entityRefFor(MembershipEntity.KEY, userId);
  }
}
