package dev.easel.identity;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An access token that passed every check of {@link AccessTokens#verify}.
 *
 * @param subject the {@code sub} claim: the account the token speaks for
 * @param jti the token's unique id, for revocation lists and audit logs
 * @param expiresAt when the token stops being accepted (before clock skew)
 * @param claims every claim of the token, registered and extra, as parsed JSON (times as epoch
 *     seconds); read-only
 */
public record VerifiedToken(
    String subject, String jti, Instant expiresAt, Map<String, Object> claims) {

  /** Keeps a read-only copy of the claims. */
  public VerifiedToken {
    claims = Collections.unmodifiableMap(new LinkedHashMap<>(claims));
  }
}
