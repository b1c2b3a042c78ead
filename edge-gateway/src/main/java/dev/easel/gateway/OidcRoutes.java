package dev.easel.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.identity.FederatedSignIn;
import dev.easel.identity.SignInStates;
import io.grpc.Status;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;

/**
 * Sign-in with an identity provider, by the authorization code flow with PKCE (S256), {@code state}
 * and {@code nonce}:
 *
 * <ul>
 *   <li>{@code GET /v1/auth/oidc/<provider>/start?redirect=/path} sends the browser to the provider
 *       (302) and keeps state, nonce, PKCE verifier and the path to return to in the {@value
 *       BrowserCookies#SIGN_IN} cookie: a {@link SignInStates} JWS signed with Easel's keys, so
 *       that any gateway of the cluster can finish the sign-in, HttpOnly, SameSite=Lax (the
 *       provider's redirect back is a top-level navigation, which Lax lets through), limited to
 *       {@code /v1/auth/oidc} and to {@code easel.identity.oidc.state-lifetime}.
 *   <li>{@code GET /v1/auth/oidc/<provider>/callback?code&state} clears that cookie (it is answered
 *       once), checks {@code state} against it in constant time, exchanges the code with the
 *       verifier, checks the ID token, signs in through {@link FederatedSignIn} and sends the
 *       browser back (302) with its session cookies ({@link BrowserCookies}).
 * </ul>
 *
 * A replayed callback gets nowhere: the cookie is gone, and a provider takes each code once. The
 * path to return to must be a path of this site ({@code /...}, not {@code //host} nor a URL), so
 * the sign-in cannot be used to send people elsewhere. Failures answer a short page (or JSON, for
 * clients that do not ask for HTML) that names the problem.
 */
final class OidcRoutes {
  static final int MAX_RETURN_PATH = 2048;
  static final int MAX_CODE = 4096;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern AUTHORITY =
      Pattern.compile("([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])(:[0-9]{1,5})?");

  private final Map<String, IdentityProvider> providers;
  private final SignInStates states;
  private final FederatedSignIn signIn;
  private final BrowserCookies cookies;
  private final String publicUrl;

  /**
   * @param publicUrl {@code easel.http.public-url}: where browsers reach Easel; empty to use the
   *     scheme and Host of each request
   */
  OidcRoutes(
      Map<String, IdentityProvider> providers,
      SignInStates states,
      FederatedSignIn signIn,
      BrowserCookies cookies,
      String publicUrl) {
    this.providers = providers;
    this.states = states;
    this.signIn = signIn;
    this.cookies = cookies;
    this.publicUrl = publicUrl.strip().replaceAll("/+$", "");
  }

  /**
   * {@code GET /v1/auth/oidc}: the names of the configured providers, {@code {"providers":
   * ["github", ...]}}, so that a sign-in page offers exactly those.
   */
  HttpService providers() {
    return (ctx, req) -> {
      ObjectNode body = HttpReplies.JSON.createObjectNode();
      ArrayNode names = body.putArray("providers");
      new TreeSet<>(providers.keySet()).forEach(names::add);
      return HttpReplies.json(HttpStatus.OK, body, List.of());
    };
  }

  /** {@code GET /v1/auth/oidc/{provider}/start}. */
  HttpService start() {
    return (ctx, req) -> {
      RequestHeaders headers = req.headers();
      IdentityProvider provider = providers.get(ctx.pathParam("provider"));
      if (provider == null) return unknownProvider(ctx);
      QueryParams query = QueryParams.fromQueryString(ctx.query());
      String returnTo = returnPath(query.get("redirect"));
      if (returnTo == null) {
        return fail(
            headers,
            invalid("redirect", "redirect must be a path of this site, such as /projects"),
            List.of());
      }
      String callback = callbackUri(ctx, headers, provider.name());
      if (callback == null) {
        return fail(
            headers,
            invalid(null, "the Host header is not a host name; set easel.http.public-url"),
            List.of());
      }
      String state = random();
      String nonce = random();
      String verifier = random();
      return HttpResponse.of(
          CompletableFuture.supplyAsync(
                  () -> {
                    URI authorization;
                    try {
                      authorization =
                          provider.authorizationUri(callback, state, nonce, challenge(verifier));
                    } catch (ProviderHttp.ProviderException e) {
                      throw new CompletionException(e);
                    }
                    String sealed =
                        states.seal(provider.name(), state, nonce, verifier, callback, returnTo);
                    return HttpResponse.of(
                        HttpReplies.headers(
                                HttpStatus.FOUND,
                                List.of(cookies.signIn(ctx, headers, sealed, states.lifetime())))
                            .set(HttpHeaderNames.LOCATION, authorization.toString())
                            .build());
                  },
                  ctx.blockingTaskExecutor())
              .exceptionally(failure -> fail(headers, HttpReplies.failure(failure), List.of())));
    };
  }

