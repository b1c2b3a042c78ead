package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import dev.easel.EntityTestKits;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.persistence.testkit.SnapshotMeta;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The account entity on the Pekko persistence test journal, with serialization of every command,
 * event and state checked on each step.
 */
class UserEntityTest {
  static final Config CONFIG = EntityTestKits.config("easel.identity.snapshot-every = 4");
  static final ActorTestKit testKit = ActorTestKit.create("user-entity-test", CONFIG);

  static final String EMAIL = "Ada.Lovelace@example.com";
  static final String PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  String userId;
  EventSourcedBehaviorTestKit<UserEntity.Command, UserEntity.Event, UserEntity.State> user;

  @BeforeEach
  void setUp() {
    userId = "u-" + System.nanoTime();
    user =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            UserEntity.create(userId, UserEntity.Settings.from(CONFIG)),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  CommandResultWithReply<UserEntity.Command, UserEntity.Event, UserEntity.State, UserEntity.Result>
      run(Function<ActorRef<UserEntity.Result>, UserEntity.Command> command) {
    return user.runCommand(command);
  }

  UserEntity.Event accepted(Function<ActorRef<UserEntity.Result>, UserEntity.Command> command) {
    var result = run(command);
    assertThat(result.reply()).isEqualTo(new UserEntity.Accepted());
    return result.event();
  }

  void acceptedWithoutEvent(Function<ActorRef<UserEntity.Result>, UserEntity.Command> command) {
    var result = run(command);
    assertThat(result.reply()).isEqualTo(new UserEntity.Accepted());
    assertThat(result.hasNoEvents()).isTrue();
  }

  void refused(
      IdentityError code, Function<ActorRef<UserEntity.Result>, UserEntity.Command> command) {
    var result = run(command);
    assertThat(result.reply())
        .isInstanceOfSatisfying(
            UserEntity.Refused.class,
            refused -> {
              assertThat(refused.code()).isEqualTo(code);
              assertThat(refused.message()).isNotBlank();
            });
    assertThat(result.hasNoEvents()).isTrue();
  }

  UserEntity.UserView view() {
    return user.<UserEntity.UserView>runCommand(UserEntity.Get::new).reply();
  }

  UserEntity.Credentials credentials() {
    return user.<UserEntity.Credentials>runCommand(UserEntity.GetCredentials::new).reply();
  }

  void register() {
    assertThat(accepted(r -> new UserEntity.Register(EMAIL, PASSWORD_HASH, "Ada", r)))
        .isInstanceOf(UserEntity.UserRegistered.class);
  }

  void enableTotp() {
    accepted(r -> new UserEntity.EnrollTotp("enc:secret", r));
    accepted(r -> new UserEntity.ConfirmTotp(1000, r));
  }

  static UserEntity.AddApiKey apiKey(String keyId, ActorRef<UserEntity.Result> replyTo) {
    return new UserEntity.AddApiKey(
        keyId,
        "CI",
        List.of("read", "write"),
        "p-1",
        SecretDigest.of("secret-" + keyId),
        T0,
        replyTo);
  }

  /** Signs in with key {@code keyId} and the secret {@link #apiKey} gave it. */
  static UserEntity.UseApiKey use(String keyId, Instant at, ActorRef<UserEntity.Result> replyTo) {
    return new UserEntity.UseApiKey(keyId, SecretDigest.of("secret-" + keyId), at, replyTo);
  }

  /** Runs a {@link UserEntity.UseApiKey} that must be answered as usable. */
  UserEntity.ApiKeyUsable usable(
      Function<ActorRef<UserEntity.Result>, UserEntity.Command> command) {
    var result = run(command);
    assertThat(result.reply()).isInstanceOf(UserEntity.ApiKeyUsable.class);
    return (UserEntity.ApiKeyUsable) result.reply();
  }

  @Test
  void registersAnAccountAndShowsItWithoutItsPasswordHash() {
    register();
    UserEntity.UserView view = view();
    assertThat(view.status()).isEqualTo(UserEntity.Status.ACTIVE);
    assertThat(view.email()).isEqualTo(EMAIL);
    assertThat(view.displayName()).isEqualTo("Ada");
    assertThat(view.createdAt()).isNotNull();
    assertThat(view.toString()).doesNotContain(PASSWORD_HASH);
    UserEntity.Credentials credentials = credentials();
    assertThat(credentials.passwordHash()).isEqualTo(PASSWORD_HASH);
    assertThat(credentials.status()).isEqualTo(UserEntity.Status.ACTIVE);
    assertThat(credentials.totpEnabled()).isFalse();
  }

  @Test
  void registersAnOidcAccountWithoutPassword() {
    accepted(r -> new UserEntity.Register(EMAIL, null, "Ada", r));
    assertThat(credentials().passwordHash()).isNull();
  }

  @Test
  void refusesChangesBeforeRegistrationAndRegisteringTwice() {
    assertThat(view().status()).isEqualTo(UserEntity.Status.UNREGISTERED);
    refused(IdentityError.USER_NOT_FOUND, r -> new UserEntity.ChangePassword("h", r));
    refused(IdentityError.USER_NOT_FOUND, UserEntity.Delete::new);
    refused(IdentityError.INVALID_ARGUMENT, r -> new UserEntity.Register(" ", "h", "Ada", r));
    refused(IdentityError.INVALID_ARGUMENT, r -> new UserEntity.Register(EMAIL, "h", "", r));
    refused(IdentityError.INVALID_ARGUMENT, r -> new UserEntity.Register(EMAIL, " ", "Ada", r));
    register();
    refused(IdentityError.ALREADY_REGISTERED, r -> new UserEntity.Register(EMAIL, "h2", "Eve", r));
    assertThat(view().displayName()).isEqualTo("Ada");
  }

  @Test
  void changesTheProfileOnlyWhileItsEtagIsTheOneExpected() {
    register();
    String registered = view().etag();
    assertThat(registered).isNotBlank();
    // Fields left null stay as they are.
    accepted(r -> new UserEntity.ChangeProfile(null, "https://cdn.example/ada.png", registered, r));
    assertThat(view().displayName()).isEqualTo("Ada");
    String withAvatar = view().etag();
    assertThat(withAvatar).isNotEqualTo(registered);
    refused(
        IdentityError.ETAG_MISMATCH, r -> new UserEntity.ChangeProfile("Eve", null, registered, r));
    assertThat(view().displayName()).isEqualTo("Ada");
    assertThat(view().etag()).isEqualTo(withAvatar);
    // An empty avatar removes it; the name stays.
    accepted(r -> new UserEntity.ChangeProfile(null, "", withAvatar, r));
    assertThat(view().avatarUrl()).isNull();
    assertThat(view().displayName()).isEqualTo("Ada");
    assertThat(view().etag()).isEqualTo(registered);
  }

  @Test
  void changesProfileAndPassword() {
    register();
    accepted(r -> new UserEntity.ChangeProfile("Ada L.", "https://cdn.example/ada.png", r));
    acceptedWithoutEvent(
        r -> new UserEntity.ChangeProfile(" Ada L. ", "https://cdn.example/ada.png", r));
    assertThat(view().avatarUrl()).isEqualTo("https://cdn.example/ada.png");
    accepted(r -> new UserEntity.ChangeProfile("Ada L.", null, r));
    assertThat(view().avatarUrl()).isNull();
    refused(IdentityError.INVALID_ARGUMENT, r -> new UserEntity.ChangeProfile(" ", null, r));
    assertThat(view().displayName()).isEqualTo("Ada L.");

    accepted(r -> new UserEntity.ChangePassword("new-hash", r));
    assertThat(credentials().passwordHash()).isEqualTo("new-hash");
    refused(IdentityError.INVALID_ARGUMENT, r -> new UserEntity.ChangePassword("", r));
  }

  @Test
  void enrollsConfirmsAndDisablesAnAuthenticator() {
    register();
    refused(IdentityError.TOTP_NOT_ENROLLED, r -> new UserEntity.ConfirmTotp(5, r));
    refused(IdentityError.TOTP_NOT_ENABLED, UserEntity.DisableTotp::new);
    refused(IdentityError.INVALID_ARGUMENT, r -> new UserEntity.EnrollTotp(" ", r));
    accepted(r -> new UserEntity.EnrollTotp("enc:first", r));
    // an unconfirmed authenticator may be replaced, and does not protect sign-in yet
    accepted(r -> new UserEntity.EnrollTotp("enc:second", r));
    assertThat(credentials().totpSecretEncrypted()).isEqualTo("enc:second");
    assertThat(credentials().totpEnabled()).isFalse();
    refused(IdentityError.TOTP_NOT_ENABLED, r -> new UserEntity.RecordTotpStep(7, r));
    refused(IdentityError.INVALID_ARGUMENT, r -> new UserEntity.ConfirmTotp(-1, r));

    accepted(r -> new UserEntity.ConfirmTotp(1000, r));
    assertThat(view().totpEnabled()).isTrue();
    assertThat(credentials().totpLastStep()).isEqualTo(1000);
    refused(IdentityError.TOTP_ALREADY_ENABLED, r -> new UserEntity.ConfirmTotp(1001, r));
    refused(IdentityError.TOTP_ALREADY_ENABLED, r -> new UserEntity.EnrollTotp("enc:third", r));

    accepted(UserEntity.DisableTotp::new);
    assertThat(view().totpEnabled()).isFalse();
    assertThat(credentials().totpSecretEncrypted()).isNull();
    refused(IdentityError.TOTP_NOT_ENABLED, UserEntity.DisableTotp::new);
  }

  @Test
  void acceptsEachTimeStepOnceAndInOrder() {
    register();
    enableTotp();
    refused(IdentityError.TOTP_STEP_REUSED, r -> new UserEntity.RecordTotpStep(1000, r));
    refused(IdentityError.TOTP_STEP_REUSED, r -> new UserEntity.RecordTotpStep(999, r));
    assertThat(accepted(r -> new UserEntity.RecordTotpStep(1001, r)))
        .isInstanceOf(UserEntity.TotpStepUsed.class);
    refused(IdentityError.TOTP_STEP_REUSED, r -> new UserEntity.RecordTotpStep(1001, r));
    accepted(r -> new UserEntity.RecordTotpStep(1003, r));
    assertThat(credentials().totpLastStep()).isEqualTo(1003);
  }

  @Test
  void spendsEachRecoveryCodeOnce() {
    register();
    refused(IdentityError.TOTP_NOT_ENABLED, r -> new UserEntity.SetRecoveryCodes(List.of("a"), r));
    refused(IdentityError.TOTP_NOT_ENABLED, r -> new UserEntity.UseRecoveryCode("a", r));
    enableTotp();
    refused(IdentityError.INVALID_ARGUMENT, r -> new UserEntity.SetRecoveryCodes(List.of(), r));
    refused(
        IdentityError.INVALID_ARGUMENT, r -> new UserEntity.SetRecoveryCodes(List.of("a", "a"), r));
    refused(
        IdentityError.INVALID_ARGUMENT, r -> new UserEntity.SetRecoveryCodes(List.of("a", " "), r));
    accepted(r -> new UserEntity.SetRecoveryCodes(List.of("h1", "h2", "h3"), r));
    assertThat(view().recoveryCodesLeft()).isEqualTo(3);
    assertThat(view().toString()).doesNotContain("h2");
    assertThat(credentials().recoveryCodeHashes()).containsExactly("h1", "h2", "h3");

    accepted(r -> new UserEntity.UseRecoveryCode("h2", r));
    refused(IdentityError.RECOVERY_CODE_INVALID, r -> new UserEntity.UseRecoveryCode("h2", r));
    refused(IdentityError.RECOVERY_CODE_INVALID, r -> new UserEntity.UseRecoveryCode("h9", r));
    assertThat(view().recoveryCodesLeft()).isEqualTo(2);
    assertThat(credentials().recoveryCodeHashes()).containsExactly("h1", "h3");

    // new codes replace the old ones; disabling the authenticator drops them
    accepted(r -> new UserEntity.SetRecoveryCodes(List.of("n1"), r));
    refused(IdentityError.RECOVERY_CODE_INVALID, r -> new UserEntity.UseRecoveryCode("h1", r));
    accepted(UserEntity.DisableTotp::new);
    enableTotp();
    assertThat(view().recoveryCodesLeft()).isZero();
  }

  @Test
  void addsTouchesAndRevokesApiKeys() {
    register();
    accepted(r -> apiKey("k1", r));
    refused(IdentityError.API_KEY_EXISTS, r -> apiKey("k1", r));
    refused(
        IdentityError.INVALID_ARGUMENT,
        r -> new UserEntity.AddApiKey("k2", "CI", List.of(), null, "sha256:x", T0, r));
    refused(
        IdentityError.INVALID_ARGUMENT,
        r -> new UserEntity.AddApiKey("k2", "CI", List.of("read"), null, "", T0, r));
    refused(
        IdentityError.INVALID_ARGUMENT,
        r -> new UserEntity.AddApiKey("k2", " ", List.of("read"), null, "sha256:x", T0, r));
    accepted(r -> new UserEntity.AddApiKey("k2", "Laptop", List.of("read"), null, "s2", T0, r));

    UserEntity.UserView view = view();
    assertThat(view.apiKeys())
        .containsExactly(
            new UserEntity.ApiKeyView("k1", "CI", List.of("read", "write"), "p-1", T0, null),
            new UserEntity.ApiKeyView("k2", "Laptop", List.of("read"), null, T0, null));
    assertThat(view.toString()).doesNotContain(SecretDigest.of("secret-k1"));
    assertThat(credentials().apiKeys())
        .extracting(UserEntity.ApiKey::secretHash)
        .containsExactly(SecretDigest.of("secret-k1"), "s2");

    Instant used = T0.plusSeconds(3600);
    var first = run(r -> use("k1", used, r));
    assertThat(first.reply())
        .isEqualTo(new UserEntity.ApiKeyUsable(userId, "k1", List.of("read", "write"), "p-1"));
    assertThat(first.events()).containsExactly(new UserEntity.ApiKeyUsed("k1", used));
    // within a minute of the last recorded use: usable, and nothing is persisted
    assertThat(run(r -> use("k1", used.plusSeconds(59), r)).hasNoEvents()).isTrue();
    assertThat(run(r -> use("k1", used.minusSeconds(10), r)).hasNoEvents()).isTrue();
    usable(r -> use("k1", used.plusSeconds(60), r));
    assertThat(view().apiKeys().get(0).lastUsedAt()).isEqualTo(used.plusSeconds(60));
    // a wrong secret, a malformed digest, an unknown key: all the same refusal
    refused(
        IdentityError.API_KEY_NOT_FOUND,
        r -> new UserEntity.UseApiKey("k1", SecretDigest.of("guess"), used, r));
    refused(IdentityError.API_KEY_NOT_FOUND, r -> new UserEntity.UseApiKey("k1", "s2", used, r));
    refused(IdentityError.API_KEY_NOT_FOUND, r -> use("k9", used, r));
    refused(IdentityError.INVALID_ARGUMENT, r -> use("k1", null, r));

    accepted(r -> new UserEntity.RevokeApiKey("k1", r));
    refused(IdentityError.API_KEY_NOT_FOUND, r -> new UserEntity.RevokeApiKey("k1", r));
    refused(IdentityError.API_KEY_NOT_FOUND, r -> use("k1", used, r));
    assertThat(credentials().apiKeys()).extracting(UserEntity.ApiKey::keyId).containsExactly("k2");
  }

  @Test
  void linksOneSubjectPerProvider() {
    register();
    accepted(r -> new UserEntity.LinkIdentity("google", "sub-1", r));
    acceptedWithoutEvent(r -> new UserEntity.LinkIdentity("google", "sub-1", r));
    refused(
        IdentityError.IDENTITY_ALREADY_LINKED,
        r -> new UserEntity.LinkIdentity("google", "sub-2", r));
    refused(IdentityError.INVALID_ARGUMENT, r -> new UserEntity.LinkIdentity("github", "", r));
    accepted(r -> new UserEntity.LinkIdentity("github", "42", r));
    assertThat(view().identities())
        .containsExactly(
            new UserEntity.LinkedIdentity("google", "sub-1"),
            new UserEntity.LinkedIdentity("github", "42"));
  }

  @Test
  void deletionErasesPersonalDataAndRefusesEverythingButReading() {
    register();
    accepted(r -> new UserEntity.ChangeProfile("Ada Lovelace", "https://cdn.example/ada.png", r));
    enableTotp();
    accepted(r -> new UserEntity.SetRecoveryCodes(List.of("rc-hash"), r));
    accepted(r -> apiKey("k1", r));
    accepted(r -> new UserEntity.LinkIdentity("google", "sub-1", r));

    var deleted = run(UserEntity.Delete::new);
    assertThat(deleted.reply()).isEqualTo(new UserEntity.Accepted());
    assertThat(deleted.events()).hasSize(1).allMatch(e -> e instanceof UserEntity.UserDeleted);
    List<String> personal =
        List.of(
            EMAIL, PASSWORD_HASH, "Ada", "ada.png", "enc:secret", "rc-hash", "sha256:k1", "sub-1");
    for (UserEntity.Event event : deleted.events()) {
      for (String datum : personal) assertThat(event.toString()).doesNotContain(datum);
    }
    assertThat(deleted.state()).isEqualTo(UserEntity.State.ERASED);

    UserEntity.UserView view = view();
    assertThat(view)
        .isEqualTo(
            new UserEntity.UserView(
                userId,
                UserEntity.Status.DELETED,
                null,
                null,
                null,
                null,
                false,
                0,
                List.of(),
                List.of(),
                view.etag()));
    UserEntity.Credentials credentials = credentials();
    assertThat(credentials.passwordHash()).isNull();
    assertThat(credentials.totpSecretEncrypted()).isNull();
    assertThat(credentials.apiKeys()).isEmpty();
    assertThat(credentials.recoveryCodeHashes()).isEmpty();

    refused(IdentityError.USER_DELETED, r -> new UserEntity.Register(EMAIL, "h", "Ada", r));
    refused(IdentityError.USER_DELETED, r -> new UserEntity.ChangeProfile("X", null, r));
    refused(IdentityError.USER_DELETED, r -> new UserEntity.ChangePassword("h", r));
    refused(IdentityError.USER_DELETED, r -> new UserEntity.EnrollTotp("e", r));
    refused(IdentityError.USER_DELETED, r -> new UserEntity.ConfirmTotp(2000, r));
    refused(IdentityError.USER_DELETED, r -> new UserEntity.RecordTotpStep(2000, r));
    refused(IdentityError.USER_DELETED, r -> new UserEntity.SetRecoveryCodes(List.of("x"), r));
    refused(IdentityError.USER_DELETED, r -> new UserEntity.UseRecoveryCode("rc-hash", r));
    refused(IdentityError.USER_DELETED, UserEntity.DisableTotp::new);
    refused(IdentityError.USER_DELETED, r -> apiKey("k2", r));
    refused(IdentityError.USER_DELETED, r -> new UserEntity.RevokeApiKey("k1", r));
    refused(IdentityError.USER_DELETED, r -> use("k1", T0, r));
    refused(IdentityError.USER_DELETED, r -> new UserEntity.LinkIdentity("github", "1", r));
    refused(IdentityError.USER_DELETED, UserEntity.Delete::new);

    // recovery starts from a snapshot of the erased state, taken right after the deletion
    List<Pair<SnapshotMeta, Object>> snapshots =
        user.snapshotTestKit().orElseThrow().persistedInStorage("User|" + userId);
    Object latest = snapshots.get(snapshots.size() - 1).second();
    assertThat(latest).isEqualTo(UserEntity.State.ERASED);
    assertThat(user.restart().state()).isEqualTo(UserEntity.State.ERASED);
  }

  @Test
  void recoversTheSameAccountFromSnapshotsAndEvents() {
    register();
    enableTotp();
    accepted(r -> new UserEntity.RecordTotpStep(1001, r));
    accepted(r -> new UserEntity.SetRecoveryCodes(List.of("h1", "h2"), r));
    accepted(r -> new UserEntity.UseRecoveryCode("h1", r));
    accepted(r -> apiKey("k1", r));
    usable(r -> use("k1", T0.plusSeconds(120), r));
    accepted(r -> new UserEntity.LinkIdentity("google", "sub-1", r));
    accepted(r -> new UserEntity.ChangeProfile("Ada L.", null, r));
    UserEntity.State before = user.getState();
    assertThat(user.restart().state()).isEqualTo(before);
    // the rules still hold after recovery
    refused(IdentityError.TOTP_STEP_REUSED, r -> new UserEntity.RecordTotpStep(1001, r));
    refused(IdentityError.RECOVERY_CODE_INVALID, r -> new UserEntity.UseRecoveryCode("h1", r));
    assertThat(run(r -> use("k1", T0.plusSeconds(150), r)).hasNoEvents()).isTrue();
  }
}
