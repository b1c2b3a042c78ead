package dev.easel.project;

import com.typesafe.config.Config;
import dev.easel.identity.EmailIndexEntity;
import dev.easel.identity.RequestOrigin;
import dev.easel.mail.Delivery;
import dev.easel.mail.MailQuota;
import dev.easel.mail.Mailer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invitations to a project by email. An owner (or an admin of the project's organization) invites
 * an address with a role and gets back a link holding a signed, expiring token ({@link
 * InvitationTokens}). When mail is on ({@code easel.mail}), the link is also mailed to the address
 * ({@link InvitationLetter}, sent by the {@link Mailer}) and the answer says whether that worked;
 * an invitation whose mail failed stands, and the owner passes its link on. Each user may have
 * {@code easel.mail.invitations-per-user} invitation emails sent per period ({@link MailQuota}).
 * The signed-in user whose account uses that address accepts it and becomes a member with the
 * invited role (or keeps a higher one). The project keeps only the token's hash and accepts each
 * invitation once, unless it was revoked or expired. Creating, revoking and accepting take the
 * {@link RequestOrigin} of the request, which the project's audit log shows; the forms without one
 * record none.
 */
public final class Invitations {
  private static final Logger log = LoggerFactory.getLogger(Invitations.class);
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+");

  /**
   * A new invitation: its link ({@code acceptUrl}), the token in it, and whether the link was
   * mailed to the invited address ({@code mail}). The token is a secret of the invited person and
   * is not shown by {@link #toString()}.
   */
  public record Created(
      String invitationId,
      String email,
      ProjectRole role,
      String token,
      Instant expiresAt,
      String acceptUrl,
      Delivery mail) {
    @Override
    public String toString() {
      return "Created[invitationId=" + invitationId + ", role=" + role + ", mail=" + mail + "]";
    }

    Created mailed(Delivery delivery) {
      return new Created(invitationId, email, role, token, expiresAt, acceptUrl, delivery);
    }
  }

  private final Projects projects;
  private final InvitationTokens tokens;
  private final Clock clock;
  private final Duration lifetime;
  private final String acceptUrl;
  private final Duration askTimeout;
  private final Mailer mailer;
  private final MailQuota quota;

  /** Invitations whose links are mailed by {@code mailer} (which may be off). */
  public Invitations(
      ActorSystem<?> system,
      Projects projects,
      InvitationTokens tokens,
      Mailer mailer,
      Clock clock) {
    Config config = system.settings().config();
    this.projects = projects;
    this.tokens = tokens;
    this.mailer = mailer;
    this.quota = MailQuota.invitations(mailer.settings(), clock);
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

  /**
   * As {@link #create(String, String, String, String)}, asked from {@code origin}. The invitation
   * is made first; then, with mail on, its link is mailed, and the answer waits for that (at most
   * {@code easel.mail.timeout}). A mail that cannot be sent leaves the invitation standing: {@link
   * Created#mail()} says why it was not sent.
   */
  public CompletionStage<Created> create(
      String userId, String projectId, String email, String role, RequestOrigin origin) {
    String address = email == null ? "" : EmailIndexEntity.normalize(email);
    if (address.length() > Projects.MAX_EMAIL || !EMAIL.matcher(address).matches()) {
      return Projects.failed(
          Projects.invalid(
              "email",
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
                            acceptUrl + "#token=" + token,
                            Delivery.OFF);
                      })
                  .thenCompose(created -> mail(userId, allowed.view(), created));
            });
  }

  /** Mails {@code created}'s link to its address when mail is on; never fails. */
  private CompletionStage<Created> mail(
      String userId, ProjectEntity.ProjectView project, Created created) {
    if (!mailer.on()) return CompletableFuture.completedFuture(created);
    if (!quota.take(userId)) {
      log.warn(
          "mail: invitation {} to project {} not mailed: its inviter reached the limit ({})",
          created.invitationId(),
          project.projectId(),
          quota.describe());
      return CompletableFuture.completedFuture(
          created.mailed(
              Delivery.failed(
                  "you reached the limit of invitation emails ("
                      + quota.describe()
                      + "); pass the link on yourself")));
    }
    return projects
        .people()
        .lookUp(userId)
        .thenCompose(
            inviter ->
                mailer.send(
                    InvitationLetter.compose(
                        created.invitationId(),
                        project.projectId(),
                        inviter == null ? "" : inviter.displayName(),
                        project.name(),
                        created.role(),
                        created.email(),
                        created.acceptUrl(),
                        created.expiresAt())))
        .exceptionally(
            e -> {
              log.warn(
                  "mail: invitation {} to project {} not mailed: {}",
                  created.invitationId(),
                  project.projectId(),
                  e.toString());
              return Delivery.failed("the invitation email could not be prepared");
            })
        .thenApply(created::mailed);
  }

  /**
   * A page of the project's invitations that wait to be accepted and have not expired, oldest
   * first: {@code pageSize} of them (0: 50, at most 200) after {@code pageToken} (empty: from the
   * first).
   */
  public CompletionStage<OrderedPages.Page<ProjectEntity.InvitationView>> pending(
      String userId, String projectId, int pageSize, String pageToken) {
    String index = "invitations of " + projectId;
    int size;
    try {
      size = OrderedPages.size(pageSize);
      OrderedPages.after(index, pageToken);
    } catch (Projects.Refusal refusal) {
      return Projects.failed(refusal);
    }
    return pending(userId, projectId)
        .thenApply(
            all ->
                OrderedPages.slice(
                    index,
                    all,
                    i -> new OrderedPages.Place(i.invitedAt(), i.inviteId()),
                    size,
                    pageToken,
                    false));
  }

  /**
   * The invitations of the project that wait to be accepted and have not expired, in the order they
   * were made; for a caller who may manage them.
   */
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
          Projects.invalid(
              "invitationId", "invitationId must be 1 to 128 letters, digits, '-', '_' or '.'"));
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
                  "The invitation token was refused: " + e.getMessage(),
                  "token"));
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
