package dev.easel.identity;

import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * A user's API keys: creating one issues a fresh secret through {@link ApiKeySecrets} and stores
 * only its digest in the {@link UserEntity}; the full key is returned once, to be shown once.
 * Listing shows the keys without any secret; revoking removes a key. A presented key is
 * authenticated by the one account that holds its id ({@link IdentityIndexEntity}), which checks
 * the secret and records the use. Refusals are {@link Accounts.Refusal}s.
 */
public final class ApiKeys {
  static final int MAX_NAME = 100;

  /**
   * A key to create, checked: its name stripped, its scopes known and written as {@link Scope} wire
   * names in declaration order, its project null for a key of every project.
   */
  public record Spec(String name, List<String> scopes, String projectId) {}

  /** A key just created: {@code plaintext} is the whole key, to show its owner once. */
  public record Created(String plaintext, UserEntity.ApiKeyView key) {
    @Override
    public String toString() {
      return "ApiKeys.Created[key=" + key + ", plaintext=<redacted>]";
    }
  }

  /**
   * What an authenticated key may do: act for {@code userId} within {@code scopes}, in project
   * {@code projectId} only when that is not null.
   */
  public record Grant(String userId, String keyId, Set<Scope> scopes, String projectId) {
    public Grant {
      scopes = scopes.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(scopes));
    }

