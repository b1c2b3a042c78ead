package dev.easel.node;

import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/** The Set-Cookie headers of a response, read the way a browser reads them, for assertions. */
final class SetCookies {
  /** One Set-Cookie: name, value and attributes (names in lower case; flags map to ""). */
  record SetCookie(String name, String value, Map<String, String> attributes) {
    boolean has(String attribute) {
      return attributes.containsKey(attribute.toLowerCase(Locale.ROOT));
    }

    String attribute(String attribute) {
      return attributes.get(attribute.toLowerCase(Locale.ROOT));
    }

    boolean cleared() {
      return value.isEmpty() || "0".equals(attribute("max-age"));
    }
  }

  private SetCookies() {}

  /** The cookies a response sets, by name (the last one of a name wins, as in a browser). */
  static Map<String, SetCookie> of(HttpResponse<?> response) {
    Map<String, SetCookie> cookies = new LinkedHashMap<>();
    for (String header : response.headers().allValues("set-cookie")) {
      String[] parts = header.split(";");
      int eq = parts[0].indexOf('=');
      Map<String, String> attributes = new LinkedHashMap<>();
      for (int i = 1; i < parts.length; i++) {
        String part = parts[i].strip();
        int at = part.indexOf('=');
        if (at < 0) {
          attributes.put(part.toLowerCase(Locale.ROOT), "");
        } else {
          attributes.put(
              part.substring(0, at).strip().toLowerCase(Locale.ROOT), part.substring(at + 1));
        }
      }
      String name = parts[0].substring(0, eq).strip();
      cookies.put(name, new SetCookie(name, parts[0].substring(eq + 1).strip(), attributes));
    }
    return cookies;
  }

  /** A Cookie request header carrying these cookies' values. */
  static String header(SetCookie... cookies) {
    StringJoiner header = new StringJoiner("; ");
    for (SetCookie cookie : cookies) header.add(cookie.name() + "=" + cookie.value());
    return header.toString();
  }
}
