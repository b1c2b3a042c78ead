package dev.easel.gateway;

import dev.easel.identity.Accounts;
import dev.easel.identity.ApiKeys;
import dev.easel.identity.Scope;
import dev.easel.identity.VerifiedToken;
import java.time.Instant;

/**
 * Who makes a request, once authenticated: a person signed in with an access token, or a partner
 * system with an API key acting for the key's owner within the key's scopes and, for a key of one
 * project, in that project only.
 *
 * @param userId the account the request acts for
 * @param sessionId the sign-in (refresh-token family) of an access token; null for an API key
 * @param key the API key's grant; null for an access token
 * @param expiresAt when the access token stops being accepted; null for an API key
 */
record Caller(String userId, String sessionId, ApiKeys.Grant key, Instant expiresAt) {
  static Caller of(VerifiedToken token) {
    String session = token.claims().get(Accounts.SESSION_CLAIM) instanceof String sid ? sid : null;
    return new Caller(token.subject(), session, null, token.expiresAt());
  }

  static Caller of(ApiKeys.Grant key) {
    return new Caller(key.userId(), null, key, null);
  }

  boolean viaApiKey() {
    return key != null;
  }

  /** The one project an API key is limited to; null when the caller is not limited. */
  String onlyProject() {
    return key == null ? null : key.projectId();
  }

  /** Whether the credential reaches project {@code projectId}: all but a key of another project. */
  boolean reaches(String projectId) {
    return onlyProject() == null || onlyProject().equals(projectId);
  }

  /** Whether the credential allows what needs {@code scope}: a person's token allows all. */
  boolean allows(Scope scope) {
    return key == null || key.covers(scope);
  }
}
