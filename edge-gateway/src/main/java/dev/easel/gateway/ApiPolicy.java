package dev.easel.gateway;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.AsyncServerInterceptor;
import dev.easel.identity.Scope;
import dev.easel.project.ProjectPolicy;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The one declared table of what each public RPC needs, enforced for every call (gRPC and the REST
 * transcoded from it) before the service runs: it authenticates the caller ({@link Callers}), and
 * weighs the credential against the RPC. An RPC missing from the table is refused, and {@code
 * ApiPolicyTest} fails the build when the API has an RPC without an entry.
 *
 * <p>Two things are declared per RPC: who may call it ({@link Requirement}, with the project action
 * whose role {@link ProjectPolicy} then decides per resource), and what an API key needs to call
 * it: a {@link Scope}, or none for calls only a person may make (account settings, API keys,
 * accepting invitations). A key limited to one project reaches only that project: a call naming
 * another project, or a canvas of another project, is answered as not found, as for a non-member;
 * listings show that project only; calls that name no project are refused. Each call of a signed-in
 * caller then passes the {@link RateLimits rate limit} of its API key, else its user.
 */
final class ApiPolicy implements AsyncServerInterceptor {
  /** What a caller must be to make a call. */
  enum Requirement {
    /** Anyone: sign-up, sign-in, token refresh and logout (which carry their own secret). */
    PUBLIC,
    /** A signed-in user; what they may touch is then the service's to decide. */
    SIGNED_IN,
    /** A signed-in user with this project role on the resource named by the request. */
    PROJECT_ROLE
  }

  /**
   * One row: the requirement; for {@link Requirement#PROJECT_ROLE} the action checked; the scope an
   * API key needs (null: keys may not make the call); whether a key limited to one project may make
   * it ({@code withinOneProject}: the call names its project or canvas, or lists only what the
   * caller may see).
   */
  record Rule(
      Requirement requirement,
      ProjectPolicy.Action action,
      Scope keyScope,
      boolean withinOneProject) {
    static Rule publicCall() {
      return new Rule(Requirement.PUBLIC, null, null, false);
    }

    /** A signed-in person or an API key with {@code keyScope} of every project. */
    static Rule signedIn(Scope keyScope) {
      return new Rule(Requirement.SIGNED_IN, null, keyScope, false);
    }

    /** A signed-in person only: no API key. */
    static Rule personOnly() {
      return new Rule(Requirement.SIGNED_IN, null, null, false);
    }

    /** A listing of what the caller may read; a key of one project sees that project only. */
    static Rule listing() {
      return new Rule(Requirement.SIGNED_IN, null, Scope.READ, true);
    }

    /** The role for {@code action} in the project or canvas the request names. */
    static Rule role(ProjectPolicy.Action action) {
      return new Rule(Requirement.PROJECT_ROLE, action, ProjectPolicy.scopeFor(action), true);
    }
  }

