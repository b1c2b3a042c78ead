package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Any;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.linecorp.armeria.client.grpc.GrpcClientBuilder;
import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.easel.api.v1.AuthServiceGrpc;
import dev.easel.api.v1.CanvasServiceGrpc;
import dev.easel.api.v1.ProjectServiceGrpc;
import dev.easel.node.EaselNode;
import dev.easel.node.NodeScript;
import dev.easel.node.TestNodes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * One API, five faces, one contract: the same scenario runs against one real node through each face
 * of the API, and every face must come out with the same outcomes as the reference, grpc-java.
 *
 * <p>The faces: grpc-java (the method descriptors generated from proto/, called as its blocking
 * stubs call them, over Armeria's HTTP/2 client); {@code @grpc/grpc-js}, a client we did not write,
 * driven call by call through {@code src/test/js/grpc-js-face.js}; REST/JSON with the JDK's HTTP
 * client, each call made as the RPC's {@code google.api.http} annotation says; gRPC-Web (binary,
 * {@code application/grpc-web+proto}) framed here by hand over HTTP/1.1; GraphQL on {@code
 * /graphql}. Every face makes every call of the scenario itself, signing up and in included.
 *
 * <p>The scenario, with users and a project of each face's own: register two users, log in, create
 * a project, invite the second user by email and let them accept, change their role to viewer,
 * create a canvas, read it, submit a json0 op and read it again, list the project's activity; then
 * refusals: forbidden calls (the viewer renames the project, and submits an op), a rename with a
 * stale etag, an op against a version to come, a canvas that does not exist, a call without
 * credentials, and malformed calls (a login without an email address, a project with an empty
 * name).
 *
 * <p>Each outcome is normalised: an answer is read into its proto message (so a face that adds,
 * renames or mistypes a field fails), printed as proto3 JSON with every field, ids replaced by
 * placeholders ({@code {owner}}, {@code {project}}...), RFC 3339 times and opaque tokens by
 * markers; a refusal is its gRPC code, the HTTP status (REST's own; for the other faces the one
 * {@link StatusCodes} gives the code), the message, the {@code ErrorInfo}'s reason, domain and
 * metadata and the {@code BadRequest}'s field violations. Every face's list must equal grpc-java's,
 * step by step; a failure lists the steps where a face differs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiContractIntegrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(60);
  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  static final String PASSWORD = "a contract password";
  static final TypeReference<Map<String, JsonNode>> STRING_TO_NODE = new TypeReference<>() {};

  // GraphQL selections: every field of the proto message, so that answers compare whole.
  static final String PROJECT =
      "projectId name role members { userId role since email displayName }"
          + " canvases { canvasId title addedBy addedAt } createdAt archived orgId etag";
  static final String CANVAS = "canvasId version title document deleted";
  static final String ACTIVITY =
      "entries { at actorUserId actorDisplayName kind subjectUserId subjectDisplayName role"
          + " previousRole name email canvasId canvasTitle invitationId } nextPageToken";

  /** Response fields that hold a time: the same on no two runs. */
  static final Set<String> TIMES =
      Set.of("at", "since", "createdAt", "addedAt", "expiresAt", "invitedAt", "time");

  /** Response fields that hold an opaque token: only whether there is one is compared. */
  static final Set<String> OPAQUE = Set.of("accessToken", "refreshToken", "etag", "nextPageToken");

  EaselNode node;
  int port;

  @BeforeAll
  void startANode(@TempDir Path dataDir) throws Exception {
    node = TestNodes.start(dataDir);
    port = node.httpPort();
  }

  @AfterAll
  void stopTheNode() {
    if (node != null) node.close();
  }

  // ---- the RPCs of the scenario -----------------------------------------------------------------

  /**
   * An RPC the scenario calls, with the GraphQL document that asks for it and where its answer is
   * in the data.
   */
  enum Rpc {
    REGISTER(
        AuthServiceGrpc.getRegisterMethod(),
        "register",
        "mutation($email: String, $password: String, $displayName: String) {"
            + " register(email: $email, password: $password, displayName: $displayName) {"
            + " userId } }"),
    LOGIN(
        AuthServiceGrpc.getLoginMethod(),
        "login",
        "mutation($email: String, $password: String) { login(email: $email, password: $password)"
            + " { accessToken refreshToken expiresIn tokenType } }"),
    CREATE_PROJECT(
        ProjectServiceGrpc.getCreateProjectMethod(),
        "createProject",
        "mutation($name: String!) { createProject(name: $name) { " + PROJECT + " } }"),
    CREATE_INVITATION(
        ProjectServiceGrpc.getCreateInvitationMethod(),
        "createInvitation",
        "mutation($projectId: ID!, $email: String!, $role: String!) {"
            + " createInvitation(projectId: $projectId, email: $email, role: $role) {"
            + " invitationId token expiresAt acceptUrl mailed mailError } }"),
    ACCEPT_INVITATION(
        ProjectServiceGrpc.getAcceptInvitationMethod(),
        "acceptInvitation",
        "mutation($token: String!) { acceptInvitation(token: $token) { " + PROJECT + " } }"),
    CHANGE_MEMBER_ROLE(
        ProjectServiceGrpc.getChangeMemberRoleMethod(),
        "changeMemberRole",
        "mutation($projectId: ID!, $userId: ID!, $role: String!) {"
            + " changeMemberRole(projectId: $projectId, userId: $userId, role: $role) { "
            + PROJECT
            + " } }"),
    RENAME_PROJECT(
        ProjectServiceGrpc.getRenameProjectMethod(),
        "renameProject",
        "mutation($projectId: ID!, $name: String!, $etag: String) {"
            + " renameProject(projectId: $projectId, name: $name, etag: $etag) { "
            + PROJECT
            + " } }"),
    CREATE_CANVAS(
        CanvasServiceGrpc.getCreateCanvasMethod(),
        "createCanvas",
        "mutation($projectId: ID!, $title: String) {"
            + " createCanvas(projectId: $projectId, title: $title) { "
            + CANVAS
            + " } }"),
    GET_CANVAS(
        CanvasServiceGrpc.getGetCanvasMethod(),
        "canvas",
        "query($canvasId: ID!) { canvas(canvasId: $canvasId) { " + CANVAS + " } }"),
    SUBMIT_OP(
        CanvasServiceGrpc.getSubmitOpMethod(),
        "submitOp",
        "mutation($canvasId: ID!, $version: Int64!, $op: JSON!) {"
            + " submitOp(canvasId: $canvasId, version: $version, op: $op) { version op } }"),
    LIST_PROJECT_ACTIVITY(
        ProjectServiceGrpc.getListProjectActivityMethod(),
        "project.activity",
        "query($projectId: ID!) { project(projectId: $projectId) { activity { "
            + ACTIVITY
            + " } } }");

    final MethodDescriptor<Message, Message> method;
    final String graphqlAnswer;
    final String graphql;

    Rpc(MethodDescriptor<?, ?> method, String graphqlAnswer, String graphql) {
      this.method = messages(method);
      this.graphqlAnswer = graphqlAnswer;
      this.graphql = graphql;
    }

    @SuppressWarnings("unchecked")
    private static MethodDescriptor<Message, Message> messages(MethodDescriptor<?, ?> method) {
      return (MethodDescriptor<Message, Message>) method;
    }

    Message request(JsonNode json) throws IOException {
      Message.Builder builder = prototype(method.getRequestMarshaller()).newBuilderForType();
      JsonFormat.parser().merge(JSON.writeValueAsString(json), builder);
      return builder.build();
    }

    Message.Builder response() {
      return prototype(method.getResponseMarshaller()).newBuilderForType();
    }

    private static Message prototype(MethodDescriptor.Marshaller<Message> marshaller) {
      return ((MethodDescriptor.PrototypeMarshaller<Message>) marshaller).getMessagePrototype();
    }

    Descriptors.MethodDescriptor descriptor() {
      return ((ProtoMethodDescriptorSupplier) method.getSchemaDescriptor()).getMethodDescriptor();
    }
  }

  // ---- what a face answers ----------------------------------------------------------------------

  /** What one call came back with. */
  sealed interface Reply {}

  /** The response message as proto3 JSON. */
  record Answer(JsonNode json) implements Reply {}

  /**
   * A refused call: its gRPC code, the HTTP status (the one REST answered; for the other faces the
   * one StatusCodes gives the code), the message, and the details: the {@code ErrorInfo}'s reason,
   * domain and metadata and the {@code BadRequest}'s field violations, in the shape of GraphQL's
   * error extensions.
   */
  record Refusal(Status.Code code, int httpStatus, String message, ObjectNode details)
      implements Reply {
    /** A refusal with the details of a {@code google.rpc.Status} (none when null). */
    static Refusal of(
        Status.Code code, String message, com.google.rpc.Status status, Integer httpStatus)
        throws InvalidProtocolBufferException {
      ObjectNode details = JSON.createObjectNode();
      if (status != null) {
        for (Any detail : status.getDetailsList()) {
          if (detail.is(ErrorInfo.class)) {
            ErrorInfo info = detail.unpack(ErrorInfo.class);
            details.put("reason", info.getReason()).put("domain", info.getDomain());
            if (info.getMetadataCount() > 0) {
              details.set("metadata", JSON.valueToTree(info.getMetadataMap()));
            }
          } else if (detail.is(BadRequest.class)) {
            ArrayNode violations = details.putArray("fieldViolations");
            for (BadRequest.FieldViolation violation :
                detail.unpack(BadRequest.class).getFieldViolationsList()) {
              violations
                  .addObject()
                  .put("field", violation.getField())
                  .put("description", violation.getDescription());
            }
          }
        }
      }
      return new Refusal(
          code,
          httpStatus != null ? httpStatus : StatusCodes.httpStatus(code).code(),
          message,
          details);
    }

    /**
     * A refusal read from GraphQL's error extensions, or what grpc-js-face.js writes in their
     * shape: {@code code}, {@code reason}, {@code domain}, {@code metadata}, {@code
     * fieldViolations}.
     */
    static Refusal of(String message, JsonNode extensions) {
      String name = extensions.path("code").asText();
      Status.Code code =
          Stream.of(Status.Code.values())
              .filter(known -> known.name().equals(name))
              .findFirst()
              .orElse(Status.Code.UNKNOWN);
      ObjectNode details = JSON.createObjectNode();
      // An error that is no gRPC status (GraphQL's own validation, say) shows as it came.
      if (!code.name().equals(name)) details.set("extensions", extensions);
      for (String field : List.of("reason", "domain", "metadata", "fieldViolations")) {
        JsonNode value = extensions.path(field);
        if (!value.isMissingNode() && !value.isNull() && !(value.isObject() && value.isEmpty())) {
          details.set(field, value);
        }
      }
      return new Refusal(code, StatusCodes.httpStatus(code).code(), message, details);
    }
  }

  /** One way into the API. */
  interface Face {
    String name();

    Reply call(Rpc rpc, String token, ObjectNode request) throws Exception;
  }

  // ---- grpc-java --------------------------------------------------------------------------------

  /** The generated method descriptors, called as grpc-java's blocking stubs call them. */
  final class GrpcJava implements Face {
    private final Map<String, Channel> channels = new HashMap<>();

    @Override
    public String name() {
      return "grpc-java";
    }

    private Channel channel(String token) {
      return channels.computeIfAbsent(
          token == null ? "" : token,
          t -> {
            GrpcClientBuilder builder =
                GrpcClients.builder("http://127.0.0.1:" + port).responseTimeout(WAIT);
            if (!t.isEmpty()) builder.addHeader("authorization", "Bearer " + t);
            return builder.build(AuthServiceGrpc.AuthServiceBlockingStub.class).getChannel();
          });
    }

    @Override
    public Reply call(Rpc rpc, String token, ObjectNode request) throws Exception {
      Message answer;
      try {
        answer =
            ClientCalls.blockingUnaryCall(
                channel(token), rpc.method, CallOptions.DEFAULT, rpc.request(request));
      } catch (StatusRuntimeException e) {
        return Refusal.of(
            e.getStatus().getCode(),
            e.getStatus().getDescription(),
            StatusProto.fromThrowable(e),
            null);
      }
      return new Answer(JSON.readTree(JsonFormat.printer().print(answer)));
    }
  }

  // ---- @grpc/grpc-js ----------------------------------------------------------------------------

  /** The real {@code @grpc/grpc-js} client in Node, one call a line (grpc-js-face.js). */
  final class GrpcJs implements Face, AutoCloseable {
    private final Path stderr;
    private final Process process;
    private final Writer calls;
    private final BufferedReader replies;
    private int id;

    GrpcJs() throws IOException {
      stderr = Files.createTempFile("easel-grpc-js-face", ".txt");
      process = NodeScript.start(stderr, "grpc-js-face.js", "--target", "127.0.0.1:" + port);
      calls = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      replies =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    @Override
    public String name() {
      return "grpc-js";
    }

    @Override
    public Reply call(Rpc rpc, String token, ObjectNode request) throws Exception {
      ObjectNode call = JSON.createObjectNode().put("id", ++id);
      call.put("method", rpc.method.getFullMethodName()).put("token", token == null ? "" : token);
      call.set("request", request);
      calls.write(JSON.writeValueAsString(call) + "\n");
      calls.flush();
      String line = replies.readLine();
      if (line == null) throw new AssertionError("grpc-js-face.js ended:\n" + stderr());
      JsonNode reply = JSON.readTree(line);
      if (reply.path("id").asInt() != id || reply.has("failure")) {
        throw new AssertionError("grpc-js-face.js answered " + line + "\n" + stderr());
      }
      if (reply.has("answer")) return new Answer(reply.get("answer"));
      return Refusal.of(reply.at("/refusal/message").asText(), reply.path("refusal"));
    }

    private String stderr() throws IOException {
      return Files.readString(stderr, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
      calls.close();
      // A guard against a hung client, not a timing assertion: the script ends with its stdin.
      try {
        if (!process.waitFor(1, TimeUnit.MINUTES)) process.destroyForcibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
      Files.deleteIfExists(stderr);
    }
  }

  // ---- REST/JSON --------------------------------------------------------------------------------

  /** Each RPC as its {@code google.api.http} annotation says, with the JDK's HTTP client. */
  final class Rest implements Face {
    private static final Pattern VARIABLE = Pattern.compile("\\{([^}]+)}");

    @Override
    public String name() {
      return "rest";
    }

    @Override
    public Reply call(Rpc rpc, String token, ObjectNode request) throws Exception {
      Descriptors.MethodDescriptor descriptor = rpc.descriptor();
      HttpRule rule = descriptor.getOptions().getExtension(AnnotationsProto.http);
      String method = HttpRules.method(rule);
      String template = OpenApiDocument.openApiPath(HttpRules.template(rule));
      ObjectNode rest = request.deepCopy();
      Matcher variables = VARIABLE.matcher(template);
      StringBuilder path = new StringBuilder();
      while (variables.find()) {
        String field = descriptor.getInputType().findFieldByName(variables.group(1)).getJsonName();
        variables.appendReplacement(
            path,
            Matcher.quoteReplacement(
                URLEncoder.encode(rest.path(field).asText(), StandardCharsets.UTF_8)));
        rest.remove(field);
      }
      variables.appendTail(path);
      String body = null;
      if (rule.getBody().equals("*")) {
        body = JSON.writeValueAsString(rest);
      } else {
        StringBuilder query = new StringBuilder();
        for (Map.Entry<String, JsonNode> field : rest.properties()) {
          query.append(query.isEmpty() ? '?' : '&').append(field.getKey()).append('=');
          query.append(URLEncoder.encode(field.getValue().asText(), StandardCharsets.UTF_8));
        }
        path.append(query);
      }
      HttpRequest.Builder http =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(WAIT)
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body));
      if (body != null) http.header("content-type", "application/json");
      if (token != null) http.header("authorization", "Bearer " + token);
      HttpResponse<String> response = HTTP.send(http.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode answer = JSON.readTree(response.body());
      if (response.statusCode() == 200) return new Answer(answer);
      // A google.rpc.Status as JSON, {code, message, details: [{"@type", ...}]}, and grpc-code.
      com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder();
      JsonFormat.parser()
          .ignoringUnknownFields()
          .usingTypeRegistry(
              JsonFormat.TypeRegistry.newBuilder()
                  .add(ErrorInfo.getDescriptor())
                  .add(BadRequest.getDescriptor())
                  .build())
          .merge(response.body(), status);
      Status.Code code = Status.fromCodeValue(status.getCode()).getCode();
      assertThat(answer.path("grpc-code").asText()).as(response.body()).isEqualTo(code.name());
      return Refusal.of(code, status.getMessage(), status.build(), response.statusCode());
    }
  }

  // ---- gRPC-Web ---------------------------------------------------------------------------------

  /** Binary gRPC-Web ({@code application/grpc-web+proto}) over HTTP/1.1, framed by hand. */
  final class GrpcWeb implements Face {
    static final String TYPE = "application/grpc-web+proto";

    @Override
    public String name() {
      return "grpc-web";
    }

    @Override
    public Reply call(Rpc rpc, String token, ObjectNode request) throws Exception {
      byte[] message = rpc.request(request).toByteArray();
      ByteBuffer frame = ByteBuffer.allocate(5 + message.length);
      frame.put((byte) 0).putInt(message.length).put(message);
      HttpRequest.Builder http =
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + port + "/" + rpc.method.getFullMethodName()))
              .timeout(WAIT)
              .header("content-type", TYPE)
              .header("accept", TYPE)
              .header("x-grpc-web", "1")
              .POST(HttpRequest.BodyPublishers.ofByteArray(frame.array()));
      if (token != null) http.header("authorization", "Bearer " + token);
      HttpResponse<byte[]> response =
          HTTP.send(http.build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(response.statusCode()).as("HTTP status of a gRPC-Web answer").isEqualTo(200);

      // A trailers-only answer has its status in the headers; otherwise the last frame has it.
      Map<String, String> trailers = new HashMap<>();
      response.headers().map().forEach((name, values) -> trailers.put(name, values.get(0)));
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      ByteBuffer body = ByteBuffer.wrap(response.body());
      while (body.remaining() >= 5) {
        byte flags = body.get();
        byte[] payload = new byte[body.getInt()];
        body.get(payload);
        if ((flags & 0x80) == 0) {
          data.write(payload);
        } else {
          for (String line : new String(payload, StandardCharsets.US_ASCII).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
              trailers.put(
                  line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                  line.substring(colon + 1).strip());
            }
          }
        }
      }
      assertThat(trailers).as("a gRPC-Web answer names its status").containsKey("grpc-status");
      Status.Code code =
          Status.fromCodeValue(Integer.parseInt(trailers.get("grpc-status"))).getCode();
      if (code == Status.Code.OK) {
        Message.Builder answer = rpc.response();
        answer.mergeFrom(new ByteArrayInputStream(data.toByteArray()));
        return new Answer(JSON.readTree(JsonFormat.printer().print(answer)));
      }
      String details = trailers.get("grpc-status-details-bin");
      return Refusal.of(
          code,
          percentDecoded(trailers.getOrDefault("grpc-message", "")),
          details == null
              ? null
              : com.google.rpc.Status.parseFrom(Base64.getDecoder().decode(details)),
          null);
    }

    private static String percentDecoded(String text) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c == '%' && i + 2 < text.length()) {
          bytes.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
          i += 2;
        } else {
          bytes.write(c);
        }
      }
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }

  // ---- GraphQL ----------------------------------------------------------------------------------

  /** {@code /graphql} with the JDK's HTTP client: each RPC as the field that calls it. */
  final class Graphql implements Face {
    @Override
    public String name() {
      return "graphql";
    }

    @Override
    public Reply call(Rpc rpc, String token, ObjectNode request) throws Exception {
      ObjectNode body = JSON.createObjectNode().put("query", rpc.graphql);
      body.set("variables", request);
      HttpRequest.Builder http =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/graphql"))
              .timeout(WAIT)
              .header("content-type", "application/json")
              .header("accept", "application/graphql-response+json")
              .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      if (token != null) http.header("authorization", "Bearer " + token);
      HttpResponse<String> response = HTTP.send(http.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode answer = JSON.readTree(response.body());
      JsonNode errors = answer.path("errors");
      if (errors.isEmpty()) {
        JsonNode data = answer.path("data");
        for (String field : rpc.graphqlAnswer.split("\\.")) data = data.path(field);
        return new Answer(data);
      }
      assertThat(errors).as("one field, one error: %s", answer).hasSize(1);
      return Refusal.of(errors.path(0).path("message").asText(), errors.path(0).path("extensions"));
    }
  }

  // ---- the scenario -----------------------------------------------------------------------------

  /** The ids a face's run has met, and the placeholder each stands for in its outcomes. */
  static final class Placeholders {
    private final Map<String, String> names = new LinkedHashMap<>();

    void name(String value, String placeholder) {
      if (value != null && !value.isEmpty()) names.put(value, "{" + placeholder + "}");
    }

    void name(JsonNode value, String placeholder) {
      if (value.isTextual()) name(value.asText(), placeholder);
    }

    /** {@code text} with every id in it replaced by its placeholder, the longest first. */
    String apply(String text) {
      String replaced = text;
      List<String> values = new ArrayList<>(names.keySet());
      values.sort(Comparator.comparingInt(String::length).reversed());
      for (String value : values) replaced = replaced.replace(value, names.get(value));
      return replaced;
    }
  }

  /** One step of the scenario: what it did, and how it came out. */
  record Outcome(String step, JsonNode outcome) {
    @Override
    public String toString() {
      return step + ": " + outcome;
    }
  }

  /** The scenario through one face: its outcomes, in order. */
  final class Run {
    private final Face face;
    private final Placeholders ids = new Placeholders();
    private final List<Outcome> outcomes = new ArrayList<>();

    Run(Face face) {
      this.face = face;
    }

    /**
     * Makes the call, lets {@code learn} name the ids in the answer, and records the outcome; the
     * answer (missing when refused).
     */
    JsonNode step(String step, Rpc rpc, String token, ObjectNode request, Consumer<JsonNode> learn)
        throws Exception {
      return step(step, rpc, token, request, learn, answer -> true);
    }

    /** As above, calling again (a bounded number of times) until the answer is {@code done}. */
    JsonNode step(
        String step,
        Rpc rpc,
        String token,
        ObjectNode request,
        Consumer<JsonNode> learn,
        Predicate<JsonNode> done)
        throws Exception {
      Reply reply = face.call(rpc, token, request);
      for (int i = 0; i < 300 && reply instanceof Answer answer && !done.test(answer.json()); i++) {
        Thread.sleep(100);
        reply = face.call(rpc, token, request);
      }
      switch (reply) {
        case Answer answer -> {
          // Read into the response message, strictly, and printed with every field.
          Message.Builder message = rpc.response();
          JsonFormat.parser().merge(JSON.writeValueAsString(answer.json()), message);
          JsonNode whole =
              JSON.readTree(JsonFormat.printer().alwaysPrintFieldsWithNoPresence().print(message));
          learn.accept(whole);
          ObjectNode outcome = JSON.createObjectNode();
          outcome.set("answer", normalised(whole, null));
          outcomes.add(new Outcome(step, outcome));
          return whole;
        }
        case Refusal refusal -> {
          ObjectNode refused = JSON.createObjectNode();
          refused.put("code", refusal.code().name()).put("httpStatus", refusal.httpStatus());
          refused.put("message", ids.apply(String.valueOf(refusal.message())));
          refused.setAll((ObjectNode) normalised(refusal.details(), null));
          ObjectNode outcome = JSON.createObjectNode();
          outcome.set("refused", refused);
          outcomes.add(new Outcome(step, outcome));
          return MissingNode.getInstance();
        }
      }
    }

    private JsonNode normalised(JsonNode node, String field) {
      if (node.isObject()) {
        ObjectNode copy = JSON.createObjectNode();
        // In the order of the names: the order of an object's members means nothing in JSON.
        new TreeMap<>(JSON.convertValue(node, STRING_TO_NODE))
            .forEach((name, value) -> copy.set(name, normalised(value, name)));
        return copy;
      }
      if (node.isArray()) {
        ArrayNode copy = JSON.createArrayNode();
        node.forEach(item -> copy.add(normalised(item, field)));
        return copy;
      }
      if (node.isTextual()) {
        String text = node.asText();
        if (TIMES.contains(field) && isTime(text)) {
          return JsonNodeFactory.instance.textNode("<time>");
        }
        if (!text.isEmpty() && OPAQUE.contains(field)) {
          return JsonNodeFactory.instance.textNode("<opaque>");
        }
        return JsonNodeFactory.instance.textNode(ids.apply(text));
      }
      // google.protobuf.Value numbers are doubles: 0 and 0.0 are the same number.
      if (node.isNumber() && node.asDouble() == Math.rint(node.asDouble())) {
        return JsonNodeFactory.instance.numberNode(node.asLong());
      }
      return node;
    }

    /** Whether {@code text} is an RFC 3339 time (a time in another form stays in the outcome). */
    private static boolean isTime(String text) {
      try {
        Instant.parse(text);
        return true;
      } catch (DateTimeParseException e) {
        return false;
      }
    }

    List<Outcome> run() throws Exception {
      String ownerEmail = "owner." + face.name() + "@contract.example";
      String memberEmail = "member." + face.name() + "@contract.example";
      ids.name(ownerEmail, "owner-email");
      ids.name(memberEmail, "member-email");

      JsonNode owner =
          step(
              "register the owner",
              Rpc.REGISTER,
              null,
              json("email", ownerEmail, "password", PASSWORD, "displayName", "Owner"),
              answer -> ids.name(answer.path("userId"), "owner"));
      JsonNode member =
          step(
              "register the member",
              Rpc.REGISTER,
              null,
              json("email", memberEmail, "password", PASSWORD, "displayName", "Member"),
              answer -> ids.name(answer.path("userId"), "member"));
      String ownerToken =
          step(
                  "the owner logs in",
                  Rpc.LOGIN,
                  null,
                  json("email", ownerEmail, "password", PASSWORD),
                  answer -> {})
              .path("accessToken")
              .asText();
      String memberToken =
          step(
                  "the member logs in",
                  Rpc.LOGIN,
                  null,
                  json("email", memberEmail, "password", PASSWORD),
                  answer -> {})
              .path("accessToken")
              .asText();
      JsonNode created =
          step(
              "the owner creates a project",
              Rpc.CREATE_PROJECT,
              ownerToken,
              json("name", "Contract"),
              answer -> ids.name(answer.path("projectId"), "project"));
      String project = created.path("projectId").asText();
      String invitation =
          step(
                  "the owner invites the member by email, as an editor",
                  Rpc.CREATE_INVITATION,
                  ownerToken,
                  json("projectId", project, "email", memberEmail, "role", "editor"),
                  answer -> {
                    ids.name(answer.path("invitationId"), "invitation");
                    ids.name(answer.path("token"), "invitation-token");
                  })
              .path("token")
              .asText();
      step(
          "the member accepts the invitation",
          Rpc.ACCEPT_INVITATION,
          memberToken,
          json("token", invitation),
          answer -> {});
      step(
          "the owner makes the member a viewer",
          Rpc.CHANGE_MEMBER_ROLE,
          ownerToken,
          json("projectId", project, "userId", member.path("userId").asText(), "role", "viewer"),
          answer -> {});
      String canvas =
          step(
                  "the owner creates a canvas",
                  Rpc.CREATE_CANVAS,
                  ownerToken,
                  json("projectId", project, "title", "Plan"),
                  answer -> ids.name(answer.path("canvasId"), "canvas"))
              .path("canvasId")
              .asText();
      step(
          "the member reads the canvas",
          Rpc.GET_CANVAS,
          memberToken,
          json("canvasId", canvas),
          answer -> {});
      step("the owner submits an op", Rpc.SUBMIT_OP, ownerToken, op(canvas, "Q3 "), answer -> {});
      step(
          "the member reads the canvas after the op",
          Rpc.GET_CANVAS,
          memberToken,
          json("canvasId", canvas),
          answer -> {});
      // The edit reaches the feed a moment after the op (the canvas tells its project).
      step(
          "the member lists the project's activity",
          Rpc.LIST_PROJECT_ACTIVITY,
          memberToken,
          json("projectId", project),
          answer -> {},
          answer -> answer.at("/entries/0/kind").asText().equals("canvas_edited"));
      step(
          "the member, a viewer, renames the project",
          Rpc.RENAME_PROJECT,
          memberToken,
          json("projectId", project, "name", "Mine"),
          answer -> {});
      step(
          "the member, a viewer, submits an op",
          Rpc.SUBMIT_OP,
          memberToken,
          op(canvas, "Not mine "),
          answer -> {});
      step(
          "the owner renames the project, as it was when created",
          Rpc.RENAME_PROJECT,
          ownerToken,
          json("projectId", project, "name", "Renamed", "etag", created.path("etag").asText()),
          answer -> {});
      ObjectNode ahead = op(canvas, "Later ");
      ahead.put("version", "99");
      step(
          "the owner submits an op made against a version to come",
          Rpc.SUBMIT_OP,
          ownerToken,
          ahead,
          answer -> {});
      step(
          "the member reads a canvas that does not exist",
          Rpc.GET_CANVAS,
          memberToken,
          json("canvasId", "no-such-canvas"),
          answer -> {});
      step(
          "someone not signed in reads the canvas",
          Rpc.GET_CANVAS,
          null,
          json("canvasId", canvas),
          answer -> {});
      step(
          "someone logs in without an email address",
          Rpc.LOGIN,
          null,
          json("password", PASSWORD),
          answer -> {});
      step(
          "the owner creates a project with an empty name",
          Rpc.CREATE_PROJECT,
          ownerToken,
          json("name", ""),
          answer -> {});
      assertThat(owner.path("userId").asText()).as("%s: registered", face.name()).isNotEmpty();
      return outcomes;
    }
  }

  static ObjectNode json(String... pairs) {
    ObjectNode object = JSON.createObjectNode();
    for (int i = 0; i < pairs.length; i += 2) object.put(pairs[i], pairs[i + 1]);
    return object;
  }

  /** A json0 op made against version 1 that inserts {@code text} at the start of the title. */
  static ObjectNode op(String canvasId, String text) {
    ObjectNode request = json("canvasId", canvasId, "version", "1");
    request.putArray("op").addObject().put("si", text).putArray("p").add("title").add(0);
    return request;
  }

  /** The steps whose outcomes differ, each as the reference's line and the face's. */
  static List<String> differences(List<Outcome> reference, List<Outcome> face) {
    List<String> differences = new ArrayList<>();
    for (int i = 0; i < Math.max(reference.size(), face.size()); i++) {
      String expected = i < reference.size() ? reference.get(i).toString() : "(no step)";
      String actual = i < face.size() ? face.get(i).toString() : "(no step)";
      if (!expected.equals(actual)) differences.add("- " + expected + "\n+ " + actual);
    }
    return differences;
  }

  static JsonNode outcome(List<Outcome> outcomes, String step) {
    return outcomes.stream()
        .filter(outcome -> outcome.step().equals(step))
        .reduce((first, second) -> second)
        .orElseThrow()
        .outcome();
  }

  @Test
  void everyFaceComesOutOfTheScenarioAsGrpcJavaDoes() throws Exception {
    List<Outcome> reference = new Run(new GrpcJava()).run();

    // The reference itself is what the API promises.
    assertThat(outcome(reference, "the owner creates a project").at("/answer/role").asText())
        .isEqualTo("owner");
    assertThat(
            outcome(reference, "the owner makes the member a viewer")
                .at("/answer/members/1")
                .toString())
        .contains("\"role\":\"viewer\"", "{member}");
    assertThat(outcome(reference, "the owner submits an op").at("/answer/version").asText())
        .isEqualTo("1");
    JsonNode read = outcome(reference, "the member reads the canvas after the op");
    assertThat(read.at("/answer/version").asText()).isEqualTo("2");
    assertThat(read.at("/answer/document/title").asText()).isEqualTo("Q3 Plan");
    List<String> kinds = new ArrayList<>();
    outcome(reference, "the member lists the project's activity")
        .at("/answer/entries")
        .forEach(entry -> kinds.add(entry.path("kind").asText()));
    assertThat(kinds)
        .containsExactly(
            "canvas_edited",
            "canvas_created",
            "role_changed",
            "invitation_accepted",
            "invited",
            "created");
    for (String forbidden :
        List.of(
            "the member, a viewer, renames the project", "the member, a viewer, submits an op")) {
      JsonNode refused = outcome(reference, forbidden).path("refused");
      assertThat(refused.path("code").asText()).as(forbidden).isEqualTo("PERMISSION_DENIED");
      assertThat(refused.path("httpStatus").asInt()).as(forbidden).isEqualTo(403);
      assertThat(refused.path("reason").asText()).as(forbidden).isNotEmpty();
      assertThat(refused.path("domain").asText()).as(forbidden).isEqualTo(ApiErrors.DOMAIN);
    }
    Map<String, String> refusals =
        Map.of(
            "the owner renames the project, as it was when created", "ABORTED 409",
            "the owner submits an op made against a version to come", "FAILED_PRECONDITION 400",
            "the member reads a canvas that does not exist", "NOT_FOUND 404",
            "someone not signed in reads the canvas", "UNAUTHENTICATED 401");
    refusals.forEach(
        (step, expected) -> {
          JsonNode refused = outcome(reference, step).path("refused");
          assertThat(refused.path("code").asText() + " " + refused.path("httpStatus").asInt())
              .as(step)
              .isEqualTo(expected);
          assertThat(refused.path("reason").asText()).as(step).isNotEmpty();
        });
    JsonNode malformed =
        outcome(reference, "the owner creates a project with an empty name").path("refused");
    assertThat(malformed.path("code").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(malformed.path("httpStatus").asInt()).isEqualTo(400);
    assertThat(malformed.path("reason").asText()).isNotEmpty();
    assertThat(malformed.path("fieldViolations")).hasSize(1);
    assertThat(malformed.at("/fieldViolations/0/field").asText()).isEqualTo("name");

    // Every other face comes out the same, line by line.
    Map<String, List<Outcome>> faces = new LinkedHashMap<>();
    try (GrpcJs grpcJs = new GrpcJs()) {
      faces.put(grpcJs.name(), new Run(grpcJs).run());
    }
    for (Face face : List.of(new Rest(), new GrpcWeb(), new Graphql())) {
      faces.put(face.name(), new Run(face).run());
    }
    Map<String, List<String>> disagreements = new LinkedHashMap<>();
    faces.forEach(
        (face, outcomes) -> {
          List<String> differences = differences(reference, outcomes);
          if (!differences.isEmpty()) disagreements.put(face, differences);
        });
    assertThat(disagreements)
        .as("faces that disagree with grpc-java (- grpc-java, + the face)")
        .isEmpty();
  }
}
