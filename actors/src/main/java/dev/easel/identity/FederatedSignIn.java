package dev.easel.identity;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Sign-in through an external identity provider (an OpenID provider, or GitHub), once the edge has
 * verified what the provider says about the person:
 *
 * <ol>
 *   <li>an identity linked to an account before ({@link IdentityIndexEntity}) signs in to it;
 *   <li>otherwise the account that holds the same email address ({@link EmailIndexEntity}) is
 *       linked to the identity and signed in, provided the provider verified that address;
 *   <li>otherwise a new account without a password is created with the address and linked.
 * </ol>
 *
 * An address the provider did not verify never links to an account nor creates one: whoever
 * controls such an identity could type someone else's address, take over their account, or keep
 * them from signing up. Two first sign-ins racing for the same identity or address end in one
 * account: the index entities grant each to one account, and the loser starts over once.
 *
 * <p>The account's {@link SecurityLog} records a new account ({@link
 * SecurityLogEntity.Kind#ACCOUNT_CREATED}), a new link ({@link
 * SecurityLogEntity.Kind#IDENTITY_LINKED}) and every sign-in ({@link
 * SecurityLogEntity.Kind#SIGNED_IN_WITH_PROVIDER}), each naming the provider.
 */
public final class FederatedSignIn {
  private static final int MAX_SUBJECT = 255;

  /**
   * What a provider said about the person signing in, after its token or API answer was verified.
   *
   * @param provider the configured provider name
   * @param subject the provider's stable id of the person ({@code sub}, GitHub's numeric id)
   * @param email the address the provider gave, or null
   * @param emailVerified whether the provider says the person owns {@code email}
   * @param displayName the person's name as the provider gave it, or null
   */
  public record ExternalIdentity(
      String provider, String subject, String email, boolean emailVerified, String displayName) {}

  /** Why a sign-in through a provider was refused; the message is for the person signing in. */
  public static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Reason reason;

    /** Why, for the edge to choose a status. */
    public enum Reason {
      /** The provider gave no usable identity or address. */
      INVALID,
      /**
       * The provider did not verify the address: it is neither linked nor used for a new account.
       */
      EMAIL_NOT_VERIFIED,
      /** The account with this address is linked to another identity of the same provider. */
      LINKED_TO_ANOTHER_IDENTITY,
      /**
       * The account cannot be signed in to now (being created, or in a race that did not settle).
       */
      UNAVAILABLE
    }

    public Refusal(Reason reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }

