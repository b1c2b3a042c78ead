package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors;
import dev.easel.api.v1.ApiKeysProto;
import dev.easel.api.v1.AuthProto;
import dev.easel.api.v1.CanvasProto;
import dev.easel.api.v1.DatasetsProto;
import dev.easel.api.v1.ProjectsProto;
import dev.easel.api.v1.QueriesProto;
import dev.easel.identity.ApiKeys;
import dev.easel.identity.Scope;
import dev.easel.project.ProjectPolicy;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Every RPC of the public API has exactly one declared access rule. */
class ApiPolicyTest {
  /** Every RPC of the public API by its full name (service/method). */
  static Map<String, Descriptors.MethodDescriptor> rpcs() {
    Map<String, Descriptors.MethodDescriptor> methods = new TreeMap<>();
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
          methods.put(service.getFullName() + "/" + method.getName(), method);
        }
      }
    }
    return methods;
  }

  static List<String> everyRpc() {
    return new ArrayList<>(rpcs().keySet());
  }

  @Test
  void everyRpcHasARule() {
    List<String> rpcs = everyRpc();
    assertThat(rpcs).hasSizeGreaterThanOrEqualTo(18);
    for (String rpc : rpcs) {
      assertThat(ApiPolicy.ruleFor(rpc)).as("access rule for %s", rpc).isNotNull();
    }
  }

  @Test
  void theTableNamesNoRpcThatDoesNotExist() {
    assertThat(everyRpc()).containsAll(ApiPolicy.RULES.keySet());
  }

  @Test
  void onlySignInItselfIsPublic() {
    assertThat(
            ApiPolicy.RULES.entrySet().stream()
                .filter(e -> e.getValue().requirement() == ApiPolicy.Requirement.PUBLIC)
                .map(e -> e.getKey()))
        .containsExactlyInAnyOrder(
            "easel.v1.AuthService/Register",
            "easel.v1.AuthService/Login",
            "easel.v1.AuthService/Refresh",
            "easel.v1.AuthService/Logout");
  }

  @Test
  void rulesNamingARoleNameTheAction() {
    ApiPolicy.RULES.forEach(
        (rpc, rule) ->
            assertThat(rule.action() != null)
                .as(rpc)
                .isEqualTo(rule.requirement() == ApiPolicy.Requirement.PROJECT_ROLE));
  }

  @Test
  void everyRpcOfAProjectNamesItsProjectOrCanvas() {
    // A key of one project is kept inside it by the project_id or canvas_id of the request.
    ApiPolicy.RULES.forEach(
        (rpc, rule) -> {
          if (rule.requirement() != ApiPolicy.Requirement.PROJECT_ROLE) return;
          Descriptors.Descriptor input = rpcs().get(rpc).getInputType();
          assertThat(
                  input.findFieldByName("project_id") != null
                      || input.findFieldByName("canvas_id") != null)
              .as("%s names a project_id or canvas_id", rpc)
              .isTrue();
        });
  }

  @Test
  void projectRpcsNeedTheScopeOfTheirAction() {
    ApiPolicy.RULES.forEach(
        (rpc, rule) -> {
          if (rule.requirement() == ApiPolicy.Requirement.PROJECT_ROLE) {
            assertThat(rule.keyScope()).as(rpc).isEqualTo(ProjectPolicy.scopeFor(rule.action()));
            assertThat(rule.withinOneProject()).as(rpc).isTrue();
          }
        });
  }

  @Test
  void keysMayNotManageTheAccountOrItsKeys() {
    ApiPolicy.RULES.forEach(
        (rpc, rule) -> {
          if (rpc.startsWith("easel.v1.UserService/")
              || rpc.startsWith("easel.v1.ApiKeyService/")) {
            assertThat(rule.keyScope()).as(rpc).isNull();
          }
        });
  }

  @Test
  void organizationsAreBeyondTheReachOfAKeyOfOneProject() {
    // An organization spans projects: none of its calls, listings included, is within one.
    List<String> organizationRpcs =
        everyRpc().stream().filter(rpc -> rpc.startsWith("easel.v1.OrganizationService/")).toList();
    assertThat(organizationRpcs)
        .contains(
            "easel.v1.OrganizationService/ListOrganizations",
            "easel.v1.OrganizationService/ListOrganizationProjects");
    for (String rpc : organizationRpcs) {
      ApiPolicy.Rule rule = ApiPolicy.ruleFor(rpc);
      assertThat(rule.withinOneProject()).as(rpc).isFalse();
      assertThat(ApiPolicy.refusalFor(rule, key("p-1", Scope.ADMIN), rpc))
          .as(rpc)
          .contains("limited to project p-1");
    }
    String list = "easel.v1.OrganizationService/ListOrganizationProjects";
    assertThat(ApiPolicy.refusalFor(ApiPolicy.ruleFor(list), key(null, Scope.READ), list)).isNull();
  }

  static Caller key(String projectId, Scope... scopes) {
    return Caller.of(
        new ApiKeys.Grant(
            "u-1",
            "k-1",
            scopes.length == 0 ? Set.of() : EnumSet.of(scopes[0], scopes),
            projectId));
  }

  @Test
  void weighsTheCredentialAgainstTheRule() {
    Caller person = new Caller("u-1", "s-1", null, null);
    String rpc = "easel.v1.CanvasService/SubmitOp";
    ApiPolicy.Rule submit = ApiPolicy.ruleFor(rpc);
    assertThat(ApiPolicy.refusalFor(submit, person, rpc)).isNull();
    assertThat(ApiPolicy.refusalFor(submit, key(null, Scope.WRITE), rpc)).isNull();
    assertThat(ApiPolicy.refusalFor(submit, key(null, Scope.ADMIN), rpc)).isNull();
    assertThat(ApiPolicy.refusalFor(submit, key("p-1", Scope.WRITE), rpc)).isNull();
    assertThat(ApiPolicy.refusalFor(submit, key(null, Scope.READ), rpc))
        .isEqualTo(rpc + " needs the write scope, which this API key lacks");

    String me = "easel.v1.UserService/GetMe";
    assertThat(ApiPolicy.refusalFor(ApiPolicy.ruleFor(me), person, me)).isNull();
    assertThat(ApiPolicy.refusalFor(ApiPolicy.ruleFor(me), key(null, Scope.ADMIN), me))
        .contains("API keys cannot make this call");

    String create = "easel.v1.ProjectService/CreateProject";
    ApiPolicy.Rule createRule = ApiPolicy.ruleFor(create);
    assertThat(ApiPolicy.refusalFor(createRule, key(null, Scope.WRITE), create)).isNull();
    assertThat(ApiPolicy.refusalFor(createRule, key("p-1", Scope.ADMIN), create))
        .contains("limited to project p-1");
    String list = "easel.v1.ProjectService/ListProjects";
    assertThat(ApiPolicy.refusalFor(ApiPolicy.ruleFor(list), key("p-1", Scope.READ), list))
        .isNull();
  }

  @Test
  void scopesCoverTheOnesBelowThem() {
    assertThat(key(null, Scope.ADMIN).allows(Scope.READ)).isTrue();
    assertThat(key(null, Scope.WRITE).allows(Scope.READ)).isTrue();
    assertThat(key(null, Scope.WRITE).allows(Scope.ADMIN)).isFalse();
    assertThat(key(null, Scope.READ).allows(Scope.WRITE)).isFalse();
    assertThat(key(null).allows(Scope.READ)).isFalse();
    assertThat(key("p-1", Scope.READ).reaches("p-1")).isTrue();
    assertThat(key("p-1", Scope.READ).reaches("p-2")).isFalse();
    assertThat(key(null, Scope.READ).reaches("p-2")).isTrue();
  }

  @Test
  void findsTheProjectOrCanvasARequestNames() {
    assertThat(
            ApiPolicy.Resource.of(
                dev.easel.api.v1.GetProjectRequest.newBuilder().setProjectId("p-1").build()))
        .isEqualTo(new ApiPolicy.Resource("p-1", null));
    assertThat(
            ApiPolicy.Resource.of(
                dev.easel.api.v1.SubmitOpRequest.newBuilder().setCanvasId("c-1").build()))
        .isEqualTo(new ApiPolicy.Resource(null, "c-1"));
    assertThat(ApiPolicy.Resource.of(dev.easel.api.v1.GetProjectRequest.getDefaultInstance()))
        .isNull();
    assertThat(ApiPolicy.Resource.of("not a message")).isNull();
  }
}
