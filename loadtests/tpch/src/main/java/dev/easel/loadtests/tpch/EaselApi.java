package dev.easel.loadtests.tpch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.easel.api.v1.ExecuteQueryRequest;
import dev.easel.api.v1.ExecuteQueryResponse;
import dev.easel.api.v1.QueryServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A running Easel node as a user sees it through its public API (loopback only): a fresh account,
 * one project, its datasets uploaded with {@code PUT /v1/projects/{id}/datasets/{name}}, and ad-hoc
 * queries through REST ({@code POST /v1/projects/{id}/queries:execute}) and gRPC ({@code
 * QueryService/ExecuteQuery}) on the same port. The access token is renewed (a new sign-in) when it
 * is about to expire, since a run at SF10 outlasts it.
 */
final class EaselApi implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CALL_TIMEOUT = Duration.ofMinutes(60);
  private static final Duration TOKEN_MARGIN = Duration.ofMinutes(2);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** The answer of one query: its total row count, whether rows were left out, bytes received. */
  record Answer(long rowCount, boolean truncated, long bytes, String resultId) {}

  /** A dataset version as the upload answered it. */
  record Uploaded(String datasetId, long version, long rowCount, long byteSize) {}

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final URI base;
  private final ManagedChannel channel;
  private final String email = "tpch-" + UUID.randomUUID() + "@example.com";
  private final String password = "tpch-" + UUID.randomUUID();
  private String accessToken;
  private Instant tokenExpires = Instant.EPOCH;
  private String projectId;

  EaselApi(URI base) {
    if (!"127.0.0.1".equals(base.getHost())) {
      throw new IllegalArgumentException(base + ": loopback (127.0.0.1) only");
    }
    this.base = base;
    this.channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", base.getPort(), InsecureChannelCredentials.create())
            .maxInboundMessageSize(256 * 1024 * 1024)
            .build();
  }

  /** Signs up, signs in and creates the project the tables go into. */
  void createProject(String name) throws IOException, InterruptedException {
    ObjectNode register = JSON.createObjectNode();
    register.put("email", email).put("password", password).put("displayName", "TPC-H bench");
    json(send(request("/v1/auth:register", false).POST(body(register))), "register");
    signIn();
    ObjectNode project = JSON.createObjectNode().put("name", name);
    projectId =
        json(send(request("/v1/projects", true).POST(body(project))), "create project")
            .path("projectId")
            .asText();
  }

  String projectId() {
    return projectId;
  }

  /** A token valid for a while more: the current one, else a new sign-in's. */
  synchronized String accessToken() throws IOException, InterruptedException {
    if (Instant.now().plus(TOKEN_MARGIN).isAfter(tokenExpires)) signIn();
    return accessToken;
  }

  /**
   * Signs in; on a loaded machine a sign-in (a password hash) can outlast the node's request
   * timeout (HTTP 499, or 503/504), so such an answer is tried again, 5 times at most.
   */
  private void signIn() throws IOException, InterruptedException {
    ObjectNode login = JSON.createObjectNode().put("email", email).put("password", password);
    Instant asked = Instant.now();
    HttpResponse<byte[]> answer = send(request("/v1/auth:login", false).POST(body(login)));
    for (int tries = 1;
        tries < 5 && List.of(499, 503, 504).contains(answer.statusCode());
        tries++) {
      TpchBench.log("sign-in -> HTTP %d; again", answer.statusCode());
      asked = Instant.now();
      answer = send(request("/v1/auth:login", false).POST(body(login)));
    }
    JsonNode tokens = json(answer, "sign-in");
    accessToken = tokens.path("accessToken").asText();
    tokenExpires = asked.plusSeconds(tokens.path("expiresIn").asLong(15 * 60));
  }

  /** Uploads a Parquet file as a new version of dataset {@code name}. */
  Uploaded upload(String name, Path parquet) throws IOException, InterruptedException {
    HttpRequest.Builder put =
        request("/v1/projects/" + projectId + "/datasets/" + name, true)
            .setHeader("content-type", "application/vnd.apache.parquet")
            .PUT(HttpRequest.BodyPublishers.ofFile(parquet));
    JsonNode answer = json(send(put), "upload of " + name);
    return new Uploaded(
        answer.path("dataset").path("datasetId").asText(),
        answer.path("version").path("version").asLong(),
        answer.path("version").path("rowCount").asLong(),
        answer.path("version").path("byteSize").asLong());
  }

  /** Runs {@code sql} through REST; the answer's JSON is read whole, then parsed. */
  Answer queryRest(String sql) throws IOException, InterruptedException {
    ObjectNode query = JSON.createObjectNode().put("sql", sql);
    HttpResponse<byte[]> response =
        http.send(
            request("/v1/projects/" + projectId + "/queries:execute", true)
                .POST(body(query))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    byte[] bytes = response.body();
    if (response.statusCode() != 200) {
      throw new IOException("REST query -> HTTP " + response.statusCode() + " " + text(bytes));
    }
    JsonNode answer = JSON.readTree(bytes);
    return new Answer(
        answer.path("rowCount").asLong(-1),
        answer.path("truncated").asBoolean(),
        bytes.length,
        answer.path("resultId").asText());
  }

  /** Runs {@code sql} through gRPC ({@code QueryService/ExecuteQuery}). */
  Answer queryGrpc(String sql) throws IOException, InterruptedException {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + accessToken());
    ExecuteQueryResponse response =
        QueryServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .withDeadlineAfter(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
            .executeQuery(
                ExecuteQueryRequest.newBuilder().setProjectId(projectId).setSql(sql).build());
    return new Answer(
        response.getRowCount(),
        response.getTruncated(),
        response.getSerializedSize(),
        response.getResultId());
  }

  private HttpRequest.Builder request(String path, boolean signedIn)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(CALL_TIMEOUT)
            .header("content-type", "application/json");
    if (signedIn) request.header("authorization", "Bearer " + accessToken());
    return request;
  }

  private static HttpRequest.BodyPublisher body(JsonNode json) throws IOException {
    return HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(json));
  }

  private HttpResponse<byte[]> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** The JSON of a 2xx answer; any other status is an error naming {@code what}. */
  private static JsonNode json(HttpResponse<byte[]> response, String what) throws IOException {
    if (response.statusCode() / 100 != 2) {
      throw new IOException(
          what + " -> HTTP " + response.statusCode() + " " + text(response.body()));
    }
    return JSON.readTree(response.body());
  }

  private static String text(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    return text.substring(0, Math.min(500, text.length()));
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
