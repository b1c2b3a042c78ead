package dev.easel.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 document of the REST API, generated from the protobuf descriptors of the services
 * served, never written by hand: one operation per {@code google.api.http} rule (and additional
 * binding), with its path parameters, the other request fields as query parameters (GET, DELETE
 * without a body) or as the JSON body ({@code body: "*"} or one field), and the response message.
 * Schemas follow the proto3 JSON mapping, as the transcoder reads and writes it: lowerCamelCase
 * names, 64-bit integers as strings, enums by name, {@code Struct}/{@code Value}/{@code ListValue}
 * as free-form JSON. Who may call what comes from {@link ApiPolicy}'s table: public calls need no
 * credential, calls that only a person may make name no API key. Descriptions are the comments of
 * the {@code .proto} files ({@link ProtoComments}).
 */
final class OpenApiDocument {
  static final String VERSION = "3.1.0";
  private static final Pattern VARIABLE = Pattern.compile("\\{([^}=]+)(=[^}]*)?}");
  private static final Map<String, Function<JsonNodeFactory, ObjectNode>> WELL_KNOWN = wellKnown();

  private final ProtoComments comments;
  private final Function<String, ApiPolicy.Rule> rules;
  private final Map<String, HttpRule> extraRules;
  private final JsonNodeFactory json = JsonNodeFactory.instance;
  private final Map<String, ObjectNode> schemas = new TreeMap<>();
  private final Deque<Descriptor> pending = new ArrayDeque<>();

  /**
   * @param rules the access rule of each RPC by full name ({@code
   *     easel.v1.CanvasService/GetCanvas})
   * @param extraRules bindings served by routes of their own (streams: the NDJSON/SSE route of
   *     StreamOps, the file upload of UploadDataset), by full RPC name
   */
  private OpenApiDocument(
      ProtoComments comments,
      Function<String, ApiPolicy.Rule> rules,
      Map<String, HttpRule> extraRules) {
    this.comments = comments;
    this.rules = rules;
    this.extraRules = extraRules;
  }

  /** The document of {@code services}. */
  static ObjectNode generate(
      List<ServiceDescriptor> services,
      ProtoComments comments,
      Function<String, ApiPolicy.Rule> rules,
      Map<String, HttpRule> extraRules) {
    return new OpenApiDocument(comments, rules, extraRules).document(services);
  }

