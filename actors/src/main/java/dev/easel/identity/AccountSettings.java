package dev.easel.identity;

import dev.easel.Etags;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What signed-in users change about their own account: profile, password, two-step sign-in (TOTP
 * authenticator and recovery codes), and deleting the account. Every call names the account by the
 * user id of the caller's verified access token; refusals are {@link Accounts.Refusal}s.
 *
 * <p>Changes that would let someone holding a stolen access token take the account over need the
 * caller to confirm who they are: the current password, or for an account with two-step sign-in a
 * code from its authenticator (whose time step is then used up, as at sign-in). A wrong password or
 * code is refused with {@code PERMISSION_DENIED} and reason {@code REAUTHENTICATION_FAILED} (or the
 * code's own reason), not as an expired sign-in.
 *
 * <p>TOTP secrets are generated here, shown to the user once at enrollment, and stored only sealed
 * by the {@link SecretBox}; recovery codes are shown once and stored as digests. A password change
 * ends every other sign-in of the account (its {@link UserSessionsEntity}); deletion erases the
 * account ({@link UserEntity.Delete}), releases its email address and ends every sign-in.
 *
 * <p>Each change is recorded in the account's {@link SecurityLog} with the {@link RequestOrigin}
 * the edge passes, before it is answered (deletion closes and erases the log); the methods without
 * an origin record one from nowhere known.
 */
public final class AccountSettings {
  /** A wrong password or code where the caller had to confirm who they are. */
  public static final String REAUTHENTICATION_FAILED = "REAUTHENTICATION_FAILED";

  /** An account without a password whose sign-in is too old to confirm who it is. */
  public static final String REAUTHENTICATION_REQUIRED = "REAUTHENTICATION_REQUIRED";

  /** A step that needs a password, asked of an account that signs in through a provider only. */
  public static final String NO_PASSWORD = "NO_PASSWORD";

  private static final Logger log = LoggerFactory.getLogger(AccountSettings.class);

  /**
   * A new authenticator: its base32 {@code secret} and the {@code otpauthUri} that authenticator
   * apps read from a QR code. Shown to the user once; never logged.
   */
  public record TotpEnrollment(String secret, String otpauthUri) {
    @Override
    public String toString() {
      return "TotpEnrollment[<redacted>]";
    }
  }

  /**
   * Fresh recovery codes, to show the user once. Each works once, in place of an authenticator
   * code.
   */
  public record IssuedRecoveryCodes(List<String> codes) {
    public IssuedRecoveryCodes {
      codes = List.copyOf(codes);
    }

    @Override
    public String toString() {
      return "IssuedRecoveryCodes[" + codes.size() + " codes, <redacted>]";
    }
  }

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final PasswordHasher passwords;
  private final Totp totp = new Totp();
  private final SecondFactorCheck secondFactors;
  private final Executor hashing;
  private final SecurityLog securityLog;
  private final Clock clock;
  private final Duration reauthenticationWindow;

  public AccountSettings(
      ActorSystem<?> system, PasswordHasher passwords, SecretBox secrets, Clock clock) {
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = system.settings().config().getDuration("easel.canvas.ask-timeout");
    this.passwords = passwords;
    this.secondFactors = new SecondFactorCheck(secrets, totp, clock);
    this.hashing = system.dispatchers().lookup(DispatcherSelector.blocking());
    this.securityLog = new SecurityLog(system, clock);
    this.clock = clock;
    this.reauthenticationWindow =
        system.settings().config().getDuration("easel.identity.reauthentication-window");
  }

  // ---- profile --------------------------------------------------------------------------------

  /**
   * Changes the name and avatar others see and answers the account as it is then. A null argument
   * keeps what is there; an empty {@code avatarUrl} removes the avatar.
   */
  public CompletionStage<UserEntity.UserView> updateProfile(
      String userId, String displayName, String avatarUrl) {
    return updateProfile(userId, displayName, avatarUrl, RequestOrigin.UNKNOWN);
  }

  /** Changes the profile as {@link #updateProfile(String, String, String)}, recorded. */
  public CompletionStage<UserEntity.UserView> updateProfile(
      String userId, String displayName, String avatarUrl, RequestOrigin origin) {
    return updateProfile(userId, displayName, avatarUrl, null, origin);
  }

  /**
   * Changes the profile as {@link #updateProfile(String, String, String)}, recorded; with {@code
   * expectedEtag} (not null) only if the account's etag is still that, else refused as {@link
   * Accounts.Refusal.Kind#ABORTED} with reason {@link Etags#MISMATCH} and nothing changes. The
   * account checks the etag and applies the change in one step.
   */
  public CompletionStage<UserEntity.UserView> updateProfile(
      String userId,
      String displayName,
      String avatarUrl,
      String expectedEtag,
      RequestOrigin origin) {
    String name;
    String avatar;
    try {
      name = displayName == null ? null : AccountProfile.displayName(displayName);
      avatar = avatarUrl == null ? null : AccountProfile.avatarUrl(avatarUrl);
    } catch (Accounts.Refusal refusal) {
      return CompletableFuture.failedFuture(refusal);
    }
    // An avatar removed is sent as "", one left as it is as null.
    String avatarChange = avatarUrl == null ? null : avatar == null ? "" : avatar;
    return change(
            userId,
            replyTo -> new UserEntity.ChangeProfile(name, avatarChange, expectedEtag, replyTo))
        .thenCompose(
            changed ->
                record(
                    userId,
                    SecurityLogEntity.Kind.PROFILE_CHANGED,
                    changedFields(name, avatarUrl),
                    origin))
        .thenCompose(changed -> view(userId));
  }

  // ---- password -------------------------------------------------------------------------------

  /**
   * Replaces the password after checking the current one, then ends every other sign-in of the
   * account: all but {@code keepSessionId} (the caller's own, from its access token; null ends them
   * all). Access tokens already issued stay valid until they expire (15 minutes by default).
   */
  public CompletionStage<Void> changePassword(
      String userId, String currentPassword, String newPassword, String keepSessionId) {
    return changePassword(
        userId, currentPassword, newPassword, keepSessionId, RequestOrigin.UNKNOWN);
  }

  /**
   * Replaces the password as {@link #changePassword(String, String, String, String)} does, and
   * records it with {@code origin}.
   */
  public CompletionStage<Void> changePassword(
      String userId,
      String currentPassword,
      String newPassword,
      String keepSessionId,
      RequestOrigin origin) {
    if (currentPassword == null || currentPassword.isEmpty()) {
      return invalid("currentPassword", "currentPassword is required");
    }
    if (currentPassword.length() > Accounts.MAX_TYPED_PASSWORD) {
      return invalid("currentPassword", "currentPassword is too long");
    }
    return activeCredentials(userId)
        .thenComposeAsync(
            credentials -> {
              String problem = PasswordHasher.problemWith(newPassword, credentials.email());
              if (problem != null) {
                throw Accounts.Refusal.invalid("newPassword", "newPassword: " + problem);
              }
              if (newPassword.equals(currentPassword)) {
                throw Accounts.Refusal.invalid(
                    "newPassword", "newPassword must differ from the current one");
              }
              if (!passwords.verify(currentPassword.toCharArray(), credentials.passwordHash())) {
                throw new Accounts.Refusal(
                    Accounts.Refusal.Kind.PERMISSION_DENIED,
                    REAUTHENTICATION_FAILED,
                    "currentPassword is wrong");
              }
              String hash = passwords.hash(newPassword.toCharArray());
              return change(userId, replyTo -> new UserEntity.ChangePassword(hash, replyTo));
            },
            hashing)
        .thenCompose(changed -> endSignIns(userId, keepSessionId, "password changed"))
        .thenCompose(
            ended ->
                record(
                    userId,
                    SecurityLogEntity.Kind.PASSWORD_CHANGED,
                    "every other sign-in was ended",
                    origin));
  }

  // ---- deletion -------------------------------------------------------------------------------

  /**
   * Deletes the account after the caller confirmed who they are (its password, or a code of its
   * authenticator): its personal data is erased, its email address released (it may register
   * again), and every sign-in ended. Later sign-ins and refreshes fail, and its access tokens are
   * refused wherever the account is looked up.
   */
  public CompletionStage<Void> delete(String userId, String password, String totpCode) {
    return delete(userId, password, totpCode, RequestOrigin.UNKNOWN);
  }

  /**
   * Deletes the account as {@link #delete(String, String, String)} does; its security log records
   * the deletion with {@code origin}, is closed (nobody reads it again) and its events are deleted.
   */
  public CompletionStage<Void> delete(
      String userId, String password, String totpCode, RequestOrigin origin) {
    return delete(userId, password, totpCode, null, origin);
  }

  /**
   * Deletes the account as {@link #delete(String, String, String, RequestOrigin)} does. An account
   * without a password (it signs in through an identity provider only) and without an authenticator
   * confirms who it is by its sign-in instead: {@code sessionId}, the caller's sign-in, must have
   * started within {@code easel.identity.reauthentication-window}, that is, the person signed in at
   * the provider just before.
   */
  public CompletionStage<Void> delete(
      String userId, String password, String totpCode, String sessionId, RequestOrigin origin) {
    String code;
    try {
      code = SecondFactorCheck.totpCode(totpCode, "totpCode");
    } catch (Accounts.Refusal refusal) {
      return CompletableFuture.failedFuture(refusal);
    }
    return activeCredentials(userId)
        .thenCompose(
            credentials ->
                (credentials.passwordHash() == null
                            && (password == null || password.isEmpty())
                            && code == null
                            && !credentials.totpEnabled()
                        ? freshSignIn(userId, sessionId)
                        : reauthenticate(credentials, password, code))
                    .thenCompose(
                        confirmed -> change(userId, replyTo -> new UserEntity.Delete(replyTo)))
                    .thenCompose(
                        deleted ->
                            releaseEmail(userId, credentials.email())
                                .thenCompose(
                                    released -> endSignIns(userId, null, "account deleted"))
                                .thenCompose(ended -> securityLog.accountDeleted(userId, origin))));
  }

  /**
   * Passes when sign-in {@code sessionId} of {@code userId} is live and started within the
   * reauthentication window; refused with {@link #REAUTHENTICATION_REQUIRED} otherwise.
   */
  private CompletionStage<Void> freshSignIn(String userId, String sessionId) {
    Accounts.Refusal stale =
        new Accounts.Refusal(
            Accounts.Refusal.Kind.PERMISSION_DENIED,
            REAUTHENTICATION_REQUIRED,
            "confirm it is you: sign in again with your identity provider, then retry within "
                + reauthenticationWindow.toMinutes()
                + " minutes");
    if (sessionId == null || sessionId.isBlank()) return CompletableFuture.failedFuture(stale);
    return sharding
        .entityRefFor(SessionEntity.KEY, sessionId)
        .<SessionEntity.SessionView>ask(SessionEntity.Get::new, askTimeout)
        .thenApply(
            session -> {
              boolean fresh =
                  userId.equals(session.userId())
                      && !session.revoked()
                      && session.startedAt() != null
                      && session.startedAt().isAfter(clock.instant().minus(reauthenticationWindow));
              if (!fresh) throw stale;
              return null;
            });
  }

  private CompletionStage<Void> releaseEmail(String userId, String email) {
    return sharding
        .entityRefFor(EmailIndexEntity.KEY, EmailIndexEntity.entityId(email))
        .<EmailIndexEntity.Result>ask(
            replyTo -> new EmailIndexEntity.Release(userId, replyTo), askTimeout)
        .handle(
            (released, failure) -> {
              if (failure != null || released instanceof EmailIndexEntity.Refused) {
                // Registering with the address takes it over from the deleted account anyway.
                log.warn(
                    "the email address of deleted account {} was not released: {}",
                    userId,
                    failure != null ? failure.toString() : released);
              }
              return null;
            });
  }

  // ---- two-step sign-in -----------------------------------------------------------------------

  /**
   * Starts enrolling an authenticator (replacing one not yet confirmed): a new random secret,
   * stored sealed, shown this once. It counts for sign-in once {@link #confirmTotp} has checked a
   * first code.
   */
  public CompletionStage<TotpEnrollment> enrollTotp(String userId) {
    return enrollTotp(userId, RequestOrigin.UNKNOWN);
  }

  /**
   * Starts enrolling as {@link #enrollTotp(String)} does; the secret is answered only once the
   * enrollment is recorded.
   */
  public CompletionStage<TotpEnrollment> enrollTotp(String userId, RequestOrigin origin) {
    return activeCredentials(userId)
        .thenCompose(
            credentials -> {
              if (credentials.totpEnabled()) {
                throw new Accounts.Refusal(
                    Accounts.Refusal.Kind.FAILED_PRECONDITION,
                    IdentityError.TOTP_ALREADY_ENABLED.name(),
                    "two-step sign-in is on already: disable it before enrolling another"
                        + " authenticator");
              }
              if (credentials.passwordHash() == null) {
                throw new Accounts.Refusal(
                    Accounts.Refusal.Kind.FAILED_PRECONDITION,
                    NO_PASSWORD,
                    "this account signs in through an identity provider, whose own second factor"
                        + " applies; Easel's two-step sign-in protects password sign-in");
              }
              String secret = Totp.newSecret();
              String sealed = secondFactors.seal(userId, secret);
              String label =
                  credentials.email().indexOf(':') < 0 ? credentials.email() : credentials.userId();
              TotpEnrollment enrollment =
                  new TotpEnrollment(secret, totp.otpauthUri(label, secret));
              return change(userId, replyTo -> new UserEntity.EnrollTotp(sealed, replyTo))
                  .thenCompose(
                      enrolled ->
                          record(
                              userId,
                              SecurityLogEntity.Kind.MFA_ENROLLED,
                              "an authenticator app, not yet confirmed",
                              origin))
                  .thenApply(recorded -> enrollment);
            });
  }

  /**
   * Turns two-step sign-in on: checks the account's password (it changes how the account signs in,
   * so a stolen access token alone cannot lock its owner out) and a first code of the enrolled
   * authenticator, then issues the recovery codes, to show once. They are answered only once it is
   * recorded in the security log with {@code origin}.
   */
  public CompletionStage<IssuedRecoveryCodes> confirmTotp(
      String userId, String typedCode, String password, RequestOrigin origin) {
    String code;
    try {
      code = requiredCode(typedCode, "code");
    } catch (Accounts.Refusal refusal) {
      return CompletableFuture.failedFuture(refusal);
    }
    return activeCredentials(userId)
        .thenCompose(
            credentials -> {
              if (credentials.totpEnabled()) {
                throw new Accounts.Refusal(
                    Accounts.Refusal.Kind.FAILED_PRECONDITION,
                    IdentityError.TOTP_ALREADY_ENABLED.name(),
                    "two-step sign-in is on already");
              }
              if (credentials.totpSecretEncrypted() == null) {
                throw notEnrolled();
              }
              return reauthenticate(credentials, password, null)
                  .thenApply(confirmed -> credentials);
            })
        .thenCompose(
            credentials ->
                switch (secondFactors.checkTotp(credentials, code)) {
                  case SecondFactorCheck.Failed failed ->
                      throw new Accounts.Refusal(
                          failed.reason().equals(SecondFactorCheck.TOTP_SECRET_UNREADABLE)
                              ? Accounts.Refusal.Kind.FAILED_PRECONDITION
                              : Accounts.Refusal.Kind.INVALID,
                          failed.reason(),
                          failed.message(),
                          "code");
                  case SecondFactorCheck.TotpMatched matched ->
                      change(
                          userId, replyTo -> new UserEntity.ConfirmTotp(matched.step(), replyTo));
                  case SecondFactorCheck.RecoveryCodeMatched matched ->
                      throw new IllegalStateException("a TOTP check matched a recovery code");
                })
        // Two-step sign-in is on from here; should storing the codes fail, the user makes new
        // ones with a code of the authenticator.
        .thenCompose(confirmed -> issueRecoveryCodes(userId))
        .thenCompose(
            issued ->
                record(
                        userId,
                        SecurityLogEntity.Kind.MFA_ENABLED,
                        issued.codes().size() + " recovery codes issued",
                        origin)
                    .thenApply(recorded -> issued));
  }

  /**
   * Turns two-step sign-in off (or drops an authenticator not yet confirmed) after the caller
   * confirmed who they are: the password, or a code of the authenticator.
   */
  public CompletionStage<Void> disableTotp(String userId, String password, String totpCode) {
    return disableTotp(userId, password, totpCode, RequestOrigin.UNKNOWN);
  }

  /** Turns two-step sign-in off as {@link #disableTotp(String, String, String)} does, recorded. */
  public CompletionStage<Void> disableTotp(
      String userId, String password, String totpCode, RequestOrigin origin) {
    String code;
    try {
      code = SecondFactorCheck.totpCode(totpCode, "totpCode");
    } catch (Accounts.Refusal refusal) {
      return CompletableFuture.failedFuture(refusal);
    }
    return activeCredentials(userId)
        .thenCompose(
            credentials -> {
              if (credentials.totpSecretEncrypted() == null) throw notEnabled();
              return reauthenticate(credentials, password, code);
            })
        .thenCompose(confirmed -> change(userId, UserEntity.DisableTotp::new))
        .thenCompose(
            disabled ->
                record(
                    userId,
                    SecurityLogEntity.Kind.MFA_DISABLED,
                    code != null
                        ? "confirmed with an authenticator code"
                        : "confirmed with the password",
                    origin));
  }

  /**
   * Replaces the recovery codes with new ones, to show once, after checking a code of the
   * authenticator: the old codes stop working.
   */
  public CompletionStage<IssuedRecoveryCodes> regenerateRecoveryCodes(
      String userId, String totpCode) {
    return regenerateRecoveryCodes(userId, totpCode, RequestOrigin.UNKNOWN);
  }

  /**
   * Replaces the recovery codes as {@link #regenerateRecoveryCodes(String, String)} does; the new
   * codes are answered only once it is recorded.
   */
  public CompletionStage<IssuedRecoveryCodes> regenerateRecoveryCodes(
      String userId, String totpCode, RequestOrigin origin) {
    String code;
    try {
      code = requiredCode(totpCode, "totpCode");
    } catch (Accounts.Refusal refusal) {
      return CompletableFuture.failedFuture(refusal);
    }
    return activeCredentials(userId)
        .thenCompose(
            credentials -> {
              if (!credentials.totpEnabled()) throw notEnabled();
              return reauthenticate(credentials, null, code);
            })
        .thenCompose(confirmed -> issueRecoveryCodes(userId))
        .thenCompose(
            issued ->
                record(
                        userId,
                        SecurityLogEntity.Kind.RECOVERY_CODES_REGENERATED,
                        issued.codes().size() + " new codes; the earlier ones stopped working",
                        origin)
                    .thenApply(recorded -> issued));
  }

  private CompletionStage<IssuedRecoveryCodes> issueRecoveryCodes(String userId) {
    RecoveryCodes.Issued issued = RecoveryCodes.generate();
    return change(
            userId, replyTo -> new UserEntity.SetRecoveryCodes(issued.stored().digests(), replyTo))
        .thenApply(set -> new IssuedRecoveryCodes(issued.codes()));
  }

  // ---- shared ---------------------------------------------------------------------------------

  /** Records a change in the account's security log; fails if it cannot be recorded. */
  private CompletionStage<Void> record(
      String userId, SecurityLogEntity.Kind kind, String detail, RequestOrigin origin) {
    return securityLog.record(userId, kind, detail, origin);
  }

  /** Which profile fields a change set, by name (never their values). */
  private static String changedFields(String displayName, String avatarUrl) {
    List<String> fields = new ArrayList<>();
    if (displayName != null) fields.add("displayName");
    if (avatarUrl != null) fields.add(avatarUrl.isEmpty() ? "avatarUrl removed" : "avatarUrl");
    return fields.isEmpty() ? "nothing" : String.join(", ", fields);
  }

  /**
   * Checks that the caller is the account's owner: every credential sent must be right, and at
   * least one must be sent. A TOTP code's time step is used up, as at sign-in.
   */
  private CompletionStage<Void> reauthenticate(
      UserEntity.Credentials credentials, String password, String totpCode) {
    boolean withPassword = password != null && !password.isEmpty();
    if (!withPassword && totpCode == null) {
      return invalid(
          "password",
          credentials.totpEnabled()
              ? "confirm it is you: send password or totpCode"
              : "confirm it is you: send password");
    }
    if (totpCode != null && !credentials.totpEnabled()) {
      return invalid(
          "totpCode", "this account has no authenticator: confirm it is you with password");
    }
    if (withPassword && password.length() > Accounts.MAX_TYPED_PASSWORD) {
      return invalid("password", "password is too long");
    }
    CompletionStage<Void> passwordChecked =
        !withPassword
            ? CompletableFuture.completedFuture(null)
            : CompletableFuture.runAsync(
                () -> {
                  if (!passwords.verify(password.toCharArray(), credentials.passwordHash())) {
                    throw new Accounts.Refusal(
                        Accounts.Refusal.Kind.PERMISSION_DENIED,
                        REAUTHENTICATION_FAILED,
                        "the password is wrong");
                  }
                },
                hashing);
    if (totpCode == null) return passwordChecked;
    return passwordChecked.thenCompose(
        passed ->
            switch (secondFactors.checkTotp(credentials, totpCode)) {
              case SecondFactorCheck.Failed failed ->
                  throw new Accounts.Refusal(
                      Accounts.Refusal.Kind.PERMISSION_DENIED, failed.reason(), failed.message());
              case SecondFactorCheck.TotpMatched matched ->
                  change(
                          credentials.userId(),
                          replyTo -> new UserEntity.RecordTotpStep(matched.step(), replyTo))
                      .thenApply(recorded -> (Void) null);
              case SecondFactorCheck.RecoveryCodeMatched matched ->
                  throw new IllegalStateException("a TOTP check matched a recovery code");
            });
  }

  /**
   * Ends the account's sign-ins but {@code keepSessionId} (null: all): revokes their refresh-token
   * families, then drops them from the index.
   */
  private CompletionStage<Void> endSignIns(String userId, String keepSessionId, String reason) {
    EntityRef<UserSessionsEntity.Command> index =
        sharding.entityRefFor(UserSessionsEntity.KEY, userId);
    return index
        .<UserSessionsEntity.Sessions>ask(UserSessionsEntity.GetSessions::new, askTimeout)
        .thenCompose(
            sessions -> {
              List<String> ending = new ArrayList<>();
              List<CompletableFuture<SessionEntity.Result>> revocations = new ArrayList<>();
              for (UserSessionsEntity.SessionEntry entry : sessions.sessions()) {
                if (entry.familyId().equals(keepSessionId)) continue;
                ending.add(entry.familyId());
                revocations.add(
                    sharding
                        .entityRefFor(SessionEntity.KEY, entry.familyId())
                        .<SessionEntity.Result>ask(
                            replyTo -> new SessionEntity.Revoke(reason, replyTo), askTimeout)
                        .toCompletableFuture());
              }
              if (ending.isEmpty()) return CompletableFuture.completedFuture(null);
              return CompletableFuture.allOf(revocations.toArray(CompletableFuture[]::new))
                  .thenCompose(
                      revoked ->
                          index.<UserSessionsEntity.Result>ask(
                              replyTo -> new UserSessionsEntity.ForgetSessions(ending, replyTo),
                              askTimeout))
                  .thenApply(forgotten -> (Void) null);
            });
  }

  /** The account's credentials, or a refusal if it no longer exists. */
  private CompletionStage<UserEntity.Credentials> activeCredentials(String userId) {
    return user(userId)
        .<UserEntity.Credentials>ask(UserEntity.GetCredentials::new, askTimeout)
        .thenApply(
            credentials -> {
              if (credentials.status() != UserEntity.Status.ACTIVE) throw gone();
              return credentials;
            });
  }

  private CompletionStage<UserEntity.UserView> view(String userId) {
    return user(userId)
        .<UserEntity.UserView>ask(UserEntity.Get::new, askTimeout)
        .thenApply(
            view -> {
              if (view.status() != UserEntity.Status.ACTIVE) throw gone();
              return view;
            });
  }

  /** Sends a change to the account; a refusal becomes the {@link Accounts.Refusal} to answer. */
  private CompletionStage<UserEntity.Result> change(
      String userId, Function<ActorRef<UserEntity.Result>, UserEntity.Command> command) {
    return user(userId)
        .<UserEntity.Result>ask(command::apply, askTimeout)
        .thenApply(
            result -> {
              if (result instanceof UserEntity.Refused refused) throw refusal(refused);
              return result;
            });
  }

  private static Accounts.Refusal refusal(UserEntity.Refused refused) {
    return switch (refused.code()) {
      case USER_NOT_FOUND, USER_DELETED -> gone();
      case INVALID_ARGUMENT ->
          new Accounts.Refusal(Accounts.Refusal.Kind.INVALID, refused.message());
      case ETAG_MISMATCH ->
          new Accounts.Refusal(Accounts.Refusal.Kind.ABORTED, Etags.MISMATCH, refused.message());
      case TOTP_ALREADY_ENABLED, TOTP_NOT_ENROLLED, TOTP_NOT_ENABLED ->
          new Accounts.Refusal(
              Accounts.Refusal.Kind.FAILED_PRECONDITION, refused.code().name(), refused.message());
      case TOTP_STEP_REUSED ->
          new Accounts.Refusal(
              Accounts.Refusal.Kind.PERMISSION_DENIED,
              SecondFactorCheck.TOTP_CODE_REUSED,
              "this authenticator code was used already: wait for the app to show the next one");
      default ->
          throw new IllegalStateException(
              "account change refused: " + refused.code() + " " + refused.message());
    };
  }

  private static String requiredCode(String typed, String field) {
    String code = SecondFactorCheck.totpCode(typed, field);
    if (code == null) {
      throw Accounts.Refusal.invalid(
          field, field + " is required: the 6 digits the authenticator app shows");
    }
    return code;
  }

  private static Accounts.Refusal notEnrolled() {
    return new Accounts.Refusal(
        Accounts.Refusal.Kind.FAILED_PRECONDITION,
        IdentityError.TOTP_NOT_ENROLLED.name(),
        "there is no authenticator to confirm: enroll one first (POST /v1/users/me/totp:enroll)");
  }

  private static Accounts.Refusal notEnabled() {
    return new Accounts.Refusal(
        Accounts.Refusal.Kind.FAILED_PRECONDITION,
        IdentityError.TOTP_NOT_ENABLED.name(),
        "two-step sign-in is off for this account");
  }

  private static Accounts.Refusal gone() {
    return new Accounts.Refusal(
        Accounts.Refusal.Kind.UNAUTHENTICATED, "this account no longer exists");
  }

  private static <T> CompletionStage<T> invalid(String field, String message) {
    return CompletableFuture.failedFuture(Accounts.Refusal.invalid(field, message));
  }

  private EntityRef<UserEntity.Command> user(String userId) {
    return sharding.entityRefFor(UserEntity.KEY, userId);
  }
}
