package dev.easel.project;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Organizations as their members use them: creating one makes its creator an admin; admins add
 * members by the email of their account (as admins or not) and remove them; members see the
 * organization and its members. Who may do what is decided by {@link ProjectPolicy}; to anyone who
 * is not a member an organization does not exist, so that its id cannot be probed.
 */
public final class Organizations {
  /** An organization as a member sees it, with the people among its members by user id. */
  public record MemberView(
      OrganizationEntity.OrganizationView organization,
      boolean callerIsAdmin,
      Map<String, People.Person> people) {}

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
          Projects.invalid("name is required, at most " + Projects.MAX_NAME + " characters"));
    }
    String orgId = "o_" + Projects.randomHex(12);
    return organization(orgId)
        .<OrganizationEntity.Result>ask(
            replyTo -> new OrganizationEntity.Create(stripped, userId, replyTo), askTimeout)
        .thenCompose(
            created -> {
              accepted(created);
              return get(userId, orgId);
            });
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
          Projects.invalid("email is required, at most " + Projects.MAX_EMAIL + " characters"));
    }
    return authorized(userId, orgId, ProjectPolicy.OrganizationAction.MANAGE_MEMBERS)
        .thenCompose(allowed -> projects.accountOf(address))
        .thenCompose(
            memberId ->
                change(
                    orgId,
                    replyTo -> new OrganizationEntity.AddMember(memberId, admin, userId, replyTo)))
        .thenCompose(done -> get(userId, orgId));
  }

  /** Removes member {@code memberId}; admins only, and never the last admin. */
  public CompletionStage<Void> removeMember(String userId, String orgId, String memberId) {
    if (memberId == null || !Projects.ID.matcher(memberId).matches()) {
      return Projects.failed(
          Projects.invalid("userId must be 1 to 128 letters, digits, '-', '_' or '.'"));
    }
    return authorized(userId, orgId, ProjectPolicy.OrganizationAction.MANAGE_MEMBERS)
        .thenCompose(
            allowed ->
                change(
                    orgId,
                    replyTo -> new OrganizationEntity.RemoveMember(memberId, userId, replyTo)));
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
          Projects.invalid("organization id must be 1 to 128 letters, digits, '-', '_' or '.'"));
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

  private static void accepted(OrganizationEntity.Result result) {
    if (result instanceof OrganizationEntity.Refused refused) {
      throw Projects.refusal(new ProjectEntity.Refused(refused.code(), refused.message()));
    }
  }

  private EntityRef<OrganizationEntity.Command> organization(String orgId) {
    return sharding.entityRefFor(OrganizationEntity.KEY, orgId);
  }
}