  /** {@link #generate} as the bytes served at {@code /openapi.json}. */
  static byte[] bytes(ObjectNode document) {
    try {
      return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(document);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  /** Every HTTP rule of {@code method}: its own and its additional bindings, or an extra one. */
  static List<HttpRule> rulesOf(MethodDescriptor method, Map<String, HttpRule> extraRules) {
    List<HttpRule> found = new ArrayList<>();
    HttpRule rule = null;
    if (method.getOptions().hasExtension(AnnotationsProto.http)) {
      rule = method.getOptions().getExtension(AnnotationsProto.http);
    } else {
      rule = extraRules.get(fullName(method));
    }
    if (rule == null) return found;
    found.add(rule);
    found.addAll(rule.getAdditionalBindingsList());
    return found;
  }

  /** {@code easel.v1.CanvasService/GetCanvas}: the name gRPC (and {@link ApiPolicy}) use. */
  static String fullName(MethodDescriptor method) {
    return method.getService().getFullName() + "/" + method.getName();
  }

  /** The HTTP method of a rule, lower case as OpenAPI writes it; null for custom ones. */
  static String verb(HttpRule rule) {
    String method = HttpRules.method(rule);
    return method == null || rule.getPatternCase() == HttpRule.PatternCase.CUSTOM
        ? null
        : method.toLowerCase(Locale.ROOT);
  }

  /** The path template of a rule; null for custom ones, which OpenAPI cannot name. */
  static String template(HttpRule rule) {
    return rule.getPatternCase() == HttpRule.PatternCase.CUSTOM ? null : HttpRules.template(rule);
  }

  /** The OpenAPI path of a rule's template: {@code {name=projects/*}} becomes {@code {name}}. */
  static String openApiPath(String template) {
    return VARIABLE.matcher(template).replaceAll(match -> "{" + match.group(1) + "}");
  }

  private static List<String> pathVariables(String template) {
    List<String> variables = new ArrayList<>();
    Matcher matcher = VARIABLE.matcher(template);
    while (matcher.find()) variables.add(matcher.group(1));
    return variables;
  }

  private ObjectNode document(List<ServiceDescriptor> services) {
    ObjectNode document = json.objectNode();
    document.put("openapi", VERSION);
    ObjectNode info = document.putObject("info");
    info.put("title", "Easel API");
    info.put("version", "v1");
    info.put(
        "description",
        "The REST/JSON face of Easel's gRPC API, transcoded from the google.api.http annotations"
            + " of its .proto files; this document is generated from them. JSON follows the"
            + " proto3 JSON mapping: lowerCamelCase names (the transcoder also reads the proto"
            + " names), 64-bit integers as strings, enums by name. Errors answer with an HTTP"
            + " status mapped from the gRPC code and a JSON body whose details hold a"
            + " google.rpc.ErrorInfo naming the reason. The same calls are served over gRPC and"
            + " gRPC-Web; the console at /docs lists them and can try them.");
    document.putArray("servers").addObject().put("url", "/");
    ArrayNode tags = document.putArray("tags");
    ObjectNode paths = document.putObject("paths");
    Map<String, ObjectNode> byPath = new TreeMap<>();
    for (ServiceDescriptor service : services) {
      boolean served = false;
      for (MethodDescriptor method : service.getMethods()) {
        List<HttpRule> bindings = rulesOf(method, extraRules);
        for (int i = 0; i < bindings.size(); i++) {
          HttpRule rule = bindings.get(i);
          String verb = verb(rule);
          if (verb == null) continue;
          String path = openApiPath(template(rule));
          ObjectNode item = byPath.computeIfAbsent(path, p -> json.objectNode());
          if (item.has(verb)) {
            throw new IllegalStateException(
                verb.toUpperCase(Locale.ROOT)
                    + " "
                    + path
                    + " is bound twice ("
                    + fullName(method)
                    + ")");
          }
          item.set(verb, operation(method, rule, i));
          served = true;
        }
      }
      if (served) {
        ObjectNode tag = tags.addObject().put("name", service.getName());
        String about = comments.of(service.getFullName());
        if (!about.isEmpty()) tag.put("description", about);
      }
    }
    byPath.forEach(paths::set);
    ObjectNode components = document.putObject("components");
    while (!pending.isEmpty()) {
      Descriptor type = pending.pop();
      if (!schemas.containsKey(type.getFullName())) {
        schemas.put(type.getFullName(), json.objectNode()); // reserve: types may recurse
        schemas.put(type.getFullName(), messageSchema(type, Set.of()));
      }
    }
    ObjectNode schemaNodes = components.putObject("schemas");
    schemas.forEach(schemaNodes::set);
    schemaNodes.set("easel.Error", errorSchema());
    ObjectNode security = components.putObject("securitySchemes");
    security
        .putObject("bearer")
        .put("type", "http")
        .put("scheme", "bearer")
        .put("bearerFormat", "JWT access token, or an API key (ek_...)")
        .put(
            "description",
            "Authorization: Bearer <access token from /v1/auth:login, or an API key>");
    security
        .putObject("apiKey")
        .put("type", "apiKey")
        .put("in", "header")
        .put("name", Callers.API_KEY_HEADER)
        .put("description", "An API key (ek_...), limited to its scopes and maybe one project");
    security
        .putObject("browserSession")
        .put("type", "apiKey")
        .put("in", "cookie")
        .put("name", Callers.ACCESS_COOKIE)
        .put(
            "description",
            "A browser signed in at /v1/auth/browser/login; its changes also send X-CSRF-Token");
    ArrayNode anyone = document.putArray("security");
    anyone.addObject().putArray("bearer");
    anyone.addObject().putArray("apiKey");
    anyone.addObject().putArray("browserSession");
    return document;
  }

  private ObjectNode operation(MethodDescriptor method, HttpRule rule, int binding) {
    String rpc = fullName(method);
    ObjectNode operation = json.objectNode();
    operation.putArray("tags").add(method.getService().getName());
    operation.put(
        "operationId",
        method.getService().getName()
            + "_"
            + method.getName()
            + (binding == 0 ? "" : "_" + binding));
    String summary = comments.summary(method.getFullName());
    operation.put("summary", summary.isEmpty() ? method.getName() : summary);
    StringBuilder description = new StringBuilder(comments.of(method.getFullName()));
    ApiPolicy.Rule access = rules.apply(rpc);
    if (access == null) {
      throw new IllegalStateException(rpc + " has no access rule in ApiPolicy.RULES");
    }
    if (access.requirement() == ApiPolicy.Requirement.PUBLIC) {
      operation.putArray("security"); // no credential
    } else if (access.keyScope() == null) {
      ArrayNode person = operation.putArray("security");
      person.addObject().putArray("bearer");
      person.addObject().putArray("browserSession");
      paragraph(description, "Only a signed-in person may call this; API keys may not.");
    } else {
      paragraph(
          description,
          "API keys need the "
              + access.keyScope().wireName()
              + " scope"
              + (access.action() != null
                  ? "; the caller's project role must allow " + access.action() + "."
                  : "."));
    }
    paragraph(description, "gRPC: " + rpc + ".");

    Descriptor input = method.getInputType();
    String template = template(rule);
    Set<String> bound = new LinkedHashSet<>();
    ArrayNode parameters = json.arrayNode();
    for (String variable : pathVariables(template)) {
      FieldDescriptor field = fieldAt(input, variable);
      bound.add(variable);
      ObjectNode parameter = parameters.addObject();
      parameter.put("name", variable);
      parameter.put("in", "path");
      parameter.put("required", true);
      describe(parameter, field);
      parameter.set("schema", fieldSchema(field));
    }
    String body = rule.getBody();
    if (method.isClientStreaming()) {
      // A stream of chunks over gRPC is one body over HTTP: the file itself.
      operation.set("requestBody", fileBody());
    } else if (body.isEmpty()) {
      queryParameters(parameters, input, "", bound, new LinkedHashSet<>());
    } else if (body.equals("*")) {
      operation.set("requestBody", requestBody(bodySchema(input, bound)));
    } else {
      FieldDescriptor field = fieldAt(input, body);
      bound.add(body);
      queryParameters(parameters, input, "", bound, new LinkedHashSet<>());
      operation.set("requestBody", requestBody(fieldSchema(field)));
    }
    if (!parameters.isEmpty()) operation.set("parameters", parameters);

    ObjectNode responses = operation.putObject("responses");
    ObjectNode ok = responses.putObject(method.isClientStreaming() ? "201" : "200");
    ObjectNode content = ok.putObject("content");
    ObjectNode result =
        rule.getResponseBody().isEmpty()
            ? ref(method.getOutputType())
            : fieldSchema(fieldAt(method.getOutputType(), rule.getResponseBody()));
    if (method.isServerStreaming()
        && method.getOutputType().getFullName().equals("google.api.HttpBody")) {
      ok.put(
          "description",
          "The file, streamed (Content-Length and Content-Disposition: attachment), in the type"
              + " of the format asked for.");
      for (String type : new java.util.TreeSet<>(ResultDownload.CONTENT_TYPES.values())) {
        content.putObject(type).putObject("schema").put("type", "string").put("format", "binary");
      }
    } else if (method.isServerStreaming()) {
      ok.put(
          "description",
          "A stream that lasts as long as the client reads it: one "
              + method.getOutputType().getName()
              + " per line (application/x-ndjson, the default), or per server-sent event"
              + " (text/event-stream: event op, id the version, data the JSON; comment lines as"
              + " heartbeats; Last-Event-ID resumes). A failure while streaming ends it with a"
              + " last line {\"error\": {...}} or an event error.");
      content.putObject(OpStreamRoute.NDJSON.toString()).set("schema", result);
      content.putObject("text/event-stream").putObject("schema").put("type", "string");
    } else {
      ok.put("description", method.getOutputType().getName());
      content.putObject("application/json").set("schema", result);
    }
    ObjectNode error = responses.putObject("default");
    error.put(
        "description",
        "The call was refused or failed: the status is mapped from the gRPC code (400"
            + " INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND, 409"
            + " ALREADY_EXISTS, 429 RESOURCE_EXHAUSTED with Retry-After, 503 UNAVAILABLE...)");
    error
        .putObject("content")
        .putObject("application/json")
        .putObject("schema")
        .put("$ref", "#/components/schemas/easel.Error");
    if (!description.isEmpty()) operation.put("description", description.toString());
    return operation;
  }

  /**
   * The body of an upload: the file as it is (its format from Content-Type, else sniffed), or a
   * form whose {@code file} part is the file.
   */
  private ObjectNode fileBody() {
    ObjectNode body = json.objectNode();
    body.put("required", true);
    body.put(
        "description",
        "The file: CSV, TSV, JSON, NDJSON or Parquet, its format from Content-Type (or sniffed from"
            + " the content for application/octet-stream or no type); or a multipart/form-data"
            + " body whose 'file' part is the file. At most easel.datasets.max-upload-size (413"
            + " beyond).");
    ObjectNode content = body.putObject("content");
    for (String type :
        List.of(
            "text/csv",
            "text/tab-separated-values",
            "application/json",
            "application/x-ndjson",
            "application/vnd.apache.parquet",
            "application/octet-stream")) {
      content.putObject(type).putObject("schema").put("type", "string").put("format", "binary");
    }
    ObjectNode form = content.putObject("multipart/form-data").putObject("schema");
    form.put("type", "object");
    form.putObject("properties").putObject("file").put("type", "string").put("format", "binary");
    form.putArray("required").add("file");
    return body;
  }

  private static void paragraph(StringBuilder text, String paragraph) {
    if (!text.isEmpty()) text.append("\n\n");
    text.append(paragraph);
  }

  private ObjectNode requestBody(ObjectNode schema) {
    ObjectNode body = json.objectNode();
    body.put("required", true);
    body.putObject("content").putObject("application/json").set("schema", schema);
    return body;
  }

  /** The request message less the fields the path binds; the message itself when none are. */
  private ObjectNode bodySchema(Descriptor input, Set<String> bound) {
    if (bound.isEmpty()) return ref(input);
    return messageSchema(input, bound);
  }

  /** Query parameters for every field not bound elsewhere, nested messages as {@code a.b}. */
  private void queryParameters(
      ArrayNode parameters,
      Descriptor type,
      String prefix,
      Set<String> bound,
      Set<Descriptor> visiting) {
    if (!visiting.add(type)) return;
    for (FieldDescriptor field : type.getFields()) {
      String path = prefix + field.getName();
      if (bound.contains(path)) continue;
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && !field.isMapField()
          && !field.isRepeated()
          && !WELL_KNOWN.containsKey(field.getMessageType().getFullName())) {
        queryParameters(parameters, field.getMessageType(), path + ".", bound, visiting);
        continue;
      }
      if (field.isMapField()
          || (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
              && !scalarWellKnown(field.getMessageType()))) {
        continue; // not expressible in a query string
      }
      ObjectNode parameter = parameters.addObject();
      parameter.put("name", jsonPath(prefix, field));
      parameter.put("in", "query");
      describe(parameter, field);
      parameter.set("schema", fieldSchema(field));
    }
    visiting.remove(type);
  }

  private static String jsonPath(String prefix, FieldDescriptor field) {
    if (prefix.isEmpty()) return field.getJsonName();
    StringBuilder path = new StringBuilder();
    for (String part : prefix.split("\\.")) {
      path.append(toLowerCamel(part)).append('.');
    }
    return path.append(field.getJsonName()).toString();
  }

  private static String toLowerCamel(String protoName) {
    StringBuilder camel = new StringBuilder();
    boolean upper = false;
    for (char c : protoName.toCharArray()) {
      if (c == '_') upper = true;
      else {
        camel.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return camel.toString();
  }

  private static boolean scalarWellKnown(Descriptor type) {
    return switch (type.getFullName()) {
      case "google.protobuf.Timestamp",
          "google.protobuf.Duration",
          "google.protobuf.FieldMask",
          "google.protobuf.DoubleValue",
          "google.protobuf.FloatValue",
          "google.protobuf.Int64Value",
          "google.protobuf.UInt64Value",
          "google.protobuf.Int32Value",
          "google.protobuf.UInt32Value",
          "google.protobuf.BoolValue",
          "google.protobuf.StringValue",
          "google.protobuf.BytesValue" ->
          true;
      default -> false;
    };
  }

  /** The field that a dotted path ({@code canvas_id}, {@code user.name}) names in {@code type}. */
  private static FieldDescriptor fieldAt(Descriptor type, String path) {
    Descriptor current = type;
    FieldDescriptor field = null;
    for (String part : path.split("\\.")) {
      if (current == null) break;
      field = current.findFieldByName(part);
      if (field == null) break;
      current =
          field.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? field.getMessageType() : null;
    }
    if (field == null) {
      throw new IllegalStateException(
          "the HTTP rule names " + path + ", which " + type.getFullName() + " does not have");
    }
    return field;
  }

  private void describe(ObjectNode node, FieldDescriptor field) {
    String text = comments.of(field.getFullName());
    if (!text.isEmpty()) node.put("description", text);
  }

  private ObjectNode messageSchema(Descriptor type, Set<String> leaveOut) {
    ObjectNode schema = json.objectNode();
    schema.put("type", "object");
    String about = comments.of(type.getFullName());
    if (!about.isEmpty()) schema.put("description", about);
    ObjectNode properties = schema.putObject("properties");
    for (FieldDescriptor field : type.getFields()) {
      if (leaveOut.contains(field.getName())) continue;
      ObjectNode property = fieldSchema(field);
      describe(property, field);
      properties.set(field.getJsonName(), property);
    }
    return schema;
  }

  /** The schema of a field's JSON value: repeated as an array, maps as objects. */
  private ObjectNode fieldSchema(FieldDescriptor field) {
    if (field.isMapField()) {
      ObjectNode map = json.objectNode();
      map.put("type", "object");
      map.set(
          "additionalProperties", singleSchema(field.getMessageType().findFieldByName("value")));
      return map;
    }
    if (field.isRepeated()) {
      ObjectNode array = json.objectNode();
      array.put("type", "array");
      array.set("items", singleSchema(field));
      return array;
    }
    return singleSchema(field);
  }

  private ObjectNode singleSchema(FieldDescriptor field) {
    ObjectNode schema = json.objectNode();
    switch (field.getType()) {
      case INT32, SINT32, SFIXED32 -> schema.put("type", "integer").put("format", "int32");
      case UINT32, FIXED32 ->
          schema.put("type", "integer").put("format", "int64").put("minimum", 0);
      case INT64, SINT64, SFIXED64 -> int64(schema, "int64");
      case UINT64, FIXED64 -> int64(schema, "uint64");
      case FLOAT -> schema.put("type", "number").put("format", "float");
      case DOUBLE -> schema.put("type", "number").put("format", "double");
      case BOOL -> schema.put("type", "boolean");
      case STRING -> schema.put("type", "string");
      case BYTES -> schema.put("type", "string").put("format", "byte");
      case ENUM -> {
        schema.put("type", "string");
        ArrayNode values = schema.putArray("enum");
        for (EnumValueDescriptor value : field.getEnumType().getValues()) {
          values.add(value.getName());
        }
      }
      case MESSAGE, GROUP -> {
        return ref(field.getMessageType());
      }
    }
    return schema;
  }

  /** 64-bit integers are strings in proto3 JSON (a JavaScript number cannot hold them all). */
  private static void int64(ObjectNode schema, String format) {
    schema.put("type", "string").put("format", format);
    schema.put("pattern", format.equals("int64") ? "^-?[0-9]+$" : "^[0-9]+$");
  }

  /** A reference to a message's schema, or the inline schema of a well-known type. */
  private ObjectNode ref(Descriptor type) {
    Function<JsonNodeFactory, ObjectNode> wellKnown = WELL_KNOWN.get(type.getFullName());
    if (wellKnown != null) return wellKnown.apply(json);
    if (!schemas.containsKey(type.getFullName())) pending.push(type);
    ObjectNode ref = json.objectNode();
    ref.put("$ref", "#/components/schemas/" + type.getFullName());
    return ref;
  }

  private ObjectNode errorSchema() {
    ObjectNode schema = json.objectNode();
    schema.put("type", "object");
    schema.put("description", "An error, as every REST call answers one");
    ObjectNode properties = schema.putObject("properties");
    properties
        .putObject("code")
        .put("type", "integer")
        .put("description", "The gRPC status code number");
    properties
        .putObject("grpc-code")
        .put("type", "string")
        .put("description", "The gRPC status code: NOT_FOUND, PERMISSION_DENIED...");
    properties.putObject("message").put("type", "string");
    ObjectNode details = properties.putObject("details");
    details.put("type", "array");
    details.put(
        "description",
        "google.rpc error details: an ErrorInfo (domain easel.dev) whose reason names the"
            + " problem (CANVAS_NOT_FOUND, RATE_LIMITED...), RetryInfo, BadRequest");
    ObjectNode detail = details.putObject("items");
    detail.put("type", "object");
    detail.putObject("properties").putObject("@type").put("type", "string");
    return schema;
  }

  private static Map<String, Function<JsonNodeFactory, ObjectNode>> wellKnown() {
    Map<String, Function<JsonNodeFactory, ObjectNode>> types = new LinkedHashMap<>();
    types.put(
        "google.protobuf.Struct",
        json ->
            json.objectNode()
                .put("type", "object")
                .put("additionalProperties", true)
                .put("description", "Any JSON object"));
    types.put(
        "google.protobuf.Value", json -> json.objectNode().put("description", "Any JSON value"));
    types.put(
        "google.protobuf.ListValue",
        json -> {
          ObjectNode list = json.objectNode().put("type", "array");
          list.putObject("items");
          return list.put("description", "Any JSON array");
        });
    types.put(
        "google.protobuf.Timestamp",
        json -> json.objectNode().put("type", "string").put("format", "date-time"));
    types.put(
        "google.protobuf.Duration",
        json ->
            json.objectNode()
                .put("type", "string")
                .put("pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$")
                .put("description", "Seconds with an s suffix, such as 1.5s"));
    types.put(
        "google.protobuf.FieldMask",
        json ->
            json.objectNode()
                .put("type", "string")
                .put("description", "Comma-separated lowerCamelCase field paths"));
    types.put("google.protobuf.Empty", json -> json.objectNode().put("type", "object"));
    types.put(
        "google.protobuf.Any",
        json -> {
          ObjectNode any = json.objectNode().put("type", "object");
          any.putObject("properties").putObject("@type").put("type", "string");
          return any.put("additionalProperties", true);
        });
    types.put(
        "google.protobuf.DoubleValue",
        json -> json.objectNode().put("type", "number").put("format", "double"));
    types.put(
        "google.protobuf.FloatValue",
        json -> json.objectNode().put("type", "number").put("format", "float"));
    types.put(
        "google.protobuf.Int64Value",
        json -> json.objectNode().put("type", "string").put("format", "int64"));
    types.put(
        "google.protobuf.UInt64Value",
        json -> json.objectNode().put("type", "string").put("format", "uint64"));
    types.put(
        "google.protobuf.Int32Value",
        json -> json.objectNode().put("type", "integer").put("format", "int32"));
    types.put(
        "google.protobuf.UInt32Value",
        json -> json.objectNode().put("type", "integer").put("format", "int64"));
    types.put("google.protobuf.BoolValue", json -> json.objectNode().put("type", "boolean"));
    types.put("google.protobuf.StringValue", json -> json.objectNode().put("type", "string"));
    types.put(
        "google.protobuf.BytesValue",
        json -> json.objectNode().put("type", "string").put("format", "byte"));
    return Map.copyOf(types);
  }
}
