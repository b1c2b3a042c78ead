package dev.easel.identity;

import java.time.Clock;
import java.time.Duration;
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
 * Listing shows the keys without any secret; revoking removes a key. Refusals are {@link
 * Accounts.Refusal}s.
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
      throw invalid("name is required, at most " + MAX_NAME + " characters");
    }
    if (scopes == null || scopes.isEmpty()) {
      throw invalid("scopes must name at least one of read, write, admin");
    }
    Set<Scope> parsed = EnumSet.noneOf(Scope.class);
    for (String scope : scopes) {
      try {
        parsed.add(Scope.parse(scope));
      } catch (IllegalArgumentException e) {
        throw invalid(e.getMessage());
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
            askTimeout)
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
      return CompletableFuture.failedFuture(invalid("a key id is required"));
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
      case INVALID_ARGUMENT -> invalid(refused.message());
      default ->
          throw new IllegalStateException(
              "API key change refused: " + refused.code() + " " + refused.message());
    };
  }

  private static Accounts.Refusal gone() {
    return new Accounts.Refusal(
        Accounts.Refusal.Kind.UNAUTHENTICATED, "this account no longer exists");
  }

  private static Accounts.Refusal invalid(String message) {
    return new Accounts.Refusal(Accounts.Refusal.Kind.INVALID, message);
  }

  private EntityRef<UserEntity.Command> user(String userId) {
    return sharding.entityRefFor(UserEntity.KEY, userId);
  }
}
