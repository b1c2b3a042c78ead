package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.easel.project.ProjectPolicy;
import org.junit.jupiter.api.Test;

/**
 * The /ws requests are weighed by the one declared table, {@link ShareDbSession#SOCKET_ACTIONS}.
 */
class ShareDbActionsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static ObjectNode request(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }

  @Test
  void anOpThatDeletesItsCanvasNeedsMoreThanAnEdit() throws Exception {
    String edit = ShareDbSession.socketAction(request("{\"a\":\"op\",\"op\":[]}"));
    String notDeleting = ShareDbSession.socketAction(request("{\"a\":\"op\",\"del\":false}"));
    String deleting = ShareDbSession.socketAction(request("{\"a\":\"op\",\"del\":true}"));
    assertThat(edit).isEqualTo("op");
    assertThat(notDeleting).isEqualTo("op");
    assertThat(deleting).isEqualTo(ShareDbSession.DELETING_OP);
    assertThat(ShareDbSession.SOCKET_ACTIONS.get(edit)).isEqualTo(ProjectPolicy.Action.CANVAS_EDIT);
    assertThat(ShareDbSession.SOCKET_ACTIONS.get(deleting))
        .isEqualTo(ProjectPolicy.Action.CANVAS_DELETE);
  }

  @Test
  void requestsThatTouchNoCanvasNeedNothing() throws Exception {
    for (String action : new String[] {"hs", "u", "bu", "pu", "pp"}) {
      String named = ShareDbSession.socketAction(request("{\"a\":\"" + action + "\"}"));
      assertThat(ShareDbSession.SOCKET_ACTIONS).as(action).doesNotContainKey(named);
    }
    assertThat(ShareDbSession.socketAction(request("{\"a\":7}"))).isEmpty();
  }
}
