package dev.easel.identity;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Sign-up and sign-in across the identity entities: registering claims the email in {@link
 * EmailIndexEntity} before creating the {@link UserEntity}; logging in checks the Argon2id hash and
 * starts a refresh-token family in a {@link SessionEntity}; refreshing rotates that family's secret
 * (a spent one revokes the family). Password hashing runs on the blocking dispatcher, never on a
 * connection's event loop.
 */
public final class Accounts {
  static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,255}\\.[^@\\s.]{2,63}");
  static final int MAX_DISPLAY_NAME = 200;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Why an account operation was refused; {@code code} is stable, {@code message} for people. */
  public static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Kind kind;

    /** What kind of refusal, so the edge can map it to a status. */
    public enum Kind {
      INVALID,
      TAKEN,
      UNAUTHENTICATED,
      NOT_FOUND
    }

    public Refusal(Kind kind, String message) {
      super(message, null, false, false);
      this.kind = kind;
    }

    public Kind kind() {
      return kind;
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

  public Accounts(
      ActorSystem<?> system, PasswordHasher passwords, AccessTokens accessTokens, Clock clock) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = system.settings().config().getDuration("easel.canvas.ask-timeout");
    this.passwords = passwords;
    this.accessTokens = accessTokens;
    this.clock = clock;
    this.hashing = system.dispatchers().lookup(DispatcherSelector.blocking());
  }

  public AccessTokens accessTokens() {
    return accessTokens;
  }

  /** Creates an account and returns its user id. */
  public CompletionStage<String> register(String email, String password, String displayName) {
    String normalized = email == null ? "" : EmailIndexEntity.normalize(email);
    if (!EMAIL.matcher(normalized).matches()) {
      return refused(Refusal.Kind.INVALID, "email is not a valid address");
    }
    String problem = PasswordHasher.problemWith(password, normalized);
    if (problem != null) return refused(Refusal.Kind.INVALID, problem);
    String name = displayName == null ? "" : displayName.strip();
    if (name.isEmpty() || name.length() > MAX_DISPLAY_NAME) {
      return refused(
          Refusal.Kind.INVALID, "displayName is required, at most " + MAX_DISPLAY_NAME + " chars");
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
                        }));
  }

  /** Checks email and password and starts a session. */
  public CompletionStage<Tokens> login(String email, String password) {
    String normalized = email == null ? "" : EmailIndexEntity.normalize(email);
    if (password == null || password.isEmpty() || normalized.isEmpty()) {
      return refused(Refusal.Kind.INVALID, "email and password are required");
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
                throw new Refusal(Refusal.Kind.UNAUTHENTICATED, "wrong email or password");
              }
              return startSession(credentials.userId());
            },
            hashing);
  }

  /**
   * Starts a session for an account whose holder was authenticated already (by password here, or by
   * an identity provider through {@link FederatedSignIn}): a new refresh-token family and an access
   * token.
   */
  public CompletionStage<Tokens> startSession(String userId) {
    RefreshTokens.Issued refresh = RefreshTokens.startFamily();
    return sharding
        .entityRefFor(SessionEntity.KEY, refresh.familyId())
        .<SessionEntity.Result>ask(
            replyTo -> new SessionEntity.Start(userId, refresh.secretDigest(), null, replyTo),
            askTimeout)
        .thenApply(
            started -> {
              if (started instanceof SessionEntity.Refused refused) {
                throw new IllegalStateException("session did not start: " + refused.code());
              }
              return tokens(userId, refresh.plaintext());
            });
  }

  /** Rotates a refresh token: a new pair for a current token, refusal for anything else. */
  public CompletionStage<Tokens> refresh(String refreshToken) {
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
        .thenApply(
            result ->
                switch (result) {
                  case SessionEntity.Rotated rotated -> tokens(rotated.userId(), next.plaintext());
                  case SessionEntity.ReuseDetected reuse ->
                      throw new Refusal(
                          Refusal.Kind.UNAUTHENTICATED,
                          "refresh token was already used: this sign-in has been revoked");
                  case SessionEntity.Refused refused ->
                      throw new Refusal(Refusal.Kind.UNAUTHENTICATED, refused.message());
                });
  }

  /** Ends the session family of a refresh token. */
  public CompletionStage<Void> logout(String refreshToken) {
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
              return session.<SessionEntity.Result>ask(
                  replyTo -> new SessionEntity.Revoke("logout", replyTo), askTimeout);
            })
        .thenApply(revoked -> null);
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

  private Tokens tokens(String userId, String refreshToken) {
    return new Tokens(accessTokens.issue(userId, Map.of()), refreshToken, accessTokens.lifetime());
  }

  private org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<UserEntity.Command> user(
      String userId) {
    return sharding.entityRefFor(UserEntity.KEY, userId);
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
