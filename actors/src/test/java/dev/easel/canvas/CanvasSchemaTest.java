package dev.easel.canvas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.easel.ot.Json0;
import java.util.List;
import org.junit.jupiter.api.Test;

class CanvasSchemaTest {
  static Object doc(String json) throws Exception {
    return Json0.fromJson(new ObjectMapper().readTree(json.replace('\'', '"')));
  }

  static final String CELL =
      "{'kind':'sql','name':'q','source':'SELECT 1','layout':{'x':0,'y':0,'w':6,'h':4},'config':{}}";

  @Test
  void acceptsTheDocumentsEaselWrites() throws Exception {
    assertThat(CanvasSchema.check(CanvasSchema.emptyDocument("Revenue"))).isNull();
    assertThat(CanvasSchema.check(doc("{'title':'T','cells':{'c1':" + CELL + "}}"))).isNull();
    assertThat(
            CanvasSchema.check(
                doc("{'title':'','cells':{'a-_9':{'kind':'markdown','source':''}}}")))
        .isNull();
  }

  @Test
  void namesWhatIsWrong() throws Exception {
    assertThat(CanvasSchema.check(doc("[]"))).isEqualTo("a canvas document must be an object");
    assertThat(CanvasSchema.check(doc("{'title':'T'}"))).isEqualTo("cells is missing");
    assertThat(CanvasSchema.check(doc("{'title':5,'cells':{}}")))
        .isEqualTo("title must be a string");
    assertThat(CanvasSchema.check(doc("{'title':'T','cells':{},'x':1}")))
        .isEqualTo("unknown top-level field 'x'");
    assertThat(CanvasSchema.check(doc("{'title':'T','cells':{'c1':{'kind':'bogus','source':''}}}")))
        .isEqualTo("cell 'c1': kind must be one of sql, chart, markdown, ai, input (was 'bogus')");
    assertThat(CanvasSchema.check(doc("{'title':'T','cells':{'c1':{'kind':'sql','source':3}}}")))
        .isEqualTo("cell 'c1': source must be a string");
    assertThat(
            CanvasSchema.check(
                doc("{'title':'T','cells':{'c1':{'kind':'sql','source':'','layout':{'x':1.5}}}}")))
        .isEqualTo("cell 'c1': layout.x must be an integer");
    assertThat(CanvasSchema.check(doc("{'title':'T','cells':{'a b':{'kind':'sql','source':''}}}")))
        .startsWith("cell 'a b': a cell id is");
    assertThat(
            CanvasSchema.check(
                doc("{'title':'T','cells':{'c1':{'kind':'sql','source':'','x':1}}}")))
        .isEqualTo("cell 'c1': unknown field 'x'");
  }

  @Test
  void checksOnlyWhatAnOpTouched() throws Exception {
    Object bad =
        doc("{'title':'T','cells':{'ok':" + CELL + ",'bad':{'kind':'bogus','source':''}}}");
    assertThat(CanvasSchema.check(bad, List.of(List.of("cells", "ok", "source", 3)))).isNull();
    assertThat(CanvasSchema.check(bad, List.of(List.of("cells", "bad", "source", 0))))
        .contains("kind must be one of");
    assertThat(CanvasSchema.check(bad, List.of(List.of("cells")))).contains("kind must be one of");
    assertThat(CanvasSchema.check(bad, List.<List<Object>>of(List.of())))
        .contains("kind must be one of");
    // a removed cell leaves nothing to check
    assertThat(CanvasSchema.check(bad, List.of(List.of("cells", "gone")))).isNull();
  }
}
