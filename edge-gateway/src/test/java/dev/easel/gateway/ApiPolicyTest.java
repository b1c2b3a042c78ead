package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors;
import dev.easel.api.v1.ApiKeysProto;
import dev.easel.api.v1.AuthProto;
import dev.easel.api.v1.CanvasProto;
import dev.easel.api.v1.ProjectsProto;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every RPC of the public API has exactly one declared access rule. */
class ApiPolicyTest {
  static List<String> everyRpc() {
    List<String> methods = new ArrayList<>();
    for (Descriptors.FileDescriptor file :
        List.of(
            CanvasProto.getDescriptor(),
            AuthProto.getDescriptor(),
            ProjectsProto.getDescriptor(),
            ApiKeysProto.getDescriptor())) {
      for (Descriptors.ServiceDescriptor service : file.getServices()) {
        for (Descriptors.MethodDescriptor method : service.getMethods()) {
          methods.add(service.getFullName() + "/" + method.getName());
        }
      }
    }
    return methods;
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
}
