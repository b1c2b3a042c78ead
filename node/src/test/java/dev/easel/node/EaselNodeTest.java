package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import org.junit.jupiter.api.Test;

class EaselNodeTest {
  @Test
  void readsRolesFromACommaSeparatedList() {
    assertThat(EaselNode.parseRoles("gateway, core")).containsExactly("gateway", "core");
    assertThat(EaselNode.parseRoles("query,query,")).containsExactly("query");
  }

  @Test
  void refusesUnknownOrMissingRoles() {
    assertThatThrownBy(() -> EaselNode.parseRoles("gateway,cache"))
        .hasMessage("EASEL_ROLES: unknown role 'cache'; roles are gateway, core, query, gpu");
    assertThatThrownBy(() -> EaselNode.parseRoles(" , ")).hasMessage("EASEL_ROLES names no role");
  }

  @Test
  void theLargestRequestIs16MiBUnlessSet() {
    // The node's own configuration, without the environment of whoever runs the test.
    var config =
        ConfigFactory.parseResources("application.conf").resolve(ConfigResolveOptions.noSystem());
    assertThat(config.getMemorySize("easel.http.max-request-size").toBytes())
        .isEqualTo(16L * 1024 * 1024);
    var set =
        ConfigFactory.parseString("EASEL_MAX_REQUEST_SIZE = 64KiB")
            .withFallback(ConfigFactory.parseResources("application.conf"))
            .resolve(ConfigResolveOptions.noSystem());
    assertThat(set.getMemorySize("easel.http.max-request-size").toBytes()).isEqualTo(64 * 1024);
  }
}