    /**
     * Whether the key may do what needs {@code needed}: scopes are ordered, each covering those
     * before it (admin covers write, write covers read), since changing what one cannot read is of
     * no use.
     */
    public boolean covers(Scope needed) {
      return scopes.stream().anyMatch(scope -> scope.compareTo(needed) >= 0);
    }
  }

  /** Why every refused key is refused: the same words whatever was wrong, so nothing is probed. */
  static final String KEY_REFUSED = "API key refused: it is unknown, revoked or malformed";

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final Clock clock;
  private final SecurityLog securityLog;

  public ApiKeys(ActorSystem<?> system, Clock clock) {
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = system.settings().config().getDuration("easel.canvas.ask-timeout");
    this.clock = clock;
    this.securityLog = new SecurityLog(system, clock);
  }

  /**
   * Checks a request for a key.
   *
   * @throws Accounts.Refusal of kind INVALID saying what is wrong
   */
  public static Spec check(String name, List<String> scopes, String projectId) {
    String stripped = name == null ? "" : name.strip();
    if (stripped.isEmpty() || stripped.length() > MAX_NAME) {
      throw invalid("name", "name is required, at most " + MAX_NAME + " characters");
    }
    if (scopes == null || scopes.isEmpty()) {
      throw invalid("scopes", "scopes must name at least one of read, write, admin");
    }
    Set<Scope> parsed = EnumSet.noneOf(Scope.class);
    for (String scope : scopes) {
      try {
        parsed.add(Scope.parse(scope));
      } catch (IllegalArgumentException e) {
        throw invalid("scopes", e.getMessage());
      }
    }
    List<String> wireNames = parsed.stream().map(Scope::wireName).toList();
    String project = projectId == null || projectId.isBlank() ? null : projectId.strip();
    return new Spec(stripped, wireNames, project);
  }

  /** Creates a key for {@code userId}. */
  public CompletionStage<Created> create(String userId, Spec spec) {
    return create(userId, spec, RequestOrigin.UNKNOWN);
  }

  /** Creates a key for {@code userId}; it is answered once recorded in the security log. */
  public CompletionStage<Created> create(String userId, Spec spec, RequestOrigin origin) {
    ApiKeySecrets.Issued issued = ApiKeySecrets.generate();
    var createdAt = clock.instant();
    return index(issued.keyId())
        .<IdentityIndexEntity.Result>ask(
            replyTo -> new IdentityIndexEntity.Claim(userId, replyTo), askTimeout)
        .thenCompose(
            claimed -> {
              if (claimed instanceof IdentityIndexEntity.Refused refused) {
                // 80 random bits collided, or the user id is blank: nothing was created
                throw new IllegalStateException("API key id not claimed: " + refused.message());
              }
              return user(userId)
                  .<UserEntity.Result>ask(
                      replyTo ->
                          new UserEntity.AddApiKey(
                              issued.keyId(),
                              spec.name(),
                              spec.scopes(),
                              spec.projectId(),
                              issued.secretDigest(),
                              createdAt,
                              replyTo),
                      askTimeout);
            })
        .thenApply(
            result -> {
              if (result instanceof UserEntity.Refused refused) throw refusal(refused);
              return new Created(
                  issued.plaintext(),
                  new UserEntity.ApiKeyView(
                      issued.keyId(),
                      spec.name(),
                      spec.scopes(),
                      spec.projectId(),
                      createdAt,
                      null));
            })
        .thenCompose(created -> securityLog.recordApiKeyCreated(userId, created, origin));
  }

  /**
   * Who a presented key (the whole {@code ek_...} text) signs in, and what it may do. The use is
   * recorded as the key's last use.
   *
   * @return a stage failed with an {@link Accounts.Refusal} of kind UNAUTHENTICATED saying {@link
   *     #KEY_REFUSED} when the key is malformed, unknown, revoked or its account gone
   */
  public CompletionStage<Grant> authenticate(String presented) {
    ApiKeySecrets.Presented key;
    try {
      key = ApiKeySecrets.parse(presented);
    } catch (MalformedCredentialException e) {
      return CompletableFuture.failedFuture(keyRefused());
    }
    String digest = SecretDigest.of(key.secret());
    return index(key.keyId())
        .<IdentityIndexEntity.Holder>ask(IdentityIndexEntity.Lookup::new, askTimeout)
        .thenCompose(
            holder -> {
              if (!holder.claimed()) throw keyRefused();
              return user(holder.userId())
                  .<UserEntity.Result>ask(
                      replyTo ->
                          new UserEntity.UseApiKey(key.keyId(), digest, clock.instant(), replyTo),
                      askTimeout);
            })
        .thenApply(
            result -> {
              if (!(result instanceof UserEntity.ApiKeyUsable usable)) throw keyRefused();
              Set<Scope> scopes = EnumSet.noneOf(Scope.class);
              for (String scope : usable.scopes()) scopes.add(Scope.parse(scope));
              return new Grant(usable.userId(), usable.keyId(), scopes, usable.projectId());
            });
  }

  private static Accounts.Refusal keyRefused() {
    return new Accounts.Refusal(Accounts.Refusal.Kind.UNAUTHENTICATED, KEY_REFUSED);
  }

  /**
   * Whether key {@code keyId} of {@code userId} is still active: not revoked, its account not
   * deleted. Open connections of a key ask this to close within seconds of a revocation.
   */
  public CompletionStage<Boolean> isActive(String userId, String keyId) {
    return user(userId)
        .<UserEntity.UserView>ask(UserEntity.Get::new, askTimeout)
        .thenApply(
            view ->
                view.status() == UserEntity.Status.ACTIVE
                    && view.apiKeys().stream().anyMatch(key -> key.keyId().equals(keyId)));
  }

  /** The keys of {@code userId}, the oldest first; never a secret. */
  public CompletionStage<List<UserEntity.ApiKeyView>> list(String userId) {
    return user(userId)
        .<UserEntity.UserView>ask(UserEntity.Get::new, askTimeout)
        .thenApply(
            view -> {
              if (view.status() != UserEntity.Status.ACTIVE) throw gone();
              return view.apiKeys();
            });
  }

  /** Revokes key {@code keyId} of {@code userId}: it no longer signs anything in. */
  public CompletionStage<Void> revoke(String userId, String keyId) {
    return revoke(userId, keyId, RequestOrigin.UNKNOWN);
  }

  /** Revokes key {@code keyId} of {@code userId}, recorded in its security log. */
  public CompletionStage<Void> revoke(String userId, String keyId, RequestOrigin origin) {
    if (keyId == null || keyId.isBlank()) {
      return CompletableFuture.failedFuture(invalid("keyId", "a key id is required"));
    }
    return user(userId)
        .<UserEntity.Result>ask(replyTo -> new UserEntity.RevokeApiKey(keyId, replyTo), askTimeout)
        .thenApply(
            result -> {
              if (result instanceof UserEntity.Refused refused) throw refusal(refused);
              return null;
            })
        .thenCompose(revoked -> securityLog.recordApiKeyRevoked(userId, keyId, origin));
  }

  private static Accounts.Refusal refusal(UserEntity.Refused refused) {
    return switch (refused.code()) {
      case USER_NOT_FOUND, USER_DELETED -> gone();
      case API_KEY_NOT_FOUND ->
          new Accounts.Refusal(Accounts.Refusal.Kind.NOT_FOUND, "There is no such API key");
      case INVALID_ARGUMENT ->
          new Accounts.Refusal(Accounts.Refusal.Kind.INVALID, refused.message());
      default ->
          throw new IllegalStateException(
              "API key change refused: " + refused.code() + " " + refused.message());
    };
  }

  private static Accounts.Refusal gone() {
    return new Accounts.Refusal(
        Accounts.Refusal.Kind.UNAUTHENTICATED, "this account no longer exists");
  }

  private static Accounts.Refusal invalid(String field, String message) {
    return Accounts.Refusal.invalid(field, message);
  }

  private EntityRef<IdentityIndexEntity.Command> index(String keyId) {
    return sharding.entityRefFor(
        IdentityIndexEntity.KEY, IdentityIndexEntity.apiKeyEntityId(keyId));
  }

  private EntityRef<UserEntity.Command> user(String userId) {
    return sharding.entityRefFor(UserEntity.KEY, userId);
  }
}
