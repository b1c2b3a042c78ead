package dev.easel.identity;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes and reads the security logs of accounts ({@link SecurityLogEntity}, one per account).
 *
 * <p>Writing is part of the operation it records, not a side task: the facades ({@link Accounts},
 * {@link AccountSettings}, {@link ApiKeys}, {@link FederatedSignIn}) answer a successful operation
 * only after its entry was persisted. When the entry cannot be written, the operation fails with
 * {@link Unavailable} (503) and withholds what it would have handed out (tokens, an API key, a TOTP
 * secret, recovery codes), so that nobody gets a credential whose issue was not recorded. The
 * change itself may stand (a new password, say): its answer says so. Two kinds of entry are written
 * otherwise:
 *
 * <ul>
 *   <li>a failed sign-in ({@link SecurityLogEntity.Kind#SIGN_IN_FAILED}) is written in the
 *       background: waiting for a journal write that only existing accounts get would make a wrong
 *       password measurably slower than an unknown email, and so tell which accounts exist;
 *   <li>refusals and deletion ({@link #recordRegardless}, {@link #accountDeleted}) are answered
 *       whether or not the entry could be written: the caller's answer does not depend on it.
 * </ul>
 *
 * Every failure to write is logged as a warning naming the account and the kind, never the entry's
 * client data and never a secret (entries hold none).
 *
 * <p>Reading goes to the journal by persistence id (no second copy), newest first in pages ({@link
 * SecurityLogPages}).
 */
public final class SecurityLog {
  /** The longest {@code detail} kept. */
  public static final int MAX_DETAIL = 256;

  private static final Logger log = LoggerFactory.getLogger(SecurityLog.class);

  /** A page of a log, the newest entry first, and the token of the next page ("" at the end). */
  public record Page(List<SecurityLogEntity.Entry> entries, String nextPageToken) {
    public Page {
      entries = List.copyOf(entries);
    }
  }

  /** The account's security log could not be written; what the operation would answer is held. */
  public static final class Unavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The machine code of this failure. */
    public static final String REASON = "SECURITY_LOG_UNAVAILABLE";

    Unavailable() {
      super(
          "the account's security log could not be written, so the answer is withheld; what was"
              + " asked may have been done: check the account before trying again",
          null,
          false,
          false);
    }
  }

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final Clock clock;
  private final ActorSystem<?> system;
  private final CurrentEventsByPersistenceIdQuery journal;

  public SecurityLog(ActorSystem<?> system, Clock clock) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = system.settings().config().getDuration("easel.canvas.ask-timeout");
    this.clock = clock;
    this.journal =
        PersistenceQuery.get(system)
            .getReadJournalFor(
                CurrentEventsByPersistenceIdQuery.class,
                system.settings().config().getString("easel.identity.read-journal"));
  }

  // ---- writing --------------------------------------------------------------------------------

  /**
   * Appends an entry to the log of {@code userId} and completes once it is persisted; fails with
   * {@link Unavailable} if it cannot be.
   *
   * @param detail a short text that is never secret, or null
   * @param origin where the request came from ({@link RequestOrigin#UNKNOWN} if nowhere known)
   */
  public CompletionStage<Void> record(
      String userId, SecurityLogEntity.Kind kind, String detail, RequestOrigin origin) {
    return write(userId, kind, detail, origin)
        .thenApply(
            failure -> {
              if (failure != null) throw new Unavailable();
              return null;
            });
  }

  /**
   * Appends an entry and completes once it is persisted or could not be (then logs a warning): for
   * entries that do not change the caller's answer, such as a refused refresh token.
   */
  public CompletionStage<Void> recordRegardless(
      String userId, SecurityLogEntity.Kind kind, String detail, RequestOrigin origin) {
    return write(userId, kind, detail, origin).thenApply(failure -> null);
  }

  /** Appends an entry without waiting for it (a failure is logged): for failed sign-ins only. */
  void recordInBackground(
      String userId, SecurityLogEntity.Kind kind, String detail, RequestOrigin origin) {
    write(userId, kind, detail, origin);
  }

  /**
   * Records a new API key (its id, name, scopes and project, never its secret) and completes with
   * it once recorded.
   */
  public CompletionStage<ApiKeys.Created> recordApiKeyCreated(
      String userId, ApiKeys.Created created, RequestOrigin origin) {
    UserEntity.ApiKeyView key = created.key();
    String detail =
        key.keyId()
            + " \""
            + key.name()
            + "\" "
            + String.join(",", key.scopes())
            + (key.projectId() == null ? "" : " project " + key.projectId());
    return record(userId, SecurityLogEntity.Kind.API_KEY_CREATED, detail, origin)
        .thenApply(recorded -> created);
  }

  /** Records that the API key {@code keyId} was revoked. */
  public CompletionStage<Void> recordApiKeyRevoked(
      String userId, String keyId, RequestOrigin origin) {
    return record(userId, SecurityLogEntity.Kind.API_KEY_REVOKED, keyId, origin);
  }

  /**
   * The account was deleted: records {@link SecurityLogEntity.Kind#ACCOUNT_DELETED}, closes the log
   * (it is never read again) and deletes its events from the journal. Completes in any case; what
   * failed is logged, and a closed log whose events could not be deleted is erased when it is
   * closed again.
   */
  public CompletionStage<Void> accountDeleted(String userId, RequestOrigin origin) {
    return write(userId, SecurityLogEntity.Kind.ACCOUNT_DELETED, null, origin)
        .thenCompose(
            recorded ->
                logOf(userId)
                    .<SecurityLogEntity.Result>ask(
                        replyTo -> new SecurityLogEntity.Close(clock.instant(), replyTo),
                        askTimeout))
        .handle(
            (closed, failure) -> {
              if (failure != null || !(closed instanceof SecurityLogEntity.Closed)) {
                log.warn(
                    "the security log of deleted account {} was not erased: {}",
                    userId,
                    failure != null ? failure.getClass().getSimpleName() : closed);
              }
              return null;
            });
  }

  /** Writes an entry; completes with null once persisted, or with what went wrong. */
  private CompletionStage<Object> write(
      String userId, SecurityLogEntity.Kind kind, String detail, RequestOrigin origin) {
    RequestOrigin from = origin == null ? RequestOrigin.UNKNOWN : origin;
    SecurityLogEntity.Entry entry =
        new SecurityLogEntity.Entry(
            clock.instant(),
            kind,
            RequestOrigin.cut(detail, MAX_DETAIL),
            from.clientAddress(),
            from.userAgent(),
            from.sessionId());
    return logOf(userId)
        .<SecurityLogEntity.Result>ask(
            replyTo -> new SecurityLogEntity.Record(entry, replyTo), askTimeout)
        .handle(
            (result, failure) -> {
              if (failure == null && result instanceof SecurityLogEntity.Recorded) return null;
              Object problem = failure != null ? failure.getClass().getSimpleName() : result;
              log.warn("{} was not recorded in the security log of {}: {}", kind, userId, problem);
              return problem;
            });
  }

  // ---- reading --------------------------------------------------------------------------------

  /**
   * A page of the log of {@code userId}, newest first: {@code pageSize} entries at most (0: 50, at
   * most 200), from where {@code pageToken} says ("" or null: the newest). Refused as
   * UNAUTHENTICATED once the account is deleted, and as INVALID naming the problem for a bad size
   * or token.
   */
  public CompletionStage<Page> list(String userId, int pageSize, String pageToken) {
    CompletableFuture<UserEntity.UserView> account =
        sharding
            .entityRefFor(UserEntity.KEY, userId)
            .<UserEntity.UserView>ask(UserEntity.Get::new, askTimeout)
            .toCompletableFuture();
    CompletableFuture<SecurityLogEntity.LogStatus> status =
        logOf(userId)
            .<SecurityLogEntity.LogStatus>ask(SecurityLogEntity.GetStatus::new, askTimeout)
            .toCompletableFuture();
    return account
        .thenCombine(
            status,
            (view, logged) -> {
              if (view.status() != UserEntity.Status.ACTIVE || logged.closed()) {
                throw new Accounts.Refusal(
                    Accounts.Refusal.Kind.UNAUTHENTICATED, "this account no longer exists");
              }
              return SecurityLogPages.page(logged.entries(), pageSize, pageToken);
            })
        .thenCompose(
            page -> {
              if (page.empty()) {
                return CompletableFuture.completedFuture(new Page(List.of(), ""));
              }
              return journal
                  .currentEventsByPersistenceId(
                      SecurityLogEntity.persistenceId(userId), page.from(), page.to())
                  .map(EventEnvelope::event)
                  .filter(SecurityLogEntity.SecurityEventRecorded.class::isInstance)
                  .map(event -> ((SecurityLogEntity.SecurityEventRecorded) event).entry())
                  .runWith(Sink.seq(), system)
                  .thenApply(
                      entries -> {
                        List<SecurityLogEntity.Entry> newestFirst = new ArrayList<>(entries);
                        Collections.reverse(newestFirst);
                        return new Page(newestFirst, page.nextPageToken());
                      });
            });
  }

  private EntityRef<SecurityLogEntity.Command> logOf(String userId) {
    return sharding.entityRefFor(SecurityLogEntity.KEY, userId);
  }
}