  static final Map<String, Rule> RULES =
      Map.ofEntries(
          Map.entry("easel.v1.AuthService/Register", Rule.publicCall()),
          Map.entry("easel.v1.AuthService/Login", Rule.publicCall()),
          Map.entry("easel.v1.AuthService/Refresh", Rule.publicCall()),
          Map.entry("easel.v1.AuthService/Logout", Rule.publicCall()),
          Map.entry("easel.v1.UserService/GetMe", Rule.personOnly()),
          Map.entry("easel.v1.UserService/UpdateMe", Rule.personOnly()),
          Map.entry("easel.v1.UserService/ChangePassword", Rule.personOnly()),
          Map.entry("easel.v1.UserService/DeleteMe", Rule.personOnly()),
          Map.entry("easel.v1.UserService/EnrollTotp", Rule.personOnly()),
          Map.entry("easel.v1.UserService/ConfirmTotp", Rule.personOnly()),
          Map.entry("easel.v1.UserService/DisableTotp", Rule.personOnly()),
          Map.entry("easel.v1.UserService/RegenerateRecoveryCodes", Rule.personOnly()),
          Map.entry("easel.v1.UserService/ListSecurityEvents", Rule.personOnly()),
          Map.entry("easel.v1.ApiKeyService/CreateApiKey", Rule.personOnly()),
          Map.entry("easel.v1.ApiKeyService/ListApiKeys", Rule.personOnly()),
          Map.entry("easel.v1.ApiKeyService/RevokeApiKey", Rule.personOnly()),
          Map.entry("easel.v1.ProjectService/CreateProject", Rule.signedIn(Scope.WRITE)),
          Map.entry("easel.v1.ProjectService/ListProjects", Rule.listing()),
          Map.entry("easel.v1.ProjectService/GetProject", Rule.role(ProjectPolicy.Action.READ)),
          Map.entry(
              "easel.v1.ProjectService/AddMember", Rule.role(ProjectPolicy.Action.ADD_MEMBER)),
          Map.entry(
              "easel.v1.ProjectService/CreateProjectCanvas",
              Rule.role(ProjectPolicy.Action.CREATE_CANVAS)),
          Map.entry(
              "easel.v1.CanvasService/CreateCanvas", Rule.role(ProjectPolicy.Action.CREATE_CANVAS)),
          Map.entry(
              "easel.v1.CanvasService/GetCanvas", Rule.role(ProjectPolicy.Action.CANVAS_READ)),
          Map.entry("easel.v1.CanvasService/SubmitOp", Rule.role(ProjectPolicy.Action.CANVAS_EDIT)),
          Map.entry(
              "easel.v1.CanvasService/StreamOps", Rule.role(ProjectPolicy.Action.CANVAS_READ)),
          Map.entry("easel.v1.CanvasService/ListCanvases", Rule.listing()),
          Map.entry("easel.v1.CanvasService/RunCell", Rule.role(ProjectPolicy.Action.QUERY)),
          Map.entry(
              "easel.v1.CanvasService/GetCanvasSnapshot",
              Rule.role(ProjectPolicy.Action.CANVAS_READ)),
          Map.entry(
              "easel.v1.CanvasService/GetCanvasHistory",
              Rule.role(ProjectPolicy.Action.CANVAS_READ)),
          Map.entry(
              "easel.v1.CanvasService/RollbackCanvas", Rule.role(ProjectPolicy.Action.CANVAS_EDIT)),
          Map.entry(
              "easel.v1.CanvasService/DiffCanvas", Rule.role(ProjectPolicy.Action.CANVAS_READ)),
          Map.entry(
              "easel.v1.CanvasService/ListNamedVersions",
              Rule.role(ProjectPolicy.Action.CANVAS_READ)),
          Map.entry(
              "easel.v1.CanvasService/CreateNamedVersion",
              Rule.role(ProjectPolicy.Action.CANVAS_EDIT)),
          Map.entry(
              "easel.v1.CanvasService/UpdateNamedVersion",
              Rule.role(ProjectPolicy.Action.CANVAS_EDIT)),
          Map.entry(
              "easel.v1.CanvasService/DeleteNamedVersion",
              Rule.role(ProjectPolicy.Action.CANVAS_EDIT)),
          Map.entry(
              "easel.v1.ProjectService/RenameProject", Rule.role(ProjectPolicy.Action.RENAME)),
          Map.entry(
              "easel.v1.ProjectService/UpdateProject", Rule.role(ProjectPolicy.Action.RENAME)),
          Map.entry(
              "easel.v1.ProjectService/ArchiveProject", Rule.role(ProjectPolicy.Action.ARCHIVE)),
          Map.entry(
              "easel.v1.ProjectService/UnarchiveProject", Rule.role(ProjectPolicy.Action.ARCHIVE)),
          Map.entry(
              "easel.v1.ProjectService/DeleteProject", Rule.role(ProjectPolicy.Action.DELETE)),
          Map.entry(
              "easel.v1.ProjectService/ChangeMemberRole",
              Rule.role(ProjectPolicy.Action.CHANGE_ROLE)),
          // Removing oneself is ProjectPolicy.Action.LEAVE, decided by Projects.removeMember.
          Map.entry(
              "easel.v1.ProjectService/RemoveMember",
              Rule.role(ProjectPolicy.Action.REMOVE_MEMBER)),
          Map.entry(
              "easel.v1.ProjectService/TransferOwnership",
              Rule.role(ProjectPolicy.Action.TRANSFER_OWNERSHIP)),
          Map.entry(
              "easel.v1.ProjectService/CreateInvitation", Rule.role(ProjectPolicy.Action.INVITE)),
          Map.entry(
              "easel.v1.ProjectService/ListInvitations", Rule.role(ProjectPolicy.Action.INVITE)),
          Map.entry(
              "easel.v1.ProjectService/RevokeInvitation", Rule.role(ProjectPolicy.Action.INVITE)),
          Map.entry("easel.v1.ProjectService/AcceptInvitation", Rule.personOnly()),
          Map.entry(
              "easel.v1.ProjectService/ListProjectActivity",
              Rule.role(ProjectPolicy.Action.READ_ACTIVITY)),
          Map.entry(
              "easel.v1.ProjectService/WatchProjectActivity",
              Rule.role(ProjectPolicy.Action.READ_ACTIVITY)),
          Map.entry(
              "easel.v1.ProjectService/ListProjectAuditEvents",
              Rule.role(ProjectPolicy.Action.READ_AUDIT_LOG)),
          // Queries are read-only (the project's query database is locked down): any member.
          Map.entry("easel.v1.QueryService/ExecuteQuery", Rule.role(ProjectPolicy.Action.QUERY)),
          Map.entry("easel.v1.QueryService/CancelQuery", Rule.role(ProjectPolicy.Action.QUERY)),
          Map.entry("easel.v1.QueryService/GetQueryResult", Rule.role(ProjectPolicy.Action.QUERY)),
          Map.entry(
              "easel.v1.QueryService/ExportQueryResult", Rule.role(ProjectPolicy.Action.QUERY)),
          Map.entry(
              "easel.v1.DatasetService/UploadDataset",
              Rule.role(ProjectPolicy.Action.DATASET_WRITE)),
          Map.entry(
              "easel.v1.DatasetService/ListDatasets", Rule.role(ProjectPolicy.Action.DATASET_READ)),
          Map.entry(
              "easel.v1.DatasetService/GetDataset", Rule.role(ProjectPolicy.Action.DATASET_READ)),
          Map.entry(
              "easel.v1.DatasetService/GetDatasetPreview",
              Rule.role(ProjectPolicy.Action.DATASET_READ)),
          Map.entry(
              "easel.v1.DatasetService/RenameDataset",
              Rule.role(ProjectPolicy.Action.DATASET_WRITE)),
          Map.entry(
              "easel.v1.DatasetService/DeleteDataset",
              Rule.role(ProjectPolicy.Action.DATASET_DELETE)),
          Map.entry("easel.v1.OrganizationService/CreateOrganization", Rule.signedIn(Scope.ADMIN)),
          Map.entry("easel.v1.OrganizationService/GetOrganization", Rule.signedIn(Scope.READ)),
          // Organizations span projects: a key of one project does not reach them, not even to
          // list the organization's projects filtered to its own.
          Map.entry("easel.v1.OrganizationService/ListOrganizations", Rule.signedIn(Scope.READ)),
          Map.entry(
              "easel.v1.OrganizationService/ListOrganizationProjects", Rule.signedIn(Scope.READ)),
          Map.entry(
              "easel.v1.OrganizationService/AddOrganizationMember", Rule.signedIn(Scope.ADMIN)),
          Map.entry(
              "easel.v1.OrganizationService/RemoveOrganizationMember", Rule.signedIn(Scope.ADMIN)));

