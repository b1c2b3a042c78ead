package dev.easel.project;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Who may do what in a project, as a table: every role (and none) against every action. */
class ProjectPolicyTest {

  @ParameterizedTest(name = "{0} {1}: {2}")
  @CsvSource(
      nullValues = "NONE",
      value = {
        "OWNER,      READ,          true",
        "OWNER,      ADD_MEMBER,    true",
        "OWNER,      CREATE_CANVAS, true",
        "EDITOR,     READ,          true",
        "EDITOR,     ADD_MEMBER,    false",
        "EDITOR,     CREATE_CANVAS, true",
        "COMMENTER,  READ,          true",
        "COMMENTER,  ADD_MEMBER,    false",
        "COMMENTER,  CREATE_CANVAS, false",
        "VIEWER,     READ,          true",
        "VIEWER,     ADD_MEMBER,    false",
        "VIEWER,     CREATE_CANVAS, false",
        "NONE,       READ,          false",
        "NONE,       ADD_MEMBER,    false",
        "NONE,       CREATE_CANVAS, false",
        "OWNER,      CANVAS_READ,    true",
        "OWNER,      CANVAS_COMMENT, true",
        "OWNER,      CANVAS_EDIT,    true",
        "OWNER,      CANVAS_DELETE,  true",
        "EDITOR,     CANVAS_READ,    true",
        "EDITOR,     CANVAS_COMMENT, true",
        "EDITOR,     CANVAS_EDIT,    true",
        "EDITOR,     CANVAS_DELETE,  false",
        "COMMENTER,  CANVAS_READ,    true",
        "COMMENTER,  CANVAS_COMMENT, true",
        "COMMENTER,  CANVAS_EDIT,    false",
        "COMMENTER,  CANVAS_DELETE,  false",
        "VIEWER,     CANVAS_READ,    true",
        "VIEWER,     CANVAS_COMMENT, false",
        "VIEWER,     CANVAS_EDIT,    false",
        "VIEWER,     CANVAS_DELETE,  false",
        "NONE,       CANVAS_READ,    false",
        "NONE,       CANVAS_COMMENT, false",
        "NONE,       CANVAS_EDIT,    false",
        "NONE,       CANVAS_DELETE,  false",
      })
  void decides(ProjectRole role, ProjectPolicy.Action action, boolean allowed) {
    assertThat(ProjectPolicy.allows(role, action)).isEqualTo(allowed);
  }

  @Test
  void theTableCoversEveryRoleAndAction() throws Exception {
    // A new role or action must be added to the table above: this counts its rows.
    var source =
        ProjectPolicyTest.class
            .getDeclaredMethod(
                "decides", ProjectRole.class, ProjectPolicy.Action.class, boolean.class)
            .getAnnotation(CsvSource.class);
    List<String> rows = new ArrayList<>();
    for (String row : source.value()) rows.add(row.replaceAll("\\s", ""));
    for (ProjectRole role : ProjectRole.values()) {
      for (ProjectPolicy.Action action : ProjectPolicy.Action.values()) {
        assertThat(rows).anyMatch(row -> row.startsWith(role + "," + action + ","));
      }
    }
    for (ProjectPolicy.Action action : ProjectPolicy.Action.values()) {
      assertThat(rows).anyMatch(row -> row.startsWith("NONE," + action + ","));
    }
  }
}
