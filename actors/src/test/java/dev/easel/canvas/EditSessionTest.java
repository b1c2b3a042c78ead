package dev.easel.canvas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a canvas's changes are grouped into the sessions of its timeline. */
class EditSessionTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant T0 = Instant.parse("2026-12-01T09:00:00Z");

  static JsonNode json(String text) throws Exception {
    return JSON.readTree(text.replace('\'', '"'));
  }

  static CanvasOp edit(long v, int minute, String author, String op) throws Exception {
    return new CanvasOp(
        v, "s", v, ChangeKind.EDIT, json(op), author, T0.plus(Duration.ofMinutes(minute)));
  }

  @Test
  void startsASessionAfterEachPauseLongerThanTheGapNewestFirst() throws Exception {
    List<CanvasOp> ops =
        List.of(
            new CanvasOp(
                0, "s", 0, ChangeKind.CREATE, json("{'title':'T','cells':{'a':{}}}"), "ann", T0),
            edit(1, 5, "ann", "[{'p':['cells','b'],'oi':{'kind':'sql','source':''}}]"),
            edit(2, 10, "bob", "[{'p':['cells','b','source',0],'si':'S'}]"),
            // 40 minutes later: a new session
            edit(3, 50, "bob", "[{'p':['title',0],'si':'x'}]"),
            edit(4, 51, "cy", "[{'p':['cells'],'od':{'a':{},'b':{}},'oi':{'c':{}}}]"),
            // the whole document replaced: its title and cells count as touched
            edit(
                5,
                52,
                "cy",
                "[{'p':[],'od':{'title':'xT','cells':{'c':{}}},'oi':{'title':'N','cells':{'d':{}}}}]"),
            new CanvasOp(6, "s", 6, ChangeKind.DELETE, null, "ann", T0.plusSeconds(53 * 60)));
    List<EditSession> sessions = EditSession.group(ops, Duration.ofMinutes(15));
    assertThat(sessions).hasSize(2);
    EditSession late = sessions.get(0);
    assertThat(late.fromVersion()).isEqualTo(3);
    assertThat(late.toVersion()).isEqualTo(7);
    assertThat(late.changes()).isEqualTo(4);
    assertThat(late.authors()).containsExactly("ann", "cy", "bob");
    assertThat(late.cells()).containsExactly("c", "d", "a", "b");
    assertThat(late.titleChanged()).isTrue();
    assertThat(late.deleted()).isTrue();
    assertThat(late.created()).isFalse();
    assertThat(late.startedAt()).isEqualTo(T0.plus(Duration.ofMinutes(50)));
    assertThat(late.endedAt()).isEqualTo(T0.plus(Duration.ofMinutes(53)));
    EditSession early = sessions.get(1);
    assertThat(early.fromVersion()).isZero();
    assertThat(early.toVersion()).isEqualTo(3);
    assertThat(early.authors()).containsExactly("bob", "ann");
    assertThat(early.cells()).containsExactly("b", "a");
    assertThat(early.titleChanged()).isFalse();
    assertThat(early.created()).isTrue();
    // a longer gap joins them; no change, no session
    assertThat(EditSession.group(ops, Duration.ofHours(1))).hasSize(1);
    assertThat(EditSession.group(List.of(), Duration.ofHours(1))).isEmpty();
  }
}