  /** {@code GET /v1/auth/oidc/{provider}/callback}. */
  HttpService callback() {
    return (ctx, req) -> {
      RequestHeaders headers = req.headers();
      IdentityProvider provider = providers.get(ctx.pathParam("provider"));
      if (provider == null) return unknownProvider(ctx);
      List<String> clear = List.of(cookies.signInCleared(ctx, headers));
      QueryParams query = QueryParams.fromQueryString(ctx.query());
      String error = query.get("error");
      if (error != null) {
        String description = query.get("error_description", "");
        return fail(
            headers,
            unauthenticated(
                provider.name()
                    + " did not sign you in: "
                    + printable(error + (description.isEmpty() ? "" : ": " + description))),
            clear);
      }
      String sealed = BrowserCookies.value(headers, BrowserCookies.SIGN_IN);
      if (sealed == null) {
        return fail(
            headers,
            invalid(
                null,
                "no sign-in is under way in this browser (its cookie is missing or expired):"
                    + " start again"),
            clear);
      }
      SignInStates.SignInState started;
      try {
        started = states.open(sealed);
      } catch (SignInStates.Refused e) {
        return fail(headers, invalid(null, "sign-in state refused: " + e.getMessage()), clear);
      }
      if (!started.provider().equals(provider.name())) {
        return fail(
            headers, invalid(null, "this sign-in was started with another provider"), clear);
      }
      String state = query.get("state");
      if (state == null
          || !MessageDigest.isEqual(
              state.getBytes(StandardCharsets.UTF_8),
              started.state().getBytes(StandardCharsets.UTF_8))) {
        return fail(
            headers,
            invalid("state", "state does not match the sign-in started in this browser"),
            clear);
      }
      String code = query.get("code");
      if (code == null || code.isEmpty() || code.length() > MAX_CODE) {
        return fail(headers, invalid("code", provider.name() + " sent no usable code"), clear);
      }
      return HttpResponse.of(
          CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return provider.identify(code, started);
                    } catch (ProviderHttp.ProviderException e) {
                      throw new CompletionException(e);
                    }
                  },
                  ctx.blockingTaskExecutor())
              .thenCompose(identity -> signIn.signIn(identity, RequestOrigins.of(ctx)))
              .thenApply(
                  tokens -> {
                    List<String> set = new ArrayList<>(clear);
                    set.addAll(
                        cookies.session(ctx, headers, tokens, BrowserCookies.newCsrfToken()));
                    return HttpResponse.of(
                        HttpReplies.headers(HttpStatus.FOUND, set)
                            .set(HttpHeaderNames.LOCATION, started.returnTo())
                            .build());
                  })
              .exceptionally(failure -> fail(headers, HttpReplies.failure(failure), clear)));
    };
  }

  /**
   * The path to send the browser back to: a path of this site, or "/" when none is asked for; null
   * when it is a URL, a network-path reference ({@code //host}), or holds characters a browser
   * might read as such.
   */
  static String returnPath(String requested) {
    if (requested == null || requested.isEmpty()) return "/";
    if (requested.length() > MAX_RETURN_PATH
        || requested.charAt(0) != '/'
        || requested.startsWith("//")
        || requested.indexOf('\\') >= 0) {
      return null;
    }
    for (char c : requested.toCharArray()) {
      if (c <= ' ' || c == 0x7f || c > 0x7e) return null;
    }
    try {
      URI uri = new URI(requested);
      if (uri.getScheme() != null || uri.getRawAuthority() != null) return null;
    } catch (URISyntaxException e) {
      return null;
    }
    return requested;
  }

  /** Easel's callback for {@code provider}, from the public URL or this request. */
  private String callbackUri(ServiceRequestContext ctx, RequestHeaders headers, String provider) {
    String path = "/v1/auth/oidc/" + provider + "/callback";
    if (!publicUrl.isEmpty()) return publicUrl + path;
    String authority = headers.authority();
    if (authority == null) authority = headers.get(HttpHeaderNames.HOST);
    if (authority == null || !AUTHORITY.matcher(authority).matches()) return null;
    return (ctx.sessionProtocol().isTls() ? "https://" : "http://") + authority + path;
  }

  private HttpResponse unknownProvider(ServiceRequestContext ctx) {
    return HttpReplies.error(
        Status.Code.NOT_FOUND,
        "NOT_FOUND",
        "no sign-in provider is named "
            + printable(ctx.pathParam("provider"))
            + (providers.isEmpty()
                ? "; none is configured (easel.identity.oidc.providers)"
                : "; configured: " + String.join(", ", new TreeSet<>(providers.keySet()))));
  }

  private static HttpResponse fail(
      RequestHeaders headers, HttpReplies.Failure failure, List<String> setCookies) {
    String accept = headers.get(HttpHeaderNames.ACCEPT);
    return accept != null && accept.contains("text/html")
        ? HttpReplies.page(failure, setCookies)
        : HttpReplies.error(failure, setCookies);
  }

  /** Bad input, naming the query parameter at fault ({@code field}; null: none of them). */
  private static HttpReplies.Failure invalid(String field, String message) {
    return HttpReplies.Failure.of(Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT", message, field);
  }

  private static HttpReplies.Failure unauthenticated(String message) {
    return HttpReplies.Failure.of(Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED", message);
  }

  private static String printable(String text) {
    String cleaned = text.replaceAll("\\p{Cntrl}", " ");
    return cleaned.length() > 300 ? cleaned.substring(0, 300) + "…" : cleaned;
  }

  /** 32 random bytes, base64url: a state, a nonce or a PKCE verifier (43 characters). */
  static String random() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The S256 PKCE challenge of {@code verifier} (RFC 7636 section 4.2). */
  static String challenge(String verifier) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
