package dev.easel.gateway;

import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Envoy's route matching ({@code RouteMatch}, also used by jwt_authn's rules), for the matchers
 * envoy.yaml uses: path {@code prefix}, {@code path}, {@code safe_regex} and {@code
 * path_separated_prefix}, with {@code case_sensitive}; {@code headers} with {@code string_match}
 * (exact, prefix, suffix, contains, safe_regex; {@code ignore_case}) or {@code present_match}, and
 * {@code invert_match}; {@code grpc}. Any other matcher fails loudly, so that the checks built on
 * this never pass a route they did not understand. Regexes are RE2 in Envoy and {@link Pattern}
 * here: both match the whole value, and the patterns used are in the syntax both share.
 */
final class EnvoyRoutes {
  private EnvoyRoutes() {}

  /** A request as routing sees it; header names are case-insensitive. */
  record Request(String method, String path, Map<String, String> headers) {
    Request {
      Map<String, String> lower = new TreeMap<>();
      headers.forEach((name, value) -> lower.put(name.toLowerCase(Locale.ROOT), value));
      lower.put(":method", method);
      lower.put(":path", path);
      headers = Map.copyOf(lower);
    }

    static Request of(String method, String path, String... headerNamesAndValues) {
      Map<String, String> headers = new TreeMap<>();
      for (int i = 0; i < headerNamesAndValues.length; i += 2) {
        headers.put(headerNamesAndValues[i], headerNamesAndValues[i + 1]);
      }
      return new Request(method, path, headers);
    }

    String pathWithoutQuery() {
      int query = path.indexOf('?');
      return query < 0 ? path : path.substring(0, query);
    }

    @Override
    public String toString() {
      return method + " " + path + (headers.size() > 2 ? " " + headers : "");
    }
  }

  /** The route Envoy picks for {@code request}: the first that matches. */
  static Optional<Route> firstMatch(VirtualHost host, Request request) {
    return host.getRoutesList().stream().filter(r -> matches(r.getMatch(), request)).findFirst();
  }

  static boolean matches(RouteMatch match, Request request) {
    unsupported(match.getQueryParametersCount() > 0, "query_parameters", match);
    unsupported(match.hasRuntimeFraction(), "runtime_fraction", match);
    unsupported(match.hasTlsContext(), "tls_context", match);
    unsupported(match.getDynamicMetadataCount() > 0, "dynamic_metadata", match);
    unsupported(match.getFilterStateCount() > 0, "filter_state", match);
    boolean caseSensitive = !match.hasCaseSensitive() || match.getCaseSensitive().getValue();
    String path = request.pathWithoutQuery();
    boolean pathMatches =
        switch (match.getPathSpecifierCase()) {
          case PREFIX -> startsWith(path, match.getPrefix(), caseSensitive);
          case PATH ->
              caseSensitive ? path.equals(match.getPath()) : path.equalsIgnoreCase(match.getPath());
          case SAFE_REGEX ->
              Pattern.compile(match.getSafeRegex().getRegex()).matcher(path).matches();
          case PATH_SEPARATED_PREFIX -> {
            String prefix = match.getPathSeparatedPrefix();
            yield startsWith(path, prefix, caseSensitive)
                && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
          }
          default ->
              throw new UnsupportedOperationException(
                  "EnvoyRoutes does not evaluate the path matcher "
                      + match.getPathSpecifierCase()
                      + " of "
                      + match);
        };
    if (!pathMatches) return false;
    if (match.hasGrpc()) {
      String contentType = request.headers().getOrDefault("content-type", "");
      if (!contentType.startsWith("application/grpc")) return false;
    }
    for (HeaderMatcher header : match.getHeadersList()) {
      if (!matches(header, request)) return false;
    }
    return true;
  }

  static boolean matches(HeaderMatcher matcher, Request request) {
    unsupported(matcher.getTreatMissingHeaderAsEmpty(), "treat_missing_header_as_empty", matcher);
    String value = request.headers().get(matcher.getName().toLowerCase(Locale.ROOT));
    boolean result =
        switch (matcher.getHeaderMatchSpecifierCase()) {
          case PRESENT_MATCH -> (value != null) == matcher.getPresentMatch();
          case STRING_MATCH -> value != null && matches(matcher.getStringMatch(), value);
          default ->
              throw new UnsupportedOperationException(
                  "EnvoyRoutes does not evaluate the header matcher "
                      + matcher.getHeaderMatchSpecifierCase()
                      + " of "
                      + matcher);
        };
    return matcher.getInvertMatch() != result;
  }

  static boolean matches(StringMatcher matcher, String value) {
    boolean ignoreCase = matcher.getIgnoreCase();
    String v = ignoreCase ? value.toLowerCase(Locale.ROOT) : value;
    return switch (matcher.getMatchPatternCase()) {
      case EXACT -> v.equals(fold(matcher.getExact(), ignoreCase));
      case PREFIX -> v.startsWith(fold(matcher.getPrefix(), ignoreCase));
      case SUFFIX -> v.endsWith(fold(matcher.getSuffix(), ignoreCase));
      case CONTAINS -> v.contains(fold(matcher.getContains(), ignoreCase));
      case SAFE_REGEX -> {
        unsupported(ignoreCase, "ignore_case with safe_regex", matcher);
        yield Pattern.compile(matcher.getSafeRegex().getRegex()).matcher(value).matches();
      }
      default ->
          throw new UnsupportedOperationException(
              "EnvoyRoutes does not evaluate the string matcher " + matcher.getMatchPatternCase());
    };
  }

  private static String fold(String s, boolean ignoreCase) {
    return ignoreCase ? s.toLowerCase(Locale.ROOT) : s;
  }

  private static boolean startsWith(String path, String prefix, boolean caseSensitive) {
    return path.regionMatches(!caseSensitive, 0, prefix, 0, prefix.length());
  }

  private static void unsupported(boolean present, String what, Object in) {
    if (present) {
      throw new UnsupportedOperationException(
          "EnvoyRoutes does not evaluate " + what + " in " + in);
    }
  }
}
