package dev.easel.gateway;

import com.google.api.HttpRule;

/**
 * What a {@code google.api.http} rule says: its HTTP method and its path template, the custom kind
 * and path included. One reading of the annotations for the REST transcoding checks, the OpenAPI
 * document and the tests that walk every REST path.
 */
final class HttpRules {
  private HttpRules() {}

  /**
   * The rule's HTTP method in upper case ({@code GET}, or a custom kind); null when it has none.
   */
  static String method(HttpRule rule) {
    return switch (rule.getPatternCase()) {
      case GET -> "GET";
      case PUT -> "PUT";
      case POST -> "POST";
      case DELETE -> "DELETE";
      case PATCH -> "PATCH";
      case CUSTOM -> rule.getCustom().getKind();
      case PATTERN_NOT_SET -> null;
    };
  }

  /** The rule's path template ({@code /v1/projects/{project_id}}); null when it has none. */
  static String template(HttpRule rule) {
    return switch (rule.getPatternCase()) {
      case GET -> rule.getGet();
      case PUT -> rule.getPut();
      case POST -> rule.getPost();
      case DELETE -> rule.getDelete();
      case PATCH -> rule.getPatch();
      case CUSTOM -> rule.getCustom().getPath();
      case PATTERN_NOT_SET -> null;
    };
  }
}
