package dev.easel.gateway;

import dev.easel.gateway.ProviderHttp.ProviderException;
import dev.easel.identity.FederatedSignIn;
import dev.easel.identity.SignInStates;
import java.net.URI;
import java.util.Map;

/**
 * A configured provider that people sign in with, by the authorization code flow with PKCE: where
 * to send the browser, and who signed in once the browser is back with a code. Both calls block on
 * the provider: run them on a blocking executor.
 */
sealed interface IdentityProvider permits OidcProvider, GitHubProvider {
  /** The configured name, as in {@code /v1/auth/oidc/<name>/start}. */
  String name();

  /**
   * Where to send the browser to sign in.
   *
   * @param redirectUri Easel's callback for this provider
   * @param state the value the provider must send back unchanged
   * @param nonce the value the ID token must carry (ignored by providers without one)
   * @param codeChallenge the S256 PKCE challenge
   */
  URI authorizationUri(String redirectUri, String state, String nonce, String codeChallenge)
      throws ProviderException;

  /** Exchanges the code of a sign-in under way for what the provider says about the person. */
  FederatedSignIn.ExternalIdentity identify(String code, SignInStates.SignInState signIn)
      throws ProviderException;

  /** {@code endpoint} with the encoded {@code parameters} added to its query. */
  static URI withQuery(URI endpoint, Map<String, String> parameters) {
    StringBuilder uri = new StringBuilder(endpoint.toString());
    char separator = endpoint.getRawQuery() == null ? '?' : '&';
    for (Map.Entry<String, String> parameter : parameters.entrySet()) {
      uri.append(separator)
          .append(ProviderHttp.encode(parameter.getKey()))
          .append('=')
          .append(ProviderHttp.encode(parameter.getValue()));
      separator = '&';
    }
    return URI.create(uri.toString());
  }
}
