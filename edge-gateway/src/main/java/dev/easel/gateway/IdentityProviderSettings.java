package dev.easel.gateway;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One identity provider people may sign in with, as configured under {@code
 * easel.identity.oidc.providers.<name>} and overridden by {@code EASEL_OIDC_<NAME>_<SETTING>}
 * environment variables. A {@code preset} fills in what is known of Google, Microsoft and GitHub;
 * any other OpenID provider is named by its {@code issuer}, and the rest is discovered.
 *
 * @param name the provider's name in Easel's URLs ({@code /v1/auth/oidc/<name>/start})
 * @param flavour how to talk to it
 * @param issuer the OpenID issuer (its discovery document lives under it); null for GitHub
 * @param clientId the client id Easel was registered with at the provider
 * @param clientSecret the client secret of that registration; never shown
 * @param scopes the scopes asked for
 * @param tokenAuth how the client authenticates at the token endpoint
 * @param trustEmail treat the email the provider gives as verified even when it does not say so
 * @param authorizationEndpoint GitHub only: where browsers are sent to sign in
 * @param tokenEndpoint GitHub only: where codes are exchanged
 * @param apiUrl GitHub only: the REST API that says who signed in
 */
record IdentityProviderSettings(
    String name,
    Flavour flavour,
    URI issuer,
    String clientId,
    String clientSecret,
    List<String> scopes,
    TokenAuth tokenAuth,
    boolean trustEmail,
    URI authorizationEndpoint,
    URI tokenEndpoint,
    URI apiUrl) {

  /** How a provider is talked to. */
  enum Flavour {
    /** OpenID Connect: discovery, authorization code with PKCE, a signed ID token. */
    OIDC,
    /** GitHub's OAuth 2 apps: no ID token; the user and their verified emails come from its API. */
    GITHUB
  }

  /** How the client authenticates at the token endpoint (RFC 6749 section 2.3.1). */
  enum TokenAuth {
    CLIENT_SECRET_BASIC,
    CLIENT_SECRET_POST
  }

  static final String GOOGLE_ISSUER = "https://accounts.google.com";
  static final String MICROSOFT_ISSUER = "https://login.microsoftonline.com/common/v2.0";
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
  private static final List<String> SETTINGS =
      List.of(
          "preset",
          "issuer",
          "client-id",
          "client-secret",
          "scopes",
          "token-auth",
          "trust-email",
          "authorization-endpoint",
          "token-endpoint",
          "api-url");

  @Override
  public String toString() {
    return "IdentityProviderSettings[name="
        + name
        + ", flavour="
        + flavour
        + ", issuer="
        + issuer
        + ", clientId="
        + clientId
        + ", clientSecret=<redacted>]";
  }

  /**
   * The providers of {@code oidc} ({@code easel.identity.oidc}) with the overrides in {@code env}:
   * {@code EASEL_OIDC_<NAME>_PRESET}, {@code _ISSUER}, {@code _CLIENT_ID}, {@code _CLIENT_SECRET},
   * {@code _SCOPES}, {@code _TOKEN_AUTH}, {@code _TRUST_EMAIL}, {@code _AUTHORIZATION_ENDPOINT},
   * {@code _TOKEN_ENDPOINT} and {@code _API_URL}, where {@code NAME} is the provider name in upper
   * case with {@code -} as {@code _}. Variables of a name not in the configuration define that
   * provider.
   *
   * @throws IllegalArgumentException naming the setting that is missing or wrong
   */
  static Map<String, IdentityProviderSettings> load(Config oidc, Map<String, String> env) {
    Map<String, Map<String, String>> raw = new TreeMap<>();
    Config providers = oidc.getConfig("providers");
    for (String name : providers.root().keySet()) {
      Config provider = providers.getConfig(quoted(name));
      Map<String, String> settings = new TreeMap<>();
      for (String key : provider.root().keySet()) {
        if (!SETTINGS.contains(key)) {
          throw new IllegalArgumentException(
              where(name) + ": unknown setting " + key + "; settings are " + SETTINGS);
        }
        if (key.equals("scopes") && provider.getValue(key).valueType() == ConfigValueType.LIST) {
          settings.put(key, String.join(" ", provider.getStringList(key)));
        } else {
          settings.put(key, provider.getString(quoted(key)));
        }
      }
      raw.put(name, settings);
    }
    for (Map.Entry<String, String> variable : new TreeMap<>(env).entrySet()) {
      String key = variable.getKey();
      if (!key.startsWith("EASEL_OIDC_")) continue;
      for (String setting : SETTINGS) {
        String suffix = "_" + setting.toUpperCase(Locale.ROOT).replace('-', '_');
        if (key.endsWith(suffix) && key.length() > "EASEL_OIDC_".length() + suffix.length()) {
          String name =
              key.substring("EASEL_OIDC_".length(), key.length() - suffix.length())
                  .toLowerCase(Locale.ROOT)
                  .replace('_', '-');
          raw.computeIfAbsent(name, n -> new TreeMap<>()).put(setting, variable.getValue());
          break;
        }
      }
    }
    Map<String, IdentityProviderSettings> parsed = new TreeMap<>();
    raw.forEach((name, settings) -> parsed.put(name, parse(name, settings)));
    return parsed;
  }

  private static IdentityProviderSettings parse(String name, Map<String, String> settings) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          where(name) + ": a provider name is 1-32 lower-case letters, digits and dashes");
    }
    String preset = settings.getOrDefault("preset", "oidc").strip().toLowerCase(Locale.ROOT);
    Flavour flavour = Flavour.OIDC;
    String issuer = settings.get("issuer");
    String scopes = settings.get("scopes");
    String authorization = settings.get("authorization-endpoint");
    String token = settings.get("token-endpoint");
    String api = settings.get("api-url");
    switch (preset) {
      case "google" -> issuer = orDefault(issuer, GOOGLE_ISSUER);
      case "microsoft" -> issuer = orDefault(issuer, MICROSOFT_ISSUER);
      case "github" -> {
        flavour = Flavour.GITHUB;
        scopes = orDefault(scopes, "read:user user:email");
        authorization = orDefault(authorization, "https://github.com/login/oauth/authorize");
        token = orDefault(token, "https://github.com/login/oauth/access_token");
        api = orDefault(api, "https://api.github.com");
      }
      case "oidc" -> {}
      default ->
          throw new IllegalArgumentException(
              where(name)
                  + ": preset "
                  + preset
                  + " is not one of google, microsoft, github, oidc");
    }
    String clientId = required(name, settings, "client-id");
    String clientSecret = required(name, settings, "client-secret");
    List<String> scopeList =
        Arrays.stream(orDefault(scopes, "openid email profile").split("[\\s,]+"))
            .filter(scope -> !scope.isEmpty())
            .distinct()
            .toList();
    TokenAuth tokenAuth =
        switch (settings.getOrDefault("token-auth", "client_secret_basic").strip()) {
          case "client_secret_basic" -> TokenAuth.CLIENT_SECRET_BASIC;
          case "client_secret_post" -> TokenAuth.CLIENT_SECRET_POST;
          default ->
              throw new IllegalArgumentException(
                  where(name) + ": token-auth is client_secret_basic or client_secret_post");
        };
    boolean trustEmail =
        switch (settings.getOrDefault("trust-email", "false").strip().toLowerCase(Locale.ROOT)) {
          case "true", "yes", "on" -> true;
          case "false", "no", "off" -> false;
          default -> throw new IllegalArgumentException(where(name) + ": trust-email is a boolean");
        };
    if (flavour == Flavour.OIDC) {
      if (issuer == null || issuer.isBlank()) {
        throw new IllegalArgumentException(
            where(name) + ": issuer is required (or a preset: google, microsoft, github)");
      }
      if (!scopeList.contains("openid")) {
        throw new IllegalArgumentException(where(name) + ": scopes must include openid");
      }
      return new IdentityProviderSettings(
          name,
          flavour,
          url(name, "issuer", issuer.strip().replaceAll("/+$", "")),
          clientId,
          clientSecret,
          scopeList,
          tokenAuth,
          trustEmail,
          null,
          null,
          null);
    }
    return new IdentityProviderSettings(
        name,
        flavour,
        null,
        clientId,
        clientSecret,
        scopeList,
        // GitHub takes the client secret in the form
        TokenAuth.CLIENT_SECRET_POST,
        trustEmail,
        url(name, "authorization-endpoint", authorization),
        url(name, "token-endpoint", token),
        url(name, "api-url", api.strip().replaceAll("/+$", "")));
  }

  /**
   * An absolute https URL; plain http only for a provider on this machine (loopback), as in tests.
   */
  static URI url(String name, String setting, String value) {
    URI uri;
    try {
      uri = new URI(value.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(where(name) + ": " + setting + " is not a URL");
    }
    if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          where(name) + ": " + setting + " must be an absolute URL without query or fragment");
    }
    boolean https = "https".equalsIgnoreCase(uri.getScheme());
    if (!https && !("http".equalsIgnoreCase(uri.getScheme()) && isLoopback(uri.getHost()))) {
      throw new IllegalArgumentException(
          where(name) + ": " + setting + " must be https (plain http only on localhost)");
    }
    return uri;
  }

  static boolean isLoopback(String host) {
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (bare.equalsIgnoreCase("localhost")
        || bare.toLowerCase(Locale.ROOT).endsWith(".localhost")) {
      return true;
    }
    if (!bare.matches("[0-9.]+|[0-9a-fA-F:]+")) return false; // a name: never resolved here
    try {
      return InetAddress.getByName(bare).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static String required(String name, Map<String, String> settings, String key) {
    String value = settings.get(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          where(name)
              + ": "
              + key
              + " is required (or EASEL_OIDC_"
              + name.toUpperCase(Locale.ROOT).replace('-', '_')
              + "_"
              + key.toUpperCase(Locale.ROOT).replace('-', '_')
              + ")");
    }
    return value.strip();
  }

  private static String orDefault(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }

  private static String where(String name) {
    return "easel.identity.oidc.providers." + name;
  }

  private static String quoted(String key) {
    return "\"" + key.replace("\"", "\\\"") + "\"";
  }
}