    public Reason reason() {
      return reason;
    }
  }

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final Accounts accounts;
  private final SecurityLog securityLog;

  public FederatedSignIn(ActorSystem<?> system, Accounts accounts) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = system.settings().config().getDuration("easel.canvas.ask-timeout");
    this.accounts = accounts;
    this.securityLog = new SecurityLog(system, Clock.systemUTC());
  }

  /** Finds, links or creates the account of {@code identity} and starts a session for it. */
  public CompletionStage<Accounts.Tokens> signIn(ExternalIdentity identity) {
    return signIn(identity, RequestOrigin.UNKNOWN);
  }

  /**
   * Finds, links or creates the account of {@code identity} and starts a session for it, recorded
   * in the account's security log with {@code origin}.
   */
  public CompletionStage<Accounts.Tokens> signIn(ExternalIdentity identity, RequestOrigin origin) {
    if (blank(identity.provider()) || blank(identity.subject())) {
      return refused(Refusal.Reason.INVALID, "the provider did not say who signed in (no subject)");
    }
    if (identity.subject().length() > MAX_SUBJECT) {
      return refused(Refusal.Reason.INVALID, "the provider's subject is longer than 255 chars");
    }
    return signIn(identity, 1, origin);
  }

  private CompletionStage<Accounts.Tokens> signIn(
      ExternalIdentity identity, int retries, RequestOrigin origin) {
    var index = identityIndex(identity);
    return index
        .<IdentityIndexEntity.Holder>ask(IdentityIndexEntity.Lookup::new, askTimeout)
        .thenCompose(
            holder -> {
              if (!holder.claimed()) return linkOrCreate(identity, retries, origin);
              return credentials(holder.userId())
                  .thenCompose(
                      account -> {
                        if (account.status() == UserEntity.Status.ACTIVE) {
                          return startSession(identity, holder.userId(), origin);
                        }
                        // The account was deleted (or never finished registering): the identity
                        // is free again.
                        return index
                            .<IdentityIndexEntity.Result>ask(
                                replyTo ->
                                    new IdentityIndexEntity.Release(holder.userId(), replyTo),
                                askTimeout)
                            .thenCompose(released -> linkOrCreate(identity, retries, origin));
                      });
            });
  }

  private CompletionStage<Accounts.Tokens> linkOrCreate(
      ExternalIdentity identity, int retries, RequestOrigin origin) {
    String provider = identity.provider();
    if (blank(identity.email())) {
      return refused(
          Refusal.Reason.INVALID,
          provider + " did not share an email address: allow Easel to read it and try again");
    }
    String email = EmailIndexEntity.normalize(identity.email());
    if (!Accounts.EMAIL.matcher(email).matches()) {
      return refused(Refusal.Reason.INVALID, provider + " gave an email that is not an address");
    }
    if (!identity.emailVerified()) {
      return refused(
          Refusal.Reason.EMAIL_NOT_VERIFIED,
          provider
              + " has not verified that you own "
              + email
              + ", so Easel does not link it to an account nor create one with it: verify the"
              + " address at "
              + provider
              + ", or sign in with your password");
    }
    return sharding
        .entityRefFor(EmailIndexEntity.KEY, EmailIndexEntity.entityId(email))
        .<EmailIndexEntity.Holder>ask(EmailIndexEntity.Lookup::new, askTimeout)
        .thenCompose(
            holder ->
                holder.claimed()
                    ? linkExisting(identity, holder.userId(), retries, origin)
                    : create(identity, email, retries, origin));
  }

  private CompletionStage<Accounts.Tokens> linkExisting(
      ExternalIdentity identity, String userId, int retries, RequestOrigin origin) {
    return credentials(userId)
        .thenCompose(
            account -> {
              if (account.status() != UserEntity.Status.ACTIVE) {
                throw new Refusal(
                    Refusal.Reason.UNAVAILABLE,
                    "the account with this email cannot be signed in to now; try again later");
              }
              return claimIdentity(identity, userId);
            })
        .thenCompose(
            claimed -> {
              if (!claimed) return retry(identity, retries, origin);
              return link(identity, userId, origin)
                  .thenCompose(linked -> startSession(identity, userId, origin));
            });
  }

  private CompletionStage<Accounts.Tokens> create(
      ExternalIdentity identity, String email, int retries, RequestOrigin origin) {
    String userId = Accounts.newUserId();
    var emailIndex = sharding.entityRefFor(EmailIndexEntity.KEY, EmailIndexEntity.entityId(email));
    return claimIdentity(identity, userId)
        .thenCompose(
            identityClaimed -> {
              if (!identityClaimed) return retry(identity, retries, origin);
              return emailIndex
                  .<EmailIndexEntity.Result>ask(
                      replyTo -> new EmailIndexEntity.Claim(userId, replyTo), askTimeout)
                  .thenCompose(
                      emailClaimed -> {
                        if (emailClaimed instanceof EmailIndexEntity.Refused) {
                          // Someone signed up with the address meanwhile: start over, to link.
                          return releaseIdentity(identity, userId)
                              .thenCompose(released -> retry(identity, retries, origin));
                        }
                        return user(userId)
                            .<UserEntity.Result>ask(
                                replyTo ->
                                    new UserEntity.Register(
                                        email, null, displayName(identity, email), replyTo),
                                askTimeout)
                            .thenCompose(
                                registered -> {
                                  if (registered instanceof UserEntity.Refused refused) {
                                    emailIndex.tell(
                                        new EmailIndexEntity.Release(userId, system.ignoreRef()));
                                    identityIndex(identity)
                                        .tell(
                                            new IdentityIndexEntity.Release(
                                                userId, system.ignoreRef()));
                                    throw new Refusal(Refusal.Reason.INVALID, refused.message());
                                  }
                                  return securityLog.record(
                                      userId,
                                      SecurityLogEntity.Kind.ACCOUNT_CREATED,
                                      "with " + identity.provider(),
                                      origin);
                                })
                            .thenCompose(created -> link(identity, userId, origin))
                            .thenCompose(linked -> startSession(identity, userId, origin));
                      });
            });
  }

  /** Whether the identity index granted the identity to {@code userId}. */
  private CompletionStage<Boolean> claimIdentity(ExternalIdentity identity, String userId) {
    return identityIndex(identity)
        .<IdentityIndexEntity.Result>ask(
            replyTo -> new IdentityIndexEntity.Claim(userId, replyTo), askTimeout)
        .thenApply(result -> result instanceof IdentityIndexEntity.Accepted);
  }

  private CompletionStage<IdentityIndexEntity.Result> releaseIdentity(
      ExternalIdentity identity, String userId) {
    return identityIndex(identity)
        .ask(replyTo -> new IdentityIndexEntity.Release(userId, replyTo), askTimeout);
  }

  /**
   * Records the link in the account and its security log; refuses (and frees the index) if it has
   * another one.
   */
  private CompletionStage<Void> link(
      ExternalIdentity identity, String userId, RequestOrigin origin) {
    return user(userId)
        .<UserEntity.Result>ask(
            replyTo ->
                new UserEntity.LinkIdentity(identity.provider(), identity.subject(), replyTo),
            askTimeout)
        .thenCompose(
            linked -> {
              if (!(linked instanceof UserEntity.Refused refused)) {
                return securityLog.record(
                    userId, SecurityLogEntity.Kind.IDENTITY_LINKED, identity.provider(), origin);
              }
              return releaseIdentity(identity, userId)
                  .thenApply(
                      released -> {
                        throw refused.code() == IdentityError.IDENTITY_ALREADY_LINKED
                            ? new Refusal(
                                Refusal.Reason.LINKED_TO_ANOTHER_IDENTITY,
                                "the Easel account with this email is linked to another "
                                    + identity.provider()
                                    + " account; sign in with that one")
                            : new Refusal(Refusal.Reason.UNAVAILABLE, refused.message());
                      });
            });
  }

  /** Starts a session for the account, recorded as a sign-in with the identity's provider. */
  private CompletionStage<Accounts.Tokens> startSession(
      ExternalIdentity identity, String userId, RequestOrigin origin) {
    return accounts.startSession(
        userId, SecurityLogEntity.Kind.SIGNED_IN_WITH_PROVIDER, identity.provider(), origin);
  }

  private CompletionStage<Accounts.Tokens> retry(
      ExternalIdentity identity, int retries, RequestOrigin origin) {
    if (retries <= 0) {
      return refused(
          Refusal.Reason.UNAVAILABLE,
          "another sign-in with this identity or email is under way; try again");
    }
    return signIn(identity, retries - 1, origin);
  }

  private CompletionStage<UserEntity.Credentials> credentials(String userId) {
    return user(userId).ask(UserEntity.GetCredentials::new, askTimeout);
  }

  private static String displayName(ExternalIdentity identity, String email) {
    String name = identity.displayName() == null ? "" : identity.displayName().strip();
    if (name.isEmpty()) name = email.substring(0, email.indexOf('@'));
    return name.length() > Accounts.MAX_DISPLAY_NAME
        ? name.substring(0, Accounts.MAX_DISPLAY_NAME)
        : name;
  }

  private EntityRef<IdentityIndexEntity.Command> identityIndex(ExternalIdentity identity) {
    return sharding.entityRefFor(
        IdentityIndexEntity.KEY,
        IdentityIndexEntity.entityId(identity.provider(), identity.subject()));
  }

  private EntityRef<UserEntity.Command> user(String userId) {
    return sharding.entityRefFor(UserEntity.KEY, userId);
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  private static <T> CompletionStage<T> refused(Refusal.Reason reason, String message) {
    return CompletableFuture.failedFuture(new Refusal(reason, message));
  }
}
