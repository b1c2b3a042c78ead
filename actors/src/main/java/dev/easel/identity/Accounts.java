package dev.easel.identity;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Sign-up and sign-in across the identity entities: registering claims the email in {@link
 * EmailIndexEntity} before creating the {@link UserEntity}; logging in checks the Argon2id hash
 * and, for an account with two-step sign-in, a TOTP or recovery code ({@link SecondFactorCheck}),
 * then starts a refresh-token family in a {@link SessionEntity}, listed in the account's {@link
 * UserSessionsEntity}; refreshing rotates that family's secret (a spent one revokes the family) and
 * ends it if the account was deleted. Password hashing runs on the blocking dispatcher, never on a
 * connection's event loop. What a signed-in user changes about their account is {@link
 * AccountSettings}.
 *
 * <p>Registering, signing in (and failing to: a wrong password or second factor of an existing
 * account), signing out and a refresh token presented twice are recorded in the account's {@link
 * SecurityLog}, with the {@link RequestOrigin} the edge passes; tokens are answered only once their
 * sign-in is recorded.
 */
public final class Accounts {
  static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,255}\\.[^@\\s.]{2,63}");
  static final int MAX_DISPLAY_NAME = 200;

  /** The longest email address looked at: RFC 5321's limit on a path. */
  static final int MAX_EMAIL = 320;

  /** The longest password looked at when checking one; choosing one allows far less. */
  static final int MAX_TYPED_PASSWORD = 1024;

  /** The security log's reason for a sign-in with an existing account's wrong password. */
  public static final String WRONG_PASSWORD = "WRONG_PASSWORD";

  /** The access-token claim that names the sign-in (refresh-token family) it belongs to. */
  public static final String SESSION_CLAIM = "sid";

  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * Why an account operation was refused: {@code kind} decides the status, {@code reason} is a
   * stable machine code (such as {@code MFA_REQUIRED}), {@code message} is for people, and {@code
   * field}, for input that was refused, the request field at fault as the JSON mapping names it
   * ({@code displayName}, {@code pageToken}), which the edge reports as a field violation.
   */
  public static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Kind kind;
    private final String reason;
    private final String field;

    /** What kind of refusal, so the edge can map it to a status. */
    public enum Kind {
      INVALID,
      TAKEN,
      UNAUTHENTICATED,
      NOT_FOUND,
      /** The account is not in the state the operation needs (two-step sign-in on or off). */
      FAILED_PRECONDITION,
      /** The caller is signed in but did not confirm who they are (wrong password or code). */
      PERMISSION_DENIED,
      /** A conditional change whose condition no longer holds (a stale etag): nothing changed. */
      ABORTED
    }

    public Refusal(Kind kind, String message) {
      this(kind, null, message);
    }

    /** A refusal with its own reason; null takes the kind's default reason. */
    public Refusal(Kind kind, String reason, String message) {
      this(kind, reason, message, null);
    }

    /**
     * A refusal with its own reason (null: the kind's default) because of request field {@code
     * field} (its JSON name; null: none in particular).
     */
    public Refusal(Kind kind, String reason, String message, String field) {
      super(message, null, false, false);
      this.kind = kind;
      this.reason = reason;
      this.field = field;
    }

    /** Input refused because of request field {@code field} (its JSON name), saying why. */
    public static Refusal invalid(String field, String message) {
      return new Refusal(Kind.INVALID, null, message, field);
    }

    public Kind kind() {
      return kind;
    }

    /** The machine code of this refusal: its own reason, or the kind's default. */
    public String reason() {
      if (reason != null) return reason;
      return switch (kind) {
        case INVALID -> "INVALID_ARGUMENT";
        case TAKEN -> "ALREADY_EXISTS";
        case UNAUTHENTICATED -> "UNAUTHENTICATED";
        case NOT_FOUND -> "NOT_FOUND";
        case FAILED_PRECONDITION -> "FAILED_PRECONDITION";
        case PERMISSION_DENIED -> "PERMISSION_DENIED";
        case ABORTED -> "ABORTED";
      };
    }

    /** The request field at fault (its JSON name, such as {@code email}), or null. */
    public String field() {
      return field;
    }
  }

  /** A signed-in session: a short-lived access token and the refresh token that renews it. */
  public record Tokens(String accessToken, String refreshToken, Duration expiresIn) {
    @Override
    public String toString() {
      return "Tokens[<redacted>, expiresIn=" + expiresIn + "]";
    }
  }

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final PasswordHasher passwords;
  private final AccessTokens accessTokens;
  private final Clock clock;
  private final Executor hashing;

  private final Duration sessionLifetime;
  private final SecondFactorCheck secondFactors;
  private final SecurityLog securityLog;

  /**
   * @param secrets opens the sealed TOTP secrets that sign-in checks codes against
   */
  public Accounts(
      ActorSystem<?> system,
      PasswordHasher passwords,
      AccessTokens accessTokens,
      SecretBox secrets,
      Clock clock) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = system.settings().config().getDuration("easel.canvas.ask-timeout");
    this.passwords = passwords;
    this.accessTokens = accessTokens;
    this.clock = clock;
    this.hashing = system.dispatchers().lookup(DispatcherSelector.blocking());
    this.sessionLifetime =
        system.settings().config().getDuration("easel.identity.session.absolute-lifetime");
    this.secondFactors = new SecondFactorCheck(secrets, new Totp(), clock);
    this.securityLog = new SecurityLog(system, clock);
  }

  public AccessTokens accessTokens() {
    return accessTokens;
  }

  /** Creates an account and returns its user id. */
  public CompletionStage<String> register(String email, String password, String displayName) {
    return register(email, password, displayName, RequestOrigin.UNKNOWN);
  }

  /** Creates an account, records it in its security log, and returns its user id. */
  public CompletionStage<String> register(
      String email, String password, String displayName, RequestOrigin origin) {
    String normalized = email == null ? "" : EmailIndexEntity.normalize(email);
    if (!EMAIL.matcher(normalized).matches()) {
      return invalid("email", "email is not a valid address");
    }
    String problem = PasswordHasher.problemWith(password, normalized);
    if (problem != null) return invalid("password", problem);
    String name = displayName == null ? "" : displayName.strip();
    if (name.isEmpty() || name.length() > MAX_DISPLAY_NAME) {
      return invalid(
          "displayName", "displayName is required, at most " + MAX_DISPLAY_NAME + " chars");
    }
    String userId = newUserId();
    var emailIndex =
        sharding.entityRefFor(EmailIndexEntity.KEY, EmailIndexEntity.entityId(normalized));
    return CompletableFuture.supplyAsync(() -> passwords.hash(password.toCharArray()), hashing)
        .thenCompose(
            hash ->
                emailIndex
                    .<EmailIndexEntity.Result>ask(
                        replyTo -> new EmailIndexEntity.Claim(userId, replyTo), askTimeout)
                    .thenCompose(
                        claimed ->
                            claimed instanceof EmailIndexEntity.Refused
                                ? claimFromDeletedAccount(emailIndex, userId)
                                : CompletableFuture.completedFuture(claimed))
                    .thenCompose(
                        claimed -> {
                          if (claimed instanceof EmailIndexEntity.Refused) {
                            throw new Refusal(
                                Refusal.Kind.TAKEN, "an account with this email already exists");
                          }
                          return user(userId)
                              .<UserEntity.Result>ask(
                                  replyTo ->
                                      new UserEntity.Register(normalized, hash, name, replyTo),
                                  askTimeout);
                        })
                    .thenApply(
                        registered -> {
                          if (registered instanceof UserEntity.Refused refused) {
                            emailIndex.tell(
                                new EmailIndexEntity.Release(userId, system.ignoreRef()));
                            throw new Refusal(Refusal.Kind.INVALID, refused.message());
                          }
                          return userId;
                        }))
        .thenCompose(
            registered ->
                securityLog
                    .record(
                        registered,
                        SecurityLogEntity.Kind.ACCOUNT_CREATED,
                        "with a password",
                        origin)
                    .thenApply(recorded -> registered));
  }

  /**
   * An address held by an account that was deleted is free: its deletion released it, or should
   * have (a release that failed after the erasure is made good here). Claims it for {@code userId}
   * if so; otherwise answers the refusal.
   */
  private CompletionStage<EmailIndexEntity.Result> claimFromDeletedAccount(
      EntityRef<EmailIndexEntity.Command> emailIndex, String userId) {
    return emailIndex
        .<EmailIndexEntity.Holder>ask(EmailIndexEntity.Lookup::new, askTimeout)
        .thenCompose(
            holder -> {
              if (holder.userId() == null) {
                return emailIndex.<EmailIndexEntity.Result>ask(
                    replyTo -> new EmailIndexEntity.Claim(userId, replyTo), askTimeout);
              }
              return user(holder.userId())
                  .<UserEntity.UserView>ask(UserEntity.Get::new, askTimeout)
                  .thenCompose(
                      account -> {
                        if (account.status() != UserEntity.Status.DELETED) {
                          return CompletableFuture.completedFuture(
                              new EmailIndexEntity.Refused(
                                  IdentityError.EMAIL_TAKEN, "the address is held"));
                        }
                        return emailIndex
                            .<EmailIndexEntity.Result>ask(
                                replyTo -> new EmailIndexEntity.Release(holder.userId(), replyTo),
                                askTimeout)
                            .thenCompose(
                                released ->
                                    emailIndex.<EmailIndexEntity.Result>ask(
                                        replyTo -> new EmailIndexEntity.Claim(userId, replyTo),
                                        askTimeout));
                      });
            });
  }

  /** Checks email and password and starts a session, for an account without a second factor. */
  public CompletionStage<Tokens> login(String email, String password) {
    return login(email, password, null, null);
  }

  /**
   * Checks email, password and, for an account with two-step sign-in, the second factor, then
   * starts a session. An account whose authenticator is confirmed needs {@code totpCode} (a code of
   * a time step not used before) or {@code recoveryCode} (spent by this sign-in); without either
   * the refusal's reason is {@code MFA_REQUIRED}. The second factor is looked at only after the
   * password matched, so refusals do not tell which accounts have one.
   */
  public CompletionStage<Tokens> login(
      String email, String password, String totpCode, String recoveryCode) {
    return login(email, password, totpCode, recoveryCode, RequestOrigin.UNKNOWN);
  }

  /**
   * Signs in as {@link #login(String, String, String, String)} does, and records the sign-in (or,
   * for an existing account, the wrong password or second factor) in the account's security log
   * with {@code origin}.
   */
  public CompletionStage<Tokens> login(
      String email, String password, String totpCode, String recoveryCode, RequestOrigin origin) {
    String normalized = email == null ? "" : EmailIndexEntity.normalize(email);
    if (normalized.isEmpty()) return invalid("email", "email and password are required");
    if (password == null || password.isEmpty()) {
      return invalid("password", "email and password are required");
    }
    if (normalized.length() > MAX_EMAIL) return invalid("email", "email is too long");
    if (password.length() > MAX_TYPED_PASSWORD) return invalid("password", "password is too long");
    String totp;
    String recovery;
    try {
      totp = SecondFactorCheck.totpCode(totpCode, "totpCode");
      recovery = SecondFactorCheck.recoveryCode(recoveryCode, "recoveryCode");
    } catch (Refusal refusal) {
      return CompletableFuture.failedFuture(refusal);
    }
    if (totp != null && recovery != null) {
      return invalid("recoveryCode", "send totpCode or recoveryCode, not both");
    }
    return sharding
        .entityRefFor(EmailIndexEntity.KEY, EmailIndexEntity.entityId(normalized))
        .<EmailIndexEntity.Holder>ask(EmailIndexEntity.Lookup::new, askTimeout)
        .thenCompose(
            holder ->
                holder.userId() == null
                    ? CompletableFuture.completedFuture(null)
                    : user(holder.userId())
                        .<UserEntity.Credentials>ask(UserEntity.GetCredentials::new, askTimeout))
        .thenComposeAsync(
            credentials -> {
              boolean active =
                  credentials != null && credentials.status() == UserEntity.Status.ACTIVE;
              // Verify even for an unknown email, so timing does not tell which accounts exist.
              boolean matches =
                  passwords.verify(
                      password.toCharArray(), active ? credentials.passwordHash() : null);
              if (!active || !matches) {
                if (active) {
                  securityLog.recordInBackground(
                      credentials.userId(),
                      SecurityLogEntity.Kind.SIGN_IN_FAILED,
                      WRONG_PASSWORD,
                      origin);
                }
                throw new Refusal(Refusal.Kind.UNAUTHENTICATED, "wrong email or password");
              }
              if (!credentials.totpEnabled()) {
                return startSession(
                    credentials.userId(), SecurityLogEntity.Kind.SIGNED_IN, "password", origin);
              }
              return passSecondFactor(credentials, totp, recovery, origin)
                  .thenCompose(
                      method ->
                          startSession(
                              credentials.userId(),
                              SecurityLogEntity.Kind.SIGNED_IN,
                              "password and " + method,
                              origin));
            },
            hashing);
  }

  /**
   * Checks and uses up the second factor of a sign-in and answers which it was; fails with the
   * refusal to answer, after recording a wrong or reused code.
   */
  private CompletionStage<String> passSecondFactor(
      UserEntity.Credentials credentials,
      String totpCode,
      String recoveryCode,
      RequestOrigin origin) {
    if (totpCode == null && recoveryCode == null) {
      throw new Refusal(
          Refusal.Kind.UNAUTHENTICATED,
          SecondFactorCheck.MFA_REQUIRED,
          "this account has two-step sign-in: send totpCode (the 6 digits the authenticator app"
              + " shows) or recoveryCode along with the email and password");
    }
    SecondFactorCheck.Outcome outcome =
        totpCode != null
            ? secondFactors.checkTotp(credentials, totpCode)
            : secondFactors.checkRecoveryCode(credentials, recoveryCode);
    String userId = credentials.userId();
    return switch (outcome) {
      case SecondFactorCheck.Failed failed ->
          signInFailed(
              userId,
              new Refusal(Refusal.Kind.UNAUTHENTICATED, failed.reason(), failed.message()),
              origin);
      case SecondFactorCheck.TotpMatched matched ->
          change(userId, replyTo -> new UserEntity.RecordTotpStep(matched.step(), replyTo))
              .thenCompose(
                  result ->
                      result instanceof UserEntity.Refused refused
                          ? signInFailed(userId, secondFactorRefused(refused), origin)
                          : CompletableFuture.completedFuture("authenticator code"));
      case SecondFactorCheck.RecoveryCodeMatched matched ->
          change(userId, replyTo -> new UserEntity.UseRecoveryCode(matched.hash(), replyTo))
              .thenCompose(
                  result ->
                      result instanceof UserEntity.Refused refused
                          ? signInFailed(userId, secondFactorRefused(refused), origin)
                          : securityLog
                              .record(
                                  userId,
                                  SecurityLogEntity.Kind.RECOVERY_CODE_USED,
                                  "at sign-in",
                                  origin)
                              .thenApply(recorded -> "recovery code"));
    };
  }

  /** Records a sign-in refused at its second factor, then fails with the refusal. */
  private <T> CompletionStage<T> signInFailed(
      String userId, Refusal refusal, RequestOrigin origin) {
    return securityLog
        .recordRegardless(userId, SecurityLogEntity.Kind.SIGN_IN_FAILED, refusal.reason(), origin)
        .thenApply(
            recorded -> {
              throw refusal;
            });
  }

  /** A second factor that matched but was used up meanwhile (two sign-ins racing), or similar. */
  private static Refusal secondFactorRefused(UserEntity.Refused refused) {
    return switch (refused.code()) {
      case TOTP_STEP_REUSED ->
          new Refusal(
              Refusal.Kind.UNAUTHENTICATED,
              SecondFactorCheck.TOTP_CODE_REUSED,
              "this authenticator code was used already: wait for the app to show the next one");
      case RECOVERY_CODE_INVALID ->
          new Refusal(
              Refusal.Kind.UNAUTHENTICATED,
              SecondFactorCheck.RECOVERY_CODE_INVALID,
              "the recovery code is wrong or was used already");
      default -> new Refusal(Refusal.Kind.UNAUTHENTICATED, "wrong email or password");
    };
  }

  /**
   * Starts a session for an account whose holder was authenticated already, recorded in its
   * security log as {@link SecurityLogEntity.Kind#SIGNED_IN} from nowhere known; callers that know
   * how and from where use {@link #startSession(String, SecurityLogEntity.Kind, String,
   * RequestOrigin)}.
   */
  public CompletionStage<Tokens> startSession(String userId) {
    return startSession(userId, SecurityLogEntity.Kind.SIGNED_IN, null, RequestOrigin.UNKNOWN);
  }

  /**
   * Starts a session for an account whose holder was authenticated already (by password here, or by
   * an identity provider through {@link FederatedSignIn}), and records it in the account's security
   * log as {@code kind} with {@code detail}; the tokens are answered only once it is recorded (a
   * sign-in that could not be recorded fails with {@link SecurityLog.Unavailable}, and its tokens
   * are never shown).
   */
  public CompletionStage<Tokens> startSession(
      String userId, SecurityLogEntity.Kind kind, String detail, RequestOrigin origin) {
    RefreshTokens.Issued refresh = RefreshTokens.startFamily();
    return openSession(userId, refresh)
        .thenCompose(
            tokens ->
                securityLog
                    .record(userId, kind, detail, origin.withSession(refresh.familyId()))
                    .thenApply(recorded -> tokens));
  }

  /**
   * Opens the refresh-token family {@code refresh} for {@code userId}: recorded in the account's
   * {@link UserSessionsEntity} first so that a password change or deletion can end it, then
   * started, with an access token.
   */
  private CompletionStage<Tokens> openSession(String userId, RefreshTokens.Issued refresh) {
    Instant expiresAt = clock.instant().plus(sessionLifetime);
    return sharding
        .entityRefFor(UserSessionsEntity.KEY, userId)
        .<UserSessionsEntity.Result>ask(
            replyTo -> new UserSessionsEntity.AddSession(refresh.familyId(), expiresAt, replyTo),
            askTimeout)
        .thenCompose(
            indexed -> {
              if (indexed instanceof UserSessionsEntity.Refused refused) {
                throw new IllegalStateException("sign-in not indexed: " + refused.code());
              }
              return sharding
                  .entityRefFor(SessionEntity.KEY, refresh.familyId())
                  .<SessionEntity.Result>ask(
                      replyTo ->
                          new SessionEntity.Start(
                              userId, refresh.secretDigest(), expiresAt, replyTo),
                      askTimeout);
            })
        .thenApply(
            started -> {
              if (started instanceof SessionEntity.Refused refused) {
                throw new IllegalStateException("session did not start: " + refused.code());
              }
              return tokens(userId, refresh.familyId(), refresh.plaintext());
            });
  }

  /** Rotates a refresh token: a new pair for a current token, refusal for anything else. */
  public CompletionStage<Tokens> refresh(String refreshToken) {
    return refresh(refreshToken, RequestOrigin.UNKNOWN);
  }

  /**
   * Rotates a refresh token; a spent one presented again ends its sign-in, which is recorded in the
   * account's security log with {@code origin} before the refusal is answered.
   */
  public CompletionStage<Tokens> refresh(String refreshToken, RequestOrigin origin) {
    RefreshTokens.Presented presented;
    try {
      presented = RefreshTokens.parse(refreshToken);
    } catch (MalformedCredentialException e) {
      return refused(Refusal.Kind.UNAUTHENTICATED, e.getMessage());
    }
    RefreshTokens.Issued next = RefreshTokens.rotate(presented.familyId());
    return sharding
        .entityRefFor(SessionEntity.KEY, presented.familyId())
        .<SessionEntity.RotateResult>ask(
            replyTo ->
                new SessionEntity.Rotate(
                    presented.digest(), next.secretDigest(), clock.instant(), replyTo),
            askTimeout)
        .thenCompose(
            result ->
                switch (result) {
                  case SessionEntity.Rotated rotated ->
                      stillActive(rotated.userId(), presented.familyId())
                          .thenApply(
                              active ->
                                  tokens(rotated.userId(), presented.familyId(), next.plaintext()));
                  case SessionEntity.ReuseDetected reuse ->
                      securityLog
                          .recordRegardless(
                              reuse.userId(),
                              SecurityLogEntity.Kind.SESSION_REVOKED_ON_REUSE,
                              "a spent refresh token was presented again",
                              origin.withSession(presented.familyId()))
                          .thenApply(
                              recorded -> {
                                throw new Refusal(
                                    Refusal.Kind.UNAUTHENTICATED,
                                    "refresh token was already used: this sign-in has been"
                                        + " revoked");
                              });
                  case SessionEntity.Refused refused ->
                      throw new Refusal(Refusal.Kind.UNAUTHENTICATED, refused.message());
                });
  }

  /**
   * Completes if the account still exists; otherwise ends the family (the account was deleted while
   * it was signed in) and fails with a refusal.
   */
  private CompletionStage<Void> stillActive(String userId, String familyId) {
    return user(userId)
        .<UserEntity.UserView>ask(UserEntity.Get::new, askTimeout)
        .thenCompose(
            view -> {
              if (view.status() == UserEntity.Status.ACTIVE) {
                return CompletableFuture.<Void>completedFuture(null);
              }
              return sharding
                  .entityRefFor(SessionEntity.KEY, familyId)
                  .<SessionEntity.Result>ask(
                      replyTo -> new SessionEntity.Revoke("account deleted", replyTo), askTimeout)
                  .thenApply(
                      revoked -> {
                        throw new Refusal(
                            Refusal.Kind.UNAUTHENTICATED, "this account no longer exists");
                      });
            });
  }

  /** Ends the session family of a refresh token. */
  public CompletionStage<Void> logout(String refreshToken) {
    return logout(refreshToken, RequestOrigin.UNKNOWN);
  }

  /**
   * Ends the session family of a refresh token and records it in the account's security log with
   * {@code origin} (once: ending an ended sign-in records nothing).
   */
  public CompletionStage<Void> logout(String refreshToken, RequestOrigin origin) {
    RefreshTokens.Presented presented;
    try {
      presented = RefreshTokens.parse(refreshToken);
    } catch (MalformedCredentialException e) {
      return refused(Refusal.Kind.UNAUTHENTICATED, e.getMessage());
    }
    var session = sharding.entityRefFor(SessionEntity.KEY, presented.familyId());
    return session
        .<SessionEntity.SessionView>ask(SessionEntity.Get::new, askTimeout)
        .thenCompose(
            view -> {
              // Only the holder of the current token may end the family.
              if (view.userId() == null) {
                throw new Refusal(Refusal.Kind.UNAUTHENTICATED, "unknown refresh token");
              }
              return session
                  .<SessionEntity.Result>ask(
                      replyTo -> new SessionEntity.Revoke("logout", replyTo), askTimeout)
                  .thenCompose(
                      revoked ->
                          view.revoked() || !(revoked instanceof SessionEntity.Accepted)
                              ? CompletableFuture.<Void>completedFuture(null)
                              : securityLog.record(
                                  view.userId(),
                                  SecurityLogEntity.Kind.SIGNED_OUT,
                                  null,
                                  origin.withSession(presented.familyId())));
            })
        .thenApply(revoked -> null);
  }

  /**
   * Whether sign-in {@code sessionId} (the {@value #SESSION_CLAIM} of an access token) of {@code
   * userId} still stands: not revoked (logout, reuse of a spent refresh token, password change,
   * account deletion) and not past its absolute lifetime. Open connections ask this to close within
   * seconds of a revocation, well before their access token expires.
   */
  public CompletionStage<Boolean> signInActive(String userId, String sessionId) {
    return sharding
        .entityRefFor(SessionEntity.KEY, sessionId)
        .<SessionEntity.SessionView>ask(SessionEntity.Get::new, askTimeout)
        .thenApply(
            view ->
                userId.equals(view.userId())
                    && !view.revoked()
                    && (view.absoluteExpiry() == null
                        || clock.instant().isBefore(view.absoluteExpiry())));
  }

  /** The account behind a verified access token. */
  public CompletionStage<UserEntity.UserView> me(String userId) {
    return user(userId)
        .<UserEntity.UserView>ask(UserEntity.Get::new, askTimeout)
        .thenApply(
            view -> {
              if (view.status() != UserEntity.Status.ACTIVE) {
                throw new Refusal(Refusal.Kind.UNAUTHENTICATED, "this account no longer exists");
              }
              return view;
            });
  }

  /**
   * A token pair; the access token names its sign-in in the {@value #SESSION_CLAIM} claim, so that
   * "end my other sign-ins" knows which one to keep.
   */
  private Tokens tokens(String userId, String familyId, String refreshToken) {
    return new Tokens(
        accessTokens.issue(userId, Map.of(SESSION_CLAIM, familyId)),
        refreshToken,
        accessTokens.lifetime());
  }

  private EntityRef<UserEntity.Command> user(String userId) {
    return sharding.entityRefFor(UserEntity.KEY, userId);
  }

  private CompletionStage<UserEntity.Result> change(
      String userId, Function<ActorRef<UserEntity.Result>, UserEntity.Command> command) {
    return user(userId).ask(command::apply, askTimeout);
  }

  private static <T> CompletionStage<T> invalid(String field, String message) {
    return CompletableFuture.failedFuture(Refusal.invalid(field, message));
  }

  private static <T> CompletionStage<T> refused(Refusal.Kind kind, String message) {
    return CompletableFuture.failedFuture(new Refusal(kind, message));
  }

  /** A fresh, random account id. */
  static String newUserId() {
    return "u_" + randomHex(12);
  }

  private static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return HexFormat.of().formatHex(random);
  }
}
