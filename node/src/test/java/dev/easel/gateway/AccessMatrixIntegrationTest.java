package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.client.grpc.GrpcClientBuilder;
import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.easel.api.v1.AcceptInvitationRequest;
import dev.easel.api.v1.AddMemberRequest;
import dev.easel.api.v1.AddOrganizationMemberRequest;
import dev.easel.api.v1.ApiKey;
import dev.easel.api.v1.ApiKeyServiceGrpc;
import dev.easel.api.v1.ArchiveProjectRequest;
import dev.easel.api.v1.AuthServiceGrpc;
import dev.easel.api.v1.CancelQueryRequest;
import dev.easel.api.v1.Canvas;
import dev.easel.api.v1.CanvasServiceGrpc;
import dev.easel.api.v1.ChangeMemberRoleRequest;
import dev.easel.api.v1.ChangePasswordRequest;
import dev.easel.api.v1.ConfirmTotpRequest;
import dev.easel.api.v1.CreateApiKeyRequest;
import dev.easel.api.v1.CreateApiKeyResponse;
import dev.easel.api.v1.CreateCanvasRequest;
import dev.easel.api.v1.CreateInvitationRequest;
import dev.easel.api.v1.CreateNamedVersionRequest;
import dev.easel.api.v1.CreateOrganizationRequest;
import dev.easel.api.v1.CreateProjectCanvasRequest;
import dev.easel.api.v1.CreateProjectRequest;
import dev.easel.api.v1.DatasetServiceGrpc;
import dev.easel.api.v1.DeleteDatasetRequest;
import dev.easel.api.v1.DeleteMeRequest;
import dev.easel.api.v1.DeleteNamedVersionRequest;
import dev.easel.api.v1.DeleteProjectRequest;
import dev.easel.api.v1.DiffCanvasRequest;
import dev.easel.api.v1.DisableTotpRequest;
import dev.easel.api.v1.EnrollTotpRequest;
import dev.easel.api.v1.ExecuteQueryRequest;
import dev.easel.api.v1.ExportQueryResultRequest;
import dev.easel.api.v1.GetCanvasHistoryRequest;
import dev.easel.api.v1.GetCanvasRequest;
import dev.easel.api.v1.GetCanvasSnapshotRequest;
import dev.easel.api.v1.GetDatasetPreviewRequest;
import dev.easel.api.v1.GetDatasetRequest;
import dev.easel.api.v1.GetMeRequest;
import dev.easel.api.v1.GetOrganizationRequest;
import dev.easel.api.v1.GetProjectRequest;
import dev.easel.api.v1.GetQueryResultRequest;
import dev.easel.api.v1.ListApiKeysRequest;
import dev.easel.api.v1.ListCanvasesRequest;
import dev.easel.api.v1.ListDatasetsRequest;
import dev.easel.api.v1.ListInvitationsRequest;
import dev.easel.api.v1.ListNamedVersionsRequest;
import dev.easel.api.v1.ListOrganizationProjectsRequest;
import dev.easel.api.v1.ListOrganizationsRequest;
import dev.easel.api.v1.ListProjectActivityRequest;
import dev.easel.api.v1.ListProjectActivityResponse;
import dev.easel.api.v1.ListProjectAuditEventsRequest;
import dev.easel.api.v1.ListProjectsRequest;
import dev.easel.api.v1.ListSecurityEventsRequest;
import dev.easel.api.v1.LoginRequest;
import dev.easel.api.v1.LogoutRequest;
import dev.easel.api.v1.Organization;
import dev.easel.api.v1.OrganizationMember;
import dev.easel.api.v1.OrganizationServiceGrpc;
import dev.easel.api.v1.Project;
import dev.easel.api.v1.ProjectMember;
import dev.easel.api.v1.ProjectServiceGrpc;
import dev.easel.api.v1.QueryServiceGrpc;
import dev.easel.api.v1.RefreshRequest;
import dev.easel.api.v1.RegenerateRecoveryCodesRequest;
import dev.easel.api.v1.RegisterRequest;
import dev.easel.api.v1.RemoveMemberRequest;
import dev.easel.api.v1.RemoveOrganizationMemberRequest;
import dev.easel.api.v1.RenameDatasetRequest;
import dev.easel.api.v1.RenameProjectRequest;
import dev.easel.api.v1.RevokeApiKeyRequest;
import dev.easel.api.v1.RevokeInvitationRequest;
import dev.easel.api.v1.RollbackCanvasRequest;
import dev.easel.api.v1.RunCellRequest;
import dev.easel.api.v1.StreamOpsRequest;
import dev.easel.api.v1.SubmitOpRequest;
import dev.easel.api.v1.TokenPair;
import dev.easel.api.v1.TransferOwnershipRequest;
import dev.easel.api.v1.UnarchiveProjectRequest;
import dev.easel.api.v1.UpdateMeRequest;
import dev.easel.api.v1.UpdateNamedVersionRequest;
import dev.easel.api.v1.UpdateProjectRequest;
import dev.easel.api.v1.UploadDatasetRequest;
import dev.easel.api.v1.UserServiceGrpc;
import dev.easel.api.v1.WatchProjectActivityRequest;
import dev.easel.identity.ApiKeys;
import dev.easel.identity.Scope;
import dev.easel.node.EaselNode;
import dev.easel.node.Rfc6238;
import dev.easel.node.ShareDbTestSocket;
import dev.easel.node.TestNodes;
import dev.easel.project.ProjectPolicy;
import dev.easel.project.ProjectRole;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access matrix, against one real node: every public RPC (each entry of {@link
 * ApiPolicy#RULES}, over gRPC) and every ShareDB request that touches a canvas (each entry of
 * {@link ShareDbSession#SOCKET_ACTIONS}, over {@code /ws}) is made for real as every kind of
 * caller: the owner, an editor, a commenter and a viewer of the project, a member of another
 * project only, an anonymous caller, a revoked API key, a read-scoped API key, and an admin API key
 * limited to another project.
 *
 * <p>What each call should get is derived from the declared tables alone: the RPC's {@link
 * ApiPolicy.Rule} and {@link ApiPolicy#refusalFor}, {@link ProjectPolicy#decide} for the caller's
 * role and the action, the key's scope and project. A call that should be allowed must succeed (its
 * request is valid); one that should be refused must get the expected status and leave everything
 * as it was: the project as its owner sees it, its activity feed (read from the whole project
 * journal), its canvas's version, and what the row watches besides (the account a call acts on, an
 * organization). A call that changes what it names runs in a project of its own when it should
 * succeed, so that deleting a project, say, leaves the other rows alone.
 *
 * <p>An RPC in the table without a recipe here fails the test: adding an RPC means adding its
 * recipe, one line in {@link #recipes}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AccessMatrixIntegrationTest {
  /** Settings of the node under test, besides loopback ports and the data folder. */
  static final Map<String, Object> SETTINGS =
      Map.of(
          // The owner's token makes a few thousand calls in under a minute, setting rows up and
          // checking that refused calls changed nothing: the limits are not what is tested here.
          "easel.http.rate-limits.per-user.requests",
          0,
          "easel.http.rate-limits.per-api-key.requests",
          0,
          "easel.http.rate-limits.login-per-account.requests",
          0,
          "easel.http.rate-limits.login-per-address.requests",
          0);

  static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** The gRPC services whose methods the matrix calls by their full name. */
  static final List<ServiceDescriptor> SERVICES =
      List.of(
          AuthServiceGrpc.getServiceDescriptor(),
          UserServiceGrpc.getServiceDescriptor(),
          ApiKeyServiceGrpc.getServiceDescriptor(),
          ProjectServiceGrpc.getServiceDescriptor(),
          OrganizationServiceGrpc.getServiceDescriptor(),
          CanvasServiceGrpc.getServiceDescriptor(),
          QueryServiceGrpc.getServiceDescriptor(),
          DatasetServiceGrpc.getServiceDescriptor());

  /** RPCs that end the caller's account: they run after every other row. */
  static final Set<String> ENDS_THE_ACCOUNT = Set.of("easel.v1.UserService/DeleteMe");

  /** Who makes a call. Persons come last, the owner first among them (keys act for the owner). */
  enum Who {
    ANONYMOUS,
    REVOKED_KEY,
    READ_KEY,
    OTHER_PROJECT_KEY,
    OWNER,
    EDITOR,
    COMMENTER,
    VIEWER,
    OUTSIDER
  }

  /** The role each person has in every project the matrix sets up (the outsider: none). */
  static final Map<Who, ProjectRole> ROLES =
      Map.of(
          Who.OWNER, ProjectRole.OWNER,
          Who.EDITOR, ProjectRole.EDITOR,
          Who.COMMENTER, ProjectRole.COMMENTER,
          Who.VIEWER, ProjectRole.VIEWER);

  // ---- the recipes: one valid request per RPC ---------------------------------------------------

  /**
   * What a call does to the project of its scene, which decides where it runs: in the shared
   * project, or, when it should succeed, in a project of its own.
   */
  enum Touches {
    /** Reads the project, or acts on something the recipe sets up for the row (keys, orgs). */
    NOTHING_SHARED,
    /** Acts on the account of the acting person: the account is watched as well. */
    THE_ACCOUNT,
    /** Changes the project it names: a project of its own when it should succeed. */
    THE_PROJECT,
    /** Changes the archived project it names: an archived project of its own likewise. */
    AN_ARCHIVED_PROJECT
  }

  /** Builds the request of one row; it may set things up first, as the acting person. */
  @FunctionalInterface
  interface Request {
    Message build(Row row) throws Exception;
  }

  record Recipe(Touches touches, Request request) {}

  /** A recipe that reads the shared project, or changes only what it set up for itself. */
  static Map.Entry<String, Recipe> shared(String rpc, Request request) {
    return Map.entry(rpc, new Recipe(Touches.NOTHING_SHARED, request));
  }

  /** A recipe that acts on the account of the acting person. */
  static Map.Entry<String, Recipe> account(String rpc, Request request) {
    return Map.entry(rpc, new Recipe(Touches.THE_ACCOUNT, request));
  }

  /** A recipe that changes the project it names. */
  static Map.Entry<String, Recipe> changes(String rpc, Request request) {
    return Map.entry(rpc, new Recipe(Touches.THE_PROJECT, request));
  }

  /** A recipe that changes the archived project it names. */
  static Map.Entry<String, Recipe> changesArchived(String rpc, Request request) {
    return Map.entry(rpc, new Recipe(Touches.AN_ARCHIVED_PROJECT, request));
  }

  /** A valid request for every RPC of {@link ApiPolicy#RULES}. */
  final Map<String, Recipe> recipes =
      Map.ofEntries(
          // AuthService: public, each with a secret of its own.
          shared(
              "easel.v1.AuthService/Register",
              r ->
                  RegisterRequest.newBuilder()
                      .setEmail(r.freshEmail("registered"))
                      .setPassword("a password of the matrix")
                      .setDisplayName("Registered")
                      .build()),
          shared(
              "easel.v1.AuthService/Login",
              r ->
                  LoginRequest.newBuilder()
                      .setEmail(r.acting().email)
                      .setPassword(r.acting().password)
                      .build()),
          shared(
              "easel.v1.AuthService/Refresh",
              r ->
                  RefreshRequest.newBuilder()
                      .setRefreshToken(r.signIn().getRefreshToken())
                      .build()),
          shared(
              "easel.v1.AuthService/Logout",
              r ->
                  LogoutRequest.newBuilder().setRefreshToken(r.signIn().getRefreshToken()).build()),
          // UserService and ApiKeyService: the acting person's own account.
          account("easel.v1.UserService/GetMe", r -> GetMeRequest.getDefaultInstance()),
          account(
              "easel.v1.UserService/UpdateMe",
              r -> UpdateMeRequest.newBuilder().setDisplayName("Renamed " + r.who).build()),
          account(
              "easel.v1.UserService/ChangePassword", AccessMatrixIntegrationTest::changePassword),
          account(
              "easel.v1.UserService/DeleteMe",
              r -> {
                // Only a person gets this far; a project keeps an owner, so the person hands
                // over the projects it alone owns first (SOLE_OWNER otherwise).
                if (r.who.compareTo(Who.OWNER) >= 0) r.handOverProjectsAloneOwned();
                return DeleteMeRequest.newBuilder().setPassword(r.acting().password).build();
              }),
          account("easel.v1.UserService/EnrollTotp", r -> EnrollTotpRequest.getDefaultInstance()),
          account(
              "easel.v1.UserService/ConfirmTotp",
              r ->
                  ConfirmTotpRequest.newBuilder()
                      .setCode(r.totpEnrolled(false).nextCode())
                      .setPassword(r.acting().password)
                      .build()),
          account(
              "easel.v1.UserService/DisableTotp",
              r -> {
                r.totpEnrolled(true);
                return DisableTotpRequest.newBuilder().setPassword(r.acting().password).build();
              }),
          account(
              "easel.v1.UserService/RegenerateRecoveryCodes",
              r ->
                  RegenerateRecoveryCodesRequest.newBuilder()
                      .setTotpCode(r.totpEnrolled(true).nextCode())
                      .build()),
          account(
              "easel.v1.UserService/ListSecurityEvents",
              r -> ListSecurityEventsRequest.getDefaultInstance()),
          account(
              "easel.v1.ApiKeyService/CreateApiKey",
              r ->
                  CreateApiKeyRequest.newBuilder()
                      .setName("Made by " + r.who)
                      .addScopes("read")
                      .build()),
          account(
              "easel.v1.ApiKeyService/ListApiKeys", r -> ListApiKeysRequest.getDefaultInstance()),
          account(
              "easel.v1.ApiKeyService/RevokeApiKey",
              r -> RevokeApiKeyRequest.newBuilder().setKeyId(r.apiKeyToRevoke()).build()),
          // ProjectService.
          account(
              "easel.v1.ProjectService/CreateProject",
              r -> CreateProjectRequest.newBuilder().setName("Created by " + r.who).build()),
          shared(
              "easel.v1.ProjectService/ListProjects",
              r -> ListProjectsRequest.getDefaultInstance()),
          shared(
              "easel.v1.ProjectService/GetProject",
              r -> GetProjectRequest.newBuilder().setProjectId(r.project()).build()),
          changes(
              "easel.v1.ProjectService/AddMember",
              r ->
                  AddMemberRequest.newBuilder()
                      .setProjectId(r.project())
                      .setEmail(r.person(Who.OUTSIDER).email)
                      .setRole("viewer")
                      .build()),
          changes(
              "easel.v1.ProjectService/CreateProjectCanvas",
              r ->
                  CreateProjectCanvasRequest.newBuilder()
                      .setProjectId(r.project())
                      .setTitle("Made by " + r.who)
                      .build()),
          changes(
              "easel.v1.ProjectService/RenameProject",
              r ->
                  RenameProjectRequest.newBuilder()
                      .setProjectId(r.project())
                      .setName("Renamed by " + r.who)
                      .build()),
          changes(
              "easel.v1.ProjectService/UpdateProject",
              r ->
                  UpdateProjectRequest.newBuilder()
                      .setProjectId(r.project())
                      .setName("Updated by " + r.who)
                      .build()),
          changes(
              "easel.v1.ProjectService/ArchiveProject",
              r -> ArchiveProjectRequest.newBuilder().setProjectId(r.project()).build()),
          changesArchived(
              "easel.v1.ProjectService/UnarchiveProject",
              r -> UnarchiveProjectRequest.newBuilder().setProjectId(r.project()).build()),
          changes(
              "easel.v1.ProjectService/DeleteProject",
              r -> DeleteProjectRequest.newBuilder().setProjectId(r.project()).build()),
          changes(
              "easel.v1.ProjectService/ChangeMemberRole",
              r ->
                  ChangeMemberRoleRequest.newBuilder()
                      .setProjectId(r.project())
                      .setUserId(r.otherMember().userId)
                      .setRole(r.otherMember().who == Who.VIEWER ? "commenter" : "viewer")
                      .build()),
          changes(
              "easel.v1.ProjectService/RemoveMember",
              r ->
                  RemoveMemberRequest.newBuilder()
                      .setProjectId(r.project())
                      .setUserId(r.otherMember().userId)
                      .build()),
          changes(
              "easel.v1.ProjectService/TransferOwnership",
              r ->
                  TransferOwnershipRequest.newBuilder()
                      .setProjectId(r.project())
                      .setUserId(r.otherMember().userId)
                      .build()),
          changes(
              "easel.v1.ProjectService/CreateInvitation",
              r ->
                  CreateInvitationRequest.newBuilder()
                      .setProjectId(r.project())
                      .setEmail(r.freshEmail("invited"))
                      .setRole("viewer")
                      .build()),
          shared(
              "easel.v1.ProjectService/ListInvitations",
              r -> ListInvitationsRequest.newBuilder().setProjectId(r.project()).build()),
          changes(
              "easel.v1.ProjectService/RevokeInvitation",
              r ->
                  RevokeInvitationRequest.newBuilder()
                      .setProjectId(r.project())
                      .setInvitationId(r.scene.invitationId())
                      .build()),
          // Any signed-in person may accept an invitation sent to their own address.
          changes(
              "easel.v1.ProjectService/AcceptInvitation",
              r -> AcceptInvitationRequest.newBuilder().setToken(r.invitationOfActing()).build()),
          // QueryService: read-only SQL over the project's data.
          shared(
              "easel.v1.QueryService/ExecuteQuery",
              r ->
                  ExecuteQueryRequest.newBuilder()
                      .setProjectId(r.project())
                      .setSql("SELECT 42 AS answer")
                      .build()),
          shared(
              "easel.v1.QueryService/GetQueryResult",
              r ->
                  GetQueryResultRequest.newBuilder()
                      .setProjectId(r.project())
                      .setResultId(r.sceneResult())
                      .build()),
          shared(
              "easel.v1.QueryService/ExportQueryResult",
              r ->
                  ExportQueryResultRequest.newBuilder()
                      .setProjectId(r.project())
                      .setResultId(r.sceneResult())
                      .setFormat("csv")
                      .build()),
          shared(
              "easel.v1.QueryService/CancelQuery",
              r ->
                  CancelQueryRequest.newBuilder()
                      .setProjectId(r.project())
                      .setQueryId("no-such-query")
                      .build()),
          shared(
              "easel.v1.ProjectService/ListProjectActivity",
              r -> ListProjectActivityRequest.newBuilder().setProjectId(r.project()).build()),
          shared(
              "easel.v1.ProjectService/WatchProjectActivity",
              r ->
                  WatchProjectActivityRequest.newBuilder()
                      .setProjectId(r.project())
                      .setRecent(1)
                      .build()),
          shared(
              "easel.v1.ProjectService/ListProjectAuditEvents",
              r -> ListProjectAuditEventsRequest.newBuilder().setProjectId(r.project()).build()),
          // OrganizationService: organizations the acting person set up for the row.
          account(
              "easel.v1.OrganizationService/CreateOrganization",
              r -> CreateOrganizationRequest.newBuilder().setName("Org of " + r.who).build()),
          shared(
              "easel.v1.OrganizationService/GetOrganization",
              r -> GetOrganizationRequest.newBuilder().setOrgId(r.organization(false)).build()),
          shared(
              "easel.v1.OrganizationService/ListOrganizations",
              r -> {
                r.organization(false);
                return ListOrganizationsRequest.getDefaultInstance();
              }),
          shared(
              "easel.v1.OrganizationService/ListOrganizationProjects",
              r ->
                  ListOrganizationProjectsRequest.newBuilder()
                      .setOrgId(r.organization(false))
                      .build()),
          shared(
              "easel.v1.OrganizationService/AddOrganizationMember",
              r ->
                  AddOrganizationMemberRequest.newBuilder()
                      .setOrgId(r.organization(false))
                      .setEmail(r.stranger().email)
                      .build()),
          shared(
              "easel.v1.OrganizationService/RemoveOrganizationMember",
              r ->
                  RemoveOrganizationMemberRequest.newBuilder()
                      .setOrgId(r.organization(true))
                      .setUserId(r.stranger().userId)
                      .build()),
          // CanvasService.
          changes(
              "easel.v1.CanvasService/CreateCanvas",
              r ->
                  CreateCanvasRequest.newBuilder()
                      .setProjectId(r.project())
                      .setTitle("Made by " + r.who)
                      .build()),
          shared(
              "easel.v1.CanvasService/GetCanvas",
              r -> GetCanvasRequest.newBuilder().setCanvasId(r.canvas()).build()),
          changes(
              "easel.v1.CanvasService/SubmitOp",
              r ->
                  SubmitOpRequest.newBuilder()
                      .setCanvasId(r.canvas())
                      .setVersion(r.canvasVersion())
                      .setOp(titleInsert())
                      .setSrc("matrix-" + r.number)
                      .setSeq(1)
                      .build()),
          shared(
              "easel.v1.CanvasService/StreamOps",
              r -> StreamOpsRequest.newBuilder().setCanvasId(r.canvas()).build()),
          shared(
              "easel.v1.CanvasService/ListCanvases", r -> ListCanvasesRequest.getDefaultInstance()),
          shared(
              "easel.v1.CanvasService/RunCell",
              r -> RunCellRequest.newBuilder().setCanvasId(r.canvas()).setCellId("answer").build()),
          shared(
              "easel.v1.CanvasService/GetCanvasSnapshot",
              r ->
                  GetCanvasSnapshotRequest.newBuilder()
                      .setCanvasId(r.canvas())
                      .setVersion(1)
                      .build()),
          shared(
              "easel.v1.CanvasService/GetCanvasHistory",
              r -> GetCanvasHistoryRequest.newBuilder().setCanvasId(r.canvas()).build()),
          shared(
              "easel.v1.CanvasService/DiffCanvas",
              r -> DiffCanvasRequest.newBuilder().setCanvasId(r.canvas()).setFrom(1).build()),
          shared(
              "easel.v1.CanvasService/ListNamedVersions",
              r -> ListNamedVersionsRequest.newBuilder().setCanvasId(r.canvas()).build()),
          changes(
              "easel.v1.CanvasService/CreateNamedVersion",
              r ->
                  CreateNamedVersionRequest.newBuilder()
                      .setCanvasId(r.canvas())
                      .setName("Named by " + r.who + " " + r.number)
                      .build()),
          changes(
              "easel.v1.CanvasService/RollbackCanvas",
              r ->
                  RollbackCanvasRequest.newBuilder().setCanvasId(r.canvas()).setVersion(1).build()),
          changes(
              "easel.v1.CanvasService/UpdateNamedVersion",
              r ->
                  UpdateNamedVersionRequest.newBuilder()
                      .setCanvasId(r.canvas())
                      .setVersionId(r.namedVersion())
                      .setName("Renamed by " + r.who + " " + r.number)
                      .build()),
          changes(
              "easel.v1.CanvasService/DeleteNamedVersion",
              r ->
                  DeleteNamedVersionRequest.newBuilder()
                      .setCanvasId(r.canvas())
                      .setVersionId(r.namedVersion())
                      .build()),
          // DatasetService: the scene's dataset.
          changes(
              "easel.v1.DatasetService/UploadDataset",
              r ->
                  UploadDatasetRequest.newBuilder()
                      .setProjectId(r.project())
                      .setName(SCENE_DATASET)
                      .setChunk(ByteString.copyFromUtf8("n,by\n" + r.number + "," + r.who + "\n"))
                      .build()),
          shared(
              "easel.v1.DatasetService/ListDatasets",
              r -> ListDatasetsRequest.newBuilder().setProjectId(r.project()).build()),
          shared(
              "easel.v1.DatasetService/GetDataset",
              r ->
                  GetDatasetRequest.newBuilder()
                      .setProjectId(r.project())
                      .setName(SCENE_DATASET)
                      .build()),
          shared(
              "easel.v1.DatasetService/GetDatasetPreview",
              r ->
                  GetDatasetPreviewRequest.newBuilder()
                      .setProjectId(r.project())
                      .setName(SCENE_DATASET)
                      .build()),
          changes(
              "easel.v1.DatasetService/RenameDataset",
              r ->
                  RenameDatasetRequest.newBuilder()
                      .setProjectId(r.project())
                      .setName(SCENE_DATASET)
                      .setNewName("renamed_" + r.number)
                      .build()),
          changes(
              "easel.v1.DatasetService/DeleteDataset",
              r ->
                  DeleteDatasetRequest.newBuilder()
                      .setProjectId(r.project())
                      .setName(SCENE_DATASET)
                      .build()));

  /** The dataset every scene has. */
  static final String SCENE_DATASET = "matrix_data";

  /** Changes the acting person's password; the new one is theirs once the change succeeds. */
  static Message changePassword(Row r) {
    Person person = r.acting();
    String next = person.password + " changed";
    r.afterwards(status -> person.password = status.isOk() ? next : person.password);
    return ChangePasswordRequest.newBuilder()
        .setCurrentPassword(person.password)
        .setNewPassword(next)
        .build();
  }

  /** The scene canvas's SQL cell, {@code answer}. */
  static final ListValue ANSWER_CELL = answerCell();

  private static ListValue answerCell() {
    ListValue.Builder op = ListValue.newBuilder();
    try {
      JsonFormat.parser()
          .merge(
              "[{\"p\": [\"cells\", \"answer\"], \"oi\": {\"kind\": \"sql\","
                  + " \"name\": \"answer\", \"source\": \"SELECT 42 AS answer\"}}]",
              op);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
    return op.build();
  }

  /** A json0 op that inserts a letter at the start of the canvas's title. */
  static ListValue titleInsert() {
    Struct component =
        Struct.newBuilder()
            .putFields(
                "p",
                Value.newBuilder()
                    .setListValue(
                        ListValue.newBuilder()
                            .addValues(Value.newBuilder().setStringValue("title"))
                            .addValues(Value.newBuilder().setNumberValue(0)))
                    .build())
            .putFields("si", Value.newBuilder().setStringValue("m").build())
            .build();
    return ListValue.newBuilder().addValues(Value.newBuilder().setStructValue(component)).build();
  }

  // ---- the people, their credentials and the projects ------------------------------------------

  /** A registered person: their account and their stubs, signed in with an access token. */
  static final class Person {
    final Who who;
    final String email;
    final String userId;
    String password;
    Stubs stubs;

    Person(Who who, String email, String userId, String password) {
      this.who = who;
      this.email = email;
      this.userId = userId;
      this.password = password;
    }
  }

  /** Blocking stubs of every service, all sending one credential header (or none). */
  record Stubs(
      AuthServiceGrpc.AuthServiceBlockingStub auth,
      UserServiceGrpc.UserServiceBlockingStub users,
      ApiKeyServiceGrpc.ApiKeyServiceBlockingStub keys,
      ProjectServiceGrpc.ProjectServiceBlockingStub projects,
      OrganizationServiceGrpc.OrganizationServiceBlockingStub organizations,
      CanvasServiceGrpc.CanvasServiceBlockingStub canvases,
      DatasetServiceGrpc.DatasetServiceBlockingStub datasets) {
    static Stubs of(int port, String header, String value) {
      return new Stubs(
          client(port, header, value).build(AuthServiceGrpc.AuthServiceBlockingStub.class),
          client(port, header, value).build(UserServiceGrpc.UserServiceBlockingStub.class),
          client(port, header, value).build(ApiKeyServiceGrpc.ApiKeyServiceBlockingStub.class),
          client(port, header, value).build(ProjectServiceGrpc.ProjectServiceBlockingStub.class),
          client(port, header, value)
              .build(OrganizationServiceGrpc.OrganizationServiceBlockingStub.class),
          client(port, header, value).build(CanvasServiceGrpc.CanvasServiceBlockingStub.class),
          client(port, header, value).build(DatasetServiceGrpc.DatasetServiceBlockingStub.class));
    }

    private static GrpcClientBuilder client(int port, String header, String value) {
      GrpcClientBuilder builder =
          GrpcClients.builder("http://127.0.0.1:" + port).responseTimeoutMillis(30_000);
      return header == null ? builder : builder.addHeader(header, value);
    }
  }

  /**
   * A caller as sent (one header, or none) and as the policy sees it ({@code caller}: null when it
   * is refused at sign-in); {@code acting} is the person it acts for: itself, or the owner.
   */
  record Credential(
      Who who, Person acting, Caller caller, String header, String value, Stubs stubs) {
    boolean signsIn() {
      return caller != null;
    }
  }

  /**
   * A project set up by the owner, with the editor, commenter and viewer as members, a canvas and a
   * pending invitation; {@code roles} by user id.
   */
  record Scene(
      String projectId,
      String canvasId,
      String invitationId,
      boolean archived,
      Map<String, ProjectRole> roles) {}

  final AtomicInteger serial = new AtomicInteger();
  final Map<Who, Person> people = new EnumMap<>(Who.class);
  final Map<Who, Credential> credentials = new EnumMap<>(Who.class);
  final Map<Boolean, Scene> sharedScenes = new HashMap<>();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor();
  EaselNode node;
  int port;
  Stubs anonymous;

  @BeforeAll
  void startANodeAndSignEveryoneIn(@TempDir Path dataDir) throws Exception {
    node = TestNodes.start(dataDir, SETTINGS);
    port = node.httpPort();
    anonymous = Stubs.of(port, null, null);
    for (Who who : List.of(Who.OWNER, Who.EDITOR, Who.COMMENTER, Who.VIEWER, Who.OUTSIDER)) {
      String name = who.name().toLowerCase(Locale.ROOT);
      String email = name + "@matrix.example.org";
      String password = "the password of the " + name;
      String userId =
          anonymous
              .auth()
              .register(
                  RegisterRequest.newBuilder()
                      .setEmail(email)
                      .setPassword(password)
                      .setDisplayName("The " + name)
                      .build())
              .getUserId();
      Person person = new Person(who, email, userId, password);
      String token = login(person).getAccessToken();
      person.stubs = Stubs.of(port, "authorization", "Bearer " + token);
      people.put(who, person);
      credentials.put(
          who,
          new Credential(
              who,
              person,
              new Caller(userId, "a sign-in", null, null),
              "authorization",
              "Bearer " + token,
              person.stubs));
    }
    Person owner = people.get(Who.OWNER);
    // The outsider is a member of another project of the owner's, to which one key is limited.
    String elsewhere =
        owner
            .stubs
            .projects()
            .createProject(CreateProjectRequest.newBuilder().setName("Elsewhere").build())
            .getProjectId();
    owner
        .stubs
        .projects()
        .addMember(
            AddMemberRequest.newBuilder()
                .setProjectId(elsewhere)
                .setEmail(people.get(Who.OUTSIDER).email)
                .setRole("editor")
                .build());
    credentials.put(
        Who.ANONYMOUS, new Credential(Who.ANONYMOUS, owner, null, null, null, anonymous));
    CreateApiKeyResponse reader = apiKey(owner, "Reader", null, "read");
    credentials.put(
        Who.READ_KEY,
        keyCredential(
            Who.READ_KEY, owner, reader, "authorization", "Bearer " + reader.getSecret()));
    CreateApiKeyResponse ofElsewhere = apiKey(owner, "Admin of elsewhere", elsewhere, "admin");
    assertThat(ofElsewhere.getApiKey().getProjectId()).isEqualTo(elsewhere);
    credentials.put(
        Who.OTHER_PROJECT_KEY,
        keyCredential(
            Who.OTHER_PROJECT_KEY, owner, ofElsewhere, "x-api-key", ofElsewhere.getSecret()));
    CreateApiKeyResponse revoked = apiKey(owner, "Revoked admin", null, "admin");
    owner
        .stubs
        .keys()
        .revokeApiKey(RevokeApiKeyRequest.newBuilder().setKeyId(revoked.getKeyId()).build());
    credentials.put(
        Who.REVOKED_KEY,
        new Credential(
            Who.REVOKED_KEY,
            owner,
            null,
            "authorization",
            "Bearer " + revoked.getSecret(),
            Stubs.of(port, "authorization", "Bearer " + revoked.getSecret())));
  }

  @AfterAll
  void stopTheNode() {
    probes.close();
    if (node != null) node.close();
  }

  TokenPair login(Person person) {
    return anonymous
        .auth()
        .login(
            LoginRequest.newBuilder().setEmail(person.email).setPassword(person.password).build());
  }

  static CreateApiKeyResponse apiKey(Person owner, String name, String projectId, String scope) {
    CreateApiKeyRequest.Builder request =
        CreateApiKeyRequest.newBuilder().setName(name).addScopes(scope);
    if (projectId != null) request.setProjectId(projectId);
    return owner.stubs.keys().createApiKey(request.build());
  }

  /** A key as sent, and as the policy sees it: the grant the server answered with. */
  Credential keyCredential(
      Who who, Person owner, CreateApiKeyResponse created, String header, String value) {
    ApiKey key = created.getApiKey();
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    key.getScopesList().forEach(scope -> scopes.add(Scope.parse(scope)));
    Caller caller =
        Caller.of(
            new ApiKeys.Grant(
                owner.userId,
                created.getKeyId(),
                scopes,
                key.getProjectId().isEmpty() ? null : key.getProjectId()));
    return new Credential(who, owner, caller, header, value, Stubs.of(port, header, value));
  }

  /**
   * A new project of the owner's, with the editor, commenter and viewer, a canvas, an invitation.
   */
  Scene newScene(boolean archived) {
    Person owner = people.get(Who.OWNER);
    var projects = owner.stubs.projects();
    String project =
        projects
            .createProject(
                CreateProjectRequest.newBuilder()
                    .setName("Matrix " + serial.incrementAndGet())
                    .build())
            .getProjectId();
    Map<String, ProjectRole> roles = new HashMap<>();
    roles.put(owner.userId, ProjectRole.OWNER);
    for (Who who : List.of(Who.EDITOR, Who.COMMENTER, Who.VIEWER)) {
      projects.addMember(
          AddMemberRequest.newBuilder()
              .setProjectId(project)
              .setEmail(people.get(who).email)
              .setRole(ROLES.get(who).name().toLowerCase(Locale.ROOT))
              .build());
      roles.put(people.get(who).userId, ROLES.get(who));
    }
    String canvas =
        projects
            .createProjectCanvas(
                CreateProjectCanvasRequest.newBuilder()
                    .setProjectId(project)
                    .setTitle("Canvas")
                    .build())
            .getCanvasId();
    people
        .get(Who.OWNER)
        .stubs
        .canvases()
        .submitOp(
            SubmitOpRequest.newBuilder()
                .setCanvasId(canvas)
                .setVersion(1)
                .setOp(ANSWER_CELL)
                .setSrc("matrix-scene")
                .setSeq(1)
                .build());
    String invitation =
        projects
            .createInvitation(
                CreateInvitationRequest.newBuilder()
                    .setProjectId(project)
                    .setEmail("invitee-" + serial.incrementAndGet() + "@matrix.example.org")
                    .setRole("viewer")
                    .build())
            .getInvitationId();
    uploadSceneDataset(project);
    if (archived) {
      projects.archiveProject(ArchiveProjectRequest.newBuilder().setProjectId(project).build());
    }
    return new Scene(project, canvas, invitation, archived, Map.copyOf(roles));
  }

  /** Uploads the scene's dataset as the owner, over REST. */
  void uploadSceneDataset(String project) {
    ownerSends(
        "PUT",
        "/v1/projects/" + project + "/datasets/" + SCENE_DATASET,
        "text/csv",
        "n,by\n0,owner\n",
        201);
  }

  /** Sends {@code body} of {@code type} to {@code path} as the owner; the answer's body. */
  String ownerSends(String method, String path, String type, String body, int expected) {
    Credential owner = credentials.get(Who.OWNER);
    try {
      var response =
          http.send(
              java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .header(owner.header(), owner.value())
                  .header("content-type", type)
                  .method(method, java.net.http.HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(expected);
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The project that rows which change nothing (or should be refused) share. */
  Scene sharedScene(boolean archived) {
    return sharedScenes.computeIfAbsent(archived, this::newScene);
  }

  // ---- one row of the matrix --------------------------------------------------------------------

  /** What a row does once its call is answered. */
  @FunctionalInterface
  interface Afterwards {
    void run(Status status) throws Exception;
  }

  /** One call being prepared: the RPC, the caller, the scene; what else it watches and undoes. */
  final class Row {
    final String rpc;
    final Who who;
    final Scene scene;
    final int number = serial.incrementAndGet();
    final List<Callable<String>> watched = new ArrayList<>();
    final List<Afterwards> afterwards = new ArrayList<>();

    Row(String rpc, Who who, Scene scene) {
      this.rpc = rpc;
      this.who = who;
      this.scene = scene;
    }

    /** The person the caller acts for: itself, or the owner of the keys. */
    Person acting() {
      return credentials.get(who).acting();
    }

    Person person(Who someone) {
      return people.get(someone);
    }

    String project() {
      return scene.projectId();
    }

    String canvas() {
      return scene.canvasId();
    }

    /** A member of the scene to act on other than the caller: the viewer, or the commenter. */
    Person otherMember() {
      return person(who == Who.VIEWER ? Who.COMMENTER : Who.VIEWER);
    }

    /** A person other than the acting one: the outsider, or the owner for the outsider. */
    Person stranger() {
      return person(acting().who == Who.OUTSIDER ? Who.OWNER : Who.OUTSIDER);
    }

    String freshEmail(String what) {
      return what + "-" + number + "@matrix.example.org";
    }

    void watch(String label, Callable<Object> what) {
      watched.add(read(label, what));
    }

    void afterwards(Afterwards then) {
      afterwards.add(then);
    }

    /**
     * Makes another member an owner of each project, and an admin of each organization, that the
     * acting person is the only owner or admin of.
     */
    void handOverProjectsAloneOwned() {
      Person person = acting();
      var organizations = person.stubs.organizations();
      String pageToken = "";
      do {
        var page =
            organizations.listOrganizations(
                ListOrganizationsRequest.newBuilder().setPageToken(pageToken).build());
        for (var listed : page.getOrganizationsList()) {
          Organization org =
              organizations.getOrganization(
                  GetOrganizationRequest.newBuilder().setOrgId(listed.getOrgId()).build());
          List<OrganizationMember> members = org.getMembersList();
          if (!org.getAdmin()
              || members.size() < 2
              || members.stream().filter(OrganizationMember::getAdmin).count() > 1) {
            continue;
          }
          OrganizationMember heir =
              members.stream()
                  .filter(m -> !m.getUserId().equals(person.userId))
                  .findFirst()
                  .orElseThrow();
          organizations.addOrganizationMember(
              AddOrganizationMemberRequest.newBuilder()
                  .setOrgId(org.getOrgId())
                  .setEmail(heir.getEmail())
                  .setAdmin(true)
                  .build());
        }
        pageToken = page.getNextPageToken();
      } while (!pageToken.isEmpty());
      var projects = person.stubs.projects();
      for (Project project :
          projects.listProjects(ListProjectsRequest.getDefaultInstance()).getProjectsList()) {
        List<ProjectMember> members = project.getMembersList();
        if (!"owner".equals(project.getRole())
            || members.size() < 2
            || members.stream().filter(m -> "owner".equals(m.getRole())).count() > 1) {
          continue;
        }
        String heir =
            members.stream()
                .map(ProjectMember::getUserId)
                .filter(id -> !id.equals(person.userId))
                .findFirst()
                .orElseThrow();
        projects.transferOwnership(
            TransferOwnershipRequest.newBuilder()
                .setProjectId(project.getProjectId())
                .setUserId(heir)
                .build());
      }
    }

    /** A new sign-in of the acting person. */
    TokenPair signIn() {
      return login(acting());
    }

    /** The result of a query the owner ran in the scene's project. */
    String sceneResult() throws Exception {
      String answer =
          ownerSends(
              "POST",
              "/v1/projects/" + project() + "/queries:execute",
              "application/json",
              "{\"sql\": \"SELECT 42 AS answer\"}",
              200);
      return new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(answer)
          .path("resultId")
          .asText();
    }

    /** A named version of the row's canvas, named by the owner for this row. */
    String namedVersion() {
      return person(Who.OWNER)
          .stubs
          .canvases()
          .createNamedVersion(
              CreateNamedVersionRequest.newBuilder()
                  .setCanvasId(canvas())
                  .setName("Set up for row " + number)
                  .build())
          .getVersionId();
    }

    long canvasVersion() {
      return person(Who.OWNER)
          .stubs
          .canvases()
          .getCanvas(GetCanvasRequest.newBuilder().setCanvasId(canvas()).build())
          .getVersion();
    }

    /**
     * Enrolls an authenticator for the acting person (and confirms it when {@code confirmed}),
     * turning two-step sign-in off again after the row.
     */
    Rfc6238 totpEnrolled(boolean confirmed) throws Exception {
      Person person = acting();
      var users = person.stubs.users();
      Rfc6238 app =
          Rfc6238.ofBase32(users.enrollTotp(EnrollTotpRequest.getDefaultInstance()).getSecret());
      if (confirmed) {
        users.confirmTotp(
            ConfirmTotpRequest.newBuilder()
                .setCode(app.nextCode())
                .setPassword(person.password)
                .build());
      }
      afterwards(
          status -> {
            if (users.getMe(GetMeRequest.getDefaultInstance()).getTotpEnabled()) {
              users.disableTotp(
                  DisableTotpRequest.newBuilder().setPassword(person.password).build());
            }
          });
      return app;
    }

    /** A key of the acting person's, for the caller to revoke. */
    String apiKeyToRevoke() {
      return apiKey(acting(), "To revoke", null, "read").getKeyId();
    }

    /** The token of an invitation to the scene for the acting person's address. */
    String invitationOfActing() {
      return person(Who.OWNER)
          .stubs
          .projects()
          .createInvitation(
              CreateInvitationRequest.newBuilder()
                  .setProjectId(project())
                  .setEmail(acting().email)
                  .setRole("viewer")
                  .build())
          .getToken();
    }

    /** A new organization of the acting person's (with the stranger in it), watched. */
    String organization(boolean withStranger) {
      var organizations = acting().stubs.organizations();
      String orgId =
          organizations
              .createOrganization(
                  CreateOrganizationRequest.newBuilder().setName("Org " + number).build())
              .getOrgId();
      if (withStranger) {
        organizations.addOrganizationMember(
            AddOrganizationMemberRequest.newBuilder()
                .setOrgId(orgId)
                .setEmail(stranger().email)
                .build());
      }
      watch(
          "organization",
          () -> {
            Organization org =
                organizations.getOrganization(
                    GetOrganizationRequest.newBuilder().setOrgId(orgId).build());
            return org.getName() + " " + org.getMembersList();
          });
      return orgId;
    }

    @Override
    public String toString() {
      return rpc + " as " + who;
    }
  }

  // ---- what the tables say ----------------------------------------------------------------------

  /** The status a call should get, from the RPC's rule, the credential and the caller's role. */
  Status.Code expected(String rpc, Who who, Scene scene) {
    ApiPolicy.Rule rule = ApiPolicy.RULES.get(rpc);
    if (rule.requirement() == ApiPolicy.Requirement.PUBLIC) return Status.Code.OK;
    Credential credential = credentials.get(who);
    if (!credential.signsIn()) return Status.Code.UNAUTHENTICATED;
    if (ApiPolicy.refusalFor(rule, credential.caller(), rpc) != null) {
      return Status.Code.PERMISSION_DENIED;
    }
    if (rule.requirement() == ApiPolicy.Requirement.SIGNED_IN) return Status.Code.OK;
    if (!credential.caller().reaches(scene.projectId())) return Status.Code.NOT_FOUND;
    return switch (decide(credential, scene, rule.action())) {
      case ALLOWED -> Status.Code.OK;
      case HIDDEN -> Status.Code.NOT_FOUND;
      case DENIED -> Status.Code.PERMISSION_DENIED;
      case ARCHIVED -> Status.Code.FAILED_PRECONDITION;
    };
  }

  static ProjectPolicy.Decision decide(
      Credential credential, Scene scene, ProjectPolicy.Action action) {
    ProjectRole role = scene.roles().get(credential.acting().userId);
    return ProjectPolicy.decide(new ProjectPolicy.Standing(role, false, scene.archived()), action);
  }

  /** The ShareDB error a socket request should get; "allowed" when it should be served. */
  static String expectedOverSocket(
      Credential credential, ProjectPolicy.Action action, Scene scene) {
    if (!credential.caller().allows(ProjectPolicy.scopeFor(action))) return "ERR_PERMISSION_DENIED";
    if (!credential.caller().reaches(scene.projectId())) return "ERR_DOC_DOES_NOT_EXIST";
    return switch (decide(credential, scene, action)) {
      case ALLOWED -> "allowed";
      case HIDDEN -> "ERR_DOC_DOES_NOT_EXIST";
      case DENIED -> "ERR_PERMISSION_DENIED";
      case ARCHIVED -> "ERR_PROJECT_ARCHIVED";
    };
  }

  // ---- the matrices -----------------------------------------------------------------------------

  @Test
  @Order(1)
  void everySocketActionAsEveryCallerIsDecidedByTheDeclaredTables() throws Exception {
    assertThat(ShareDbSession.SOCKET_ACTIONS).isNotEmpty();
    List<String> failures = new ArrayList<>();
    Set<String> outcomes = new TreeSet<>();
    for (Who who : Who.values()) {
      Credential credential = credentials.get(who);
      if (!credential.signsIn()) {
        // Anonymous and revoked: no socket at all, whatever they would send.
        assertThat(upgradeStatus(credential)).as("/ws upgrade as %s", who).isEqualTo(401);
        continue;
      }
      for (String action : new TreeSet<>(ShareDbSession.SOCKET_ACTIONS.keySet())) {
        ProjectPolicy.Action needed = ShareDbSession.SOCKET_ACTIONS.get(action);
        Scene scene = sharedScene(false);
        String expected = expectedOverSocket(credential, needed, scene);
        outcomes.add(expected);
        boolean changes = ProjectPolicy.scopeFor(needed) != Scope.READ;
        if (expected.equals("allowed") && changes) scene = newScene(false);
        Row row = new Row("/ws " + action, who, scene);
        ObjectNode request = socketRequest(action, row);
        List<String> before = expected.equals("allowed") ? null : state(row);
        JsonNode reply;
        try (ShareDbTestSocket socket =
            ShareDbTestSocket.open(port, credential.header(), credential.value())) {
          reply = socket.request(request.toString());
        }
        String got = reply.has("error") ? reply.path("error").path("code").asText() : "allowed";
        if (!got.equals(expected)) {
          failures.add(row + ": expected " + expected + ", got " + reply);
        } else if (!reply.path("a").asText().equals(request.path("a").asText())) {
          failures.add(row + ": the answer is not to the request: " + reply);
        }
        if (before != null) unchanged(row, before, failures);
      }
    }
    assertThat(failures).as("/ws actions answered against the declared tables").isEmpty();
    assertThat(outcomes)
        .as("what the requests expected")
        .contains("allowed", "ERR_PERMISSION_DENIED", "ERR_DOC_DOES_NOT_EXIST");
  }

  @Test
  @Order(2)
  void everyRpcAsEveryCallerIsDecidedByTheDeclaredTables() throws Exception {
    assertThat(
            ApiPolicy.RULES.keySet().stream()
                .filter(rpc -> !recipes.containsKey(rpc))
                .sorted()
                .toList())
        .as(
            "RPCs of ApiPolicy.RULES without a recipe: add one line for each to"
                + " AccessMatrixIntegrationTest.recipes")
        .isEmpty();
    assertThat(recipes.keySet())
        .as("recipes for RPCs without a rule")
        .isSubsetOf(ApiPolicy.RULES.keySet());
    List<String> order =
        Stream.concat(
                ApiPolicy.RULES.keySet().stream()
                    .filter(rpc -> !ENDS_THE_ACCOUNT.contains(rpc))
                    .sorted(),
                ApiPolicy.RULES.keySet().stream().filter(ENDS_THE_ACCOUNT::contains).sorted())
            .toList();
    List<String> failures = new ArrayList<>();
    Set<Status.Code> outcomes = EnumSet.noneOf(Status.Code.class);
    for (String rpc : order) {
      for (Who who : Who.values()) outcomes.add(call(rpc, who, failures));
    }
    assertThat(failures).as("RPCs answered against the declared tables").isEmpty();
    assertThat(outcomes)
        .as("what the rows expected")
        .contains(
            Status.Code.OK,
            Status.Code.UNAUTHENTICATED,
            Status.Code.PERMISSION_DENIED,
            Status.Code.NOT_FOUND);
  }

  /**
   * Makes one call of the matrix and checks its answer, and that a refusal changed nothing; returns
   * the status it expected.
   */
  Status.Code call(String rpc, Who who, List<String> failures) throws Exception {
    Recipe recipe = recipes.get(rpc);
    boolean archived = recipe.touches() == Touches.AN_ARCHIVED_PROJECT;
    Scene scene = sharedScene(archived);
    Status.Code expected = expected(rpc, who, scene);
    boolean ownScene =
        recipe.touches() == Touches.THE_PROJECT || recipe.touches() == Touches.AN_ARCHIVED_PROJECT;
    if (expected == Status.Code.OK && ownScene) scene = newScene(archived);
    Row row = new Row(rpc, who, scene);
    if (recipe.touches() == Touches.THE_ACCOUNT) row.watched.addAll(account(row.acting()));
    Message request = recipe.request().build(row);
    List<String> before = expected == Status.Code.OK ? null : state(row);
    Status status = invoke(credentials.get(who).stubs().auth().getChannel(), rpc, request);
    if (status.getCode() != expected) {
      String why = status.getDescription() == null ? "" : " (" + status.getDescription() + ")";
      failures.add(row + ": expected " + expected + ", got " + status.getCode() + why);
    }
    if (before != null) unchanged(row, before, failures);
    for (Afterwards then : row.afterwards) then.run(status);
    return expected;
  }

  /** Records a failure when a refused call changed what it must leave alone. */
  void unchanged(Row row, List<String> before, List<String> failures) throws Exception {
    List<String> after = state(row);
    List<String> changes = new ArrayList<>();
    for (int i = 0; i < after.size(); i++) {
      if (!after.get(i).equals(before.get(i))) {
        changes.add("was " + before.get(i) + ", is " + after.get(i));
      }
    }
    if (!changes.isEmpty()) {
      failures.add(row + " should be refused but changed things: " + String.join("; ", changes));
      // Later rows get a project that nobody changed.
      sharedScenes.values().remove(row.scene);
    }
  }

  /**
   * What a refused call must leave as it was: the scene's project as its owner sees it, the length
   * of its activity feed (read from the whole project journal), its canvas's version, and what the
   * row watches besides; read all at once.
   */
  List<String> state(Row row) throws Exception {
    var owner = people.get(Who.OWNER).stubs;
    String project = row.scene.projectId();
    List<Callable<String>> reads = new ArrayList<>();
    reads.add(
        read(
            "project",
            () ->
                owner
                    .projects()
                    .getProject(GetProjectRequest.newBuilder().setProjectId(project).build())));
    reads.add(read("activity entries", () -> activity(owner, project)));
    reads.add(
        read(
            "canvas version",
            () -> {
              Canvas canvas =
                  owner
                      .canvases()
                      .getCanvas(
                          GetCanvasRequest.newBuilder().setCanvasId(row.scene.canvasId()).build());
              return canvas.getVersion() + (canvas.getDeleted() ? " (deleted)" : "");
            }));
    reads.add(
        read(
            "datasets",
            () ->
                owner
                    .datasets()
                    .listDatasets(ListDatasetsRequest.newBuilder().setProjectId(project).build())
                    .getDatasetsList()
                    .stream()
                    .map(d -> d.getName() + " v" + d.getLatestVersion())
                    .toList()));
    reads.addAll(row.watched);
    List<String> state = new ArrayList<>();
    for (Future<String> read : probes.invokeAll(reads)) state.add(read.get().replace('\n', ' '));
    return state;
  }

  /** The number of entries in a project's activity feed, every page of it. */
  static int activity(Stubs owner, String projectId) {
    int entries = 0;
    String page = "";
    do {
      ListProjectActivityResponse response =
          owner
              .projects()
              .listProjectActivity(
                  ListProjectActivityRequest.newBuilder()
                      .setProjectId(projectId)
                      .setPageSize(200)
                      .setPageToken(page)
                      .build());
      entries += response.getEntriesCount();
      page = response.getNextPageToken();
    } while (!page.isEmpty());
    return entries;
  }

  /** Reads of a person's account: profile, API keys, newest security event, projects. */
  static List<Callable<String>> account(Person person) {
    var stubs = person.stubs;
    return List.of(
        read("account", () -> stubs.users().getMe(GetMeRequest.getDefaultInstance())),
        read(
            "api keys",
            () ->
                stubs
                    .keys()
                    .listApiKeys(ListApiKeysRequest.getDefaultInstance())
                    .getApiKeysList()
                    .stream()
                    .map(ApiKey::getKeyId)
                    .sorted()
                    .toList()),
        read(
            "newest security event",
            () ->
                stubs
                    .users()
                    .listSecurityEvents(
                        ListSecurityEventsRequest.newBuilder().setPageSize(1).build())
                    .getEventsList()),
        read(
            "projects",
            () ->
                stubs
                    .projects()
                    .listProjects(ListProjectsRequest.getDefaultInstance())
                    .getProjectsList()
                    .stream()
                    .map(Project::getProjectId)
                    .sorted()
                    .toList()));
  }

  /** A labelled read: its value, or how it failed (a deleted project reads as NOT_FOUND, say). */
  static Callable<String> read(String label, Callable<Object> value) {
    return () -> {
      try {
        return label + ": " + value.call();
      } catch (StatusRuntimeException e) {
        return label + ": failed " + e.getStatus().getCode();
      }
    };
  }

  // ---- calls by name, over gRPC and /ws ---------------------------------------------------------

  static final MethodDescriptor.Marshaller<Message> REQUESTS =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(Message value) {
          return value.toByteString().newInput();
        }

        @Override
        public Message parse(InputStream stream) {
          throw new UnsupportedOperationException("the matrix only sends requests");
        }
      };

  static final MethodDescriptor.Marshaller<byte[]> ANSWERS =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static MethodDescriptor<?, ?> method(String rpc) {
    for (ServiceDescriptor service : SERVICES) {
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        if (method.getFullMethodName().equals(rpc)) return method;
      }
    }
    throw new AssertionError(
        rpc
            + " is in ApiPolicy.RULES but in none of AccessMatrixIntegrationTest.SERVICES: add its"
            + " service's getServiceDescriptor()");
  }

  /**
   * Calls {@code rpc} on {@code channel} (which carries the caller's credential) and answers how it
   * ended: for a stream, OK once its first message came.
   */
  static Status invoke(Channel channel, String rpc, Message request) throws Exception {
    MethodDescriptor<?, ?> declared = method(rpc);
    if (declared.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> proto) {
      assertThat(request.getClass())
          .as("the request type of %s", rpc)
          .isEqualTo(proto.getMessagePrototype().getClass());
    }
    MethodDescriptor<Message, byte[]> method = declared.toBuilder(REQUESTS, ANSWERS).build();
    boolean streaming = method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING;
    ClientCall<Message, byte[]> call =
        channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
    CompletableFuture<Status> outcome = new CompletableFuture<>();
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(byte[] message) {
            if (streaming) outcome.complete(Status.OK);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            outcome.complete(status);
          }
        },
        new Metadata());
    call.request(1);
    call.sendMessage(request);
    call.halfClose();
    Status status = outcome.get(30, TimeUnit.SECONDS);
    if (streaming) call.cancel("the first message is answer enough", null);
    return status;
  }

  /** A valid ShareDB request of {@code action} on the row's canvas. */
  ObjectNode socketRequest(String action, Row row) {
    String canvas = row.canvas();
    ObjectNode doc = JSON.objectNode().put("c", ShareDbSession.COLLECTION).put("d", canvas);
    String channel = ShareDbSession.COLLECTION + "." + canvas;
    return switch (action) {
      case "f", "s" -> doc.put("a", action);
      case "nf" -> doc.put("a", action).put("v", 1);
      case "nt" -> doc.put("a", action).put("ts", System.currentTimeMillis());
      case "bf", "bs" -> {
        ObjectNode bulk = JSON.objectNode().put("a", action).put("c", ShareDbSession.COLLECTION);
        bulk.putArray("b").add(canvas);
        yield bulk;
      }
      case "op" -> {
        ObjectNode op =
            doc.put("a", "op")
                .put("v", row.canvasVersion())
                .put("src", "matrix-" + row.number)
                .put("seq", 1);
        op.putArray("op").addObject().put("si", "m").putArray("p").add("title").add(0);
        yield op;
      }
      case ShareDbSession.DELETING_OP ->
          doc.put("a", "op")
              .put("v", row.canvasVersion())
              .put("src", "matrix-" + row.number)
              .put("seq", 1)
              .put("del", true);
      case "p" -> {
        ObjectNode presence =
            JSON.objectNode()
                .put("a", "p")
                .put("ch", channel)
                .put("id", "presence-" + row.number)
                .put("pv", 1);
        presence.putObject("p").put("index", 0);
        yield presence;
      }
      case "ps" -> JSON.objectNode().put("a", "ps").put("ch", channel).put("seq", 1);
      case "pr" -> JSON.objectNode().put("a", "pr").put("ch", channel);
      default ->
          throw new AssertionError(
              "no request for the /ws action '"
                  + action
                  + "' of ShareDbSession.SOCKET_ACTIONS: add one to"
                  + " AccessMatrixIntegrationTest.socketRequest");
    };
  }

  /** The HTTP status with which {@code /ws} answers an upgrade with the credential. */
  int upgradeStatus(Credential credential) throws Exception {
    WebSocket.Builder builder = http.newWebSocketBuilder();
    if (credential.header() != null) builder.header(credential.header(), credential.value());
    try {
      builder
          .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WebSocket.Listener() {})
          .get(30, TimeUnit.SECONDS)
          .abort();
      return 101;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException refused) {
        return refused.getResponse().statusCode();
      }
      throw e;
    }
  }
}