  private final Callers callers;
  private final RateLimits limits;
  private final Function<String, CompletionStage<String>> projectOfCanvas;

  /**
   * @param projectOfCanvas the project a canvas belongs to (null when none), to keep a key of one
   *     project inside it
   */
  ApiPolicy(
      Callers callers,
      RateLimits limits,
      Function<String, CompletionStage<String>> projectOfCanvas) {
    this.callers = callers;
    this.limits = limits;
    this.projectOfCanvas = projectOfCanvas;
  }

  /** The rule for an RPC of Easel's API, or null when it has none (then it is refused). */
  static Rule ruleFor(String fullMethodName) {
    return RULES.get(fullMethodName);
  }

  /**
   * Why {@code caller} may not make a call under {@code rule} whatever it names, or null when it
   * may (the project role is decided later, per resource).
   */
  static String refusalFor(Rule rule, Caller caller, String method) {
    if (!caller.viaApiKey()) return null;
    if (rule.keyScope() == null) {
      return method + " needs a signed-in person; API keys cannot make this call";
    }
    if (!caller.allows(rule.keyScope())) {
      return method
          + " needs the "
          + rule.keyScope().wireName()
          + " scope, which this API key lacks";
    }
    if (caller.onlyProject() != null && !rule.withinOneProject()) {
      return "this API key is limited to project "
          + caller.onlyProject()
          + " and "
          + method
          + " is not about one project";
    }
    return null;
  }

