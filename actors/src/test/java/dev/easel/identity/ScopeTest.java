package dev.easel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class ScopeTest {

  @Test
  void parsesTheWireNamesAndIgnoresCase() {
    assertThat(Scope.parse("read")).isEqualTo(Scope.READ);
    assertThat(Scope.parse("write")).isEqualTo(Scope.WRITE);
    assertThat(Scope.parse("admin")).isEqualTo(Scope.ADMIN);
    assertThat(Scope.parse("ADMIN")).isEqualTo(Scope.ADMIN);
  }

  @Test
  void wireNameRoundTrips() {
    for (Scope scope : Scope.values()) {
      assertThat(Scope.parse(scope.wireName())).isEqualTo(scope);
    }
    assertThat(Scope.WRITE.wireName()).isEqualTo("write");
  }

  @Test
  void unknownScopeIsRefusedWithTheAcceptedNames() {
    assertThatThrownBy(() -> Scope.parse("superuser"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown scope 'superuser'; expected one of read, write, admin");
    assertThatThrownBy(() -> Scope.parse(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing scope");
    assertThatThrownBy(() -> Scope.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void refusalDoesNotEchoLongOrControlInput() {
    String hostile = "x".repeat(1000) + "\n";
    assertThatThrownBy(() -> Scope.parse(hostile))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(120).doesNotContain("\n"));
    assertThatThrownBy(() -> Scope.parse("re\nad"))
        .satisfies(e -> assertThat(e.getMessage()).contains("re?ad").doesNotContain("\n"));
  }

  @Test
  void parsesAndFormatsSpaceSeparatedLists() {
    assertThat(Scope.parseAll("write  read")).containsExactlyInAnyOrder(Scope.READ, Scope.WRITE);
    assertThat(Scope.parseAll("")).isEmpty();
    assertThat(Scope.parseAll(null)).isEmpty();
    assertThat(Scope.format(EnumSet.of(Scope.ADMIN, Scope.READ))).isEqualTo("read admin");
    assertThatThrownBy(() -> Scope.parseAll("read root"))
        .hasMessageContaining("unknown scope 'root'");
  }
}
