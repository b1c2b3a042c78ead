package dev.easel.ot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A mutable string inside a canvas document, edited in place by json0 {@code si}/{@code sd}
 * components.
 *
 * <p>The characters are held in chunks of at most {@value #MAX_CHUNK} chars, so that inserting or
 * deleting a few characters costs O(chunk size) rather than a copy of the whole string. The chunk
 * that was used last is remembered, which makes sequential typing near one spot O(1) to locate.
 * Positions and lengths are in UTF-16 code units ({@code char}), exactly like JavaScript string
 * indexes. Equality and hash code are by content ({@code hashCode} equals that of the same {@link
 * String}). Not thread-safe.
 */
public final class Text implements CharSequence {

  /** Largest number of chars in one chunk. */
  static final int MAX_CHUNK = 4096;

  /** Size of the chunks made when text is loaded or a chunk overflows. */
  private static final int TARGET_CHUNK = MAX_CHUNK / 2;

  /** A chunk shorter than this is merged with a neighbour when the two fit in one chunk. */
  private static final int MERGE_BELOW = MAX_CHUNK / 4;

  /** One run of characters; {@code buf} may have spare capacity past {@code len}. */
  private static final class Chunk {
    char[] buf;
    int len;

    Chunk(char[] buf, int len) {
      this.buf = buf;
      this.len = len;
    }

    void ensureCapacity(int needed) {
      if (needed > buf.length) {
        int grown = Math.max(needed, Math.max(16, buf.length + (buf.length >> 1)));
        buf = Arrays.copyOf(buf, Math.min(MAX_CHUNK, grown));
      }
    }
  }

  /** Never empty; holds no empty chunk unless it is the only one. */
  private final ArrayList<Chunk> chunks;

  private int length;

  /** Index of the chunk found last, and the text position at which it starts. */
  private int cursorIndex;

  private int cursorStart;

  /** Creates a text holding {@code initial}. */
  public Text(String initial) {
    this.chunks = new ArrayList<>(Math.max(1, initial.length() / TARGET_CHUNK + 1));
    this.length = initial.length();
    if (initial.isEmpty()) {
      chunks.add(new Chunk(new char[16], 0));
    } else {
      char[] all = initial.toCharArray();
      chunks.addAll(split(all, 0, all.length));
    }
  }

  private Text(ArrayList<Chunk> chunks, int length) {
    this.chunks = chunks;
    this.length = length;
  }

  /** Number of UTF-16 code units. */
  @Override
  public int length() {
    return length;
  }

  @Override
  public boolean isEmpty() {
    return length == 0;
  }

  @Override
  public char charAt(int index) {
    if (index < 0 || index >= length) {
      throw new Json0Exception(
          "position " + index + " is outside the text (length " + length + ")");
    }
    seek(index, false);
    return chunks.get(cursorIndex).buf[index - cursorStart];
  }

  @Override
  public CharSequence subSequence(int start, int end) {
    return substring(start, end);
  }

  /** Inserts {@code s} so that it starts at {@code pos} ({@code 0 <= pos <= length()}). */
  public void insert(int pos, String s) {
    if (pos < 0 || pos > length) {
      throw new Json0Exception(
          "insert position " + pos + " is outside the text (length " + length + ")");
    }
    int n = s.length();
    if (n == 0) {
      return;
    }
    seek(pos, true);
    Chunk chunk = chunks.get(cursorIndex);
    int offset = pos - cursorStart;
    if (chunk.len + n > MAX_CHUNK) {
      // At a chunk boundary the neighbour may still have room, which saves a split.
      if (offset == chunk.len && cursorIndex + 1 < chunks.size()) {
        Chunk next = chunks.get(cursorIndex + 1);
        if (next.len + n <= MAX_CHUNK) {
          cursorStart += chunk.len;
          cursorIndex++;
          chunk = next;
          offset = 0;
        }
      } else if (offset == 0 && cursorIndex > 0) {
        Chunk previous = chunks.get(cursorIndex - 1);
        if (previous.len + n <= MAX_CHUNK) {
          cursorIndex--;
          cursorStart -= previous.len;
          chunk = previous;
          offset = previous.len;
        }
      }
    }
    if (chunk.len + n <= MAX_CHUNK) {
      chunk.ensureCapacity(chunk.len + n);
      System.arraycopy(chunk.buf, offset, chunk.buf, offset + n, chunk.len - offset);
      s.getChars(0, n, chunk.buf, offset);
      chunk.len += n;
    } else {
      char[] all = new char[chunk.len + n];
      System.arraycopy(chunk.buf, 0, all, 0, offset);
      s.getChars(0, n, all, offset);
      System.arraycopy(chunk.buf, offset, all, offset + n, chunk.len - offset);
      List<Chunk> pieces = split(all, 0, all.length);
      chunks.set(cursorIndex, pieces.get(0));
      chunks.addAll(cursorIndex + 1, pieces.subList(1, pieces.size()));
    }
    length += n;
  }

  /** Deletes the {@code len} chars starting at {@code pos}. */
  public void delete(int pos, int len) {
    if (pos < 0 || len < 0 || pos > length || len > length - pos) {
      throw new Json0Exception(
          "delete of "
              + len
              + " chars at position "
              + pos
              + " is outside the text (length "
              + length
              + ")");
    }
    if (len == 0) {
      return;
    }
    seek(pos, false);
    int index = cursorIndex;
    int start = cursorStart;
    Chunk first = chunks.get(index);
    int offset = pos - start;
    if (offset + len <= first.len) {
      System.arraycopy(first.buf, offset + len, first.buf, offset, first.len - offset - len);
      first.len -= len;
    } else {
      int remaining = len - (first.len - offset);
      first.len = offset;
      int end = index + 1;
      while (remaining > 0 && remaining >= chunks.get(end).len) {
        remaining -= chunks.get(end).len;
        end++;
      }
      chunks.subList(index + 1, end).clear();
      if (remaining > 0) {
        Chunk last = chunks.get(index + 1);
        System.arraycopy(last.buf, remaining, last.buf, 0, last.len - remaining);
        last.len -= remaining;
      }
    }
    length -= len;
    tidy(index, start);
  }

  /** Removes an emptied chunk and merges small neighbours around chunk {@code index}. */
  private void tidy(int index, int start) {
    Chunk chunk = chunks.get(index);
    if (chunk.len == 0 && chunks.size() > 1) {
      chunks.remove(index);
      if (index == chunks.size()) {
        index--;
        start -= chunks.get(index).len;
      }
      chunk = chunks.get(index);
    }
    if (chunk.len < MERGE_BELOW) {
      if (index + 1 < chunks.size() && chunk.len + chunks.get(index + 1).len <= MAX_CHUNK) {
        absorbNext(index);
      }
      if (index > 0) {
        Chunk previous = chunks.get(index - 1);
        if (previous.len + chunks.get(index).len <= MAX_CHUNK) {
          index--;
          start -= previous.len;
          absorbNext(index);
        }
      }
    }
    cursorIndex = index;
    cursorStart = start;
  }

  private void absorbNext(int index) {
    Chunk chunk = chunks.get(index);
    Chunk next = chunks.remove(index + 1);
    chunk.ensureCapacity(chunk.len + next.len);
    System.arraycopy(next.buf, 0, chunk.buf, chunk.len, next.len);
    chunk.len += next.len;
  }

  /** The chars from {@code from} (inclusive) to {@code to} (exclusive). */
  public String substring(int from, int to) {
    if (from < 0 || to > length || from > to) {
      throw new Json0Exception(
          "range " + from + ".." + to + " is outside the text (length " + length + ")");
    }
    char[] out = new char[to - from];
    if (from < to) {
      seek(from, false);
      int index = cursorIndex;
      int offset = from - cursorStart;
      int written = 0;
      while (written < out.length) {
        Chunk chunk = chunks.get(index++);
        int n = Math.min(chunk.len - offset, out.length - written);
        System.arraycopy(chunk.buf, offset, out, written, n);
        written += n;
        offset = 0;
      }
    }
    return new String(out);
  }

  /**
   * Whether {@code s} occurs at {@code pos}; false when {@code s} would run past the end (like
   * {@link String#regionMatches(int, String, int, int)}).
   */
  public boolean regionMatches(int pos, String s) {
    int n = s.length();
    if (pos < 0 || pos > length || n > length - pos) {
      return false;
    }
    if (n == 0) {
      return true;
    }
    seek(pos, false);
    int index = cursorIndex;
    int offset = pos - cursorStart;
    int compared = 0;
    while (compared < n) {
      Chunk chunk = chunks.get(index++);
      int end = Math.min(chunk.len, offset + n - compared);
      for (int i = offset; i < end; i++) {
        if (chunk.buf[i] != s.charAt(compared++)) {
          return false;
        }
      }
      offset = 0;
    }
    return true;
  }

  /** An independent copy with the same content. */
  public Text copy() {
    ArrayList<Chunk> copied = new ArrayList<>(chunks.size());
    for (Chunk chunk : chunks) {
      copied.add(new Chunk(Arrays.copyOf(chunk.buf, Math.max(chunk.len, 1)), chunk.len));
    }
    return new Text(copied, length);
  }

  /** Number of chunks the text is held in (for tests of the chunking itself). */
  int chunkCount() {
    return chunks.size();
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder(length);
    for (Chunk chunk : chunks) {
      out.append(chunk.buf, 0, chunk.len);
    }
    return out.toString();
  }

  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof Text that) || that.length != length) {
      return false;
    }
    int i = 0;
    int iOffset = 0;
    int j = 0;
    int jOffset = 0;
    for (int compared = 0; compared < length; compared++) {
      while (iOffset == chunks.get(i).len) {
        i++;
        iOffset = 0;
      }
      while (jOffset == that.chunks.get(j).len) {
        j++;
        jOffset = 0;
      }
      if (chunks.get(i).buf[iOffset++] != that.chunks.get(j).buf[jOffset++]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (Chunk chunk : chunks) {
      for (int i = 0; i < chunk.len; i++) {
        h = 31 * h + chunk.buf[i];
      }
    }
    return h;
  }

  /**
   * Moves the cursor to the chunk holding {@code pos}: the chunk with {@code start <= pos < end},
   * or with {@code pos == end} as well when {@code atEnd} (positions between two chars, as for an
   * insert). The caller has checked that {@code pos} is within the text.
   */
  private void seek(int pos, boolean atEnd) {
    int index = cursorIndex;
    int start = cursorStart;
    if (index >= chunks.size()) {
      index = 0;
      start = 0;
    }
    // Walking from whichever of the cursor, the start and the end is nearest.
    if (pos < start && pos < start - pos) {
      index = 0;
      start = 0;
    } else if (pos > start && length - pos < pos - start) {
      index = chunks.size() - 1;
      start = length - chunks.get(index).len;
    }
    while (true) {
      if (pos < start) {
        index--;
        start -= chunks.get(index).len;
        continue;
      }
      int end = start + chunks.get(index).len;
      if (pos < end || (atEnd && pos == end) || index == chunks.size() - 1) {
        break;
      }
      start = end;
      index++;
    }
    cursorIndex = index;
    cursorStart = start;
  }

  /** Cuts {@code all[from, to)} into chunks of about {@link #TARGET_CHUNK} chars. */
  private static List<Chunk> split(char[] all, int from, int to) {
    int total = to - from;
    int pieces = Math.max(1, (total + TARGET_CHUNK - 1) / TARGET_CHUNK);
    List<Chunk> out = new ArrayList<>(pieces);
    int base = total / pieces;
    int extra = total % pieces;
    int at = from;
    for (int i = 0; i < pieces; i++) {
      int n = base + (i < extra ? 1 : 0);
      out.add(new Chunk(Arrays.copyOfRange(all, at, at + n), n));
      at += n;
    }
    return out;
  }
}
