package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Descriptors;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.ErrorInfo;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.grpc.GrpcClientBuilder;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.SerializationFormat;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import dev.easel.api.v1.ApiKeysProto;
import dev.easel.api.v1.AuthProto;
import dev.easel.api.v1.Canvas;
import dev.easel.api.v1.CanvasOp;
import dev.easel.api.v1.CanvasProto;
import dev.easel.api.v1.CanvasServiceGrpc;
import dev.easel.api.v1.CreateCanvasRequest;
import dev.easel.api.v1.CreateProjectRequest;
import dev.easel.api.v1.DatasetsProto;
import dev.easel.api.v1.GetCanvasRequest;
import dev.easel.api.v1.GetMeRequest;
import dev.easel.api.v1.Project;
import dev.easel.api.v1.ProjectServiceGrpc;
import dev.easel.api.v1.ProjectsProto;
import dev.easel.api.v1.QueriesProto;
import dev.easel.api.v1.StreamOpsRequest;
import dev.easel.api.v1.SubmitOpRequest;
import dev.easel.api.v1.SubmitOpResponse;
import dev.easel.api.v1.User;
import dev.easel.api.v1.UserServiceGrpc;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway's other faces against a real node: gRPC-Web (binary and text) through Armeria's own
 * gRPC-Web client, CORS for the allowed origins, the CSRF check of cookie-signed gRPC-Web calls,
 * the stream of a canvas's ops as NDJSON and as server-sent events, 64-bit integers as strings in
 * REST JSON, the API console at /docs and the OpenAPI document at /openapi.json.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiFacesIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ALLOWED = "https://app.example.com";
  static final Duration WAIT = Duration.ofSeconds(30);

  EaselNode node;
  int port;
  String token;
  String project;

  @BeforeAll
  void startANode(@TempDir Path dataDir) throws Exception {
    node =
        TestNodes.start(
            dataDir,
            Map.of(
                "easel.http.allowed-origins",
                ALLOWED,
                // heartbeats come often enough to be seen within the test
                "easel.http.stream-heartbeat-interval",
                "200ms"));
    port = node.httpPort();
    token = Http.signUp(port, "faces@example.org");
    project = Http.createProject(port, token, "Faces");
  }

  @AfterAll
  void stopTheNode() {
    if (node != null) node.close();
  }

  // ---- gRPC-Web -------------------------------------------------------------------------------

  static SerializationFormat format(String name) {
    return switch (name) {
      case "binary" -> GrpcSerializationFormats.PROTO_WEB;
      case "text" -> GrpcSerializationFormats.PROTO_WEB_TEXT;
      case "json" -> GrpcSerializationFormats.JSON_WEB;
      default -> throw new IllegalArgumentException(name);
    };
  }

  /** Armeria's gRPC-Web client over HTTP/1.1, as a browser speaks it. */
  GrpcClientBuilder grpcWeb(String format) {
    return GrpcClients.builder(SessionProtocol.H1C, Endpoint.of("127.0.0.1", port))
        .serializationFormat(format(format))
        .responseTimeout(WAIT);
  }

  GrpcClientBuilder grpcWeb(String format, String accessToken) {
    return grpcWeb(format).addHeader("authorization", "Bearer " + accessToken);
  }

  static ErrorInfo errorInfo(StatusRuntimeException e) throws Exception {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).as("google.rpc.Status details of %s", e).isNotNull();
    for (var detail : status.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) return detail.unpack(ErrorInfo.class);
    }
    throw new AssertionError("no ErrorInfo in " + status);
  }

  static ListValue titleInsert(String text) {
    return ListValue.newBuilder()
        .addValues(
            Value.newBuilder()
                .setStructValue(
                    Struct.newBuilder()
                        .putFields(
                            "p",
                            Value.newBuilder()
                                .setListValue(
                                    ListValue.newBuilder()
                                        .addValues(Value.newBuilder().setStringValue("title"))
                                        .addValues(Value.newBuilder().setNumberValue(0)))
                                .build())
                        .putFields("si", Value.newBuilder().setStringValue(text).build())))
        .build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"binary", "text"})
  void grpcWebCarriesTheApi(String format) throws Exception {
    String email = "web-" + format + "@example.org";
    String webToken = Http.signUp(port, email);
    var users = grpcWeb(format, webToken).build(UserServiceGrpc.UserServiceBlockingStub.class);
    User me = users.getMe(GetMeRequest.getDefaultInstance());
    assertThat(me.getEmail()).isEqualTo(email);

    var projects =
        grpcWeb(format, webToken).build(ProjectServiceGrpc.ProjectServiceBlockingStub.class);
    Project created =
        projects.createProject(CreateProjectRequest.newBuilder().setName("Web " + format).build());
    assertThat(created.getProjectId()).isNotEmpty();

    var canvases =
        grpcWeb(format, webToken).build(CanvasServiceGrpc.CanvasServiceBlockingStub.class);
    Canvas canvas =
        canvases.createCanvas(
            CreateCanvasRequest.newBuilder()
                .setProjectId(created.getProjectId())
                .setTitle("Plan")
                .build());
    assertThat(canvas.getVersion()).isEqualTo(1);
    SubmitOpResponse submitted =
        canvases.submitOp(
            SubmitOpRequest.newBuilder()
                .setCanvasId(canvas.getCanvasId())
                .setVersion(1)
                .setOp(titleInsert("Q3 "))
                .build());
    assertThat(submitted.getVersion()).isEqualTo(1);
    Canvas read =
        canvases.getCanvas(GetCanvasRequest.newBuilder().setCanvasId(canvas.getCanvasId()).build());
    assertThat(read.getTitle()).isEqualTo("Q3 Plan");
    assertThat(read.getVersion()).isEqualTo(2);
    assertThat(read.getDocument().getFieldsOrThrow("title").getStringValue()).isEqualTo("Q3 Plan");

    // A server stream over gRPC-Web: the creation and the edit, in order.
    var streams =
        grpcWeb(format, webToken).build(CanvasServiceGrpc.CanvasServiceBlockingStub.class);
    try (Context.CancellableContext call = Context.current().withCancellation()) {
      List<CanvasOp> first =
          call.call(
              () -> {
                Iterator<CanvasOp> ops =
                    streams.streamOps(
                        StreamOpsRequest.newBuilder().setCanvasId(canvas.getCanvasId()).build());
                return List.of(ops.next(), ops.next());
              });
      assertThat(first).extracting(CanvasOp::getVersion).containsExactly(0L, 1L);
      assertThat(first.get(1).getOp()).isEqualTo(submitted.getOp());
    }

    // Errors come through with their status and ErrorInfo.
    var anonymous = grpcWeb(format).build(UserServiceGrpc.UserServiceBlockingStub.class);
    assertThatThrownBy(() -> anonymous.getMe(GetMeRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(e.getStatus().getDescription()).contains("sign in");
            });
    StatusRuntimeException missing =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () -> canvases.getCanvas(GetCanvasRequest.newBuilder().setCanvasId("nope").build()));
    assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(missing.getStatus().getDescription()).isEqualTo("canvas nope does not exist");
    assertThat(errorInfo(missing).getReason()).isEqualTo("CANVAS_NOT_FOUND");
    assertThat(errorInfo(missing).getDomain()).isEqualTo("easel.dev");
  }

  @Test
  void grpcWebJsonToo() {
    var users = grpcWeb("json", token).build(UserServiceGrpc.UserServiceBlockingStub.class);
    assertThat(users.getMe(GetMeRequest.getDefaultInstance()).getEmail())
        .isEqualTo("faces@example.org");
  }

  @Test
  void grpcWebSignedInByCookieNeedsTheCsrfToken() throws Exception {
    String email = "cookie-web@example.org";
    Http.signUp(port, email);
    var login =
        Http.post(
            port,
            "/v1/auth/browser/login",
            "{\"email\":\"" + email + "\",\"password\":\"test password " + email + "\"}");
    assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
    var cookies = SetCookies.of(login);
    String cookie = SetCookies.header(cookies.get("easel_access"), cookies.get("easel_csrf"));
    String csrf = cookies.get("easel_csrf").value();
    CreateProjectRequest request = CreateProjectRequest.newBuilder().setName("By cookie").build();

    // Every gRPC-Web call is a POST a page could make with the cookies: without the token it is
    // refused, in gRPC's terms, whatever it does.
    var reader =
        grpcWeb("binary")
            .addHeader("cookie", cookie)
            .build(UserServiceGrpc.UserServiceBlockingStub.class);
    assertThatThrownBy(() -> reader.getMe(GetMeRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    var tokenReader =
        grpcWeb("binary")
            .addHeader("cookie", cookie)
            .addHeader("x-csrf-token", csrf)
            .build(UserServiceGrpc.UserServiceBlockingStub.class);
    assertThat(tokenReader.getMe(GetMeRequest.getDefaultInstance()).getEmail()).isEqualTo(email);
    var forged =
        grpcWeb("text")
            .addHeader("cookie", cookie)
            .addHeader("origin", ALLOWED)
            .build(ProjectServiceGrpc.ProjectServiceBlockingStub.class);
    StatusRuntimeException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class, () -> forged.createProject(request));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(refused.getStatus().getDescription()).contains("X-CSRF-Token");
    assertThat(errorInfo(refused).getReason()).isEqualTo("PERMISSION_DENIED");
    var otherSite =
        grpcWeb("binary")
            .addHeader("cookie", cookie)
            .addHeader("x-csrf-token", csrf)
            .addHeader("origin", "https://evil.example.net")
            .build(ProjectServiceGrpc.ProjectServiceBlockingStub.class);
    assertThatThrownBy(() -> otherSite.createProject(request))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription()).contains("https://evil.example.net");
            });
    var page =
        grpcWeb("binary")
            .addHeader("cookie", cookie)
            .addHeader("x-csrf-token", csrf)
            .addHeader("origin", ALLOWED)
            .build(ProjectServiceGrpc.ProjectServiceBlockingStub.class);
    assertThat(page.createProject(request).getName()).isEqualTo("By cookie");
  }

  @Test
  void corsGrantsTheAllowedOriginsOnly() throws Exception {
    HttpResponse<String> preflight =
        send(
            "OPTIONS",
            "/easel.v1.UserService/GetMe",
            null,
            Map.of(
                "origin", ALLOWED,
                "access-control-request-method", "POST",
                "access-control-request-headers",
                    "content-type,x-grpc-web,authorization,x-csrf-token"));
    assertThat(preflight.statusCode()).isEqualTo(200);
    assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue(ALLOWED);
    assertThat(preflight.headers().firstValue("access-control-allow-credentials")).hasValue("true");
    assertThat(preflight.headers().firstValue("access-control-allow-headers").orElse(""))
        .contains("x-grpc-web", "authorization", "x-csrf-token");
    assertThat(preflight.headers().firstValue("access-control-allow-methods").orElse(""))
        .contains("POST");

    HttpResponse<String> stranger =
        send(
            "OPTIONS",
            "/easel.v1.UserService/GetMe",
            null,
            Map.of(
                "origin", "https://evil.example.net",
                "access-control-request-method", "POST"));
    assertThat(stranger.headers().firstValue("access-control-allow-origin")).isEmpty();

    // A REST read from the allowed page may see the answer and the headers gRPC clients read.
    HttpResponse<String> read =
        send(
            "GET",
            "/v1/users/me",
            null,
            Map.of("origin", ALLOWED, "authorization", "Bearer " + token));
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.headers().firstValue("access-control-allow-origin")).hasValue(ALLOWED);
    assertThat(read.headers().firstValue("access-control-expose-headers").orElse(""))
        .contains("grpc-status", "grpc-message", "grpc-status-details-bin");
  }

  // ---- the REST stream of ops ---------------------------------------------------------------

  HttpResponse<String> send(String method, String path, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(WAIT)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) request.header("content-type", "application/json");
    headers.forEach(request::setHeader);
    return Http.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** An open stream: its status, headers and the lines read so far, as they come. */
  record OpenStream(
      HttpResponse<java.util.stream.Stream<String>> response, BlockingQueue<String> lines)
      implements AutoCloseable {
    String next() throws InterruptedException {
      String line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(line).as("a line of the stream within %s", WAIT).isNotNull();
      return line;
    }

    @Override
    public void close() {
      response.body().close();
    }
  }

  OpenStream open(String path, Map<String, String> headers) throws Exception {
    // The timeout bounds the wait for the answer's headers, not the stream.
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(WAIT);
    headers.forEach(request::setHeader);
    HttpResponse<java.util.stream.Stream<String>> response =
        Http.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofLines());
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                response.body().forEach(lines::add);
              } catch (RuntimeException closed) {
                // the test closed the stream
              }
            });
    return new OpenStream(response, lines);
  }

  String canvas(String accessToken, String projectId, String title) throws Exception {
    var created =
        Http.post(
            port,
            "/v1/projects/" + projectId + "/canvases",
            JSON.createObjectNode().put("title", title).toString(),
            accessToken);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    return JSON.readTree(created.body()).path("canvasId").asText();
  }

  /** Inserts {@code text} at the start of the title through REST; returns the new version. */
  long submit(String canvasId, long version, String text) throws Exception {
    var op = JSON.createObjectNode().put("version", Long.toString(version));
    op.putArray("op").addObject().put("si", text).putArray("p").add("title").add(0);
    var submitted = Http.post(port, "/v1/canvases/" + canvasId + "/ops", op.toString(), token);
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(200);
    JsonNode answer = JSON.readTree(submitted.body());
    assertThat(answer.path("version").isTextual()).as("int64 as a string: %s", answer).isTrue();
    return answer.path("version").asLong() + 1;
  }

  @Test
  void opsStreamAsNewlineDelimitedJson() throws Exception {
    String canvasId = canvas(token, project, "Stream");
    try (OpenStream stream =
        open(
            "/v1/canvases/" + canvasId + "/ops:stream?fromVersion=0",
            Map.of("authorization", "Bearer " + token, "accept", "application/x-ndjson"))) {
      assertThat(stream.response().statusCode()).isEqualTo(200);
      assertThat(stream.response().headers().firstValue("content-type"))
          .hasValue("application/x-ndjson");
      JsonNode creation = JSON.readTree(stream.next());
      assertThat(creation.path("canvasId").asText()).isEqualTo(canvasId);
      assertThat(creation.has("version")).as("version 0 is the default, left out").isFalse();
      assertThat(creation.at("/op/0/oi/title").asText()).isEqualTo("Stream");

      long version = 1;
      List<String> sent = List.of("a", "b", "c");
      for (String text : sent) version = submit(canvasId, version, text);
      for (int i = 0; i < sent.size(); i++) {
        JsonNode op = JSON.readTree(stream.next());
        assertThat(op.path("version").isTextual()).as("int64 as a string: %s", op).isTrue();
        assertThat(op.path("version").asText()).isEqualTo(Integer.toString(i + 1));
        assertThat(op.at("/op/0/si").asText()).isEqualTo(sent.get(i));
        assertThat(op.at("/op/0/p/0").asText()).isEqualTo("title");
        assertThat(op.path("author").asText()).isNotEmpty();
      }
    }
    // From a later version: only what came after.
    try (OpenStream later =
        open(
            "/v1/canvases/" + canvasId + "/ops:stream?from_version=3",
            Map.of("authorization", "Bearer " + token))) {
      assertThat(later.response().statusCode()).isEqualTo(200);
      JsonNode op = JSON.readTree(later.next());
      assertThat(op.path("version").asText()).isEqualTo("3");
      assertThat(op.at("/op/0/si").asText()).isEqualTo("c");
    }
  }

  /** Server-sent events read from lines: comments, and events as field maps. */
  record Events(OpenStream stream) {
    Map<String, String> nextEvent(List<String> comments) throws InterruptedException {
      Map<String, String> fields = new LinkedHashMap<>();
      while (true) {
        String line = stream.next();
        if (line.isEmpty()) {
          if (!fields.isEmpty()) return fields;
        } else if (line.startsWith(":")) {
          comments.add(line);
        } else {
          int colon = line.indexOf(':');
          fields.merge(
              line.substring(0, colon), line.substring(colon + 1).strip(), (a, b) -> a + "\n" + b);
        }
      }
    }
  }

  @Test
  void opsStreamAsServerSentEvents() throws Exception {
    String canvasId = canvas(token, project, "Events");
    List<String> comments = new ArrayList<>();
    try (OpenStream stream =
        open(
            "/v1/canvases/" + canvasId + "/ops:stream",
            Map.of("authorization", "Bearer " + token, "accept", "text/event-stream"))) {
      assertThat(stream.response().statusCode()).isEqualTo(200);
      assertThat(stream.response().headers().firstValue("content-type").orElse(""))
          .startsWith("text/event-stream");
      assertThat(stream.response().headers().firstValue("cache-control")).hasValue("no-store");
      Events events = new Events(stream);
      Map<String, String> creation = events.nextEvent(comments);
      assertThat(creation).containsEntry("event", "op").containsEntry("id", "0");
      assertThat(JSON.readTree(creation.get("data")).path("canvasId").asText()).isEqualTo(canvasId);

      long version = submit(canvasId, 1, "x");
      submit(canvasId, version, "y");
      Map<String, String> first = events.nextEvent(comments);
      Map<String, String> second = events.nextEvent(comments);
      assertThat(first).containsEntry("event", "op").containsEntry("id", "1");
      assertThat(JSON.readTree(first.get("data")).at("/op/0/si").asText()).isEqualTo("x");
      assertThat(JSON.readTree(first.get("data")).path("version").asText()).isEqualTo("1");
      assertThat(second).containsEntry("id", "2");
      assertThat(JSON.readTree(second.get("data")).at("/op/0/si").asText()).isEqualTo("y");

      // While nothing happens, heartbeats keep the stream open.
      while (comments.isEmpty()) {
        String line = stream.next();
        if (line.startsWith(":")) comments.add(line);
      }
      assertThat(comments).allMatch(comment -> comment.startsWith(": heartbeat"));
    }
    // An EventSource that reconnects says the last event it saw, and resumes after it.
    try (OpenStream resumed =
        open(
            "/v1/canvases/" + canvasId + "/ops:stream?fromVersion=0",
            Map.of(
                "authorization", "Bearer " + token,
                "accept", "text/event-stream",
                "last-event-id", "1"))) {
      assertThat(new Events(resumed).nextEvent(new ArrayList<>())).containsEntry("id", "2");
    }
  }

  @Test
  void opsStreamRefusesBeforeStreamingAsTheRestApiDoes() throws Exception {
    String canvasId = canvas(token, project, "Refusals");
    String path = "/v1/canvases/" + canvasId + "/ops:stream";

    var anonymous = send("GET", path, null, Map.of());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(anonymous.body()).path("grpc-code").asText())
        .isEqualTo("UNAUTHENTICATED");

    var missing =
        send(
            "GET",
            "/v1/canvases/nope/ops:stream",
            null,
            Map.of("authorization", "Bearer " + token));
    var missingByRest = Http.get(port, "/v1/canvases/nope", token);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(missing.body())).isEqualTo(JSON.readTree(missingByRest.body()));
    assertThat(missing.body()).contains("CANVAS_NOT_FOUND");

    String stranger = Http.signUp(port, "stream-stranger@example.org");
    var probed = send("GET", path, null, Map.of("authorization", "Bearer " + stranger));
    assertThat(probed.statusCode()).isEqualTo(404);
    assertThat(probed.body()).contains("canvas " + canvasId + " does not exist");

    var badVersion =
        send("GET", path + "?fromVersion=-1", null, Map.of("authorization", "Bearer " + token));
    assertThat(badVersion.statusCode()).isEqualTo(400);
    assertThat(badVersion.body()).contains("fromVersion must be a whole number >= 0, not '-1'");
    var unknownParameter =
        send("GET", path + "?from=2", null, Map.of("authorization", "Bearer " + token));
    assertThat(unknownParameter.statusCode()).isEqualTo(400);
    assertThat(unknownParameter.body()).contains("unknown query parameter from");
    var badId =
        send(
            "GET",
            "/v1/canvases/bad%20id/ops:stream",
            null,
            Map.of("authorization", "Bearer " + token));
    assertThat(badId.statusCode()).isEqualTo(400);
    var unacceptable =
        send(
            "GET",
            path,
            null,
            Map.of("authorization", "Bearer " + token, "accept", "application/xml"));
    assertThat(unacceptable.statusCode()).isEqualTo(406);
    assertThat(unacceptable.body()).contains("application/x-ndjson or text/event-stream");

    // API keys: the scopes and the one project of the key, as over gRPC.
    String otherProject = Http.createProject(port, token, "Other");
    String readOther = apiKey("read", otherProject);
    var outside = send("GET", path, null, Map.of("x-api-key", readOther));
    assertThat(outside.statusCode()).isEqualTo(404);
    String readThis = apiKey("read", project);
    try (OpenStream inside = open(path, Map.of("x-api-key", readThis))) {
      assertThat(inside.response().statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(inside.next()).path("canvasId").asText()).isEqualTo(canvasId);
    }
  }

  String apiKey(String scope, String projectId) throws Exception {
    var request = JSON.createObjectNode().put("name", scope + " key");
    request.putArray("scopes").add(scope);
    request.put("projectId", projectId);
    var created = Http.post(port, "/v1/apiKeys", request.toString(), token);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    return JSON.readTree(created.body()).path("secret").asText();
  }

  // ---- REST JSON, /docs, /openapi.json ---------------------------------------------------------

  @Test
  void restJsonWrites64BitIntegersAsStrings() throws Exception {
    String canvasId = canvas(token, project, "Numbers");
    submit(canvasId, 1, "n");
    JsonNode canvas = JSON.readTree(Http.get(port, "/v1/canvases/" + canvasId, token).body());
    assertThat(canvas.path("version").isTextual()).isTrue();
    assertThat(canvas.path("version").asText()).isEqualTo("2");
    JsonNode listed = JSON.readTree(Http.get(port, "/v1/canvases?pageSize=1", token).body());
    assertThat(listed.at("/canvases/0/version").isTextual()).isTrue();
    // and reads them as strings or numbers
    var asNumber =
        Http.post(
            port,
            "/v1/canvases/" + canvasId + "/ops",
            "{\"version\":2,\"op\":[{\"p\":[\"title\",0],\"si\":\"m\"}]}",
            token);
    assertThat(asNumber.statusCode()).as(asNumber.body()).isEqualTo(200);
    assertThat(JSON.readTree(asNumber.body()).path("version").asText()).isEqualTo("2");
  }

  /** Every RPC of the API, as {@code easel.v1.CanvasService/GetCanvas}. */
  static TreeSet<String> everyRpc() {
    TreeSet<String> rpcs = new TreeSet<>();
    for (Descriptors.FileDescriptor file :
        List.of(
            CanvasProto.getDescriptor(),
            AuthProto.getDescriptor(),
            ProjectsProto.getDescriptor(),
            ApiKeysProto.getDescriptor(),
            DatasetsProto.getDescriptor(),
            QueriesProto.getDescriptor())) {
      for (Descriptors.ServiceDescriptor service : file.getServices()) {
        for (Descriptors.MethodDescriptor method : service.getMethods()) {
          rpcs.add(service.getFullName() + "/" + method.getName());
        }
      }
    }
    return rpcs;
  }

  @Test
  void apiConsoleListsEveryRpcAndItsCallsPassThePolicy() throws Exception {
    var page = send("GET", "/docs/", null, Map.of());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type").orElse("")).startsWith("text/html");
    var specification = send("GET", "/docs/specification.json", null, Map.of());
    assertThat(specification.statusCode()).isEqualTo(200);
    JsonNode spec = JSON.readTree(specification.body());
    TreeSet<String> listed = new TreeSet<>();
    JsonNode getCanvas = null;
    for (JsonNode service : spec.path("services")) {
      String name = service.path("name").asText();
      assertThat(name).as("only Easel's services").startsWith("easel.");
      for (JsonNode method : service.path("methods")) {
        listed.add(name + "/" + method.path("name").asText());
        if ((name + "/" + method.path("name").asText()).equals("easel.v1.CanvasService/GetCanvas")
            && getCanvas == null) {
          getCanvas = method;
        }
      }
    }
    assertThat(listed).containsAll(everyRpc());
    assertThat(getCanvas).isNotNull();
    assertThat(getCanvas.path("exampleRequests").toString()).contains("my-canvas");
    assertThat(getCanvas.path("descriptionInfo").toString()).contains("Returns a canvas document");
    assertThat(spec.path("exampleHeaders").toString()).contains("authorization", "Bearer");

    // What the console's form sends: JSON to the gRPC path; the policy decides as for any call.
    var tried =
        send(
            "POST",
            "/easel.v1.UserService/GetMe",
            "{}",
            Map.of("authorization", "Bearer " + token));
    assertThat(tried.statusCode()).as(tried.body()).isEqualTo(200);
    assertThat(JSON.readTree(tried.body()).path("email").asText()).isEqualTo("faces@example.org");
    var untried = send("POST", "/easel.v1.UserService/GetMe", "{}", Map.of());
    assertThat(untried.statusCode()).isEqualTo(401);
    var notMine =
        send(
            "POST",
            "/easel.v1.CanvasService/GetCanvas",
            "{\"canvasId\":\"" + canvas(token, project, "Mine") + "\"}",
            Map.of("authorization", "Bearer " + Http.signUp(port, "console-stranger@example.org")));
    assertThat(notMine.statusCode()).isEqualTo(404);
  }

  @Test
  void openApiDocumentIsServed() throws Exception {
    var served = send("GET", "/openapi.json", null, Map.of());
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.headers().firstValue("content-type").orElse(""))
        .startsWith("application/json");
    JsonNode document = JSON.readTree(served.body());
    assertThat(document.path("openapi").asText()).startsWith("3.");
    int operations = 0;
    for (JsonNode path : document.path("paths")) operations += path.size();
    // every RPC but WatchProjectActivity, a stream served over gRPC and GraphQL only
    assertThat(operations).isEqualTo(everyRpc().size() - 1);
    assertThat(
            document.at("/paths/~1v1~1canvases~1{canvas_id}~1ops:stream/get/operationId").asText())
        .isEqualTo("CanvasService_StreamOps");
    assertThat(document.at("/components/schemas/easel.v1.Canvas/properties/version/type").asText())
        .isEqualTo("string");
  }
}
