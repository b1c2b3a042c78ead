package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.FieldMask;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.easel.api.v1.ApiKeyServiceGrpc;
import dev.easel.api.v1.AuthServiceGrpc;
import dev.easel.api.v1.CreateApiKeyRequest;
import dev.easel.api.v1.CreateInvitationRequest;
import dev.easel.api.v1.CreateProjectRequest;
import dev.easel.api.v1.GetMeRequest;
import dev.easel.api.v1.GetProjectRequest;
import dev.easel.api.v1.Project;
import dev.easel.api.v1.ProjectServiceGrpc;
import dev.easel.api.v1.RegisterRequest;
import dev.easel.api.v1.UpdateMeRequest;
import dev.easel.api.v1.UpdateProjectRequest;
import dev.easel.api.v1.User;
import dev.easel.api.v1.UserServiceGrpc;
import dev.easel.node.EaselNode;
import dev.easel.node.Http;
import dev.easel.node.TestNodes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API's conventions, after Google's API design guide, against one real node over REST (the JDK
 * client) and gRPC (Armeria's client): errors are {@code google.rpc.Status} whose {@code
 * BadRequest} names the field at fault on both faces; malformed JSON, unknown fields and wrong
 * types are refused naming the field and change nothing; a request over {@code
 * easel.http.max-request-size} is refused naming the limit; PATCH with an update mask changes only
 * the masked fields; a stale etag (in the body or as If-Match) is ABORTED / 409 and changes
 * nothing, also when the updates race; and each code the API answers has the HTTP status of {@link
 * StatusCodes}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiConventionsIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  EaselNode node;
  int port;
  String ada;
  String bob;

  @BeforeAll
  void startANode(@TempDir Path dataDir) throws Exception {
    node = TestNodes.start(dataDir);
    port = node.httpPort();
    ada = signUp("ada@example.org", "Ada");
    bob = signUp("bob@example.org", "Bob");
  }

  @AfterAll
  void stopTheNode() {
    if (node != null) node.close();
  }

  // ---- clients --------------------------------------------------------------------------------

  HttpResponse<String> rest(
      String method, String path, String body, String token, String... headers) throws Exception {
    return Http.send(port, method, path, body, token, headers);
  }

  JsonNode ok(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  String signUp(String email, String name) throws Exception {
    String password = "a password of " + name;
    ok(
        rest(
            "POST",
            "/v1/auth:register",
            json("email", email, "password", password, "displayName", name),
            null));
    return ok(rest("POST", "/v1/auth:login", json("email", email, "password", password), null))
        .path("accessToken")
        .asText();
  }

  static String json(String... pairs) {
    ObjectNode object = JSON.createObjectNode();
    for (int i = 0; i < pairs.length; i += 2) object.put(pairs[i], pairs[i + 1]);
    return object.toString();
  }

  String project(String token, String name) throws Exception {
    return ok(rest("POST", "/v1/projects", json("name", name), token)).path("projectId").asText();
  }

  <T extends io.grpc.stub.AbstractStub<T>> T grpc(Class<T> stub, String token) {
    var builder = GrpcClients.builder("http://127.0.0.1:" + port).responseTimeoutMillis(60_000);
    if (token != null) builder.addHeader("authorization", "Bearer " + token);
    return builder.build(stub);
  }

  // ---- what errors say ------------------------------------------------------------------------

  /** A REST error: its status, and its body's code, reason and field violations. */
  record RestError(
      int httpStatus, Status.Code code, String reason, List<String> fields, JsonNode body) {}

  static RestError restError(HttpResponse<String> response) throws Exception {
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("code").isInt()).as("a google.rpc.Status body: %s", body).isTrue();
    String reason = null;
    List<String> fields = new ArrayList<>();
    for (JsonNode detail : body.path("details")) {
      String type = detail.path("@type").asText();
      if (type.endsWith("google.rpc.ErrorInfo")) reason = detail.path("reason").asText();
      if (type.endsWith("google.rpc.BadRequest")) {
        for (JsonNode violation : detail.path("fieldViolations")) {
          fields.add(violation.path("field").asText());
          assertThat(violation.path("description").asText()).isNotBlank();
        }
      }
    }
    return new RestError(
        response.statusCode(),
        Status.fromCodeValue(body.path("code").asInt()).getCode(),
        reason,
        fields,
        body);
  }

  /** A refused REST call: the code, with the HTTP status of the table, and what it names. */
  static RestError refused(HttpResponse<String> response, Status.Code code) throws Exception {
    RestError error = restError(response);
    assertThat(error.code()).as(response.body()).isEqualTo(code);
    assertThat(error.httpStatus())
        .as(response.body())
        .isEqualTo(StatusCodes.httpStatus(code).code());
    return error;
  }

  static ErrorInfo errorInfo(StatusRuntimeException e) throws Exception {
    for (Any detail : StatusProto.fromThrowable(e).getDetailsList()) {
      if (detail.is(ErrorInfo.class)) return detail.unpack(ErrorInfo.class);
    }
    throw new AssertionError("no ErrorInfo in " + e);
  }

  static List<String> violatedFields(StatusRuntimeException e) throws Exception {
    List<String> fields = new ArrayList<>();
    for (Any detail : StatusProto.fromThrowable(e).getDetailsList()) {
      if (detail.is(BadRequest.class)) {
        detail
            .unpack(BadRequest.class)
            .getFieldViolationsList()
            .forEach(v -> fields.add(v.getField()));
      }
    }
    return fields;
  }

  static StatusRuntimeException grpcRefused(Runnable call, Status.Code code) {
    StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, call::run);
    assertThat(refused).as("a refusal").isNotNull();
    assertThat(refused.getStatus().getCode()).as(refused.toString()).isEqualTo(code);
    return refused;
  }

  // ---- field violations -----------------------------------------------------------------------

  @Test
  void aRefusedFieldIsNamedOverRestAndGrpc() throws Exception {
    RestError email =
        refused(
            rest(
                "POST",
                "/v1/auth:register",
                json(
                    "email",
                    "not-an-address",
                    "password",
                    "long enough password",
                    "displayName",
                    "X"),
                null),
            Status.Code.INVALID_ARGUMENT);
    assertThat(email.fields()).containsExactly("email");
    assertThat(email.reason()).isEqualTo("INVALID_ARGUMENT");
    StatusRuntimeException grpcEmail =
        grpcRefused(
            () ->
                grpc(AuthServiceGrpc.AuthServiceBlockingStub.class, null)
                    .register(
                        RegisterRequest.newBuilder()
                            .setEmail("not-an-address")
                            .setPassword("long enough password")
                            .setDisplayName("X")
                            .build()),
            Status.Code.INVALID_ARGUMENT);
    assertThat(violatedFields(grpcEmail)).containsExactly("email");
    assertThat(grpcEmail.getStatus().getDescription())
        .isEqualTo(email.body().path("message").asText());

    assertThat(
            refused(
                    rest("PATCH", "/v1/users/me", json("avatarUrl", "http://x.example/a.png"), ada),
                    Status.Code.INVALID_ARGUMENT)
                .fields())
        .containsExactly("avatarUrl");
    assertThat(
            violatedFields(
                grpcRefused(
                    () ->
                        grpc(UserServiceGrpc.UserServiceBlockingStub.class, ada)
                            .updateMe(UpdateMeRequest.newBuilder().setDisplayName(" ").build()),
                    Status.Code.INVALID_ARGUMENT)))
        .containsExactly("displayName");
    assertThat(
            refused(
                    rest("GET", "/v1/users/me/securityLog?pageToken=not-a-token", null, ada),
                    Status.Code.INVALID_ARGUMENT)
                .fields())
        .containsExactly("pageToken");
    String project = project(ada, "Violations");
    assertThat(
            refused(
                    rest(
                        "POST",
                        "/v1/projects/" + project + "/members",
                        json("email", "bob@example.org", "role", "boss"),
                        ada),
                    Status.Code.INVALID_ARGUMENT)
                .fields())
        .containsExactly("role");
    assertThat(
            violatedFields(
                grpcRefused(
                    () ->
                        grpc(ProjectServiceGrpc.ProjectServiceBlockingStub.class, ada)
                            .createInvitation(
                                CreateInvitationRequest.newBuilder()
                                    .setProjectId(project)
                                    .setEmail("nobody")
                                    .setRole("viewer")
                                    .build()),
                    Status.Code.INVALID_ARGUMENT)))
        .containsExactly("email");
    assertThat(
            violatedFields(
                grpcRefused(
                    () ->
                        grpc(ApiKeyServiceGrpc.ApiKeyServiceBlockingStub.class, ada)
                            .createApiKey(
                                CreateApiKeyRequest.newBuilder()
                                    .setName("k")
                                    .addScopes("root")
                                    .build()),
                    Status.Code.INVALID_ARGUMENT)))
        .containsExactly("scopes");
    assertThat(
            refused(
                    rest("GET", "/v1/projects/" + project + "/activity?pageSize=999", null, ada),
                    Status.Code.INVALID_ARGUMENT)
                .fields())
        .containsExactly("pageSize");
  }

  // ---- bad input ------------------------------------------------------------------------------

  @Test
  void malformedJsonUnknownFieldsAndWrongTypesAreRefusedNamingTheFieldAndChangeNothing()
      throws Exception {
    String before = ok(rest("GET", "/v1/users/me", null, ada)).toString();

    RestError cut =
        refused(
            rest("PATCH", "/v1/users/me", "{\"displayName\": \"Eve\"", ada),
            Status.Code.INVALID_ARGUMENT);
    assertThat(cut.reason()).isEqualTo("MALFORMED_JSON");
    assertThat(cut.body().path("message").asText()).contains("not valid JSON at line 1, column");
    RestError inField =
        refused(
            rest("PATCH", "/v1/users/me", "{\"displayName\": Eve}", ada),
            Status.Code.INVALID_ARGUMENT);
    assertThat(inField.fields()).containsExactly("displayName");

    RestError unknown =
        refused(
            rest("PATCH", "/v1/users/me", json("displayName", "Eve", "nickname", "E"), ada),
            Status.Code.INVALID_ARGUMENT);
    assertThat(unknown.reason()).isEqualTo("UNKNOWN_FIELD");
    assertThat(unknown.fields()).containsExactly("nickname");
    assertThat(unknown.body().path("message").asText())
        .contains("nickname is not a field of UpdateMeRequest");

    RestError wrongType =
        refused(
            rest("PATCH", "/v1/users/me", "{\"displayName\": 5}", ada),
            Status.Code.INVALID_ARGUMENT);
    assertThat(wrongType.reason()).isEqualTo("WRONG_TYPE");
    assertThat(wrongType.fields()).containsExactly("displayName");
    assertThat(wrongType.body().path("message").asText())
        .isEqualTo("displayName must be a string, not a number (5)");

    RestError notAnObject =
        refused(rest("PATCH", "/v1/users/me", "[1]", ada), Status.Code.INVALID_ARGUMENT);
    assertThat(notAnObject.body().path("message").asText()).contains("JSON object");

    RestError query =
        refused(
            rest("GET", "/v1/users/me/securityLog?pageSize=many", null, ada),
            Status.Code.INVALID_ARGUMENT);
    assertThat(query.fields()).containsExactly("pageSize");
    RestError unknownQuery =
        refused(
            rest("GET", "/v1/users/me/securityLog?pagesize=20", null, ada),
            Status.Code.INVALID_ARGUMENT);
    assertThat(unknownQuery.reason()).isEqualTo("UNKNOWN_FIELD");
    assertThat(unknownQuery.fields()).containsExactly("pagesize");

    HttpResponse<String> asText =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/users/me"))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("displayName=Eve"))
                .header("content-type", "text/plain")
                .header("authorization", "Bearer " + ada)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(asText.statusCode()).as(asText.body()).isEqualTo(415);
    assertThat(restError(asText).code()).isEqualTo(Status.Code.INVALID_ARGUMENT);

    // Unframed JSON at the gRPC path (what the console sends) is read as strictly.
    HttpResponse<String> unframed =
        rest(
            "POST",
            "/easel.v1.UserService/UpdateMe",
            json("displayName", "Eve", "display", "x"),
            ada);
    assertThat(unframed.statusCode()).as(unframed.body()).isEqualTo(400);
    assertThat(restError(unframed).fields()).containsExactly("display");

    assertThat(ok(rest("GET", "/v1/users/me", null, ada)).toString()).isEqualTo(before);
  }

  // ---- size -----------------------------------------------------------------------------------

  @Test
  void aRequestOverTheSizeLimitIsRefusedNamingTheLimit() throws Exception {
    int projectsBefore = ok(rest("GET", "/v1/projects", null, bob)).path("projects").size();
    String huge = "x".repeat(17 * 1024 * 1024);

    HttpResponse<String> rest = rest("POST", "/v1/projects", json("name", huge), bob);
    assertThat(rest.statusCode()).as(rest.body()).isEqualTo(413);
    RestError tooLarge = restError(rest);
    assertThat(tooLarge.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(tooLarge.reason()).isEqualTo("REQUEST_TOO_LARGE");
    assertThat(tooLarge.body().path("message").asText())
        .contains("16 MiB")
        .contains("easel.http.max-request-size");

    // Streamed without a length (chunked), the body is refused the same way once past the limit.
    byte[] hugeBody = json("name", huge).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    HttpResponse<String> chunked =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/projects"))
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(hugeBody)))
                .header("content-type", "application/json")
                .header("authorization", "Bearer " + bob)
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(chunked.statusCode()).as(chunked.body()).isEqualTo(413);
    assertThat(restError(chunked).reason()).isEqualTo("REQUEST_TOO_LARGE");

    StatusRuntimeException grpc =
        grpcRefused(
            () ->
                grpc(ProjectServiceGrpc.ProjectServiceBlockingStub.class, bob)
                    .createProject(CreateProjectRequest.newBuilder().setName(huge).build()),
            Status.Code.RESOURCE_EXHAUSTED);
    assertThat(grpc.getStatus().getDescription()).contains("16 MiB");
    assertThat(errorInfo(grpc).getReason()).isEqualTo("REQUEST_TOO_LARGE");
    assertThat(errorInfo(grpc).getMetadataMap()).containsEntry("limit", "16777216");

    // Under the limit (though over Armeria's own default of 10 MiB), the request is read, and
    // answered on its merits.
    String large = "x".repeat(12 * 1024 * 1024);
    assertThat(
            refused(
                    rest("POST", "/v1/projects", json("name", large), bob),
                    Status.Code.INVALID_ARGUMENT)
                .fields())
        .containsExactly("name");

    assertThat(ok(rest("GET", "/v1/projects", null, bob)).path("projects").size())
        .isEqualTo(projectsBefore);
  }

  // ---- update masks ---------------------------------------------------------------------------

  @Test
  void patchWithAnUpdateMaskChangesOnlyTheMaskedFields() throws Exception {
    String carol = signUp("carol@example.org", "Carol");
    JsonNode both =
        ok(
            rest(
                "PATCH",
                "/v1/users/me",
                json("displayName", "Carol M.", "avatarUrl", "https://cdn.example/c.png"),
                carol));
    assertThat(both.path("displayName").asText()).isEqualTo("Carol M.");
    assertThat(both.path("avatarUrl").asText()).isEqualTo("https://cdn.example/c.png");

    // Only the avatar is masked: it is cleared (left out), the name sent is ignored.
    JsonNode masked =
        ok(
            rest(
                "PATCH",
                "/v1/users/me",
                json("displayName", "Ignored", "updateMask", "avatarUrl"),
                carol));
    assertThat(masked.path("displayName").asText()).isEqualTo("Carol M.");
    assertThat(masked.path("avatarUrl").asText()).isEmpty();

    String before = ok(rest("GET", "/v1/users/me", null, carol)).toString();
    RestError unknownPath =
        refused(
            rest(
                "PATCH",
                "/v1/users/me",
                json("displayName", "Eve", "updateMask", "displayName,email"),
                carol),
            Status.Code.INVALID_ARGUMENT);
    assertThat(unknownPath.fields()).containsExactly("updateMask");
    assertThat(unknownPath.body().path("message").asText())
        .contains("updateMask may name displayName, avatarUrl or *");
    assertThat(ok(rest("GET", "/v1/users/me", null, carol)).toString()).isEqualTo(before);
    // The mask may come as a query parameter too.
    JsonNode byQuery =
        ok(
            rest(
                "PATCH",
                "/v1/users/me?updateMask=avatarUrl",
                json("displayName", "Ignored", "avatarUrl", "https://cdn.example/q.png"),
                carol));
    assertThat(byQuery.path("displayName").asText()).isEqualTo("Carol M.");
    assertThat(byQuery.path("avatarUrl").asText()).isEqualTo("https://cdn.example/q.png");

    // Projects: without a mask the fields sent change, as before UpdateProject existed.
    String project = project(carol, "Masks");
    assertThat(
            ok(rest("PATCH", "/v1/projects/" + project, json("name", "Renamed"), carol))
                .path("name")
                .asText())
        .isEqualTo("Renamed");
    var projects = grpc(ProjectServiceGrpc.ProjectServiceBlockingStub.class, carol);
    Project updated =
        projects.updateProject(
            UpdateProjectRequest.newBuilder()
                .setProjectId(project)
                .setName("Masked")
                .setUpdateMask(FieldMask.newBuilder().addPaths("name"))
                .build());
    assertThat(updated.getName()).isEqualTo("Masked");
    // A mask naming nothing this method changes is refused, on updateMask.
    StatusRuntimeException archived =
        grpcRefused(
            () ->
                projects.updateProject(
                    UpdateProjectRequest.newBuilder()
                        .setProjectId(project)
                        .setUpdateMask(FieldMask.newBuilder().addPaths("archived"))
                        .build()),
            Status.Code.INVALID_ARGUMENT);
    assertThat(violatedFields(archived)).containsExactly("updateMask");
    // RenameProject still renames, now at POST :rename.
    assertThat(
            ok(rest("POST", "/v1/projects/" + project + ":rename", json("name", "Again"), carol))
                .path("name")
                .asText())
        .isEqualTo("Again");
    assertThat(
            projects
                .getProject(GetProjectRequest.newBuilder().setProjectId(project).build())
                .getName())
        .isEqualTo("Again");
  }

  // ---- etags ----------------------------------------------------------------------------------

  @Test
  void aStaleEtagIsRefusedWith409AndChangesNothing() throws Exception {
    String project = project(ada, "Etags");
    HttpResponse<String> read = rest("GET", "/v1/projects/" + project, null, ada);
    String first = ok(read).path("etag").asText();
    assertThat(first).isNotBlank();
    assertThat(read.headers().firstValue("etag")).hasValue("\"" + first + "\"");

    String second =
        ok(rest("PATCH", "/v1/projects/" + project, json("name", "First", "etag", first), ada))
            .path("etag")
            .asText();
    assertThat(second).isNotEqualTo(first);

    String before = ok(rest("GET", "/v1/projects/" + project, null, ada)).toString();
    RestError stale =
        refused(
            rest("PATCH", "/v1/projects/" + project, json("name", "Second", "etag", first), ada),
            Status.Code.ABORTED);
    assertThat(stale.httpStatus()).isEqualTo(409);
    assertThat(stale.reason()).isEqualTo("ETAG_MISMATCH");
    assertThat(ok(rest("GET", "/v1/projects/" + project, null, ada)).toString()).isEqualTo(before);

    // The same as an If-Match header.
    refused(
        rest(
            "PATCH",
            "/v1/projects/" + project,
            json("name", "Second"),
            ada,
            "if-match",
            "\"" + first + "\""),
        Status.Code.ABORTED);
    assertThat(
            ok(rest(
                    "PATCH",
                    "/v1/projects/" + project,
                    json("name", "Second"),
                    ada,
                    "if-match",
                    "\"" + second + "\""))
                .path("name")
                .asText())
        .isEqualTo("Second");

    // Over gRPC: ABORTED with ETAG_MISMATCH, and GetProject is as it was.
    var projects = grpc(ProjectServiceGrpc.ProjectServiceBlockingStub.class, ada);
    Project current =
        projects.getProject(GetProjectRequest.newBuilder().setProjectId(project).build());
    StatusRuntimeException aborted =
        grpcRefused(
            () ->
                projects.updateProject(
                    UpdateProjectRequest.newBuilder()
                        .setProjectId(project)
                        .setName("Third")
                        .setEtag(second)
                        .build()),
            Status.Code.ABORTED);
    assertThat(errorInfo(aborted).getReason()).isEqualTo("ETAG_MISMATCH");
    assertThat(projects.getProject(GetProjectRequest.newBuilder().setProjectId(project).build()))
        .isEqualTo(current);

    // The profile likewise.
    var users = grpc(UserServiceGrpc.UserServiceBlockingStub.class, bob);
    User me = users.getMe(GetMeRequest.getDefaultInstance());
    User renamed =
        users.updateMe(
            UpdateMeRequest.newBuilder().setDisplayName("Bob B.").setEtag(me.getEtag()).build());
    assertThat(renamed.getEtag()).isNotEqualTo(me.getEtag());
    StatusRuntimeException staleProfile =
        grpcRefused(
            () ->
                users.updateMe(
                    UpdateMeRequest.newBuilder()
                        .setDisplayName("Robert")
                        .setEtag(me.getEtag())
                        .build()),
            Status.Code.ABORTED);
    assertThat(errorInfo(staleProfile).getReason()).isEqualTo("ETAG_MISMATCH");
    assertThat(users.getMe(GetMeRequest.getDefaultInstance())).isEqualTo(renamed);
    refused(
        rest("PATCH", "/v1/users/me", json("displayName", "Robert", "etag", me.getEtag()), bob),
        Status.Code.ABORTED);
  }

  @Test
  void ofUpdatesRacingWithTheSameEtagExactlyOneIsMade() throws Exception {
    String project = project(ada, "Race");
    String etag = ok(rest("GET", "/v1/projects/" + project, null, ada)).path("etag").asText();
    List<CompletableFuture<HttpResponse<String>>> racing = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      racing.add(
          HTTP.sendAsync(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + port + "/v1/projects/" + project))
                  .method(
                      "PATCH",
                      HttpRequest.BodyPublishers.ofString(json("name", "Racer " + i, "etag", etag)))
                  .header("content-type", "application/json")
                  .header("authorization", "Bearer " + ada)
                  .timeout(Duration.ofSeconds(60))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    List<String> made = new ArrayList<>();
    int aborted = 0;
    for (CompletableFuture<HttpResponse<String>> call : racing) {
      HttpResponse<String> answer = call.join();
      if (answer.statusCode() == 200) {
        made.add(JSON.readTree(answer.body()).path("name").asText());
      } else {
        assertThat(refused(answer, Status.Code.ABORTED).reason()).isEqualTo("ETAG_MISMATCH");
        aborted++;
      }
    }
    assertThat(made).hasSize(1);
    assertThat(aborted).isEqualTo(7);
    assertThat(ok(rest("GET", "/v1/projects/" + project, null, ada)).path("name").asText())
        .isEqualTo(made.get(0));
  }

  // ---- pages ----------------------------------------------------------------------------------

  /** Every item of a list, read page by page with pageSize 2; checks that the pages are full. */
  List<String> pages(String path, String token, String items, String id) throws Exception {
    List<String> seen = new ArrayList<>();
    String pageToken = "";
    int pages = 0;
    do {
      String separator = path.contains("?") ? "&" : "?";
      JsonNode page =
          ok(rest("GET", path + separator + "pageSize=2&pageToken=" + pageToken, null, token));
      for (JsonNode item : page.path(items)) seen.add(item.path(id).asText());
      pageToken = page.path("nextPageToken").asText();
      assertThat(page.path(items).size()).isLessThanOrEqualTo(2);
      if (!pageToken.isEmpty()) assertThat(page.path(items).size()).isEqualTo(2);
      assertThat(++pages).as("pages of " + path).isLessThan(10);
    } while (!pageToken.isEmpty());
    return seen;
  }

  @Test
  void everyListPagesWithPageSizeAndPageToken() throws Exception {
    String dave = signUp("dave@example.org", "Dave");
    List<String> projects = new ArrayList<>();
    for (int i = 0; i < 3; i++) projects.add(project(dave, "Project " + i));
    assertThat(pages("/v1/projects", dave, "projects", "projectId")).isEqualTo(projects);

    List<String> canvases = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      canvases.add(
          0,
          ok(rest(
                  "POST",
                  "/v1/projects/" + projects.get(0) + "/canvases",
                  json("title", "C" + i),
                  dave))
              .path("canvasId")
              .asText());
    }
    // newest first
    assertThat(pages("/v1/canvases", dave, "canvases", "canvasId")).isEqualTo(canvases);

    List<String> invitations = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      invitations.add(
          ok(rest(
                  "POST",
                  "/v1/projects/" + projects.get(0) + "/invitations",
                  json("email", "guest" + i + "@example.org", "role", "viewer"),
                  dave))
              .path("invitationId")
              .asText());
    }
    assertThat(
            pages(
                "/v1/projects/" + projects.get(0) + "/invitations",
                dave,
                "invitations",
                "invitationId"))
        .isEqualTo(invitations);

    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      keys.add(
          ok(rest("POST", "/v1/apiKeys", "{\"name\":\"k" + i + "\",\"scopes\":[\"read\"]}", dave))
              .path("keyId")
              .asText());
    }
    assertThat(pages("/v1/apiKeys", dave, "apiKeys", "keyId")).isEqualTo(keys);

    // A token of another list, or no token at all, is refused on pageToken.
    String projectsToken =
        ok(rest("GET", "/v1/projects?pageSize=1", null, dave)).path("nextPageToken").asText();
    for (String path :
        List.of(
            "/v1/apiKeys", "/v1/canvases", "/v1/projects/" + projects.get(0) + "/invitations")) {
      assertThat(
              refused(
                      rest("GET", path + "?pageToken=" + projectsToken, null, dave),
                      Status.Code.INVALID_ARGUMENT)
                  .fields())
          .as(path)
          .containsExactly("pageToken");
    }
    assertThat(
            refused(
                    rest("GET", "/v1/projects?pageSize=201", null, dave),
                    Status.Code.INVALID_ARGUMENT)
                .fields())
        .containsExactly("pageSize");
  }

  // ---- the mapping table ----------------------------------------------------------------------

  @Test
  void eachCodeTheApiAnswersHasTheHttpStatusOfTheTable() throws Exception {
    Set<Status.Code> seen = EnumSet.noneOf(Status.Code.class);
    String project = project(ada, "Codes");
    ok(
        rest(
            "POST",
            "/v1/projects/" + project + "/members",
            json("email", "bob@example.org", "role", "viewer"),
            ada));
    List<HttpResponse<String>> answers =
        List.of(
            rest("POST", "/v1/auth:register", json("email", "x"), null),
            rest("GET", "/v1/users/me", null, null),
            rest("GET", "/v1/projects/p_nosuchproject", null, ada),
            rest(
                "POST",
                "/v1/auth:register",
                json(
                    "email",
                    "ada@example.org",
                    "password",
                    "long enough password",
                    "displayName",
                    "A"),
                null),
            rest("PATCH", "/v1/projects/" + project, json("name", "Mine"), bob),
            rest("PATCH", "/v1/projects/" + project, json("name", "Mine", "etag", "stale"), ada));
    for (HttpResponse<String> answer : answers) {
      RestError error = restError(answer);
      assertThat(answer.statusCode())
          .as(answer.body())
          .isEqualTo(StatusCodes.httpStatus(error.code()).code());
      seen.add(error.code());
    }
    ok(rest("POST", "/v1/projects/" + project + ":archive", "{}", ada));
    RestError archived =
        refused(
            rest("PATCH", "/v1/projects/" + project, json("name", "Frozen"), ada),
            Status.Code.FAILED_PRECONDITION);
    seen.add(archived.code());
    assertThat(seen)
        .containsExactlyInAnyOrder(
            Status.Code.INVALID_ARGUMENT,
            Status.Code.UNAUTHENTICATED,
            Status.Code.NOT_FOUND,
            Status.Code.ALREADY_EXISTS,
            Status.Code.PERMISSION_DENIED,
            Status.Code.ABORTED,
            Status.Code.FAILED_PRECONDITION);

    // The plain HTTP routes answer by the same table.
    HttpResponse<String> badSignIn = rest("POST", "/v1/auth/browser/login", "[]", null);
    assertThat(badSignIn.statusCode())
        .isEqualTo(StatusCodes.httpStatus(Status.Code.INVALID_ARGUMENT).code());
    HttpResponse<String> wrongPassword =
        rest(
            "POST",
            "/v1/auth/browser/login",
            json("email", "ada@example.org", "password", "not the password"),
            null);
    assertThat(wrongPassword.statusCode())
        .isEqualTo(StatusCodes.httpStatus(Status.Code.UNAUTHENTICATED).code());
  }
}
