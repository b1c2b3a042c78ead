package dev.easel.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import com.typesafe.config.Config;
import dev.easel.api.v1.ApiKeyServiceGrpc;
import dev.easel.api.v1.AuthServiceGrpc;
import dev.easel.api.v1.CanvasServiceGrpc;
import dev.easel.api.v1.DatasetServiceGrpc;
import dev.easel.api.v1.ExecuteQueryResponse;
import dev.easel.api.v1.OrganizationServiceGrpc;
import dev.easel.api.v1.ProjectServiceGrpc;
import dev.easel.api.v1.QueryServiceGrpc;
import dev.easel.api.v1.UserServiceGrpc;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.execution.AsyncExecutionStrategy;
import graphql.execution.AsyncSerialExecutionStrategy;
import graphql.execution.SubscriptionExecutionStrategy;
import graphql.introspection.Introspection;
import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeDefinitionRegistry;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.dataloader.DataLoader;
import org.dataloader.DataLoaderFactory;
import org.dataloader.DataLoaderRegistry;
import org.dataloader.Try;

/**
 * Easel's GraphQL schema ({@code easel.graphqls}) and what each of its fields calls: a façade over
 * the gRPC API with no logic of its own. Each field that reads or writes is one RPC of {@link
 * #FIELDS}, called through {@link LoopbackApi} with the caller's credential, so it passes the same
 * {@link ApiPolicy} and services as gRPC and REST. Arguments are the RPC's request fields under
 * their proto3 JSON names, and answers are the response messages as proto3 JSON (every field
 * present), so every face shows the same names and values; {@code GraphqlSchemaTest} holds the
 * schema to the proto.
 *
 * <p>Projects and canvases are loaded through DataLoaders: the same project or canvas named more
 * than once in a request (aliases, the entries of several lists) is asked for once, and the
 * distinct ones are asked for together. Lists come with what their items hold: {@code projects {
 * projects { members } }} is one {@code ListProjects} call however many projects there are. A list
 * is paged as its RPC pages it: the field takes {@code pageSize} and {@code pageToken} and answers
 * the whole {@code List...Response}, items and {@code nextPageToken}.
 *
 * <p>Signing up and in ({@code register}, {@code login}, {@code refresh}, {@code logout}) are
 * public RPCs like the rest: a request without a credential runs them, and the sign-in limits of
 * {@link RateLimits} see the client's address, which the loopback call names.
 */
final class GraphqlApi {
  static final String SCHEMA_RESOURCE = "easel.graphqls";
  static final String PROJECTS = "projects";
  static final String CANVASES = "canvases";

  /** The {@code easel.graphql} settings. */
  record Settings(int maxDepth, int maxComplexity, boolean introspection) {
    Settings {
      if (maxDepth < 1) {
        throw new IllegalArgumentException(
            "easel.graphql.max-depth (EASEL_GRAPHQL_MAX_DEPTH) must be at least 1");
      }
      if (maxComplexity < 1) {
        throw new IllegalArgumentException(
            "easel.graphql.max-complexity (EASEL_GRAPHQL_MAX_COMPLEXITY) must be at least 1");
      }
    }

    static Settings load(Config config) {
      return new Settings(
          config.getInt("max-depth"),
          config.getInt("max-complexity"),
          config.getBoolean("introspection"));
    }
  }

  /** How a field uses the answer of its RPC. */
  enum Answer {
    /** The response message itself. */
    MESSAGE,
    /** {@code true}: the response is empty, and the call succeeded. */
    DONE,
    /** Through a DataLoader of this request ({@link #PROJECTS}, {@link #CANVASES}). */
    LOADED,
    /** A subscription: every message of a server stream. */
    STREAM
  }

  /**
   * What a field calls: the RPC; the field of the parent object that its request takes as well (the
   * project of {@code Project.activity}), if any; and what of the answer it returns.
   */
  record Call(
      MethodDescriptor<? extends Message, ? extends Message> method,
      String parentField,
      Answer answer) {
    static Call message(MethodDescriptor<? extends Message, ? extends Message> method) {
      return new Call(method, null, Answer.MESSAGE);
    }

    static Call done(MethodDescriptor<? extends Message, ? extends Message> method) {
      return new Call(method, null, Answer.DONE);
    }

    static Call loaded(MethodDescriptor<? extends Message, ? extends Message> method) {
      return new Call(method, null, Answer.LOADED);
    }

    static Call stream(MethodDescriptor<? extends Message, ? extends Message> method) {
      return new Call(method, null, Answer.STREAM);
    }

    Call withParent(String field) {
      return new Call(method, field, answer);
    }
  }

