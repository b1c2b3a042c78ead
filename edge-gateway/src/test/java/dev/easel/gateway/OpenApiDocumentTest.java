package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodOptions;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo;
import com.google.protobuf.Descriptors;
import dev.easel.api.v1.ApiKeysProto;
import dev.easel.api.v1.AuthProto;
import dev.easel.api.v1.CanvasProto;
import dev.easel.api.v1.DatasetsProto;
import dev.easel.api.v1.ProjectsProto;
import dev.easel.api.v1.QueriesProto;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document is generated from the proto: every RPC with an HTTP rule is an operation
 * with its method and path, the schemas follow the proto3 JSON mapping, and a real OpenAPI parser
 * reads it without complaint.
 */
class OpenApiDocumentTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Map<String, HttpRule> STREAM =
      Map.of(
          OpStreamRoute.METHOD,
          HttpRule.newBuilder().setGet(OpStreamRoute.PATH).build(),
          DatasetUploads.METHOD,
          DatasetUploadRoute.RULE,
          ResultExportRoute.METHOD,
          ResultExportRoute.RULE);

  static List<Descriptors.ServiceDescriptor> services() {
    List<Descriptors.ServiceDescriptor> services = new ArrayList<>();
    for (Descriptors.FileDescriptor file :
        List.of(
            CanvasProto.getDescriptor(),
            AuthProto.getDescriptor(),
            ProjectsProto.getDescriptor(),
            ApiKeysProto.getDescriptor(),
            QueriesProto.getDescriptor(),
            DatasetsProto.getDescriptor())) {
      services.addAll(file.getServices());
    }
    return services;
  }

  static ObjectNode easelDocument() {
    return OpenApiDocument.generate(services(), ProtoComments.load(), ApiPolicy::ruleFor, STREAM);
  }

  @Test
  void everyRpcWithAnHttpRuleIsAnOperationWithItsMethodAndPath() {
    JsonNode paths = easelDocument().path("paths");
    Set<String> expected = new TreeSet<>();
    for (Descriptors.ServiceDescriptor service : services()) {
      for (Descriptors.MethodDescriptor method : service.getMethods()) {
        String rpc = OpenApiDocument.fullName(method);
        HttpRule rule =
            method.getOptions().hasExtension(AnnotationsProto.http)
                ? method.getOptions().getExtension(AnnotationsProto.http)
                : STREAM.get(rpc);
        if (rule == null) {
          // Only a stream may be served without REST (WatchProjectActivity: gRPC and GraphQL).
          assertThat(method.isServerStreaming()).as("%s has no HTTP binding", rpc).isTrue();
          continue;
        }
        String path = OpenApiDocument.openApiPath(OpenApiDocument.template(rule));
        String verb = OpenApiDocument.verb(rule);
        JsonNode operation = paths.path(path).path(verb);
        assertThat(operation.isObject()).as("%s %s (%s)", verb, path, rpc).isTrue();
        assertThat(operation.path("operationId").asText())
            .isEqualTo(service.getName() + "_" + method.getName());
        assertThat(operation.path("description").asText()).contains("gRPC: " + rpc);
        expected.add(verb + " " + path);
      }
    }
    Set<String> documented = new TreeSet<>();
    paths
        .properties()
        .forEach(
            path ->
                path.getValue()
                    .fieldNames()
                    .forEachRemaining(v -> documented.add(v + " " + path.getKey())));
    assertThat(documented).isEqualTo(expected);
    assertThat(expected).contains("get /v1/canvases/{canvas_id}", "post /v1/auth:login");
  }

  @Test
  void schemasFollowTheProto3JsonMapping() {
    ObjectNode document = easelDocument();
    JsonNode canvas = document.at("/components/schemas/easel.v1.Canvas");
    assertThat(canvas.path("type").asText()).isEqualTo("object");
    // lowerCamelCase names, 64-bit integers as strings, Struct as any object
    assertThat(canvas.at("/properties/canvasId/type").asText()).isEqualTo("string");
    assertThat(canvas.at("/properties/version/type").asText()).isEqualTo("string");
    assertThat(canvas.at("/properties/version/format").asText()).isEqualTo("int64");
    assertThat(canvas.at("/properties/version/description").asText())
        .contains("number of ops applied");
    assertThat(canvas.at("/properties/document/type").asText()).isEqualTo("object");
    assertThat(canvas.at("/properties/document/additionalProperties").asBoolean()).isTrue();
    assertThat(canvas.at("/properties/deleted/type").asText()).isEqualTo("boolean");
    assertThat(canvas.path("properties").has("canvas_id")).isFalse();
    JsonNode op = document.at("/components/schemas/easel.v1.SubmitOpResponse/properties/op");
    assertThat(op.path("type").asText()).isEqualTo("array");
    // int32 stays a number
    assertThat(
            document
                .at(
                    "/components/schemas/easel.v1.ListCanvasesResponse/properties/canvases/items/$ref")
                .asText())
        .isEqualTo("#/components/schemas/easel.v1.CanvasSummary");
  }

  @Test
  void parametersBodiesAndCredentialsComeFromTheRulesAndThePolicy() {
    ObjectNode document = easelDocument();
    JsonNode get = document.at("/paths/~1v1~1canvases~1{canvas_id}/get");
    assertThat(get.path("summary").asText()).startsWith("Returns a canvas document");
    assertThat(parameters(get)).containsExactly("path canvas_id", "query version");
    assertThat(get.at("/parameters/1/schema/type").asText()).isEqualTo("string");
    assertThat(get.at("/responses/200/content/application~1json/schema/$ref").asText())
        .isEqualTo("#/components/schemas/easel.v1.Canvas");
    assertThat(get.at("/responses/default/content/application~1json/schema/$ref").asText())
        .isEqualTo("#/components/schemas/easel.Error");

    // body "*" with a path parameter: the body is the rest of the request
    JsonNode submit = document.at("/paths/~1v1~1canvases~1{canvas_id}~1ops/post");
    // the first sentence of the comment, on one line
    assertThat(submit.path("summary").asText())
        .isEqualTo(
            "Applies a json0 op made against version `version`; it is transformed against any ops"
                + " that landed since, exactly as for a ShareDB client.");
    assertThat(parameters(submit)).containsExactly("path canvas_id");
    JsonNode body = submit.at("/requestBody/content/application~1json/schema/properties");
    assertThat(names(body)).containsExactlyInAnyOrder("version", "op", "src", "seq");
    // body "*" without: the request message itself
    assertThat(
            document
                .at("/paths/~1v1~1projects/post/requestBody/content/application~1json/schema/$ref")
                .asText())
        .isEqualTo("#/components/schemas/easel.v1.CreateProjectRequest");
    // query parameters by their JSON names
    assertThat(parameters(document.at("/paths/~1v1~1canvases/get")))
        .containsExactly("query pageSize", "query pageToken");

    // public calls need no credential; person-only calls take no API key; others any
    assertThat(document.at("/paths/~1v1~1auth:login/post/security").isEmpty()).isTrue();
    assertThat(document.at("/paths/~1v1~1auth:login/post/security").isArray()).isTrue();
    assertThat(document.at("/paths/~1v1~1users~1me/get/security").toString())
        .contains("bearer")
        .doesNotContain("apiKey");
    assertThat(document.at("/paths/~1v1~1users~1me/get/description").asText())
        .contains("API keys may not");
    assertThat(document.at("/paths/~1v1~1canvases~1{canvas_id}/get").has("security")).isFalse();
    assertThat(document.path("security").toString()).contains("bearer", "apiKey");
    assertThat(document.at("/components/securitySchemes/apiKey/name").asText())
        .isEqualTo("x-api-key");

    // the server stream: NDJSON and server-sent events
    JsonNode stream = document.at("/paths/~1v1~1canvases~1{canvas_id}~1ops:stream/get");
    assertThat(parameters(stream)).containsExactly("path canvas_id", "query fromVersion");
    assertThat(names(stream.at("/responses/200/content")))
        .containsExactly("application/x-ndjson", "text/event-stream");
    assertThat(stream.at("/responses/200/content/application~1x-ndjson/schema/$ref").asText())
        .isEqualTo("#/components/schemas/easel.v1.CanvasOp");
  }

  @Test
  void aRealOpenApiParserReadsItWithoutComplaint() throws Exception {
    String json = new String(OpenApiDocument.bytes(easelDocument()), "UTF-8");
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    SwaggerParseResult result = new OpenAPIV3Parser().readContents(json, null, options);
    assertThat(result.getMessages()).isEmpty();
    OpenAPI api = result.getOpenAPI();
    assertThat(api.getOpenapi()).isEqualTo(OpenApiDocument.VERSION);
    PathItem canvas = api.getPaths().get("/v1/canvases/{canvas_id}");
    assertThat(canvas.getGet().getOperationId()).isEqualTo("CanvasService_GetCanvas");
    assertThat(api.getComponents().getSchemas()).containsKey("easel.v1.Canvas");
    assertThat(api.getPaths().get("/v1/users/me").getDelete().getRequestBody()).isNotNull();
  }

  /**
   * What Easel's proto does not use yet: enums by name, maps, repeated and nested fields, unsigned
   * 64-bit integers, a body of one field, a response body, a variable with a pattern, additional
   * bindings and the comments.
   */
  @Test
  void everyKindOfFieldAndRuleOfTheMapping() throws Exception {
    FileDescriptorProto file =
        FileDescriptorProto.newBuilder()
            .setName("demo.proto")
            .setPackage("demo")
            .setSyntax("proto3")
            .addEnumType(
                EnumDescriptorProto.newBuilder()
                    .setName("Color")
                    .addValue(EnumValueDescriptorProto.newBuilder().setName("RED").setNumber(0))
                    .addValue(EnumValueDescriptorProto.newBuilder().setName("BLUE").setNumber(1)))
            .addMessageType(
                DescriptorProto.newBuilder()
                    .setName("Shelf")
                    .addField(field("name", 1, FieldDescriptorProto.Type.TYPE_STRING))
                    .addField(field("book_count", 2, FieldDescriptorProto.Type.TYPE_UINT64))
                    .addField(
                        field("color", 3, FieldDescriptorProto.Type.TYPE_ENUM)
                            .setTypeName(".demo.Color"))
                    .addField(
                        field("labels", 4, FieldDescriptorProto.Type.TYPE_MESSAGE)
                            .setTypeName(".demo.Shelf.LabelsEntry")
                            .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED))
                    .addField(
                        field("tags", 5, FieldDescriptorProto.Type.TYPE_STRING)
                            .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED))
                    .addField(
                        field("parent", 6, FieldDescriptorProto.Type.TYPE_MESSAGE)
                            .setTypeName(".demo.Shelf"))
                    .addNestedType(
                        DescriptorProto.newBuilder()
                            .setName("LabelsEntry")
                            .setOptions(MessageOptions.newBuilder().setMapEntry(true))
                            .addField(field("key", 1, FieldDescriptorProto.Type.TYPE_STRING))
                            .addField(field("value", 2, FieldDescriptorProto.Type.TYPE_INT64))))
            .addMessageType(
                DescriptorProto.newBuilder()
                    .setName("UpdateShelfRequest")
                    .addField(field("name", 1, FieldDescriptorProto.Type.TYPE_STRING))
                    .addField(
                        field("shelf", 2, FieldDescriptorProto.Type.TYPE_MESSAGE)
                            .setTypeName(".demo.Shelf"))
                    .addField(field("dry_run", 3, FieldDescriptorProto.Type.TYPE_BOOL)))
            .addMessageType(
                DescriptorProto.newBuilder()
                    .setName("UpdateShelfResponse")
                    .addField(
                        field("shelf", 1, FieldDescriptorProto.Type.TYPE_MESSAGE)
                            .setTypeName(".demo.Shelf")))
            .addService(
                ServiceDescriptorProto.newBuilder()
                    .setName("Shelves")
                    .addMethod(
                        MethodDescriptorProto.newBuilder()
                            .setName("UpdateShelf")
                            .setInputType(".demo.UpdateShelfRequest")
                            .setOutputType(".demo.UpdateShelfResponse")
                            .setOptions(
                                MethodOptions.newBuilder()
                                    .setExtension(
                                        AnnotationsProto.http,
                                        HttpRule.newBuilder()
                                            .setPatch("/v1/{name=shelves/*}")
                                            .setBody("shelf")
                                            .setResponseBody("shelf")
                                            .addAdditionalBindings(
                                                HttpRule.newBuilder()
                                                    .setPut("/v1/shelves/{name}")
                                                    .setBody("*"))
                                            .build()))))
            .setSourceCodeInfo(
                SourceCodeInfo.newBuilder()
                    .addLocation(comment("Shelves of books.", 6, 0))
                    .addLocation(comment("Changes a shelf.\nOnly its own fields.", 6, 0, 2, 0))
                    .addLocation(comment("A shelf.", 4, 0))
                    .addLocation(comment("How many books.", 4, 0, 2, 1))
                    .addLocation(comment("Like the sky.", 5, 0, 2, 1)))
            .build();
    Descriptors.FileDescriptor built =
        Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0]);
    ProtoComments comments = ProtoComments.of(FileDescriptorSet.newBuilder().addFile(file).build());
    assertThat(comments.of("demo.Color.BLUE")).isEqualTo("Like the sky.");
    ObjectNode document =
        OpenApiDocument.generate(
            built.getServices(), comments, rpc -> ApiPolicy.Rule.publicCall(), Map.of());

    JsonNode patch = document.at("/paths/~1v1~1{name}/patch");
    assertThat(patch.path("summary").asText()).isEqualTo("Changes a shelf.");
    assertThat(patch.path("description").asText()).startsWith("Changes a shelf.\nOnly its own");
    assertThat(parameters(patch)).containsExactly("path name", "query dryRun");
    assertThat(patch.at("/requestBody/content/application~1json/schema/$ref").asText())
        .isEqualTo("#/components/schemas/demo.Shelf");
    assertThat(patch.at("/responses/200/content/application~1json/schema/$ref").asText())
        .isEqualTo("#/components/schemas/demo.Shelf");
    JsonNode put = document.at("/paths/~1v1~1shelves~1{name}/put");
    assertThat(put.path("operationId").asText()).isEqualTo("Shelves_UpdateShelf_1");
    assertThat(names(put.at("/requestBody/content/application~1json/schema/properties")))
        .containsExactlyInAnyOrder("shelf", "dryRun");
    assertThat(document.at("/tags/0/description").asText()).isEqualTo("Shelves of books.");

    JsonNode shelf = document.at("/components/schemas/demo.Shelf");
    assertThat(shelf.path("description").asText()).isEqualTo("A shelf.");
    assertThat(shelf.at("/properties/bookCount/type").asText()).isEqualTo("string");
    assertThat(shelf.at("/properties/bookCount/format").asText()).isEqualTo("uint64");
    assertThat(shelf.at("/properties/bookCount/description").asText()).isEqualTo("How many books.");
    assertThat(shelf.at("/properties/color/enum").toString()).isEqualTo("[\"RED\",\"BLUE\"]");
    assertThat(shelf.at("/properties/labels/type").asText()).isEqualTo("object");
    assertThat(shelf.at("/properties/labels/additionalProperties/type").asText())
        .isEqualTo("string");
    assertThat(shelf.at("/properties/tags/items/type").asText()).isEqualTo("string");
    assertThat(shelf.at("/properties/parent/$ref").asText())
        .isEqualTo("#/components/schemas/demo.Shelf");
    assertThat(document.at("/components/schemas").has("demo.Shelf.LabelsEntry")).isFalse();

    SwaggerParseResult parsed =
        new OpenAPIV3Parser()
            .readContents(new String(OpenApiDocument.bytes(document), "UTF-8"), null, null);
    assertThat(parsed.getMessages()).isEmpty();
  }

  @Test
  void everyDocumentedRpcNeedsAnAccessRule() {
    assertThatThrownBy(
            () -> OpenApiDocument.generate(services(), ProtoComments.load(), rpc -> null, STREAM))
        .hasMessageContaining("has no access rule");
  }

  private static FieldDescriptorProto.Builder field(
      String name, int number, FieldDescriptorProto.Type type) {
    return FieldDescriptorProto.newBuilder()
        .setName(name)
        .setNumber(number)
        .setType(type)
        .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL)
        .setJsonName(toCamel(name));
  }

  private static String toCamel(String name) {
    StringBuilder camel = new StringBuilder();
    boolean upper = false;
    for (char c : name.toCharArray()) {
      if (c == '_') upper = true;
      else {
        camel.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return camel.toString();
  }

  private static SourceCodeInfo.Location comment(String text, Integer... path) {
    SourceCodeInfo.Location.Builder location = SourceCodeInfo.Location.newBuilder();
    for (Integer part : path) location.addPath(part);
    String leading = String.join("\n", text.lines().map(line -> " " + line).toList()) + "\n";
    return location.setLeadingComments(leading).build();
  }

  private static List<String> parameters(JsonNode operation) {
    List<String> found = new ArrayList<>();
    for (JsonNode parameter : operation.path("parameters")) {
      found.add(parameter.path("in").asText() + " " + parameter.path("name").asText());
    }
    return found;
  }

  private static List<String> names(JsonNode object) {
    List<String> found = new ArrayList<>();
    object.fieldNames().forEachRemaining(found::add);
    return found;
  }
}
