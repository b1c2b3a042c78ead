package dev.easel.canvas;

import java.util.ArrayList;
import java.util.List;

/**
 * Line and word differences between two texts (a cell's source before and after): the shortest edit
 * as runs of equal, deleted and inserted text, in order, which joined give back either side (equal
 * and deleted runs: the text before; equal and inserted runs: the text after).
 */
public final class TextDiff {
  private TextDiff() {}

  public enum Op {
    EQUAL,
    DELETE,
    INSERT
  }

  /** A run of text that both sides have, only the old side has, or only the new side has. */
  public record Edit(Op op, String text) {}

  /**
   * Beyond this many cells of the comparison table (lines of one side times lines of the other,
   * after the common start and end) the middle is reported as deleted and inserted whole, so a huge
   * source cannot make a diff take quadratic time and memory.
   */
  static final long MOST_CELLS = 4_000_000;

  /** The differences by lines (each line with its line break). */
  public static List<Edit> lines(String before, String after) {
    return diff(split(before, true), split(after, true));
  }

  /** The differences by words: runs of letters and digits, runs of spaces, single other marks. */
  public static List<Edit> words(String before, String after) {
    return diff(split(before, false), split(after, false));
  }

  /** {@code text} as lines (with their line break), or as word tokens. */
  static List<String> split(String text, boolean lines) {
    List<String> tokens = new ArrayList<>();
    int start = 0;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      if (lines) {
        if (text.charAt(i) == '\n') {
          tokens.add(text.substring(start, i + 1));
          start = i + 1;
        }
        continue;
      }
      int cls = kind(text.charAt(i));
      if (i + 1 == n || cls == 2 || kind(text.charAt(i + 1)) != cls) {
        tokens.add(text.substring(start, i + 1));
        start = i + 1;
      }
    }
    if (start < n) tokens.add(text.substring(start));
    return tokens;
  }

  /** 0: part of a word (letter, digit, _), 1: white space, 2: anything else (alone). */
  private static int kind(char c) {
    // surrogates too, so a character outside the BMP is never cut in two
    if (Character.isLetterOrDigit(c) || c == '_' || Character.isSurrogate(c)) return 0;
    if (Character.isWhitespace(c)) return 1;
    return 2;
  }

  private static List<Edit> diff(List<String> a, List<String> b) {
    int prefix = 0;
    while (prefix < a.size() && prefix < b.size() && a.get(prefix).equals(b.get(prefix))) prefix++;
    int suffix = 0;
    while (suffix < a.size() - prefix
        && suffix < b.size() - prefix
        && a.get(a.size() - 1 - suffix).equals(b.get(b.size() - 1 - suffix))) {
      suffix++;
    }
    Runs runs = new Runs();
    for (int i = 0; i < prefix; i++) runs.add(Op.EQUAL, a.get(i));
    List<String> x = a.subList(prefix, a.size() - suffix);
    List<String> y = b.subList(prefix, b.size() - suffix);
    if ((long) x.size() * y.size() > MOST_CELLS) {
      for (String t : x) runs.add(Op.DELETE, t);
      for (String t : y) runs.add(Op.INSERT, t);
    } else {
      middle(x, y, runs);
    }
    for (int i = a.size() - suffix; i < a.size(); i++) runs.add(Op.EQUAL, a.get(i));
    return runs.edits();
  }

  /** The longest common subsequence of x and y, walked from the start: deletions first. */
  private static void middle(List<String> x, List<String> y, Runs runs) {
    int n = x.size();
    int m = y.size();
    // common[i][j]: length of the longest common subsequence of x[i..] and y[j..]
    int[][] common = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        common[i][j] =
            x.get(i).equals(y.get(j))
                ? common[i + 1][j + 1] + 1
                : Math.max(common[i + 1][j], common[i][j + 1]);
      }
    }
    int i = 0;
    int j = 0;
    while (i < n && j < m) {
      if (x.get(i).equals(y.get(j))) {
        runs.add(Op.EQUAL, x.get(i++));
        j++;
      } else if (common[i + 1][j] >= common[i][j + 1]) {
        runs.add(Op.DELETE, x.get(i++));
      } else {
        runs.add(Op.INSERT, y.get(j++));
      }
    }
    while (i < n) runs.add(Op.DELETE, x.get(i++));
    while (j < m) runs.add(Op.INSERT, y.get(j++));
  }

  /** Edits with neighbouring tokens of the same kind joined into one run. */
  private static final class Runs {
    private final List<Edit> edits = new ArrayList<>();
    private Op op;
    private final StringBuilder text = new StringBuilder();

    void add(Op next, String token) {
      if (op != null && next != op) flush();
      op = next;
      text.append(token);
    }

    List<Edit> edits() {
      if (op != null) flush();
      op = null;
      return edits;
    }

    private void flush() {
      edits.add(new Edit(op, text.toString()));
      text.setLength(0);
    }
  }
}
