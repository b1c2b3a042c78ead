package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Provider settings: presets, the environment's overrides, and clear refusals of bad ones. */
class IdentityProviderSettingsTest {
  static Config oidc(String providers) {
    return ConfigFactory.parseString("providers {" + providers + "}");
  }

  @Test
  void presetsFillInGoogleMicrosoftAndGitHub() {
    var providers =
        IdentityProviderSettings.load(
            oidc(
                "google { preset = google, client-id = g, client-secret = gs }\n"
                    + "ms { preset = microsoft, client-id = m, client-secret = ms }\n"
                    + "gh { preset = github, client-id = h, client-secret = hs }\n"
                    + "corp { issuer = \"https://id.corp.example/\", client-id = c,"
                    + " client-secret = cs, scopes = [openid, email], token-auth ="
                    + " client_secret_post, trust-email = true }"),
            Map.of());
    assertThat(providers.keySet()).containsExactly("corp", "gh", "google", "ms");
    assertThat(providers.get("google").issuer()).hasToString("https://accounts.google.com");
    assertThat(providers.get("google").scopes()).containsExactly("openid", "email", "profile");
    assertThat(providers.get("ms").issuer())
        .hasToString("https://login.microsoftonline.com/common/v2.0");
    var gh = providers.get("gh");
    assertThat(gh.flavour()).isEqualTo(IdentityProviderSettings.Flavour.GITHUB);
    assertThat(gh.scopes()).containsExactly("read:user", "user:email");
    assertThat(gh.apiUrl()).hasToString("https://api.github.com");
    var corp = providers.get("corp");
    assertThat(corp.issuer()).hasToString("https://id.corp.example");
    assertThat(corp.scopes()).containsExactly("openid", "email");
    assertThat(corp.tokenAuth()).isEqualTo(IdentityProviderSettings.TokenAuth.CLIENT_SECRET_POST);
    assertThat(corp.trustEmail()).isTrue();
    assertThat(providers.get("google").trustEmail()).isFalse();
    assertThat(corp.toString()).doesNotContain("cs");
  }

  @Test
  void theEnvironmentOverridesAndDefinesProviders() {
    var providers =
        IdentityProviderSettings.load(
            oidc("google { preset = google, client-id = g, client-secret = from-file }"),
            Map.of(
                "EASEL_OIDC_GOOGLE_CLIENT_SECRET", "from-env",
                "EASEL_OIDC_MY_IDP_ISSUER", "https://idp.example",
                "EASEL_OIDC_MY_IDP_CLIENT_ID", "mine",
                "EASEL_OIDC_MY_IDP_CLIENT_SECRET", "s",
                "EASEL_OIDC_STATE_LIFETIME", "5m",
                "PATH", "/usr/bin"));
    assertThat(providers.keySet()).containsExactly("google", "my-idp");
    assertThat(providers.get("google").clientSecret()).isEqualTo("from-env");
    assertThat(providers.get("my-idp").issuer()).hasToString("https://idp.example");
  }

  @Test
  void refusesIncompleteOrUnsafeProviders() {
    assertThatThrownBy(
            () ->
                IdentityProviderSettings.load(
                    oidc("g { preset = google, client-id = g }"), Map.of()))
        .hasMessageContaining("providers.g: client-secret is required")
        .hasMessageContaining("EASEL_OIDC_G_CLIENT_SECRET");
    assertThatThrownBy(
            () ->
                IdentityProviderSettings.load(
                    oidc("x { issuer = \"http://id.example\", client-id = a, client-secret = b }"),
                    Map.of()))
        .hasMessageContaining("must be https");
    assertThatThrownBy(
            () ->
                IdentityProviderSettings.load(
                    oidc("x { client-id = a, client-secret = b }"), Map.of()))
        .hasMessageContaining("issuer is required");
    assertThatThrownBy(
            () ->
                IdentityProviderSettings.load(
                    oidc("x { preset = okta, client-id = a, client-secret = b }"), Map.of()))
        .hasMessageContaining("preset okta");
    assertThatThrownBy(
            () ->
                IdentityProviderSettings.load(
                    oidc("x { preset = google, client-id = a, client-secret = b, scope = openid }"),
                    Map.of()))
        .hasMessageContaining("unknown setting scope");
    assertThatThrownBy(
            () ->
                IdentityProviderSettings.load(
                    oidc("x { preset = google, client-id = a, client-secret = b, scopes = email }"),
                    Map.of()))
        .hasMessageContaining("openid");
    // plain http is for a provider on this machine only
    assertThat(
            IdentityProviderSettings.load(
                    oidc(
                        "t { issuer = \"http://localhost:8081/default\", client-id = a,"
                            + " client-secret = b }"),
                    Map.of())
                .get("t")
                .issuer())
        .hasToString("http://localhost:8081/default");
  }
}
