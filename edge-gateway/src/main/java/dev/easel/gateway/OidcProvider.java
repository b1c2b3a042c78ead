package dev.easel.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.easel.gateway.ProviderHttp.ProviderException;
import dev.easel.identity.FederatedSignIn;
import dev.easel.identity.SignInStates;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An OpenID provider (Google, Microsoft, or any issuer with discovery): its endpoints and keys come
 * from {@code <issuer>/.well-known/openid-configuration}, fetched at the first sign-in and again
 * after a day (an old document keeps serving while the provider cannot be reached); the code is
 * exchanged with the PKCE verifier, and the ID token is checked by {@link IdTokenVerifier}.
 */
final class OidcProvider implements IdentityProvider {
  static final Duration REDISCOVER_AFTER = Duration.ofDays(1);
  private static final Set<String> MICROSOFT_MULTI_TENANT =
      Set.of("common", "organizations", "consumers");

  /** What discovery found. */
  private record Discovered(
      URI authorizationEndpoint, URI tokenEndpoint, IdTokenVerifier verifier, Instant at) {}

  private final IdentityProviderSettings settings;
  private final ProviderHttp http;
  private final Duration timeout;
  private final Clock clock;
  private volatile Discovered discovered;

  OidcProvider(
      IdentityProviderSettings settings, ProviderHttp http, Duration timeout, Clock clock) {
    this.settings = settings;
    this.http = http;
    this.timeout = timeout;
    this.clock = clock;
  }

  @Override
  public String name() {
    return settings.name();
  }

  @Override
  public URI authorizationUri(String redirectUri, String state, String nonce, String codeChallenge)
      throws ProviderException {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("response_type", "code");
    parameters.put("client_id", settings.clientId());
    parameters.put("redirect_uri", redirectUri);
    parameters.put("scope", String.join(" ", settings.scopes()));
    parameters.put("state", state);
    parameters.put("nonce", nonce);
    parameters.put("code_challenge", codeChallenge);
    parameters.put("code_challenge_method", "S256");
    return IdentityProvider.withQuery(discovered().authorizationEndpoint(), parameters);
  }

  @Override
  public FederatedSignIn.ExternalIdentity identify(String code, SignInStates.SignInState signIn)
      throws ProviderException {
    Discovered current = discovered();
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "authorization_code");
    form.put("code", code);
    form.put("redirect_uri", signIn.redirectUri());
    form.put("code_verifier", signIn.codeVerifier());
    Map<String, String> headers = new LinkedHashMap<>();
    if (settings.tokenAuth() == IdentityProviderSettings.TokenAuth.CLIENT_SECRET_BASIC) {
      String credentials =
          ProviderHttp.encode(settings.clientId())
              + ":"
              + ProviderHttp.encode(settings.clientSecret());
      headers.put(
          "authorization",
          "Basic "
              + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    } else {
      form.put("client_id", settings.clientId());
      form.put("client_secret", settings.clientSecret());
    }
    JsonNode tokens = http.postForm(name(), current.tokenEndpoint(), form, headers);
    JWTClaimsSet claims =
        current.verifier().verify(tokens.path("id_token").asText(null), signIn.nonce());
    Object verified = claims.getClaim("email_verified");
    boolean emailVerified =
        Boolean.TRUE.equals(verified) || "true".equals(verified) || settings.trustEmail();
    return new FederatedSignIn.ExternalIdentity(
        name(),
        claims.getSubject(),
        claims.getClaim("email") instanceof String email ? email : null,
        emailVerified,
        claims.getClaim("name") instanceof String name ? name : null);
  }

  /** The discovered endpoints and keys, fetched when missing or a day old. */
  private Discovered discovered() throws ProviderException {
    Discovered current = discovered;
    Instant now = clock.instant();
    if (current != null && now.isBefore(current.at().plus(REDISCOVER_AFTER))) return current;
    synchronized (this) {
      current = discovered;
      if (current != null && now.isBefore(current.at().plus(REDISCOVER_AFTER))) return current;
      try {
        discovered = discover(now);
      } catch (ProviderException e) {
        if (current == null) throw e;
        discovered =
            new Discovered(
                current.authorizationEndpoint(), current.tokenEndpoint(), current.verifier(), now);
      }
      return discovered;
    }
  }

  private Discovered discover(Instant now) throws ProviderException {
    URI issuer = settings.issuer();
    URI wellKnown = URI.create(issuer + "/.well-known/openid-configuration");
    JsonNode document = http.getJson(name(), wellKnown, Map.of());
    String announced = document.path("issuer").asText("");
    if (!announced.equals(issuer.toString()) && !multiTenantAlias(issuer, announced)) {
      throw new ProviderException(
          true, name() + ": the discovery document names issuer " + announced + ", not " + issuer);
    }
    URI authorization = endpoint(document, "authorization_endpoint");
    URI token = endpoint(document, "token_endpoint");
    URI jwks = endpoint(document, "jwks_uri");
    Set<JWSAlgorithm> algorithms = new HashSet<>();
    for (JsonNode alg : document.path("id_token_signing_alg_values_supported")) {
      algorithms.add(JWSAlgorithm.parse(alg.asText()));
    }
    int millis = (int) timeout.toMillis();
    IdTokenVerifier verifier;
    try {
      verifier =
          new IdTokenVerifier(
              name(),
              announced,
              settings.clientId(),
              algorithms,
              JWKSourceBuilder.<SecurityContext>create(
                      jwks.toURL(),
                      new DefaultResourceRetriever(millis, millis, ProviderHttp.MAX_RESPONSE_BYTES))
                  .build());
    } catch (MalformedURLException e) {
      throw new ProviderException(true, name() + ": jwks_uri is not a URL");
    }
    return new Discovered(authorization, token, verifier, now);
  }

  /**
   * Microsoft's {@code common}, {@code organizations} and {@code consumers} issuers announce a
   * tenant template or one tenant's issuer on the same host, not themselves.
   */
  private static boolean multiTenantAlias(URI configured, String announced) {
    String[] segments = configured.getPath().split("/");
    if (segments.length < 2 || !MICROSOFT_MULTI_TENANT.contains(segments[1])) return false;
    URI uri;
    try {
      uri = new URI(announced.replace(IdTokenVerifier.TENANT_PLACEHOLDER, "tenant"));
    } catch (java.net.URISyntaxException e) {
      return false;
    }
    return configured.getScheme().equals(uri.getScheme())
        && configured.getHost().equals(uri.getHost());
  }

  private URI endpoint(JsonNode document, String field) throws ProviderException {
    String value = document.path(field).asText("");
    try {
      return IdentityProviderSettings.url(name(), field, value);
    } catch (IllegalArgumentException e) {
      throw new ProviderException(true, name() + ": discovery's " + field + " is not usable");
    }
  }
}
