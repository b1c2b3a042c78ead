package dev.easel.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Easel's calls to identity providers (discovery, token exchange, user APIs): JSON over HTTPS with
 * a time limit and a size limit, refused redirects, and failures that name the provider and what it
 * said, never a secret. Blocking: run it on a blocking executor, never on an event loop.
 */
final class ProviderHttp {
  static final int MAX_RESPONSE_BYTES = 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A provider call failed; {@link #refused()} tells a refusal from an unreachable provider. */
  static final class ProviderException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean refused;

    ProviderException(boolean refused, String message) {
      super(message, null, false, false);
      this.refused = refused;
    }

    /** True when the provider answered and said no (or its answer failed a check). */
    boolean refused() {
      return refused;
    }
  }

  private final HttpClient client;
  private final Duration timeout;

  ProviderHttp(Duration timeout) {
    this.timeout = timeout;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** GET a JSON document. */
  JsonNode getJson(String provider, URI uri, Map<String, String> headers) throws ProviderException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET();
    request.header("accept", "application/json");
    headers.forEach(request::setHeader);
    return send(provider, uri, request.build());
  }

  /** POST a form and read the JSON answer. */
  JsonNode postForm(String provider, URI uri, Map<String, String> form, Map<String, String> headers)
      throws ProviderException {
    StringJoiner body = new StringJoiner("&");
    form.forEach((key, value) -> body.add(encode(key) + "=" + encode(value)));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    headers.forEach(request::setHeader);
    return send(provider, uri, request.build());
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private JsonNode send(String provider, URI uri, HttpRequest request) throws ProviderException {
    String where = provider + " (" + uri.getHost() + uri.getPath() + ")";
    HttpResponse<InputStream> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new ProviderException(
          false, where + " could not be reached: " + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProviderException(false, where + ": interrupted");
    }
    byte[] bytes;
    try (InputStream in = response.body()) {
      bytes = in.readNBytes(MAX_RESPONSE_BYTES + 1);
    } catch (IOException e) {
      throw new ProviderException(false, where + " broke off its answer");
    }
    if (bytes.length > MAX_RESPONSE_BYTES) {
      throw new ProviderException(false, where + " answered more than 1 MiB");
    }
    JsonNode json;
    try {
      json = JSON.readTree(bytes);
    } catch (IOException e) {
      json = null;
    }
    int status = response.statusCode();
    if (status >= 200 && status < 300 && json != null && !json.has("error")) return json;
    String said =
        json != null && json.has("error")
            ? json.path("error").asText() + describe(json.path("error_description").asText(""))
            : "HTTP " + status;
    boolean refused = status >= 400 && status < 500 || (json != null && json.has("error"));
    throw new ProviderException(refused, where + " answered " + limit(said));
  }

  private static String describe(String description) {
    return description.isEmpty() ? "" : ": " + description;
  }

  private static String limit(String text) {
    String printable = text.replaceAll("\\p{Cntrl}", " ");
    return printable.length() > 300 ? printable.substring(0, 300) + "…" : printable;
  }
}
