package dev.easel.node;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A plain JDK HTTP client for the REST face and /health. */
public final class Http {
  static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private Http() {}

  static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(int port, String path, String json)
      throws IOException, InterruptedException {
    return post(port, path, json, null);
  }

  static HttpResponse<String> post(int port, String path, String json, String accessToken)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (accessToken != null) request.header("authorization", "Bearer " + accessToken);
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(int port, String path, String accessToken)
      throws IOException, InterruptedException {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .header("authorization", "Bearer " + accessToken)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Sends {@code body} (JSON; none when null) with any method, as the token's holder (none when
   * null), with extra {@code headers} given as name, value, name, value...
   */
  public static HttpResponse<String> send(
      int port, String method, String path, String body, String accessToken, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(60))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) request.header("content-type", "application/json");
    if (accessToken != null) request.header("authorization", "Bearer " + accessToken);
    for (int i = 0; i < headers.length; i += 2) request.header(headers[i], headers[i + 1]);
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Registers an account with {@code email} and returns an access token for it. */
  static String signUp(int port, String email) throws Exception {
    String password = "test password " + email;
    var registered =
        post(
            port,
            "/v1/auth:register",
            "{\"email\":\""
                + email
                + "\",\"password\":\""
                + password
                + "\",\"displayName\":\"Tester\"}");
    if (registered.statusCode() != 200) throw new IllegalStateException(registered.body());
    var login =
        post(
            port,
            "/v1/auth:login",
            "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
    if (login.statusCode() != 200) throw new IllegalStateException(login.body());
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(login.body())
        .path("accessToken")
        .asText();
  }

  /** Creates a project as the holder of {@code accessToken} and returns its id. */
  static String createProject(int port, String accessToken, String name) throws Exception {
    var created = post(port, "/v1/projects", "{\"name\":\"" + name + "\"}", accessToken);
    if (created.statusCode() != 200) throw new IllegalStateException(created.body());
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(created.body())
        .path("projectId")
        .asText();
  }

  /** Waits (bounded) until /health says 200; fails with the last answer otherwise. */
  static void awaitHealthy(int port) throws Exception {
    String last = "no answer";
    for (int i = 0; i < 600; i++) {
      try {
        HttpResponse<String> health = get(port, "/health");
        if (health.statusCode() == 200) return;
        last = health.statusCode() + " " + health.body();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("node on port " + port + " never became healthy: " + last);
  }
}
