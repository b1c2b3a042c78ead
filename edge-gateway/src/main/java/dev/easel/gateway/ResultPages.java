package dev.easel.gateway;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Page tokens of a stored result: the place of the page's first row, tied to the result, so that
 * the same token always gives the same rows (results never change) and a token of another result is
 * refused.
 */
final class ResultPages {
  private static final String MARK = "result ";

  private ResultPages() {}

  /** The token of the page of {@code resultId} that starts at row {@code offset}. */
  static String token(String resultId, long offset) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((MARK + resultId + " " + offset).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The row a page token points at (0 for no token).
   *
   * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT on {@code pageToken} for a token that
   *     is not one of this result's
   */
  static long offset(String resultId, String token) {
    if (token.isEmpty()) return 0;
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw malformed();
    }
    String prefix = MARK + resultId + " ";
    if (!text.startsWith(prefix)) {
      if (text.startsWith(MARK)) {
        throw ApiErrors.invalid("pageToken", "pageToken is a token of another result");
      }
      throw malformed();
    }
    try {
      long offset = Long.parseLong(text.substring(prefix.length()));
      if (offset < 0) throw malformed();
      return offset;
    } catch (NumberFormatException e) {
      throw malformed();
    }
  }

  private static io.grpc.StatusRuntimeException malformed() {
    return ApiErrors.invalid(
        "pageToken",
        "pageToken is not a page token of GetQueryResult: pass a nextPageToken as given");
  }
}
