package dev.easel.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.easel.gateway.ProviderHttp.ProviderException;
import dev.easel.identity.FederatedSignIn;
import dev.easel.identity.SignInStates;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GitHub, which speaks OAuth 2 but not OpenID Connect: no ID token and no nonce. The browser comes
 * back with a code (bound to this browser by {@code state} and PKCE); the code buys an access
 * token, and GitHub's REST API says who that is ({@code GET /user}: the numeric id is the subject,
 * as logins can be renamed) and which of their addresses GitHub verified ({@code GET /user/emails}:
 * the primary one if verified, else the first verified one).
 */
final class GitHubProvider implements IdentityProvider {
  private final IdentityProviderSettings settings;
  private final ProviderHttp http;

  GitHubProvider(IdentityProviderSettings settings, ProviderHttp http) {
    this.settings = settings;
    this.http = http;
  }

  @Override
  public String name() {
    return settings.name();
  }

  @Override
  public URI authorizationUri(
      String redirectUri, String state, String nonce, String codeChallenge) {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("response_type", "code");
    parameters.put("client_id", settings.clientId());
    parameters.put("redirect_uri", redirectUri);
    parameters.put("scope", String.join(" ", settings.scopes()));
    parameters.put("state", state);
    parameters.put("code_challenge", codeChallenge);
    parameters.put("code_challenge_method", "S256");
    return IdentityProvider.withQuery(settings.authorizationEndpoint(), parameters);
  }

  @Override
  public FederatedSignIn.ExternalIdentity identify(String code, SignInStates.SignInState signIn)
      throws ProviderException {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "authorization_code");
    form.put("client_id", settings.clientId());
    form.put("client_secret", settings.clientSecret());
    form.put("code", code);
    form.put("redirect_uri", signIn.redirectUri());
    form.put("code_verifier", signIn.codeVerifier());
    JsonNode tokens = http.postForm(name(), settings.tokenEndpoint(), form, Map.of());
    String accessToken = tokens.path("access_token").asText("");
    if (accessToken.isEmpty()) {
      throw new ProviderException(true, name() + ": the token endpoint gave no access token");
    }
    Map<String, String> headers =
        Map.of(
            "authorization", "Bearer " + accessToken,
            "accept", "application/vnd.github+json",
            "x-github-api-version", "2022-11-28",
            "user-agent", "Easel");
    JsonNode user = http.getJson(name(), URI.create(settings.apiUrl() + "/user"), headers);
    JsonNode id = user.path("id");
    if (!id.canConvertToLong()) {
      throw new ProviderException(true, name() + ": /user gave no numeric id");
    }
    JsonNode emails = http.getJson(name(), URI.create(settings.apiUrl() + "/user/emails"), headers);
    String email = null;
    boolean verified = false;
    for (JsonNode entry : emails) {
      boolean entryVerified = entry.path("verified").asBoolean(false);
      String address = entry.path("email").asText(null);
      if (address == null) continue;
      if (entry.path("primary").asBoolean(false) && entryVerified) {
        email = address;
        verified = true;
        break;
      }
      if (entryVerified && !verified) {
        email = address;
        verified = true;
      } else if (email == null) {
        email = address;
      }
    }
    String name = user.path("name").asText("");
    return new FederatedSignIn.ExternalIdentity(
        name(),
        Long.toString(id.asLong()),
        email,
        verified || (email != null && settings.trustEmail()),
        name.isBlank() ? user.path("login").asText(null) : name);
  }
}
