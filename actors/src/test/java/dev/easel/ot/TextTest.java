package dev.easel.ot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TextTest {

  @Test
  void editsAShortString() {
    Text text = new Text("hello");
    text.insert(5, " world");
    text.insert(0, ">");
    text.delete(1, 1);
    assertThat(text.toString()).isEqualTo(">ello world");
    assertThat(text.length()).isEqualTo(11);
    assertThat(text.substring(1, 5)).isEqualTo("ello");
    assertThat(text.charAt(0)).isEqualTo('>');
  }

  @Test
  void emptyTextAcceptsInsertsAndEmptyEdits() {
    Text text = new Text("");
    text.insert(0, "");
    text.delete(0, 0);
    assertThat(text.isEmpty()).isTrue();
    text.insert(0, "a");
    text.delete(0, 1);
    text.insert(0, "b");
    assertThat(text.toString()).isEqualTo("b");
  }

  @Test
  void insertsAndDeletesAcrossChunkBoundaries() {
    String initial = "x".repeat(3 * Text.MAX_CHUNK);
    Text text = new Text(initial);
    assertThat(text.chunkCount()).isGreaterThan(1);
    StringBuilder expected = new StringBuilder(initial);
    // Around every position where one chunk may end and the next begin.
    for (int pos = 2040; pos < 2060; pos++) {
      text.insert(pos, "ab");
      expected.insert(pos, "ab");
    }
    text.delete(Text.MAX_CHUNK - 3, Text.MAX_CHUNK + 10);
    expected.delete(Text.MAX_CHUNK - 3, 2 * Text.MAX_CHUNK + 7);
    assertThat(text.toString()).isEqualTo(expected.toString());
    assertThat(text.regionMatches(2038, expected.substring(2038, 2070))).isTrue();
  }

  @Test
  void deletingEverythingAcrossManyChunksLeavesAnEmptyText() {
    Text text = new Text("abcdefgh".repeat(5000));
    text.delete(0, text.length());
    assertThat(text.toString()).isEmpty();
    assertThat(text.chunkCount()).isEqualTo(1);
    text.insert(0, "again");
    assertThat(text.toString()).isEqualTo("again");
  }

  @Test
  void hugeInsertIsSplitIntoBoundedChunks() {
    Text text = new Text("head tail");
    String huge = "0123456789".repeat(100_000);
    text.insert(5, huge);
    assertThat(text.length()).isEqualTo(9 + huge.length());
    assertThat(text.chunkCount()).isBetween(huge.length() / Text.MAX_CHUNK, huge.length() / 1000);
    assertThat(text.substring(0, 5)).isEqualTo("head ");
    assertThat(text.substring(text.length() - 4, text.length())).isEqualTo("tail");
    assertThat(text.regionMatches(5, huge)).isTrue();
    text.delete(5, huge.length());
    assertThat(text.toString()).isEqualTo("head tail");
  }

  @Test
  void matchesAStringBuilderUnderRandomEdits() {
    long seed = Long.getLong("json0.seed", new Random().nextLong());
    Random random = new Random(seed);
    Text text = new Text("");
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      int size = random.nextInt(20) == 0 ? random.nextInt(3 * Text.MAX_CHUNK) : random.nextInt(4);
      if (expected.isEmpty() || random.nextInt(5) < 3) {
        int pos = random.nextInt(expected.length() + 1);
        String s = "abcdefghij".repeat(size / 10 + 1).substring(0, size);
        text.insert(pos, s);
        expected.insert(pos, s);
      } else {
        int pos = random.nextInt(expected.length());
        int len = Math.min(size, expected.length() - pos);
        text.delete(pos, len);
        expected.delete(pos, pos + len);
      }
      if (i % 500 == 0) {
        assertThat(text.toString()).as("seed %d, step %d", seed, i).isEqualTo(expected.toString());
      }
    }
    assertThat(text.toString()).as("seed %d", seed).isEqualTo(expected.toString());
    assertThat(text.hashCode()).isEqualTo(expected.toString().hashCode());
  }

  @Test
  void equalityIsByContentWhateverTheChunking() {
    Text typed = new Text("");
    String content = "lorem ipsum ".repeat(1000);
    for (int i = 0; i < content.length(); i++) {
      typed.insert(i, content.substring(i, i + 1));
    }
    Text loaded = new Text(content);
    assertThat(typed).isEqualTo(loaded);
    assertThat(typed.hashCode()).isEqualTo(loaded.hashCode()).isEqualTo(content.hashCode());
    loaded.delete(0, 1);
    assertThat(typed).isNotEqualTo(loaded);
  }

  @Test
  void copyIsIndependent() {
    Text original = new Text("abc");
    Text copy = original.copy();
    copy.insert(3, "d");
    assertThat(original.toString()).isEqualTo("abc");
    assertThat(copy.toString()).isEqualTo("abcd");
  }

  @Test
  void positionsAreUtf16CodeUnitsLikeJavaScript() {
    Text text = new Text("a😀b");
    assertThat(text.length()).isEqualTo(4);
    text.insert(3, "x");
    assertThat(text.toString()).isEqualTo("a😀xb");
    assertThat(text.regionMatches(1, "😀")).isTrue();
  }

  @Test
  void regionMatchesIsFalseOutsideTheText() {
    Text text = new Text("abc");
    assertThat(text.regionMatches(2, "cd")).isFalse();
    assertThat(text.regionMatches(4, "")).isFalse();
    assertThat(text.regionMatches(3, "")).isTrue();
    assertThat(text.regionMatches(-1, "a")).isFalse();
  }

  @Test
  void refusesPositionsOutsideTheText() {
    Text text = new Text("abc");
    assertThatThrownBy(() -> text.insert(4, "x"))
        .isInstanceOf(Json0Exception.class)
        .hasMessage("insert position 4 is outside the text (length 3)");
    assertThatThrownBy(() -> text.delete(2, 2))
        .isInstanceOf(Json0Exception.class)
        .hasMessage("delete of 2 chars at position 2 is outside the text (length 3)");
    assertThatThrownBy(() -> text.substring(1, 5))
        .isInstanceOf(Json0Exception.class)
        .hasMessage("range 1..5 is outside the text (length 3)");
    assertThat(text.toString()).isEqualTo("abc");
  }
}