  /** Every field that calls the API, by its coordinates ({@code Type.field}), and its RPC. */
  static final Map<String, Call> FIELDS = fields();

  private static Map<String, Call> fields() {
    Map<String, Call> fields = new LinkedHashMap<>();
    fields.put("Query.viewer", Call.message(UserServiceGrpc.getGetMeMethod()));
    fields.put("Query.projects", Call.message(ProjectServiceGrpc.getListProjectsMethod()));
    fields.put("Query.project", Call.loaded(ProjectServiceGrpc.getGetProjectMethod()));
    fields.put("Query.canvas", Call.loaded(CanvasServiceGrpc.getGetCanvasMethod()));
    fields.put("Query.canvases", Call.message(CanvasServiceGrpc.getListCanvasesMethod()));
    fields.put(
        "Query.canvasSnapshot", Call.message(CanvasServiceGrpc.getGetCanvasSnapshotMethod()));
    fields.put("Query.canvasHistory", Call.message(CanvasServiceGrpc.getGetCanvasHistoryMethod()));
    fields.put("Query.canvasDiff", Call.message(CanvasServiceGrpc.getDiffCanvasMethod()));
    fields.put("Query.namedVersions", Call.message(CanvasServiceGrpc.getListNamedVersionsMethod()));
    fields.put("Query.apiKeys", Call.message(ApiKeyServiceGrpc.getListApiKeysMethod()));
    fields.put("Query.securityEvents", Call.message(UserServiceGrpc.getListSecurityEventsMethod()));
    fields.put(
        "Query.organization", Call.message(OrganizationServiceGrpc.getGetOrganizationMethod()));
    fields.put(
        "Query.organizations", Call.message(OrganizationServiceGrpc.getListOrganizationsMethod()));
    fields.put(
        "Query.organizationProjects",
        Call.message(OrganizationServiceGrpc.getListOrganizationProjectsMethod()));
    fields.put("Query.executeQuery", Call.message(QueryServiceGrpc.getExecuteQueryMethod()));
    fields.put("Query.queryResult", Call.message(QueryServiceGrpc.getGetQueryResultMethod()));
    fields.put("Query.dataset", Call.message(DatasetServiceGrpc.getGetDatasetMethod()));
    fields.put(
        "Query.datasetPreview", Call.message(DatasetServiceGrpc.getGetDatasetPreviewMethod()));
    fields.put(
        "Project.datasets",
        Call.message(DatasetServiceGrpc.getListDatasetsMethod()).withParent("projectId"));
    fields.put(
        "Project.activity",
        Call.message(ProjectServiceGrpc.getListProjectActivityMethod()).withParent("projectId"));
    fields.put(
        "Project.invitations",
        Call.message(ProjectServiceGrpc.getListInvitationsMethod()).withParent("projectId"));
    fields.put(
        "Project.auditEvents",
        Call.message(ProjectServiceGrpc.getListProjectAuditEventsMethod()).withParent("projectId"));
    fields.put(
        "ProjectCanvasEntry.canvas",
        Call.loaded(CanvasServiceGrpc.getGetCanvasMethod()).withParent("canvasId"));

    fields.put("Mutation.register", Call.message(AuthServiceGrpc.getRegisterMethod()));
    fields.put("Mutation.login", Call.message(AuthServiceGrpc.getLoginMethod()));
    fields.put("Mutation.refresh", Call.message(AuthServiceGrpc.getRefreshMethod()));
    fields.put("Mutation.logout", Call.done(AuthServiceGrpc.getLogoutMethod()));
    fields.put("Mutation.createProject", Call.message(ProjectServiceGrpc.getCreateProjectMethod()));
    fields.put("Mutation.renameProject", Call.message(ProjectServiceGrpc.getRenameProjectMethod()));
    fields.put("Mutation.updateProject", Call.message(ProjectServiceGrpc.getUpdateProjectMethod()));
    fields.put(
        "Mutation.archiveProject", Call.message(ProjectServiceGrpc.getArchiveProjectMethod()));
    fields.put(
        "Mutation.unarchiveProject", Call.message(ProjectServiceGrpc.getUnarchiveProjectMethod()));
    fields.put("Mutation.deleteProject", Call.done(ProjectServiceGrpc.getDeleteProjectMethod()));
    fields.put("Mutation.addMember", Call.message(ProjectServiceGrpc.getAddMemberMethod()));
    fields.put(
        "Mutation.changeMemberRole", Call.message(ProjectServiceGrpc.getChangeMemberRoleMethod()));
    fields.put("Mutation.removeMember", Call.done(ProjectServiceGrpc.getRemoveMemberMethod()));
    fields.put(
        "Mutation.transferOwnership",
        Call.message(ProjectServiceGrpc.getTransferOwnershipMethod()));
    fields.put(
        "Mutation.createInvitation", Call.message(ProjectServiceGrpc.getCreateInvitationMethod()));
    fields.put(
        "Mutation.revokeInvitation", Call.done(ProjectServiceGrpc.getRevokeInvitationMethod()));
    fields.put(
        "Mutation.acceptInvitation", Call.message(ProjectServiceGrpc.getAcceptInvitationMethod()));
    fields.put(
        "Mutation.createProjectCanvas",
        Call.message(ProjectServiceGrpc.getCreateProjectCanvasMethod()));
    fields.put("Mutation.createCanvas", Call.message(CanvasServiceGrpc.getCreateCanvasMethod()));
    fields.put("Mutation.submitOp", Call.message(CanvasServiceGrpc.getSubmitOpMethod()));
    fields.put("Mutation.runCell", Call.message(CanvasServiceGrpc.getRunCellMethod()));
    fields.put(
        "Mutation.createNamedVersion",
        Call.message(CanvasServiceGrpc.getCreateNamedVersionMethod()));
    fields.put(
        "Mutation.updateNamedVersion",
        Call.message(CanvasServiceGrpc.getUpdateNamedVersionMethod()));
    fields.put(
        "Mutation.rollbackCanvas", Call.message(CanvasServiceGrpc.getRollbackCanvasMethod()));
    fields.put(
        "Mutation.deleteNamedVersion",
        Call.message(CanvasServiceGrpc.getDeleteNamedVersionMethod()));
    fields.put("Mutation.createApiKey", Call.message(ApiKeyServiceGrpc.getCreateApiKeyMethod()));
    fields.put("Mutation.revokeApiKey", Call.done(ApiKeyServiceGrpc.getRevokeApiKeyMethod()));
    fields.put("Mutation.updateMe", Call.message(UserServiceGrpc.getUpdateMeMethod()));
    fields.put("Mutation.changePassword", Call.done(UserServiceGrpc.getChangePasswordMethod()));
    fields.put("Mutation.deleteMe", Call.done(UserServiceGrpc.getDeleteMeMethod()));
    fields.put("Mutation.enrollTotp", Call.message(UserServiceGrpc.getEnrollTotpMethod()));
    fields.put("Mutation.confirmTotp", Call.message(UserServiceGrpc.getConfirmTotpMethod()));
    fields.put("Mutation.disableTotp", Call.done(UserServiceGrpc.getDisableTotpMethod()));
    fields.put(
        "Mutation.regenerateRecoveryCodes",
        Call.message(UserServiceGrpc.getRegenerateRecoveryCodesMethod()));
    fields.put("Mutation.cancelQuery", Call.message(QueryServiceGrpc.getCancelQueryMethod()));
    fields.put(
        "Mutation.createOrganization",
        Call.message(OrganizationServiceGrpc.getCreateOrganizationMethod()));
    fields.put(
        "Mutation.addOrganizationMember",
        Call.message(OrganizationServiceGrpc.getAddOrganizationMemberMethod()));
    fields.put(
        "Mutation.removeOrganizationMember",
        Call.done(OrganizationServiceGrpc.getRemoveOrganizationMemberMethod()));

    fields.put("Mutation.renameDataset", Call.message(DatasetServiceGrpc.getRenameDatasetMethod()));
    fields.put("Mutation.deleteDataset", Call.done(DatasetServiceGrpc.getDeleteDatasetMethod()));

    fields.put("Subscription.canvasOps", Call.stream(CanvasServiceGrpc.getStreamOpsMethod()));
    fields.put(
        "Subscription.projectActivity",
        Call.stream(ProjectServiceGrpc.getWatchProjectActivityMethod()));

    return Map.copyOf(fields);
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();

  private final Settings settings;
  private final GraphQL graphql;

  GraphqlApi(Settings settings) {
    this.settings = settings;
    GraphqlErrors errors = new GraphqlErrors();
    this.graphql =
        GraphQL.newGraphQL(schema())
            .defaultDataFetcherExceptionHandler(errors)
            .queryExecutionStrategy(new AsyncExecutionStrategy(errors))
            .mutationExecutionStrategy(new AsyncSerialExecutionStrategy(errors))
            .subscriptionExecutionStrategy(new SubscriptionExecutionStrategy(errors))
            .instrumentation(
                new QueryLimits(settings.maxDepth(), settings.maxComplexity(), FIELDS::containsKey))
            .build();
  }

  /** The schema: the SDL of {@link #SCHEMA_RESOURCE} wired to {@link #FIELDS}. */
  static GraphQLSchema schema() {
    TypeDefinitionRegistry types = new SchemaParser().parse(sdl());
    RuntimeWiring.Builder wiring =
        RuntimeWiring.newRuntimeWiring().scalar(GraphqlScalars.INT64).scalar(GraphqlScalars.JSON);
    FIELDS.forEach(
        (coordinates, call) -> {
          int dot = coordinates.indexOf('.');
          wiring.type(
              coordinates.substring(0, dot),
              type -> type.dataFetcher(coordinates.substring(dot + 1), fetcher(call)));
        });
    return new SchemaGenerator().makeExecutableSchema(types, wiring.build());
  }

  static String sdl() {
    try (InputStream in = GraphqlApi.class.getResourceAsStream(SCHEMA_RESOURCE)) {
      if (in == null) throw new IllegalStateException(SCHEMA_RESOURCE + " is missing");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One GraphQL request: the document, the operation to run in it, and its variables. */
  record Request(String query, String operationName, Map<String, Object> variables) {}

  /**
   * Runs a request with the calls of {@code session}: a result whose data is a {@code Publisher} of
   * results for a subscription.
   */
  CompletableFuture<ExecutionResult> execute(Request request, LoopbackApi.Session session) {
    Map<Object, Object> context = new LinkedHashMap<>();
    context.put(LoopbackApi.Session.class, session);
    if (!settings.introspection()) context.put(Introspection.INTROSPECTION_DISABLED, true);
    ExecutionInput input =
        ExecutionInput.newExecutionInput()
            .query(request.query())
            .operationName(request.operationName())
            .variables(request.variables() == null ? Map.of() : request.variables())
            .graphQLContext(context)
            .dataLoaderRegistry(loaders(session))
            .build();
    return graphql
        .executeAsync(input)
        .thenApply(
            result -> GraphqlRefusals.named(result, graphql.getGraphQLSchema(), request.query()));
  }

  private static DataLoaderRegistry loaders(LoopbackApi.Session session) {
    DataLoader<String, Object> projects =
        DataLoaderFactory.newDataLoaderWithTry(
            (List<String> ids) ->
                each(
                    ids,
                    id ->
                        call(
                                session,
                                ProjectServiceGrpc.getGetProjectMethod(),
                                Map.of("projectId", id))
                            .thenApply(GraphqlApi::toMap)));
    DataLoader<CanvasAt, Object> canvases =
        DataLoaderFactory.newDataLoaderWithTry(
            (List<CanvasAt> keys) ->
                each(
                    keys,
                    key ->
                        call(
                                session,
                                CanvasServiceGrpc.getGetCanvasMethod(),
                                Map.of("canvasId", key.canvasId(), "version", key.version()))
                            .thenApply(GraphqlApi::toMap)));
    return DataLoaderRegistry.newRegistry()
        .register(PROJECTS, projects)
        .register(CANVASES, canvases)
        .build();
  }

  /** A canvas at a version (0: the latest), as the canvas loader's key. */
  record CanvasAt(String canvasId, long version) {}

  /** Loads every key with its own call, at once; each key fails or succeeds on its own. */
  private static <K> CompletionStage<List<Try<Object>>> each(
      List<K> keys, Function<K, CompletableFuture<Object>> load) {
    List<CompletableFuture<Try<Object>>> loads = new ArrayList<>();
    for (K key : keys) {
      CompletableFuture<Object> loaded;
      try {
        loaded = load.apply(key);
      } catch (RuntimeException e) {
        loaded = CompletableFuture.failedFuture(e);
      }
      loads.add(Try.tryFuture(loaded));
    }
    return CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new))
        .thenApply(done -> loads.stream().map(CompletableFuture::join).toList());
  }

  private static DataFetcher<Object> fetcher(Call call) {
    return env -> {
      LoopbackApi.Session session = env.getGraphQlContext().get(LoopbackApi.Session.class);
      Map<String, Object> fields = requestFields(call, env);
      return switch (call.answer()) {
        case MESSAGE -> call(session, call.method(), fields).thenApply(GraphqlApi::toMap);
        case DONE -> call(session, call.method(), fields).thenApply(answer -> Boolean.TRUE);
        case LOADED -> load(env, call, fields);
        case STREAM -> stream(session, call.method(), fields).map(GraphqlApi::toMap);
      };
    };
  }

  /** The request's fields: the field's arguments and, for a field of an object, its parent's id. */
  private static Map<String, Object> requestFields(Call call, DataFetchingEnvironment env) {
    Map<String, Object> fields = new LinkedHashMap<>(env.getArguments());
    if (call.parentField() != null) {
      Map<?, ?> parent = env.getSource();
      fields.put(call.parentField(), parent.get(call.parentField()));
    }
    return fields;
  }

  private static CompletableFuture<Object> load(
      DataFetchingEnvironment env, Call call, Map<String, Object> fields) {
    if (call.method().equals(ProjectServiceGrpc.getGetProjectMethod())) {
      DataLoader<String, Object> projects = env.getDataLoader(PROJECTS);
      return projects.load((String) fields.get("projectId"));
    }
    DataLoader<CanvasAt, Object> canvases = env.getDataLoader(CANVASES);
    Object version = fields.get("version");
    return canvases.load(
        new CanvasAt(
            (String) fields.get("canvasId"), version == null ? 0 : ((Number) version).longValue()));
  }

  /** Calls a unary RPC with the request made of {@code fields} (proto3 JSON names). */
  static <Q extends Message, R extends Message> CompletableFuture<R> call(
      LoopbackApi.Session session, MethodDescriptor<Q, R> method, Map<String, Object> fields) {
    return session.call(method, request(method, fields));
  }

  private static <Q extends Message, R extends Message>
      com.linecorp.armeria.common.stream.StreamMessage<R> stream(
          LoopbackApi.Session session, MethodDescriptor<Q, R> method, Map<String, Object> fields) {
    return session.stream(method, request(method, fields));
  }

  /**
   * The request message of {@code method} with {@code fields}, read as proto3 JSON as REST reads a
   * body: a value the message cannot take (an op that is not a list) is INVALID_ARGUMENT.
   */
  static <Q extends Message> Q request(MethodDescriptor<Q, ?> method, Map<String, Object> fields) {
    MethodDescriptor.PrototypeMarshaller<Q> requests =
        (MethodDescriptor.PrototypeMarshaller<Q>) method.getRequestMarshaller();
    Message.Builder builder = requests.getMessagePrototype().newBuilderForType();
    try {
      PARSER.merge(JSON.writeValueAsString(fields), builder);
    } catch (JsonProcessingException | InvalidProtocolBufferException e) {
      throw ApiErrors.invalid(null, e.getMessage());
    }
    return requests.getMessageClass().cast(builder.build());
  }

  /** A message as proto3 JSON (every field present, 64-bit integers as strings), as a map. */
  static Map<String, Object> toMap(MessageOrBuilder message) {
    try {
      if (message instanceof ExecuteQueryResponse) {
        // A query's rows: integer columns print as integers (WholeNumbers), as in REST.
        ObjectNode response = (ObjectNode) JSON.readTree(PRINTER.print(message));
        WholeNumbers.integralRows(response);
        return JSON.convertValue(response, MAP);
      }
      return JSON.readValue(PRINTER.print(message), MAP);
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new CompletionException(e);
    }
  }
}