  @Override
  public <I, O> CompletableFuture<ServerCall.Listener<I>> asyncInterceptCall(
      ServerCall<I, O> call, Metadata headers, ServerCallHandler<I, O> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (!method.startsWith("easel.")) { // reflection, health
      return CompletableFuture.completedFuture(next.startCall(call, headers));
    }
    ServiceRequestContext ctx = ServiceRequestContext.current();
    return admit(method, ctx)
        .handle(
            (caller, failure) -> {
              if (failure != null) {
                close(call, ApiErrors.from(failure));
                return new ServerCall.Listener<I>() {};
              }
              ServerCall.Listener<I> listener = next.startCall(call, headers);
              String project = onlyProject(method, caller);
              return project == null ? listener : new OneProject<>(listener, call, project, ctx);
            });
  }

  /**
   * Admits a call of {@code method} made with the credential of {@code ctx}'s request: the rule of
   * the RPC, authentication, what the credential may call, and the caller's rate limit. Every face
   * of an RPC passes here: gRPC, gRPC-Web and REST through {@link #asyncInterceptCall}, the REST
   * stream of ops ({@link OpStreamRoute}) directly.
   *
   * @return a stage completed (on {@code ctx}'s event loop for a signed-in call) with the caller,
   *     which is then also kept in {@code ctx} for the services, or with null for a public call; or
   *     failed with the {@link StatusRuntimeException} that refuses the call
   */
  CompletableFuture<Caller> admit(String method, ServiceRequestContext ctx) {
    Rule rule = ruleFor(method);
    if (rule == null) {
      return CompletableFuture.failedFuture(
          ApiErrors.status(
              Code.PERMISSION_DENIED, "NO_ACCESS_RULE", "no access rule for " + method));
    }
    if (rule.requirement() == Requirement.PUBLIC) return CompletableFuture.completedFuture(null);
    return callers
        .authenticate(ctx.request().headers())
        .toCompletableFuture()
        .handleAsync(
            (caller, failure) -> {
              if (failure != null) throw ApiErrors.from(failure);
              String refusal = refusalFor(rule, caller, method);
              if (refusal != null) {
                throw ApiErrors.status(Code.PERMISSION_DENIED, "API_KEY_NOT_ALLOWED", refusal);
              }
              try {
                limits.admit(caller);
              } catch (RateLimits.Exceeded e) {
                throw ApiErrors.rateLimited(e);
              }
              ctx.setAttr(Callers.CALLER, caller);
              return caller;
            },
            ctx.eventLoop());
  }

  /**
   * {@link #admit} for a plain HTTP route that serves {@code method}, and then, for an API key
   * limited to one project, {@link #reach} of {@code request} (the call as its RPC's message).
   */
  CompletableFuture<Caller> admit(String method, ServiceRequestContext ctx, Object request) {
    return admit(method, ctx)
        .thenCompose(
            caller -> {
              String project = onlyProject(method, caller);
              return (project == null
                      ? CompletableFuture.<Void>completedFuture(null)
                      : reach(project, request))
                  .thenApply(reached -> caller);
            });
  }

