package dev.easel.identity;

import com.typesafe.config.Config;
import dev.easel.CborSerializable;
import dev.easel.Entities;
import dev.easel.Etags;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One account: its email and password hash, profile, TOTP authenticator and recovery codes, API
 * keys and linked OIDC identities. It stores only the hashes and encrypted secrets that its callers
 * compute: it never sees a password, a TOTP secret in clear or an API key secret.
 *
 * <p>Deleting an account erases its personal data from the state: only the fact that it was deleted
 * stays, so that old edits can show "deleted user". The {@link UserDeleted} event itself carries
 * nothing personal, and a snapshot of the erased state is saved right after it so that recovery
 * starts from there; the earlier events still hold the email and hashes until the journal cleanup
 * removes them.
 */
public final class UserEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        UserEntity.Command, UserEntity.Event, UserEntity.State> {

  public static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, "User");

  // ---- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** A command that changes the account, answered with a {@link Result}. */
  public sealed interface Change extends Command {
    ActorRef<Result> replyTo();
  }

  /** Create the account; {@code passwordHash} is null for an account that signs in through OIDC. */
  public record Register(
      String email, String passwordHash, String displayName, ActorRef<Result> replyTo)
      implements Change {}

  /**
   * Change the name and avatar others see: a null field stays as it is, an empty {@code avatarUrl}
   * removes the avatar. With {@code expectedEtag} (not null) the change is made only if the
   * account's {@link UserView#etag()} is still that; otherwise it is refused with {@link
   * IdentityError#ETAG_MISMATCH} and nothing changes.
   */
  public record ChangeProfile(
      String displayName, String avatarUrl, String expectedEtag, ActorRef<Result> replyTo)
      implements Change {
    /** Set both: a null {@code avatarUrl} removes the avatar. */
    public ChangeProfile(String displayName, String avatarUrl, ActorRef<Result> replyTo) {
      this(displayName, avatarUrl == null ? "" : avatarUrl, null, replyTo);
    }
  }

  /** Replace the password hash. */
  public record ChangePassword(String newPasswordHash, ActorRef<Result> replyTo)
      implements Change {}

  /** Start enrolling an authenticator (replacing an unconfirmed one); it counts once confirmed. */
  public record EnrollTotp(String secretEncrypted, ActorRef<Result> replyTo) implements Change {}

  /** Confirm the enrolled authenticator with a code the caller checked, of time step lastStep. */
  public record ConfirmTotp(long lastStep, ActorRef<Result> replyTo) implements Change {}

  /** A code of time step {@code step} was used; refused unless later than the last one used. */
  public record RecordTotpStep(long step, ActorRef<Result> replyTo) implements Change {}

  /** Replace the recovery codes with codes of these hashes. */
  public record SetRecoveryCodes(List<String> hashes, ActorRef<Result> replyTo) implements Change {}

  /** Spend the recovery code of this hash; each code works once. */
  public record UseRecoveryCode(String hash, ActorRef<Result> replyTo) implements Change {}

  /** Remove the authenticator (confirmed or not) and the recovery codes. */
  public record DisableTotp(ActorRef<Result> replyTo) implements Change {}

  /**
   * Add an API key; {@code scopes} are {@link Scope} wire names, {@code projectId} limits the key
   * to one project (null: every project of the account).
   */
  public record AddApiKey(
      String keyId,
      String name,
      List<String> scopes,
      String projectId,
      String secretHash,
      Instant createdAt,
      ActorRef<Result> replyTo)
      implements Change {}

  /** Revoke an API key: it no longer signs anything in. */
  public record RevokeApiKey(String keyId, ActorRef<Result> replyTo) implements Change {}

  /**
   * Sign in with API key {@code keyId}, whose secret part has the SHA-256 digest {@code
   * secretDigest} (lower-case hex; compared in constant time): answered with {@link ApiKeyUsable}
   * when the key is active and the digest matches. The use at {@code at} is recorded at most once
   * per key per touch interval.
   */
  public record UseApiKey(String keyId, String secretDigest, Instant at, ActorRef<Result> replyTo)
      implements Change {
    @Override
    public String toString() {
      return "UseApiKey[keyId=" + keyId + ", secretDigest=<redacted>, at=" + at + "]";
    }
  }

  /** Link the account to an OIDC identity: the {@code subject} of {@code provider}. */
  public record LinkIdentity(String provider, String subject, ActorRef<Result> replyTo)
      implements Change {}

  /** Delete the account and erase its personal data (GDPR). */
  public record Delete(ActorRef<Result> replyTo) implements Change {}

  /** Reply with what may be shown of the account: never its password hash or secrets. */
  public record Get(ActorRef<UserView> replyTo) implements Command {}

  /** Reply with what the sign-in path checks: password hash, authenticator, API key hashes. */
  public record GetCredentials(ActorRef<Credentials> replyTo) implements Command {}

  // ---- replies --------------------------------------------------------------------------------

  /** The outcome of a {@link Change}. */
  public sealed interface Result extends CborSerializable {}

  /** Done (or there was nothing to do). */
  public record Accepted() implements Result {}

  /** Refused: nothing was changed or persisted. */
  public record Refused(IdentityError code, String message) implements Result {}

  /**
   * The answer to a {@link UseApiKey} whose key is active and whose secret matched: what the key
   * may do, as stored ({@code scopes} as {@link Scope} wire names, {@code projectId} null for every
   * project of the account).
   */
  public record ApiKeyUsable(String userId, String keyId, List<String> scopes, String projectId)
      implements Result {
    public ApiKeyUsable {
      scopes = List.copyOf(scopes);
    }
  }

  /**
   * What may be shown of an account; all but {@code status} empty unless it is active. {@code etag}
   * changes whenever the account as shown to its owner (all but the keys and identities) does.
   */
  public record UserView(
      String userId,
      Status status,
      String email,
      String displayName,
      String avatarUrl,
      Instant createdAt,
      boolean totpEnabled,
      int recoveryCodesLeft,
      List<ApiKeyView> apiKeys,
      List<LinkedIdentity> identities,
      String etag)
      implements CborSerializable {}

  /** An API key as shown to its owner, without its secret hash. */
  public record ApiKeyView(
      String keyId,
      String name,
      List<String> scopes,
      String projectId,
      Instant createdAt,
      Instant lastUsedAt) {}

  /**
   * What the sign-in path checks. {@code totpSecretEncrypted} is set from enrollment on; {@code
   * totpEnabled} once it is confirmed; {@code totpLastStep} is -1 until then. {@code
   * recoveryCodeHashes} are the unspent codes, for matching a typed code before spending it with
   * {@link UseRecoveryCode}. Only for the sign-in path: never shown.
   */
  public record Credentials(
      String userId,
      Status status,
      String email,
      String passwordHash,
      String totpSecretEncrypted,
      boolean totpEnabled,
      long totpLastStep,
      List<String> recoveryCodeHashes,
      List<ApiKey> apiKeys)
      implements CborSerializable {}

  // ---- events ---------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {
    Instant at();
  }

  /** The account was created. */
  public record UserRegistered(String email, String passwordHash, String displayName, Instant at)
      implements Event {}

  /** The name or avatar changed. */
  public record ProfileChanged(String displayName, String avatarUrl, Instant at) implements Event {}

  /** The password hash was replaced. */
  public record PasswordChanged(String passwordHash, Instant at) implements Event {}

  /** An authenticator was enrolled, not yet confirmed. */
  public record TotpEnrolled(String secretEncrypted, Instant at) implements Event {}

  /** The enrolled authenticator was confirmed with a code of time step {@code lastStep}. */
  public record TotpConfirmed(long lastStep, Instant at) implements Event {}

  /** A code of time step {@code step} was used. */
  public record TotpStepUsed(long step, Instant at) implements Event {}

  /** The recovery codes were replaced. */
  public record RecoveryCodesSet(List<String> hashes, Instant at) implements Event {}

  /** A recovery code was spent. */
  public record RecoveryCodeUsed(String hash, Instant at) implements Event {}

  /** The authenticator and recovery codes were removed. */
  public record TotpDisabled(Instant at) implements Event {}

  /** An API key was added; {@code at} is its creation time. */
  public record ApiKeyAdded(
      String keyId,
      String name,
      List<String> scopes,
      String projectId,
      String secretHash,
      Instant at)
      implements Event {}

  /** An API key was revoked. */
  public record ApiKeyRevoked(String keyId, Instant at) implements Event {}

  /** An API key was used. */
  public record ApiKeyUsed(String keyId, Instant at) implements Event {}

  /** An OIDC identity was linked. */
  public record IdentityLinked(String provider, String subject, Instant at) implements Event {}

  /** The account was deleted: everything personal is erased. Carries nothing personal itself. */
  public record UserDeleted(Instant at) implements Event {}

  // ---- state ----------------------------------------------------------------------------------

  /** Where an account is in its life. */
  public enum Status {
    /** Never registered. */
    UNREGISTERED,
    ACTIVE,
    /** Deleted: nothing but this status is kept. */
    DELETED
  }

  /** An API key: {@code secretHash} is the hash of its secret part. */
  public record ApiKey(
      String keyId,
      String name,
      List<String> scopes,
      String projectId,
      String secretHash,
      Instant createdAt,
      Instant lastUsedAt) {
    public ApiKey {
      scopes = scopes == null ? List.of() : List.copyOf(scopes);
    }

    ApiKeyView view() {
      return new ApiKeyView(keyId, name, scopes, projectId, createdAt, lastUsedAt);
    }

    ApiKey usedAt(Instant at) {
      return new ApiKey(keyId, name, scopes, projectId, secretHash, createdAt, at);
    }
  }

  /** An OIDC identity: the {@code subject} claim of tokens from {@code provider}. */
  public record LinkedIdentity(String provider, String subject) {}

  /**
   * The TOTP authenticator: {@code secretEncrypted} from enrollment on, {@code confirmed} once a
   * first code was checked; {@code lastStep} is the time step of the last code used (-1: none);
   * {@code recoveryCodeHashes} are the unspent recovery codes.
   */
  public record SecondFactor(
      String secretEncrypted, boolean confirmed, long lastStep, List<String> recoveryCodeHashes) {
    public static final SecondFactor NONE = new SecondFactor(null, false, -1, List.of());

    public SecondFactor {
      recoveryCodeHashes = recoveryCodeHashes == null ? List.of() : List.copyOf(recoveryCodeHashes);
    }

    SecondFactor withLastStep(long step) {
      return new SecondFactor(secretEncrypted, true, step, recoveryCodeHashes);
    }

    SecondFactor withRecoveryCodes(List<String> hashes) {
      return new SecondFactor(secretEncrypted, confirmed, lastStep, hashes);
    }

    SecondFactor withoutRecoveryCode(String hash) {
      List<String> left = new ArrayList<>(recoveryCodeHashes);
      left.remove(hash);
      return withRecoveryCodes(left);
    }
  }

  /** The account; immutable. {@code apiKeys} holds the active keys by id. */
  public record State(
      Status status,
      String email,
      String passwordHash,
      String displayName,
      String avatarUrl,
      Instant createdAt,
      SecondFactor secondFactor,
      Map<String, ApiKey> apiKeys,
      List<LinkedIdentity> identities)
      implements CborSerializable {
    public static final State UNREGISTERED =
        new State(Status.UNREGISTERED, null, null, null, null, null, null, null, null);

    /** All that is left of a deleted account. */
    public static final State ERASED =
        new State(Status.DELETED, null, null, null, null, null, null, null, null);

    public State {
      secondFactor = secondFactor == null ? SecondFactor.NONE : secondFactor;
      apiKeys =
          apiKeys == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(apiKeys));
      identities = identities == null ? List.of() : List.copyOf(identities);
    }

    static State registered(String email, String passwordHash, String displayName, Instant at) {
      return new State(Status.ACTIVE, email, passwordHash, displayName, null, at, null, null, null);
    }

    State withProfile(String displayName, String avatarUrl) {
      return new State(
          status,
          email,
          passwordHash,
          displayName,
          avatarUrl,
          createdAt,
          secondFactor,
          apiKeys,
          identities);
    }

    State withPasswordHash(String passwordHash) {
      return new State(
          status,
          email,
          passwordHash,
          displayName,
          avatarUrl,
          createdAt,
          secondFactor,
          apiKeys,
          identities);
    }

    State withSecondFactor(SecondFactor secondFactor) {
      return new State(
          status,
          email,
          passwordHash,
          displayName,
          avatarUrl,
          createdAt,
          secondFactor,
          apiKeys,
          identities);
    }

    State withApiKeys(Map<String, ApiKey> apiKeys) {
      return new State(
          status,
          email,
          passwordHash,
          displayName,
          avatarUrl,
          createdAt,
          secondFactor,
          apiKeys,
          identities);
    }

    State withApiKey(ApiKey key) {
      Map<String, ApiKey> keys = new LinkedHashMap<>(apiKeys);
      keys.put(key.keyId(), key);
      return withApiKeys(keys);
    }

    State withoutApiKey(String keyId) {
      Map<String, ApiKey> keys = new LinkedHashMap<>(apiKeys);
      keys.remove(keyId);
      return withApiKeys(keys);
    }

    State withIdentity(LinkedIdentity identity) {
      List<LinkedIdentity> linked = new ArrayList<>(identities);
      linked.add(identity);
      return new State(
          status,
          email,
          passwordHash,
          displayName,
          avatarUrl,
          createdAt,
          secondFactor,
          apiKeys,
          linked);
    }

    /** The subject linked for {@code provider}, or null. */
    String subjectOf(String provider) {
      for (LinkedIdentity identity : identities) {
        if (identity.provider().equals(provider)) return identity.subject();
      }
      return null;
    }

    UserView view(String userId) {
      List<ApiKeyView> keys = new ArrayList<>();
      for (ApiKey key : sortedKeys()) keys.add(key.view());
      return new UserView(
          userId,
          status,
          email,
          displayName,
          avatarUrl,
          createdAt,
          secondFactor.confirmed(),
          secondFactor.recoveryCodeHashes().size(),
          keys,
          identities,
          etag(userId));
    }

    /** The etag of the account as shown to its owner. */
    String etag(String userId) {
      return Etags.of(
          userId,
          status,
          email,
          displayName,
          avatarUrl,
          createdAt,
          secondFactor.confirmed(),
          secondFactor.recoveryCodeHashes().size());
    }

    Credentials credentials(String userId) {
      return new Credentials(
          userId,
          status,
          email,
          passwordHash,
          secondFactor.secretEncrypted(),
          secondFactor.confirmed(),
          secondFactor.lastStep(),
          secondFactor.recoveryCodeHashes(),
          sortedKeys());
    }

    private List<ApiKey> sortedKeys() {
      List<ApiKey> keys = new ArrayList<>(apiKeys.values());
      keys.sort(Comparator.comparing(ApiKey::createdAt).thenComparing(ApiKey::keyId));
      return keys;
    }
  }

  /** Settings from {@code easel.identity}. */
  public record Settings(int snapshotEvery, Duration apiKeyTouchInterval) {
    public static Settings from(Config config) {
      Config c = config.getConfig("easel.identity");
      return new Settings(c.getInt("snapshot-every"), c.getDuration("api-key-touch-interval"));
    }
  }

  // ---- wiring ---------------------------------------------------------------------------------

  private final String userId;
  private final Settings settings;

  /** Starts sharding for accounts on nodes with the {@code core} role. */
  public static void init(ActorSystem<?> system) {
    Settings settings = Settings.from(system.settings().config());
    Entities.shardOnCore(system, KEY, id -> create(id, settings));
  }

  public static Behavior<Command> create(String userId, Settings settings) {
    return Behaviors.setup(context -> new UserEntity(userId, settings));
  }

  private UserEntity(String userId, Settings settings) {
    super(PersistenceId.of(KEY.name(), userId), Entities.restartWithBackoff());
    this.userId = userId;
    this.settings = settings;
  }

  @Override
  public State emptyState() {
    return State.UNREGISTERED;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  /** Right after a deletion, so that recovery starts from the erased state. */
  @Override
  public boolean shouldSnapshot(State state, Event event, long sequenceNr) {
    return event instanceof UserDeleted;
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Entities.tag("user", userId);
  }

  // ---- commands -------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState().onAnyCommand(this::onCommand);
  }

  private ReplyEffect<Event, State> onCommand(State state, Command command) {
    return switch (command) {
      case Get get -> Effect().reply(get.replyTo(), state.view(userId));
      case GetCredentials get -> Effect().reply(get.replyTo(), state.credentials(userId));
      case Change change when state.status() == Status.DELETED ->
          refuse(change, IdentityError.USER_DELETED, "The account was deleted");
      case Register register -> onRegister(state, register);
      case Change change when state.status() == Status.UNREGISTERED ->
          refuse(change, IdentityError.USER_NOT_FOUND, "There is no account " + userId);
      case ChangeProfile change -> onChangeProfile(state, change);
      case ChangePassword change -> onChangePassword(change);
      case EnrollTotp enroll -> onEnrollTotp(state, enroll);
      case ConfirmTotp confirm -> onConfirmTotp(state, confirm);
      case RecordTotpStep record -> onRecordTotpStep(state, record);
      case SetRecoveryCodes set -> onSetRecoveryCodes(state, set);
      case UseRecoveryCode use -> onUseRecoveryCode(state, use);
      case DisableTotp disable -> onDisableTotp(state, disable);
      case AddApiKey add -> onAddApiKey(state, add);
      case RevokeApiKey revoke -> onRevokeApiKey(state, revoke);
      case UseApiKey use -> onUseApiKey(state, use);
      case LinkIdentity link -> onLinkIdentity(state, link);
      case Delete delete -> persist(delete, new UserDeleted(Instant.now()));
    };
  }

  private ReplyEffect<Event, State> onRegister(State state, Register register) {
    if (state.status() == Status.ACTIVE) {
      return refuse(register, IdentityError.ALREADY_REGISTERED, "The account exists already");
    }
    if (blank(register.email())) return invalid(register, "An email address is required");
    if (blank(register.displayName())) return invalid(register, "A display name is required");
    if (register.passwordHash() != null && register.passwordHash().isBlank()) {
      return invalid(register, "The password hash is empty");
    }
    return persist(
        register,
        new UserRegistered(
            register.email().strip(),
            register.passwordHash(),
            register.displayName().strip(),
            Instant.now()));
  }

  private ReplyEffect<Event, State> onChangeProfile(State state, ChangeProfile change) {
    if (change.expectedEtag() != null && !change.expectedEtag().equals(state.etag(userId))) {
      return refuse(
          change,
          IdentityError.ETAG_MISMATCH,
          "The account changed since this etag was given out; read it again and retry");
    }
    if (change.displayName() != null && blank(change.displayName())) {
      return invalid(change, "A display name is required");
    }
    String displayName =
        change.displayName() == null ? state.displayName() : change.displayName().strip();
    String avatarUrl =
        change.avatarUrl() == null
            ? state.avatarUrl()
            : blank(change.avatarUrl()) ? null : change.avatarUrl().strip();
    if (displayName.equals(state.displayName()) && Objects.equals(avatarUrl, state.avatarUrl())) {
      return accept(change);
    }
    return persist(change, new ProfileChanged(displayName, avatarUrl, Instant.now()));
  }

  private ReplyEffect<Event, State> onChangePassword(ChangePassword change) {
    if (blank(change.newPasswordHash())) return invalid(change, "The password hash is empty");
    return persist(change, new PasswordChanged(change.newPasswordHash(), Instant.now()));
  }

  private ReplyEffect<Event, State> onEnrollTotp(State state, EnrollTotp enroll) {
    if (state.secondFactor().confirmed()) {
      return refuse(
          enroll,
          IdentityError.TOTP_ALREADY_ENABLED,
          "An authenticator is enabled already; disable it before enrolling another");
    }
    if (blank(enroll.secretEncrypted())) return invalid(enroll, "The TOTP secret is empty");
    return persist(enroll, new TotpEnrolled(enroll.secretEncrypted(), Instant.now()));
  }

  private ReplyEffect<Event, State> onConfirmTotp(State state, ConfirmTotp confirm) {
    SecondFactor factor = state.secondFactor();
    if (factor.confirmed()) {
      return refuse(
          confirm, IdentityError.TOTP_ALREADY_ENABLED, "The authenticator is confirmed already");
    }
    if (factor.secretEncrypted() == null) {
      return refuse(
          confirm, IdentityError.TOTP_NOT_ENROLLED, "There is no authenticator to confirm");
    }
    if (confirm.lastStep() < 0) return invalid(confirm, "The time step must not be negative");
    return persist(confirm, new TotpConfirmed(confirm.lastStep(), Instant.now()));
  }

  private ReplyEffect<Event, State> onRecordTotpStep(State state, RecordTotpStep record) {
    SecondFactor factor = state.secondFactor();
    if (!factor.confirmed()) return totpNotEnabled(record);
    if (record.step() <= factor.lastStep()) {
      return refuse(
          record,
          IdentityError.TOTP_STEP_REUSED,
          "This code was used already; wait for the authenticator to show a new one");
    }
    return persist(record, new TotpStepUsed(record.step(), Instant.now()));
  }

  private ReplyEffect<Event, State> onSetRecoveryCodes(State state, SetRecoveryCodes set) {
    if (!state.secondFactor().confirmed()) return totpNotEnabled(set);
    List<String> hashes = set.hashes();
    if (hashes == null || hashes.isEmpty()) return invalid(set, "No recovery codes were given");
    Set<String> distinct = new HashSet<>();
    for (String hash : hashes) {
      if (blank(hash)) return invalid(set, "A recovery code hash is empty");
      if (!distinct.add(hash)) return invalid(set, "The recovery codes are not all different");
    }
    return persist(set, new RecoveryCodesSet(List.copyOf(hashes), Instant.now()));
  }

  private ReplyEffect<Event, State> onUseRecoveryCode(State state, UseRecoveryCode use) {
    SecondFactor factor = state.secondFactor();
    if (!factor.confirmed()) return totpNotEnabled(use);
    if (use.hash() == null || !factor.recoveryCodeHashes().contains(use.hash())) {
      return refuse(
          use,
          IdentityError.RECOVERY_CODE_INVALID,
          "This recovery code is not valid or was used already");
    }
    return persist(use, new RecoveryCodeUsed(use.hash(), Instant.now()));
  }

  private ReplyEffect<Event, State> onDisableTotp(State state, DisableTotp disable) {
    if (state.secondFactor().secretEncrypted() == null) return totpNotEnabled(disable);
    return persist(disable, new TotpDisabled(Instant.now()));
  }

  private ReplyEffect<Event, State> onAddApiKey(State state, AddApiKey add) {
    if (blank(add.keyId())) return invalid(add, "An API key id is required");
    if (blank(add.name())) return invalid(add, "An API key name is required");
    if (blank(add.secretHash())) return invalid(add, "The API key secret hash is empty");
    if (add.createdAt() == null) return invalid(add, "The API key creation time is missing");
    if (add.scopes() == null || add.scopes().isEmpty()) {
      return invalid(add, "An API key needs at least one scope");
    }
    for (String scope : add.scopes()) {
      if (blank(scope)) return invalid(add, "An API key scope is empty");
    }
    if (state.apiKeys().containsKey(add.keyId())) {
      return refuse(add, IdentityError.API_KEY_EXISTS, "An API key with this id exists already");
    }
    return persist(
        add,
        new ApiKeyAdded(
            add.keyId(),
            add.name().strip(),
            List.copyOf(add.scopes()),
            blank(add.projectId()) ? null : add.projectId(),
            add.secretHash(),
            add.createdAt()));
  }

  private ReplyEffect<Event, State> onRevokeApiKey(State state, RevokeApiKey revoke) {
    if (!state.apiKeys().containsKey(revoke.keyId())) return apiKeyNotFound(revoke);
    return persist(revoke, new ApiKeyRevoked(revoke.keyId(), Instant.now()));
  }

  private ReplyEffect<Event, State> onUseApiKey(State state, UseApiKey use) {
    ApiKey key = state.apiKeys().get(use.keyId());
    if (key == null || !SecretDigest.sameDigest(use.secretDigest(), key.secretHash())) {
      return apiKeyNotFound(use);
    }
    if (use.at() == null) return invalid(use, "The time of use is missing");
    ApiKeyUsable usable = new ApiKeyUsable(userId, key.keyId(), key.scopes(), key.projectId());
    Instant last = key.lastUsedAt();
    if (last != null && use.at().isBefore(last.plus(settings.apiKeyTouchInterval()))) {
      // recorded recently enough: the last-use time shown is at most one interval old
      return Effect().reply(use.replyTo(), usable);
    }
    return Effect()
        .persist(new ApiKeyUsed(use.keyId(), use.at()))
        .thenReply(use.replyTo(), next -> usable);
  }

  private ReplyEffect<Event, State> onLinkIdentity(State state, LinkIdentity link) {
    if (blank(link.provider()) || blank(link.subject())) {
      return invalid(link, "An identity provider and subject are required");
    }
    String linked = state.subjectOf(link.provider());
    if (link.subject().equals(linked)) return accept(link);
    if (linked != null) {
      return refuse(
          link,
          IdentityError.IDENTITY_ALREADY_LINKED,
          "The account is linked to another " + link.provider() + " identity");
    }
    return persist(link, new IdentityLinked(link.provider(), link.subject(), Instant.now()));
  }

  private ReplyEffect<Event, State> persist(Change change, Event event) {
    return Effect().persist(event).thenReply(change.replyTo(), state -> new Accepted());
  }

  private ReplyEffect<Event, State> accept(Change change) {
    return Effect().reply(change.replyTo(), new Accepted());
  }

  private ReplyEffect<Event, State> refuse(Change change, IdentityError code, String message) {
    return Effect().reply(change.replyTo(), new Refused(code, message));
  }

  private ReplyEffect<Event, State> invalid(Change change, String message) {
    return refuse(change, IdentityError.INVALID_ARGUMENT, message);
  }

  private ReplyEffect<Event, State> totpNotEnabled(Change change) {
    return refuse(change, IdentityError.TOTP_NOT_ENABLED, "The account has no authenticator");
  }

  private ReplyEffect<Event, State> apiKeyNotFound(Change change) {
    return refuse(change, IdentityError.API_KEY_NOT_FOUND, "There is no such active API key");
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  // ---- events ---------------------------------------------------------------------------------

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(UserEntity::apply);
  }

  static State apply(State state, Event event) {
    SecondFactor factor = state.secondFactor();
    return switch (event) {
      case UserRegistered e ->
          State.registered(e.email(), e.passwordHash(), e.displayName(), e.at());
      case ProfileChanged e -> state.withProfile(e.displayName(), e.avatarUrl());
      case PasswordChanged e -> state.withPasswordHash(e.passwordHash());
      case TotpEnrolled e ->
          state.withSecondFactor(new SecondFactor(e.secretEncrypted(), false, -1, List.of()));
      case TotpConfirmed e -> state.withSecondFactor(factor.withLastStep(e.lastStep()));
      case TotpStepUsed e -> state.withSecondFactor(factor.withLastStep(e.step()));
      case RecoveryCodesSet e -> state.withSecondFactor(factor.withRecoveryCodes(e.hashes()));
      case RecoveryCodeUsed e -> state.withSecondFactor(factor.withoutRecoveryCode(e.hash()));
      case TotpDisabled e -> state.withSecondFactor(SecondFactor.NONE);
      case ApiKeyAdded e ->
          state.withApiKey(
              new ApiKey(
                  e.keyId(), e.name(), e.scopes(), e.projectId(), e.secretHash(), e.at(), null));
      case ApiKeyRevoked e -> state.withoutApiKey(e.keyId());
      case ApiKeyUsed e -> state.withApiKey(state.apiKeys().get(e.keyId()).usedAt(e.at()));
      case IdentityLinked e -> state.withIdentity(new LinkedIdentity(e.provider(), e.subject()));
      case UserDeleted e -> State.ERASED;
    };
  }
}
