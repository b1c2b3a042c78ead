package dev.easel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
