package dev.easel.identity;

/**
 * Why an account ({@link UserEntity}), an email or identity claim ({@link EmailIndexEntity}, {@link
 * IdentityIndexEntity}) or a sign-in ({@link SessionEntity}) refused a command: the machine code
 * that the edge maps to an API error.
 */
public enum IdentityError {
  /** A required argument is missing or malformed. */
  INVALID_ARGUMENT,
  /** No account was registered under this id. */
  USER_NOT_FOUND,
  /** The account exists already. */
  ALREADY_REGISTERED,
  /** The account was deleted: only reading it is allowed. */
  USER_DELETED,
  /** A confirmed authenticator is in place: disable it first. */
  TOTP_ALREADY_ENABLED,
  /** There is no authenticator to confirm. */
  TOTP_NOT_ENROLLED,
  /** The account has no confirmed authenticator. */
  TOTP_NOT_ENABLED,
  /** A code of this time step (or a later one) was used already. */
  TOTP_STEP_REUSED,
  /** The recovery code is unknown or was used already. */
  RECOVERY_CODE_INVALID,
  /** An API key with this id exists already. */
  API_KEY_EXISTS,
  /** No active API key has this id. */
  API_KEY_NOT_FOUND,
  /** The account is linked to another subject of this identity provider. */
  IDENTITY_ALREADY_LINKED,
  /** Another account uses this email address. */
  EMAIL_TAKEN,
  /** The email address is held by another account. */
  EMAIL_NOT_HELD,
  /** Another account is linked to this identity of an external provider. */
  IDENTITY_TAKEN,
  /** The external identity is linked to another account. */
  IDENTITY_NOT_HELD,
  /** This sign-in was started already. */
  SESSION_EXISTS,
  /** No sign-in was started under this id. */
  SESSION_NOT_FOUND,
  /** The sign-in was revoked (logout, or reuse of a spent refresh token). */
  SESSION_REVOKED,
  /** The sign-in is past its absolute expiry. */
  SESSION_EXPIRED,
  /** The presented refresh token is not the current one of this sign-in. */
  SECRET_MISMATCH,
  /** A conditional change was based on another version of the account (its etag changed). */
  ETAG_MISMATCH
}
