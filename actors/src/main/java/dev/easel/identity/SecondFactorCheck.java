package dev.easel.identity;

import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks what a user typed as a second factor (a code from their authenticator app, or one of their
 * recovery codes) against the account's stored factor, as {@link UserEntity.Credentials} holds it.
 * Plain logic: it opens the sealed TOTP secret with the {@link SecretBox}, compares, and says what
 * matched; the caller then records the used time step or spends the recovery code in the {@link
 * UserEntity}, which refuses a second use atomically.
 *
 * <p>A malformed code is refused as invalid input ({@link Accounts.Refusal.Kind#INVALID}) before
 * anything is compared; a well-formed code that does not match is a {@link Failed} outcome with a
 * stable reason, which the caller turns into the refusal that fits (sign-in or re-authentication).
 * Nothing here ever repeats a code or a secret in a message.
 */
final class SecondFactorCheck {
  /** A second factor is on and none was sent. */
  static final String MFA_REQUIRED = "MFA_REQUIRED";

  /** The authenticator code is wrong or outside the accepted time window. */
  static final String TOTP_CODE_INVALID = "TOTP_CODE_INVALID";

  /** The authenticator code's time step was used already. */
  static final String TOTP_CODE_REUSED = "TOTP_CODE_REUSED";

  /** The recovery code is wrong or was spent. */
  static final String RECOVERY_CODE_INVALID = "RECOVERY_CODE_INVALID";

  /** The stored TOTP secret cannot be decrypted with this server's key. */
  static final String TOTP_SECRET_UNREADABLE = "TOTP_SECRET_UNREADABLE";

  /** The longest typed code looked at; anything longer is refused unread. */
  static final int MAX_TYPED_CHARS = 32;

  private static final Pattern TOTP_CODE = Pattern.compile("[0-9]{" + Totp.DEFAULT_DIGITS + "}");
  private static final Pattern RECOVERY_CODE = Pattern.compile("[a-z2-7]{8}");

  /** What a check found. */
  sealed interface Outcome {}

  /** The authenticator code matched time step {@code step}, later than any used before. */
  record TotpMatched(long step) implements Outcome {}

  /** The recovery code of digest {@code hash} matched; it is still to be spent. */
  record RecoveryCodeMatched(String hash) implements Outcome {}

  /** Nothing matched: {@code reason} is stable, {@code message} is for people. */
  record Failed(String reason, String message) implements Outcome {}

  private final SecretBox secrets;
  private final Totp totp;
  private final Clock clock;

  SecondFactorCheck(SecretBox secrets, Totp totp, Clock clock) {
    this.secrets = secrets;
    this.totp = totp;
    this.clock = clock;
  }

  /**
   * The typed authenticator code without spaces, or null if none was sent.
   *
   * @throws Accounts.Refusal of kind INVALID naming {@code field} if it is not 6 digits
   */
  static String totpCode(String typed, String field) {
    if (typed == null || typed.isBlank()) return null;
    if (typed.length() > MAX_TYPED_CHARS) {
      throw invalid(field, field + " is too long: an authenticator code has 6 digits");
    }
    String compact = typed.replace(" ", "");
    if (!TOTP_CODE.matcher(compact).matches()) {
      throw invalid(field, field + " must be the 6 digits the authenticator app shows");
    }
    return compact;
  }

  /**
   * The typed recovery code in its compact form (8 lower-case characters), or null if none was
   * sent.
   *
   * @throws Accounts.Refusal of kind INVALID naming {@code field} if it is not shaped like one
   */
  static String recoveryCode(String typed, String field) {
    if (typed == null || typed.isBlank()) return null;
    if (typed.length() > MAX_TYPED_CHARS) {
      throw invalid(field, field + " is too long: a recovery code looks like abcd-2345");
    }
    String compact = typed.replace(" ", "").replace("-", "").toLowerCase(Locale.ROOT);
    if (!RECOVERY_CODE.matcher(compact).matches()) {
      throw invalid(field, field + " must look like abcd-2345 (letters a-z and digits 2-7)");
    }
    return compact;
  }

  /** The context a user's TOTP secret is sealed for: it opens for that account only. */
  static String context(String userId) {
    return "totp:" + userId;
  }

  /** Seals a new base32 TOTP secret for {@code userId}, for {@link UserEntity.EnrollTotp}. */
  String seal(String userId, String secret) {
    return secrets.seal(secret, context(userId));
  }

  /**
   * The account's TOTP secret in clear (base32).
   *
   * @throws SecretBox.UnreadableSecretException if it cannot be opened with this server's key
   */
  String secretOf(UserEntity.Credentials credentials) {
    return secrets.unseal(credentials.totpSecretEncrypted(), context(credentials.userId()));
  }

  /** The time step of a code for the account's enrolled (not necessarily confirmed) secret. */
  Outcome checkTotp(UserEntity.Credentials credentials, String code) {
    if (credentials.totpSecretEncrypted() == null) {
      return new Failed(TOTP_CODE_INVALID, "this account has no authenticator");
    }
    String secret;
    try {
      secret = secretOf(credentials);
    } catch (SecretBox.UnreadableSecretException e) {
      return new Failed(
          TOTP_SECRET_UNREADABLE,
          "the authenticator's secret cannot be read on this server (its encryption key changed):"
              + " sign in with a recovery code, then disable two-step sign-in and enroll the"
              + " authenticator again");
    }
    OptionalLong step = totp.verify(secret, code, clock);
    if (step.isEmpty()) {
      return new Failed(
          TOTP_CODE_INVALID,
          "the authenticator code is wrong or expired: type the code the app shows now, and check"
              + " that the device's clock is right");
    }
    if (step.getAsLong() <= credentials.totpLastStep()) {
      return new Failed(
          TOTP_CODE_REUSED,
          "this authenticator code was used already: wait for the app to show the next one");
    }
    return new TotpMatched(step.getAsLong());
  }

  /** Which unspent recovery code of the account {@code code} is, compared in constant time. */
  Outcome checkRecoveryCode(UserEntity.Credentials credentials, String code) {
    List<String> digests = credentials.recoveryCodeHashes();
    Optional<RecoveryCodes> left = RecoveryCodes.fromDigests(digests).consume(code);
    if (left.isEmpty()) {
      return new Failed(RECOVERY_CODE_INVALID, "the recovery code is wrong or was used already");
    }
    Set<String> remaining = new HashSet<>(left.get().digests());
    for (String digest : digests) {
      if (!remaining.contains(digest)) return new RecoveryCodeMatched(digest);
    }
    throw new IllegalStateException("a consumed recovery code left every digest in place");
  }

  private static Accounts.Refusal invalid(String field, String message) {
    return Accounts.Refusal.invalid(field, message);
  }
}
