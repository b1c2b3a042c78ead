package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.easel.api.v1.CanvasServiceGrpc;
import dev.easel.api.v1.CreateCanvasRequest;
import dev.easel.api.v1.CreateProjectRequest;
import dev.easel.api.v1.ProjectServiceGrpc;
import dev.easel.api.v1.UpdateProjectRequest;
import dev.easel.node.EaselNode;
import dev.easel.node.Http;
import dev.easel.node.TestNodes;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input on each face of one real node, whose request limit is set small ({@value #LIMIT} bytes,
 * {@code easel.http.max-request-size}): malformed JSON, unknown fields, wrong types, missing
 * required fields and bodies over the limit over REST and the plain HTTP routes; undecodable and
 * oversized messages over gRPC; broken frames over gRPC-Web; and malformed, invalid, too deep and
 * too costly requests over GraphQL. Each is refused with a 4xx (or the gRPC code), a stable reason
 * and the field at fault named, and nothing changes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIntegrationTest {
  static final int LIMIT = 64 * 1024;
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  EaselNode node;
  int port;
  String ada;
  String project;
  String canvas;
  String org;

  @BeforeAll
  void startANode(@TempDir Path dataDir) throws Exception {
    node =
        TestNodes.start(
            dataDir,
            Map.of(
                "easel.http.max-request-size",
                LIMIT + "B",
                "easel.graphql.max-depth",
                3,
                "easel.graphql.max-complexity",
                60));
    port = node.httpPort();
    ok(
        rest(
            "POST",
            "/v1/auth:register",
            json("email", "ada@example.org", "password", "ada's password", "displayName", "Ada"),
            null));
    ada =
        ok(rest(
                "POST",
                "/v1/auth:login",
                json("email", "ada@example.org", "password", "ada's password"),
                null))
            .path("accessToken")
            .asText();
    project =
        ok(rest("POST", "/v1/projects", json("name", "Kept"), ada)).path("projectId").asText();
    canvas =
        ok(rest("POST", "/v1/canvases", json("projectId", project, "title", "Kept"), ada))
            .path("canvasId")
            .asText();
    org = ok(rest("POST", "/v1/organizations", json("name", "Org"), ada)).path("orgId").asText();
  }

  @AfterAll
  void stopTheNode() {
    if (node != null) node.close();
  }

  // ---- REST -----------------------------------------------------------------------------------

  @Test
  void restRefusesMalformedJsonNamingWhereAndChangesNothing() throws Exception {
    String before = world();

    Refusal truncated = rest(rest("POST", "/v1/projects", "{\"name\": \"Changed\"", ada));
    truncated.is(400, "INVALID_ARGUMENT", "MALFORMED_JSON", "name");
    assertThat(truncated.message()).contains("line 1, column");
    rest(rest("PATCH", "/v1/projects/" + project, "{\"name\": Changed}", ada))
        .is(400, "INVALID_ARGUMENT", "MALFORMED_JSON", "name");
    rest(rest("POST", "/v1/canvases", "{\"projectId\": \"" + project + "\",", ada))
        .is(400, "INVALID_ARGUMENT", "MALFORMED_JSON", "projectId");

    // Trailing garbage after the object: nothing of it is read, and nothing is created.
    Refusal trailing =
        rest(rest("POST", "/v1/projects", json("name", "Changed") + " {\"name\": \"Two\"}", ada));
    trailing.is(400, "INVALID_ARGUMENT", "MALFORMED_JSON", null);
    assertThat(trailing.message()).contains("line 1, column");

    Refusal array = rest(rest("POST", "/v1/projects", "[{\"name\": \"Changed\"}]", ada));
    array.is(400, "INVALID_ARGUMENT", "WRONG_TYPE", null);
    assertThat(array.message()).contains("JSON object").contains("an array");
    rest(rest("POST", "/v1/auth:login", "\"ada@example.org\"", null))
        .is(400, "INVALID_ARGUMENT", "WRONG_TYPE", null);

    assertThat(world()).isEqualTo(before);
  }

  @Test
  void restRefusesUnknownFieldsAndWrongTypesNamingTheField() throws Exception {
    String before = world();

    Refusal unknown =
        rest(rest("POST", "/v1/projects", json("name", "Changed", "colour", "red"), ada));
    unknown.is(400, "INVALID_ARGUMENT", "UNKNOWN_FIELD", "colour");
    assertThat(unknown.message()).contains("colour is not a field of CreateProjectRequest");
    rest(rest(
            "PATCH",
            "/v1/projects/" + project,
            json("name", "Changed", "updateMask", "name", "mask", "name"),
            ada))
        .is(400, "INVALID_ARGUMENT", "UNKNOWN_FIELD", "mask");
    rest(rest("POST", "/v1/canvases", json("projectId", project, "tittle", "Changed"), ada))
        .is(400, "INVALID_ARGUMENT", "UNKNOWN_FIELD", "tittle");
    rest(rest(
            "POST",
            "/v1/auth:login",
            json("email", "ada@example.org", "password", "ada's password", "remember", "yes"),
            null))
        .is(400, "INVALID_ARGUMENT", "UNKNOWN_FIELD", "remember");

    // A number, an object, a string where something else belongs.
    Refusal number = rest(rest("POST", "/v1/projects", "{\"name\": 5}", ada));
    number.is(400, "INVALID_ARGUMENT", "WRONG_TYPE", "name");
    assertThat(number.message()).isEqualTo("name must be a string, not a number (5)");
    rest(rest("PATCH", "/v1/projects/" + project, "{\"name\": {\"text\": \"Changed\"}}", ada))
        .is(400, "INVALID_ARGUMENT", "WRONG_TYPE", "name");
    rest(rest(
            "PATCH", "/v1/projects/" + project, "{\"name\": \"Changed\", \"updateMask\": 5}", ada))
        .is(400, "INVALID_ARGUMENT", "WRONG_TYPE", "updateMask");
    rest(rest(
            "POST",
            "/v1/canvases/" + canvas + "/ops",
            "{\"version\": \"one\", \"op\": [{\"p\": [\"title\"], \"od\": \"Kept\", \"oi\": \"X\"}]}",
            ada))
        .is(400, "INVALID_ARGUMENT", "WRONG_TYPE", "version");
    rest(rest(
            "POST", "/v1/canvases/" + canvas + "/ops", "{\"version\": \"1\", \"op\": \"x\"}", ada))
        .is(400, "INVALID_ARGUMENT", "WRONG_TYPE", "op");
    rest(rest("POST", "/v1/canvases", "{\"projectId\": [\"" + project + "\"]}", ada))
        .is(400, "INVALID_ARGUMENT", "WRONG_TYPE", "projectId");
    rest(rest(
            "POST",
            "/v1/organizations/" + org + "/members",
            "{\"email\": \"ada@example.org\", \"admin\": \"perhaps\"}",
            ada))
        .is(400, "INVALID_ARGUMENT", "WRONG_TYPE", "admin");
    rest(rest("POST", "/v1/auth:login", "{\"email\": true, \"password\": \"x\"}", null))
        .is(400, "INVALID_ARGUMENT", "WRONG_TYPE", "email");
    rest(rest("GET", "/v1/projects?pageSize=many", null, ada))
        .is(400, "INVALID_ARGUMENT", "WRONG_TYPE", "pageSize");

    assertThat(world()).isEqualTo(before);
  }

  @Test
  void restRefusesMissingRequiredFieldsNamingThem() throws Exception {
    String before = world();
    rest(rest("POST", "/v1/projects", "{}", ada))
        .is(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "name");
    rest(rest("POST", "/v1/canvases", json("title", "Orphan"), ada))
        .is(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "projectId");
    rest(rest("POST", "/v1/auth:login", json("email", "ada@example.org"), null))
        .is(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "password");
    rest(rest("POST", "/v1/auth:login", json("password", "ada's password"), null))
        .is(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "email");
    assertThat(world()).isEqualTo(before);
  }

  @Test
  void restRefusesABodyOverTheLimitWith413NamingIt() throws Exception {
    String before = world();
    String huge = "x".repeat(LIMIT + 1);
    for (HttpResponse<String> response :
        List.of(
            rest("POST", "/v1/projects", json("name", huge), ada),
            rest("PATCH", "/v1/projects/" + project, json("name", huge), ada),
            rest("POST", "/v1/canvases", json("projectId", project, "title", huge), ada),
            restChunked("POST", "/v1/projects", json("name", huge), ada))) {
      Refusal tooLarge = rest(response);
      tooLarge.is(413, "RESOURCE_EXHAUSTED", "REQUEST_TOO_LARGE", null);
      assertThat(tooLarge.message()).contains("64 KiB").contains("easel.http.max-request-size");
      assertThat(tooLarge.metadata()).containsEntry("limit", Integer.toString(LIMIT));
    }
    assertThat(world()).isEqualTo(before);
  }

  // ---- plain HTTP routes ----------------------------------------------------------------------

  @Test
  void plainRoutesAnswerInTheSameErrorShapeNamingTheField() throws Exception {
    String before = world();
    String login = "/v1/auth/browser/login";
    rest(rest("POST", login, "{\"email\": \"ada@example.org\", \"password\":", null))
        .is(400, "INVALID_ARGUMENT", "MALFORMED_JSON", "password");
    rest(rest("POST", login, "[\"ada@example.org\"]", null))
        .is(400, "INVALID_ARGUMENT", "WRONG_TYPE", null);
    rest(rest(
            "POST",
            login,
            json("email", "ada@example.org", "password", "ada's password", "stay", "yes"),
            null))
        .is(400, "INVALID_ARGUMENT", "UNKNOWN_FIELD", "stay");
    rest(rest("POST", login, "{\"email\": \"ada@example.org\", \"password\": 5}", null))
        .is(400, "INVALID_ARGUMENT", "WRONG_TYPE", "password");
    rest(rest("POST", login, json("email", "ada@example.org"), null))
        .is(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "password");
    // Its own limit, named as it is.
    String huge = json("email", "ada@example.org", "password", "x".repeat(20_000));
    for (HttpResponse<String> response :
        List.of(rest("POST", login, huge, null), restChunked("POST", login, huge, null))) {
      Refusal tooLarge = rest(response);
      tooLarge.is(413, "RESOURCE_EXHAUSTED", "REQUEST_TOO_LARGE", null);
      assertThat(tooLarge.message()).contains("16 KiB");
      assertThat(tooLarge.metadata()).containsEntry("limit", "16384");
    }
    HttpResponse<String> form =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + login))
                .POST(HttpRequest.BodyPublishers.ofString("email=ada@example.org"))
                .header("content-type", "application/x-www-form-urlencoded")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(form.statusCode()).isEqualTo(415);
    assertThat(rest(form).reason()).isEqualTo("UNSUPPORTED_MEDIA_TYPE");

    // Refusals without a field have the same shape: the CSRF check, an unknown provider.
    Refusal csrf =
        rest(
            rest(
                "POST",
                "/v1/projects",
                json("name", "Changed"),
                null,
                "cookie",
                "easel_access=x",
                "origin",
                "https://evil.example"));
    csrf.is(403, "PERMISSION_DENIED", "PERMISSION_DENIED", null);
    rest(rest("GET", "/v1/auth/oidc/nowhere/start", null, null))
        .is(404, "NOT_FOUND", "NOT_FOUND", null);
    assertThat(world()).isEqualTo(before);
  }

  // ---- gRPC -----------------------------------------------------------------------------------

  @Test
  void grpcRefusesUndecodableOversizedAndIncompleteMessages() throws Exception {
    String before = world();
    var projects =
        GrpcClients.builder("http://127.0.0.1:" + port)
            .addHeader("authorization", "Bearer " + ada)
            .responseTimeoutMillis(30_000)
            .build(ProjectServiceGrpc.ProjectServiceBlockingStub.class);

    // Bytes that are no CreateProjectRequest: field 1 says 100 bytes follow, 3 do.
    Refusal garbage =
        grpc(
            () ->
                ClientCalls.blockingUnaryCall(
                    projects.getChannel(),
                    rawMethod(ProjectServiceGrpc.getCreateProjectMethod()),
                    CallOptions.DEFAULT,
                    new byte[] {0x0a, 100, 'a', 'b', 'c'}));
    garbage.is(0, "INVALID_ARGUMENT", "MALFORMED_MESSAGE", null);
    assertThat(garbage.message()).contains("not valid protobuf");

    Refusal tooLarge =
        grpc(
            () ->
                projects.createProject(
                    CreateProjectRequest.newBuilder().setName("x".repeat(LIMIT + 1)).build()));
    tooLarge.is(0, "RESOURCE_EXHAUSTED", "REQUEST_TOO_LARGE", null);
    assertThat(tooLarge.message()).contains("64 KiB");

    grpc(() -> projects.createProject(CreateProjectRequest.getDefaultInstance()))
        .is(0, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "name");
    grpc(() ->
            projects.updateProject(
                UpdateProjectRequest.newBuilder()
                    .setProjectId(project)
                    .setUpdateMask(com.google.protobuf.FieldMask.newBuilder().addPaths("name"))
                    .build()))
        .is(0, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "name");
    var canvases =
        GrpcClients.builder("http://127.0.0.1:" + port)
            .addHeader("authorization", "Bearer " + ada)
            .build(CanvasServiceGrpc.CanvasServiceBlockingStub.class);
    grpc(() -> canvases.createCanvas(CreateCanvasRequest.newBuilder().setTitle("Orphan").build()))
        .is(0, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "projectId");

    assertThat(world()).isEqualTo(before);
  }

  // ---- gRPC-Web -------------------------------------------------------------------------------

  @Test
  void grpcWebRefusesBrokenFramesWithoutHangingOr500() throws Exception {
    String before = world();
    String path = "/easel.v1.ProjectService/CreateProject";
    byte[] message = CreateProjectRequest.newBuilder().setName("Changed").build().toByteArray();

    // The length prefix says more than the body holds.
    Refusal cut = grpcWeb(path, frame(message, message.length + 100), false);
    cut.is(200, "INVALID_ARGUMENT", "MALFORMED_FRAME", null);
    assertThat(cut.message())
        .contains("announces a message of " + (message.length + 100) + " bytes");
    // Not even a whole prefix; no frame at all.
    grpcWeb(path, new byte[] {0, 0, 0}, false).is(200, "INVALID_ARGUMENT", "MALFORMED_FRAME", null);
    grpcWeb(path, new byte[0], false).is(200, "INVALID_ARGUMENT", "MALFORMED_FRAME", null);
    // Two frames for a call that takes one message; reserved flag bits; compressed without saying.
    byte[] whole = frame(message, message.length);
    byte[] twice = ByteBuffer.allocate(2 * whole.length).put(whole).put(whole).array();
    grpcWeb(path, twice, false).is(200, "INVALID_ARGUMENT", "MALFORMED_FRAME", null);
    byte[] flagged = whole.clone();
    flagged[0] = 0x40;
    grpcWeb(path, flagged, false).is(200, "INVALID_ARGUMENT", "MALFORMED_FRAME", null);
    flagged[0] = 0x01;
    grpcWeb(path, flagged, false).is(200, "INVALID_ARGUMENT", "MALFORMED_FRAME", null);
    // Text mode whose body is not base64; and a cut frame that is.
    grpcWeb(path, "%%% not base64 %%%".getBytes(StandardCharsets.US_ASCII), true)
        .is(200, "INVALID_ARGUMENT", "MALFORMED_FRAME", null);
    grpcWeb(path, Base64.getEncoder().encode(frame(message, message.length + 1)), true)
        .is(200, "INVALID_ARGUMENT", "MALFORMED_FRAME", null);
    // A whole frame of bytes that are no message.
    grpcWeb(path, frame(new byte[] {0x0a, 100, 'a'}, 3), false)
        .is(200, "INVALID_ARGUMENT", "MALFORMED_MESSAGE", null);
    // A server stream takes one message too: a cut one is refused, the stream never starts.
    grpcWeb("/easel.v1.CanvasService/StreamOps", new byte[] {0, 0, 0, 0, 9, 0x0a}, false)
        .is(200, "INVALID_ARGUMENT", "MALFORMED_FRAME", null);
    // A frame over the limit: refused by its announced length, the rest not read.
    byte[] big = CreateProjectRequest.newBuilder().setName("x".repeat(LIMIT)).build().toByteArray();
    Refusal tooLarge = grpcWeb(path, frame(big, big.length), false);
    tooLarge.is(200, "RESOURCE_EXHAUSTED", "REQUEST_TOO_LARGE", null);
    assertThat(tooLarge.message()).contains("64 KiB");
    // A well-formed message missing its required field: the field named, as over gRPC.
    grpcWeb(path, frame(new byte[0], 0), false)
        .is(200, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "name");

    assertThat(world()).isEqualTo(before);
  }

  // ---- GraphQL --------------------------------------------------------------------------------

  @Test
  void graphqlRefusesBadRequestsNamingTheFieldAndChangesNothing() throws Exception {
    String before = world();
    String rename = "renameProject(projectId: \"" + project + "\", name: \"Changed\")";

    Refusal notJson = graphql("{\"query\": \"mutation { " + rename.replace("\"", "\\\""));
    notJson.is(400, "INVALID_ARGUMENT", "MALFORMED_JSON", "query");
    assertThat(notJson.message()).contains("line 1, column");
    graphql(JSON.writeValueAsString(Map.of("query", List.of("{ viewer { email } }"))))
        .is(400, "INVALID_ARGUMENT", "MALFORMED_REQUEST", "query");
    graphql("{\"query\": \"{ viewer { email } }\", \"variables\": [1]}")
        .is(400, "INVALID_ARGUMENT", "MALFORMED_REQUEST", "variables");

    Refusal syntax = graphql(query("mutation { " + rename));
    syntax.is(400, "INVALID_ARGUMENT", "MALFORMED_QUERY", null);
    assertThat(syntax.message()).contains("line 1");

    graphql(query("mutation { " + rename + " { name colour } }"))
        .is(400, "INVALID_ARGUMENT", "UNKNOWN_FIELD", "renameProject.colour");
    graphql(
            query(
                "mutation { renameProject(projectId: \""
                    + project
                    + "\", name: \"Changed\", colour: \"red\") { name } }"))
        .is(400, "INVALID_ARGUMENT", "UNKNOWN_ARGUMENT", "renameProject(colour:)");
    graphql(query("mutation { renameProject(projectId: \"" + project + "\", name: 5) { name } }"))
        .is(400, "INVALID_ARGUMENT", "WRONG_TYPE", "renameProject(name:)");
    graphql(query("mutation { renameProject(projectId: \"" + project + "\") { name } }"))
        .is(400, "INVALID_ARGUMENT", "MISSING_ARGUMENT", "renameProject(name:)");
    String renameTo =
        "mutation($name: String!) { renameProject(projectId: \""
            + project
            + "\", name: $name) { name } }";
    graphql(query(renameTo, Map.of("name", Map.of("text", "Changed"))))
        .is(400, "INVALID_ARGUMENT", "WRONG_TYPE", "variables.name");
    graphql(query(renameTo, Map.of()))
        .is(400, "INVALID_ARGUMENT", "MISSING_ARGUMENT", "variables.name");
    graphql(
            query(
                "mutation($v: Int64!) { submitOp(canvasId: \""
                    + canvas
                    + "\", version: $v, op: []) { version } }",
                Map.of("v", "seven")))
        .is(400, "INVALID_ARGUMENT", "WRONG_TYPE", "variables.v");

    Refusal deep =
        graphql(
            query("{ project(projectId: \"" + project + "\") { canvases { canvas { title } } } }"));
    deep.is(400, "INVALID_ARGUMENT", "QUERY_TOO_DEEP", "project.canvases.canvas.title");
    assertThat(deep.metadata()).containsEntry("limit", "3");
    Refusal costly =
        graphql(
            query(
                "{ a: viewer { email } b: viewer { email } c: viewer { email } d: viewer { email }"
                    + " e: viewer { email } f: viewer { email } }"));
    costly.is(400, "INVALID_ARGUMENT", "QUERY_TOO_COMPLEX", null);
    assertThat(costly.metadata()).containsEntry("limit", "60");
    assertThat(costly.message()).contains("easel.graphql.max-complexity");

    String huge =
        JSON.writeValueAsString(
            Map.of(
                "query",
                "mutation { " + rename + " { name } }",
                "variables",
                Map.of("pad", "x".repeat(LIMIT))));
    Refusal tooLarge = graphql(huge);
    tooLarge.is(413, "RESOURCE_EXHAUSTED", "REQUEST_TOO_LARGE", null);
    assertThat(tooLarge.message()).contains("64 KiB");

    assertThat(world()).isEqualTo(before);
  }

  // ---- what the node holds --------------------------------------------------------------------

  /** What the writes above could have changed: the projects, the project, canvas, organization. */
  String world() throws Exception {
    return ok(rest("GET", "/v1/projects", null, ada)).toString()
        + ok(rest("GET", "/v1/projects/" + project, null, ada))
        + ok(rest("GET", "/v1/canvases/" + canvas, null, ada))
        + ok(rest("GET", "/v1/canvases", null, ada))
        + ok(rest("GET", "/v1/organizations/" + org, null, ada));
  }

  // ---- refusals, as every face says them ------------------------------------------------------

  /**
   * A refusal: its HTTP status (0 for gRPC), gRPC code name, {@code ErrorInfo} reason and metadata,
   * the fields its {@code BadRequest} names, and its message.
   */
  record Refusal(
      int status,
      String code,
      String reason,
      List<String> fields,
      Map<String, String> metadata,
      String message,
      String raw) {
    /** Asserts the status, code, reason and the one field named (none when null). */
    void is(int status, String code, String reason, String field) {
      assertThat(this.status).as(raw).isEqualTo(status);
      assertThat(this.code).as(raw).isEqualTo(code);
      assertThat(this.reason).as(raw).isEqualTo(reason);
      if (field == null) assertThat(fields).as(raw).isEmpty();
      else assertThat(fields).as(raw).containsExactly(field);
      assertThat(message).as(raw).isNotBlank();
    }
  }

  /** The REST error body ({@code google.rpc.Status} as JSON) of a refused HTTP request. */
  static Refusal rest(HttpResponse<String> response) throws Exception {
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("code").isInt()).as("a google.rpc.Status: %s", response.body()).isTrue();
    assertThat(response.headers().firstValue("content-type").orElse(""))
        .startsWith("application/json");
    String reason = null;
    List<String> fields = new ArrayList<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (JsonNode detail : body.path("details")) {
      String type = detail.path("@type").asText();
      if (type.endsWith("google.rpc.ErrorInfo")) {
        reason = detail.path("reason").asText();
        detail
            .path("metadata")
            .properties()
            .forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
      }
      if (type.endsWith("google.rpc.BadRequest")) {
        for (JsonNode violation : detail.path("fieldViolations")) {
          fields.add(violation.path("field").asText());
          assertThat(violation.path("description").asText()).isNotBlank();
        }
      }
    }
    String code = Status.fromCodeValue(body.path("code").asInt()).getCode().name();
    assertThat(body.path("grpc-code").asText()).as(response.body()).isEqualTo(code);
    return new Refusal(
        response.statusCode(),
        code,
        reason,
        fields,
        metadata,
        body.path("message").asText(),
        response.body());
  }

  static Refusal grpc(Runnable call) throws Exception {
    StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, call::run);
    assertThat(refused).as("a refusal").isNotNull();
    com.google.rpc.Status status = StatusProto.fromThrowable(refused);
    assertThat(status).as("google.rpc.Status details of %s", refused).isNotNull();
    return fromStatus(0, status, refused.toString());
  }

  static Refusal fromStatus(int httpStatus, com.google.rpc.Status status, String raw)
      throws InvalidProtocolBufferException {
    String reason = null;
    List<String> fields = new ArrayList<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Any detail : status.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        ErrorInfo info = detail.unpack(ErrorInfo.class);
        reason = info.getReason();
        metadata.putAll(info.getMetadataMap());
      }
      if (detail.is(BadRequest.class)) {
        detail
            .unpack(BadRequest.class)
            .getFieldViolationsList()
            .forEach(violation -> fields.add(violation.getField()));
      }
    }
    return new Refusal(
        httpStatus,
        Status.fromCodeValue(status.getCode()).getCode().name(),
        reason,
        fields,
        metadata,
        status.getMessage(),
        raw);
  }

  /** A method of the API that sends and receives raw bytes, whatever they are. */
  static MethodDescriptor<byte[], byte[]> rawMethod(MethodDescriptor<?, ?> method) {
    return method.toBuilder(
            AccessMatrixIntegrationTest.ANSWERS, AccessMatrixIntegrationTest.ANSWERS)
        .build();
  }

  /** A gRPC-Web frame of {@code message} whose prefix announces {@code length} bytes. */
  static byte[] frame(byte[] message, int length) {
    return ByteBuffer.allocate(5 + message.length)
        .put((byte) 0)
        .putInt(length)
        .put(message)
        .array();
  }

  /**
   * Posts {@code body} as gRPC-Web (binary, or text: base64 as sent) and reads the status from the
   * headers of a trailers-only answer or from the trailer frame of the body.
   */
  Refusal grpcWeb(String path, byte[] body, boolean text) throws Exception {
    HttpResponse<byte[]> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header(
                    "content-type",
                    text ? "application/grpc-web-text+proto" : "application/grpc-web+proto")
                .header("x-grpc-web", "1")
                .header("authorization", "Bearer " + ada)
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    Map<String, String> trailers = new LinkedHashMap<>();
    response
        .headers()
        .map()
        .forEach((name, values) -> trailers.put(name.toLowerCase(), values.get(0)));
    byte[] answer = response.body();
    if (text && answer.length > 0) answer = Base64.getDecoder().decode(answer);
    ByteBuffer frames = ByteBuffer.wrap(answer);
    while (frames.remaining() >= 5) {
      byte flags = frames.get();
      byte[] payload = new byte[frames.getInt()];
      frames.get(payload);
      if ((flags & 0x80) != 0) {
        for (String line : new String(payload, StandardCharsets.UTF_8).split("\r\n")) {
          int colon = line.indexOf(':');
          if (colon > 0) {
            trailers.put(
                line.substring(0, colon).strip().toLowerCase(), line.substring(colon + 1).strip());
          }
        }
      }
    }
    String raw = response.statusCode() + " " + trailers;
    assertThat(trailers).as(raw).containsKey("grpc-status-details-bin");
    com.google.rpc.Status status =
        com.google.rpc.Status.parseFrom(
            Base64.getDecoder().decode(trailers.get("grpc-status-details-bin")));
    assertThat(trailers.get("grpc-status")).as(raw).isEqualTo(Integer.toString(status.getCode()));
    return fromStatus(response.statusCode(), status, raw);
  }

  /** Posts a GraphQL request body as JSON, signed in as Ada. */
  Refusal graphql(String body) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/graphql"))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "application/json")
                .header("authorization", "Bearer " + ada)
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode answer = JSON.readTree(response.body());
    assertThat(answer.has("data")).as(response.body()).isFalse();
    assertThat(answer.path("errors").size()).as(response.body()).isEqualTo(1);
    JsonNode error = answer.path("errors").path(0);
    JsonNode extensions = error.path("extensions");
    List<String> fields = new ArrayList<>();
    for (JsonNode violation : extensions.path("fieldViolations")) {
      fields.add(violation.path("field").asText());
      assertThat(violation.path("description").asText()).isNotBlank();
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    extensions
        .path("metadata")
        .properties()
        .forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
    return new Refusal(
        response.statusCode(),
        extensions.path("code").asText(),
        extensions.path("reason").asText(),
        fields,
        metadata,
        error.path("message").asText(),
        response.body());
  }

  /** A GraphQL request body of {@code query}. */
  static String query(String query) throws Exception {
    return JSON.writeValueAsString(Map.of("query", query));
  }

  /** A GraphQL request body of {@code query} with {@code variables}. */
  static String query(String query, Map<String, Object> variables) throws Exception {
    return JSON.writeValueAsString(Map.of("query", query, "variables", variables));
  }

  // ---- clients --------------------------------------------------------------------------------

  HttpResponse<String> rest(
      String method, String path, String body, String token, String... headers) throws Exception {
    return Http.send(port, method, path, body, token, headers);
  }

  /** As {@link #rest}, streamed without a length (chunked). */
  HttpResponse<String> restChunked(String method, String path, String body, String token)
      throws Exception {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
            .header("content-type", "application/json");
    if (token != null) request.header("authorization", "Bearer " + token);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode ok(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  static String json(String... pairs) {
    ObjectNode object = JSON.createObjectNode();
    for (int i = 0; i < pairs.length; i += 2) object.put(pairs[i], pairs[i + 1]);
    return object.toString();
  }
}
