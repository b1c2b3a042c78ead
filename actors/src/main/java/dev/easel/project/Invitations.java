package dev.easel.project;

import com.typesafe.config.Config;
import dev.easel.identity.EmailIndexEntity;
import dev.easel.identity.RequestOrigin;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Invitations to a project by email. An owner (or an admin of the project's organization) invites
 * an address with a role and gets back a link holding a signed, expiring token ({@link
 * InvitationTokens}); Easel sends no mail, so the owner passes the link on. The signed-in user
 * whose account uses that address accepts it and becomes a member with the invited role (or keeps a
 * higher one). The project keeps only the token's hash and accepts each invitation once, unless it
 * was revoked or expired. Creating, revoking and accepting take the {@link RequestOrigin} of the
 * request, which the project's audit log shows; the forms without one record none.
 */
public final class Invitations {
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+");

  /**
   * A new invitation: its link ({@code acceptUrl}) and the token in it. The token is a secret of
   * the invited person and is not shown by {@link #toString()}.
   */
  public record Created(
      String invitationId,
      String email,
      ProjectRole role,
      String token,
      Instant expiresAt,
      String acceptUrl) {
    @Override
    public String toString() {
      return "Created[invitationId=" + invitationId + ", role=" + role + "]";
    }
  }

  private final Projects projects;
  private final InvitationTokens tokens;
  private final Clock clock;
  private final Duration lifetime;
  private final String acceptUrl;
  private final Duration askTimeout;

  public Invitations(
      ActorSystem<?> system, Projects projects, InvitationTokens tokens, Clock clock) {
    Config config = system.settings().config();
    this.projects = projects;
    this.tokens = tokens;
    this.clock = clock;
    this.lifetime = config.getDuration("easel.projects.invitation-lifetime");
    this.acceptUrl = config.getString("easel.projects.invitation-accept-url");
    this.askTimeout = config.getDuration("easel.canvas.ask-timeout");
    if (lifetime.toSeconds() < 1) {
      throw new IllegalArgumentException("easel.projects.invitation-lifetime must be positive");
    }
  }

  /** Invites {@code email} to the project with {@code role} (a wire name). */
  public CompletionStage<Created> create(
      String userId, String projectId, String email, String role) {
    return create(userId, projectId, email, role, RequestOrigin.UNKNOWN);
  }

  /** As {@link #create(String, String, String, String)}, asked from {@code origin}. */
  public CompletionStage<Created> create(
      String userId, String projectId, String email, String role, RequestOrigin origin) {
    String address = email == null ? "" : EmailIndexEntity.normalize(email);
    if (address.length() > Projects.MAX_EMAIL || !EMAIL.matcher(address).matches()) {
      return Projects.failed(
          Projects.invalid(
              "email must be an email address, at most " + Projects.MAX_EMAIL + " characters"));
    }
    ProjectRole invitedRole;
    try {
      invitedRole = Projects.parseRole(role);
    } catch (Projects.Refusal refusal) {
      return Projects.failed(refusal);
    }
    String invitationId = "i_" + Projects.randomHex(12);
    Instant expiresAt = clock.instant().plus(lifetime).truncatedTo(ChronoUnit.SECONDS);
    return projects
        .authorized(userId, projectId, ProjectPolicy.Action.INVITE)
        .thenCompose(
            allowed -> {
              String token =
                  tokens.issue(
                      new InvitationTokens.Invitation(projectId, invitationId, address, expiresAt));
              return projects
                  .project(projectId)
                  .<ProjectEntity.Result>ask(
                      replyTo ->
                          new ProjectEntity.Invite(
                              address,
                              invitedRole,
                              invitationId,
                              InvitationTokens.hash(token),
                              expiresAt,
                              userId,
                              ProjectEntity.Origin.of(origin),
                              replyTo),
                      askTimeout)
                  .thenApply(
                      invited -> {
                        Projects.accepted(invited);
                        return new Created(
                            invitationId,
                            address,
                            invitedRole,
                            token,
                            expiresAt,
                            acceptUrl + "#token=" + token);
                      });
            });
  }

  /** The project's invitations that wait to be accepted and have not expired, oldest first. */
  public CompletionStage<List<ProjectEntity.InvitationView>> pending(
      String userId, String projectId) {
    return projects
        .authorized(userId, projectId, ProjectPolicy.Action.INVITE)
        .thenApply(
            allowed -> {
              Instant now = clock.instant();
              return allowed.view().invitations().stream()
                  .filter(i -> i.acceptedBy() == null && now.isBefore(i.expiresAt()))
                  .toList();
            });
  }

  /** Withdraws an invitation that was not accepted yet: its link stops working. */
  public CompletionStage<Void> revoke(String userId, String projectId, String invitationId) {
    return revoke(userId, projectId, invitationId, RequestOrigin.UNKNOWN);
  }

  /** As {@link #revoke(String, String, String)}, asked from {@code origin}. */
  public CompletionStage<Void> revoke(
      String userId, String projectId, String invitationId, RequestOrigin origin) {
    if (invitationId == null || !Projects.ID.matcher(invitationId).matches()) {
      return Projects.failed(
          Projects.invalid("invitationId must be 1 to 128 letters, digits, '-', '_' or '.'"));
    }
    return projects
        .authorized(userId, projectId, ProjectPolicy.Action.INVITE)
        .thenCompose(
            allowed ->
                projects
                    .project(projectId)
                    .<ProjectEntity.Result>ask(
                        replyTo ->
                            new ProjectEntity.RevokeInvite(
                                invitationId, userId, ProjectEntity.Origin.of(origin), replyTo),
                        askTimeout))
        .thenAccept(Projects::accepted);
  }

  /**
   * The signed-in {@code userId} accepts the invitation in {@code token}: its account must use the
   * invited address. Returns the project as the new member sees it.
   */
  public CompletionStage<Projects.MemberView> accept(String userId, String token) {
    return accept(userId, token, RequestOrigin.UNKNOWN);
  }

  /** As {@link #accept(String, String)}, asked from {@code origin}. */
  public CompletionStage<Projects.MemberView> accept(
      String userId, String token, RequestOrigin origin) {
    InvitationTokens.Invitation invitation;
    try {
      invitation = tokens.verify(token);
    } catch (InvitationTokens.InvalidInvitation e) {
      return Projects.failed(
          e.expired()
              ? new Projects.Refusal(
                  Projects.Refusal.Kind.FAILED_PRECONDITION,
                  ProjectError.INVITE_EXPIRED.name(),
                  "This invitation expired; ask for a new one")
              : new Projects.Refusal(
                  Projects.Refusal.Kind.INVALID,
                  ProjectError.INVITE_INVALID.name(),
                  "The invitation token was refused: " + e.getMessage()));
    }
    String projectId = invitation.projectId();
    return projects
        .people()
        .lookUp(userId)
        .thenCompose(
            person -> {
              if (person.email().isEmpty()
                  || !EmailIndexEntity.normalize(person.email()).equals(invitation.email())) {
                throw new Projects.Refusal(
                    Projects.Refusal.Kind.PERMISSION_DENIED,
                    "INVITE_OTHER_EMAIL",
                    "This invitation was sent to another email address; sign in with the account"
                        + " that uses it");
              }
              return projects
                  .project(projectId)
                  .<ProjectEntity.Result>ask(
                      replyTo ->
                          new ProjectEntity.AcceptInvite(
                              invitation.invitationId(),
                              InvitationTokens.hash(token),
                              userId,
                              clock.instant(),
                              ProjectEntity.Origin.of(origin),
                              replyTo),
                      askTimeout);
            })
        .thenCompose(
            result -> {
              if (result instanceof ProjectEntity.Refused refused
                  && refused.code() == ProjectError.INVITE_NOT_FOUND) {
                throw new Projects.Refusal(
                    Projects.Refusal.Kind.NOT_FOUND,
                    ProjectError.INVITE_NOT_FOUND.name(),
                    "This invitation was revoked");
              }
              Projects.accepted(result);
              return projects.view(projectId);
            })
        .thenCompose(
            view -> {
              ProjectRole role = null;
              for (ProjectEntity.Member member : view.members()) {
                if (member.userId().equals(userId)) role = member.role();
              }
              if (role == null) throw new IllegalStateException("accepted but not a member");
              return projects.join(userId, projectId, role);
            })
        .thenCompose(joined -> projects.get(userId, projectId));
  }
}
