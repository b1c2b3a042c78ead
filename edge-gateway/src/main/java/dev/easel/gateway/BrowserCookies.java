package dev.easel.gateway;

import com.linecorp.armeria.common.Cookie;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.identity.Accounts;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The cookies of a browser's session: {@value #REFRESH} (the refresh token, sent only to {@code
 * /v1/auth}), {@value #ACCESS} (the access token, for every API call and the socket), both HttpOnly
 * so page scripts never see them, and {@value #CSRF}, which page scripts read and send back as the
 * {@code X-CSRF-Token} header on every change (double submit, checked by {@link CsrfGuard}). All
 * are SameSite=Lax. They are Secure unless {@code easel.http.secure-cookies} says otherwise: {@code
 * auto} (the default) leaves Secure off only for plain http to this machine (localhost), where
 * there is no TLS to require; {@code always} and {@code never} force it.
 */
final class BrowserCookies {
  static final String ACCESS = Callers.ACCESS_COOKIE;
  static final String REFRESH = "easel_refresh";
  static final String CSRF = "easel_csrf";
  static final String SIGN_IN = "easel_oidc";
  static final String CSRF_HEADER = "x-csrf-token";
  static final String REFRESH_PATH = "/v1/auth";
  static final String SIGN_IN_PATH = "/v1/auth/oidc";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern CSRF_TOKEN = Pattern.compile("[A-Za-z0-9_-]{43}");

  /** When the Secure attribute is set. */
  enum SecureMode {
    AUTO,
    ALWAYS,
    NEVER;

    static SecureMode parse(String value) {
      return switch (value.strip().toLowerCase(Locale.ROOT)) {
        case "auto" -> AUTO;
        case "always", "true", "on" -> ALWAYS;
        case "never", "false", "off" -> NEVER;
        default ->
            throw new IllegalArgumentException(
                "easel.http.secure-cookies is auto, always or never, not " + value);
      };
    }
  }

  private final SecureMode mode;
  private final boolean publicHttps;
  private final Duration sessionLifetime;

  /**
   * @param mode when to mark cookies Secure
   * @param publicUrl {@code easel.http.public-url}; when it is https, {@code auto} always secures
   * @param sessionLifetime how long a sign-in lasts: the refresh and CSRF cookies live as long
   */
  BrowserCookies(SecureMode mode, String publicUrl, Duration sessionLifetime) {
    this.mode = mode;
    this.publicHttps = publicUrl.toLowerCase(Locale.ROOT).startsWith("https://");
    this.sessionLifetime = sessionLifetime;
  }

  /** Whether cookies set in answer to this request are Secure. */
  boolean secure(ServiceRequestContext ctx, RequestHeaders headers) {
    return switch (mode) {
      case ALWAYS -> true;
      case NEVER -> false;
      case AUTO -> publicHttps || ctx.sessionProtocol().isTls() || !toLoopback(headers);
    };
  }

  private static boolean toLoopback(RequestHeaders headers) {
    String authority = headers.authority();
    if (authority == null) authority = headers.get(HttpHeaderNames.HOST);
    if (authority == null) return false;
    String host = authority;
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      host = end < 0 ? host : host.substring(0, end + 1);
    } else if (host.indexOf(':') >= 0) {
      host = host.substring(0, host.indexOf(':'));
    }
    return IdentityProviderSettings.isLoopback(host);
  }

  /** The Set-Cookie values that start or renew a session. */
  List<String> session(
      ServiceRequestContext ctx, RequestHeaders headers, Accounts.Tokens tokens, String csrf) {
    boolean secure = secure(ctx, headers);
    return List.of(
        cookie(REFRESH, tokens.refreshToken(), REFRESH_PATH, true, secure, sessionLifetime),
        cookie(ACCESS, tokens.accessToken(), "/", true, secure, tokens.expiresIn()),
        cookie(CSRF, csrf, "/", false, secure, sessionLifetime));
  }

  /** The Set-Cookie values that end a session in the browser. */
  List<String> cleared(ServiceRequestContext ctx, RequestHeaders headers) {
    boolean secure = secure(ctx, headers);
    return List.of(
        cookie(REFRESH, "", REFRESH_PATH, true, secure, Duration.ZERO),
        cookie(ACCESS, "", "/", true, secure, Duration.ZERO),
        cookie(CSRF, "", "/", false, secure, Duration.ZERO));
  }

  /** The cookie that carries a sign-in at a provider until its callback. */
  String signIn(
      ServiceRequestContext ctx, RequestHeaders headers, String sealed, Duration lifetime) {
    return cookie(SIGN_IN, sealed, SIGN_IN_PATH, true, secure(ctx, headers), lifetime);
  }

  /** Removes the sign-in cookie: each sign-in state is answered once. */
  String signInCleared(ServiceRequestContext ctx, RequestHeaders headers) {
    return cookie(SIGN_IN, "", SIGN_IN_PATH, true, secure(ctx, headers), Duration.ZERO);
  }

  private static String cookie(
      String name, String value, String path, boolean httpOnly, boolean secure, Duration maxAge) {
    return Cookie.secureBuilder(name, value)
        .path(path)
        .httpOnly(httpOnly)
        .secure(secure)
        .sameSite("Lax")
        .maxAge(maxAge.toSeconds())
        .build()
        .toSetCookieHeader();
  }

  /** Every value the request carries for cookie {@code name} (a browser may send several). */
  static List<String> values(RequestHeaders headers, String name) {
    List<String> values = new ArrayList<>();
    for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
      for (String pair : header.split(";")) {
        String trimmed = pair.strip();
        if (trimmed.startsWith(name + "=")) values.add(trimmed.substring(name.length() + 1));
      }
    }
    return values;
  }

  /** The one value of cookie {@code name}, or null when it is absent, empty or sent twice. */
  static String value(RequestHeaders headers, String name) {
    List<String> values = values(headers, name);
    if (values.size() != 1 || values.get(0).isEmpty()) return null;
    return values.get(0);
  }

  /** A fresh CSRF token: 32 random bytes, base64url. */
  static String newCsrfToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Whether {@code token} looks like one of ours (so it is kept on refresh). */
  static boolean isCsrfToken(String token) {
    return token != null && CSRF_TOKEN.matcher(token).matches();
  }
}