  /**
   * The one project that {@code caller} may reach with a call of {@code method}, when its API key
   * is limited to one and the call is about a project's resource; null when nothing limits it.
   */
  static String onlyProject(String method, Caller caller) {
    Rule rule = ruleFor(method);
    if (caller == null || caller.onlyProject() == null || rule == null) return null;
    return rule.requirement() == Requirement.PROJECT_ROLE ? caller.onlyProject() : null;
  }

  /**
   * Whether a request (a protobuf message) stays within {@code project}: it names the project or a
   * canvas of it. Fails with NOT_FOUND for another project's resource (as for a non-member, so
   * nothing outside can be probed) and PERMISSION_DENIED for a request naming no project.
   */
  CompletableFuture<Void> reach(String project, Object request) {
    Resource resource = Resource.of(request);
    if (resource == null) {
      return CompletableFuture.failedFuture(
          ApiErrors.status(
              Code.PERMISSION_DENIED,
              "API_KEY_NOT_ALLOWED",
              "this API key is limited to project " + project));
    }
    if (resource.projectId() != null) {
      return project.equals(resource.projectId())
          ? CompletableFuture.completedFuture(null)
          : CompletableFuture.failedFuture(
              ApiErrors.status(
                  Code.NOT_FOUND,
                  "PROJECT_NOT_FOUND",
                  "There is no project " + resource.projectId()));
    }
    return projectOfCanvas
        .apply(resource.canvasId())
        .toCompletableFuture()
        .thenApply(
            owner -> {
              if (!project.equals(owner)) throw ApiErrors.notFound(resource.canvasId());
              return null;
            });
  }

  private static void close(ServerCall<?, ?> call, StatusRuntimeException refusal) {
    Metadata trailers = refusal.getTrailers();
    call.close(refusal.getStatus(), trailers == null ? new Metadata() : trailers);
  }

  /**
   * The project or canvas a request names: its {@code project_id} field, else its {@code canvas_id}
   * field; null when it has neither.
   */
  record Resource(String projectId, String canvasId) {
    static Resource of(Object request) {
      if (!(request instanceof Message message)) return null;
      String project = field(message, "project_id");
      if (project != null) return new Resource(project, null);
      String canvas = field(message, "canvas_id");
      return canvas == null ? null : new Resource(null, canvas);
    }

    private static String field(Message message, String name) {
      Descriptors.FieldDescriptor field = message.getDescriptorForType().findFieldByName(name);
      if (field == null || field.getJavaType() != Descriptors.FieldDescriptor.JavaType.STRING) {
        return null;
      }
      String value = (String) message.getField(field);
      return value.isEmpty() ? null : value;
    }
  }

  /**
   * Passes a request of a key limited to one project on to the service only when it names that
   * project or a canvas of it; any other is answered as not found, so nothing outside the project
   * can be probed with the key. The half-close waits for the check. Of a stream of requests
   * (UploadDataset) the first names the project; the next ones are its data, passed as they come.
   */
  private final class OneProject<I> extends ForwardingServerCallListener<I> {
    private final ServerCall.Listener<I> delegate;
    private final ServerCall<I, ?> call;
    private final String project;
    private final ServiceRequestContext ctx;
    private boolean checking;
    private boolean halfClosed;
    private boolean refused;
    private boolean reached;

    OneProject(
        ServerCall.Listener<I> delegate,
        ServerCall<I, ?> call,
        String project,
        ServiceRequestContext ctx) {
      this.delegate = delegate;
      this.call = call;
      this.project = project;
      this.ctx = ctx;
    }

    @Override
    protected ServerCall.Listener<I> delegate() {
      return delegate;
    }

    @Override
    public void onMessage(I message) {
      if (refused) return;
      if (reached) {
        delegate.onMessage(message);
        return;
      }
      checking = true;
      reach(project, message)
          .whenCompleteAsync(
              (ok, failure) -> {
                checking = false;
                if (failure != null) {
                  refused = true;
                  close(call, ApiErrors.from(failure));
                } else {
                  reached = true;
                  delegate.onMessage(message);
                  if (halfClosed) delegate.onHalfClose();
                }
              },
              ctx.eventLoop());
    }

    @Override
    public void onHalfClose() {
      if (refused) return;
      if (checking) halfClosed = true;
      else delegate.onHalfClose();
    }
  }
}
