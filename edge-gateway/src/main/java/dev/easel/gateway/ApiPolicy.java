package dev.easel.gateway;

import dev.easel.project.ProjectPolicy;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Map;

/**
 * The one declared table of what each public RPC needs, enforced for every call (gRPC and the REST
 * transcoded from it) before the service runs. An RPC missing from the table is refused, and {@code
 * ApiPolicyTest} fails the build when the API has an RPC without an entry. The project role an RPC
 * needs is decided per resource by {@link ProjectPolicy}; the table names which.
 */
final class ApiPolicy implements ServerInterceptor {
  /** What a caller must be to make a call. */
  enum Requirement {
    /** Anyone: sign-up, sign-in, token refresh and logout (which carry their own secret). */
    PUBLIC,
    /** A signed-in user; what they may touch is then the service's to decide. */
    SIGNED_IN,
    /** A signed-in user with this project role on the resource named by the request. */
    PROJECT_ROLE
  }

  /** One row: the requirement, and for {@link Requirement#PROJECT_ROLE} the action checked. */
  record Rule(Requirement requirement, ProjectPolicy.Action action) {
    static Rule publicCall() {
      return new Rule(Requirement.PUBLIC, null);
    }

    static Rule signedIn() {
      return new Rule(Requirement.SIGNED_IN, null);
    }

    static Rule role(ProjectPolicy.Action action) {
      return new Rule(Requirement.PROJECT_ROLE, action);
    }
  }

  static final Map<String, Rule> RULES =
      Map.ofEntries(
          Map.entry("easel.v1.AuthService/Register", Rule.publicCall()),
          Map.entry("easel.v1.AuthService/Login", Rule.publicCall()),
          Map.entry("easel.v1.AuthService/Refresh", Rule.publicCall()),
          Map.entry("easel.v1.AuthService/Logout", Rule.publicCall()),
          Map.entry("easel.v1.UserService/GetMe", Rule.signedIn()),
          Map.entry("easel.v1.UserService/UpdateMe", Rule.signedIn()),
          Map.entry("easel.v1.UserService/ChangePassword", Rule.signedIn()),
          Map.entry("easel.v1.UserService/DeleteMe", Rule.signedIn()),
          Map.entry("easel.v1.UserService/EnrollTotp", Rule.signedIn()),
          Map.entry("easel.v1.UserService/ConfirmTotp", Rule.signedIn()),
          Map.entry("easel.v1.UserService/DisableTotp", Rule.signedIn()),
          Map.entry("easel.v1.UserService/RegenerateRecoveryCodes", Rule.signedIn()),
          Map.entry("easel.v1.UserService/ListSecurityEvents", Rule.signedIn()),
          Map.entry("easel.v1.ApiKeyService/CreateApiKey", Rule.signedIn()),
          Map.entry("easel.v1.ApiKeyService/ListApiKeys", Rule.signedIn()),
          Map.entry("easel.v1.ApiKeyService/RevokeApiKey", Rule.signedIn()),
          Map.entry("easel.v1.ProjectService/CreateProject", Rule.signedIn()),
          Map.entry("easel.v1.ProjectService/ListProjects", Rule.signedIn()),
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
          Map.entry("easel.v1.CanvasService/ListCanvases", Rule.signedIn()),
          Map.entry(
              "easel.v1.ProjectService/RenameProject", Rule.role(ProjectPolicy.Action.RENAME)),
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
          Map.entry("easel.v1.ProjectService/AcceptInvitation", Rule.signedIn()),
          Map.entry(
              "easel.v1.ProjectService/ListProjectActivity",
              Rule.role(ProjectPolicy.Action.READ_ACTIVITY)),
          Map.entry(
              "easel.v1.ProjectService/ListProjectAuditEvents",
              Rule.role(ProjectPolicy.Action.READ_AUDIT_LOG)),
          Map.entry("easel.v1.OrganizationService/CreateOrganization", Rule.signedIn()),
          Map.entry("easel.v1.OrganizationService/GetOrganization", Rule.signedIn()),
          Map.entry("easel.v1.OrganizationService/AddOrganizationMember", Rule.signedIn()),
          Map.entry("easel.v1.OrganizationService/RemoveOrganizationMember", Rule.signedIn()));

  private final Callers callers;

  ApiPolicy(Callers callers) {
    this.callers = callers;
  }

  /** The rule for an RPC of Easel's API, or null when it has none (then it is refused). */
  static Rule ruleFor(String fullMethodName) {
    return RULES.get(fullMethodName);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (!method.startsWith("easel.")) return next.startCall(call, headers); // reflection, health
    Rule rule = ruleFor(method);
    if (rule == null) {
      call.close(Status.PERMISSION_DENIED.withDescription("no access rule for " + method), headers);
      return new ServerCall.Listener<>() {};
    }
    if (rule.requirement() != Requirement.PUBLIC) {
      try {
        callers.signedInUser();
      } catch (RuntimeException e) {
        call.close(ApiErrors.from(e).getStatus(), new Metadata());
        return new ServerCall.Listener<>() {};
      }
    }
    return next.startCall(call, headers);
  }
}
