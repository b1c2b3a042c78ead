package dev.easel.dataset;

import dev.easel.dataset.DatasetImportException.Problem;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a text upload once, before DuckDB does, to refuse what DuckDB would read wrongly or explain
 * badly: a file that is not text at all (a NUL byte, or bytes that are no UTF-8, near its start),
 * text that is not UTF-8 (named by line and column), and a file with nothing but blanks. It keeps
 * the first line, from which the CSV delimiter and the number of columns are taken.
 */
final class TextCheck {
  /** Bad bytes this close to the start make the file binary rather than wrongly encoded text. */
  static final int BINARY_PREFIX = 8192;

  /** The longest first line kept. */
  static final int MAX_FIRST_LINE = 1 << 20;

  /** What the check saw: the first line (without its end) and the first non-blank character. */
  record Text(String firstLine, int firstSignificant) {}

  private TextCheck() {}

  /**
   * Checks {@code file}.
   *
   * @throws DatasetImportException {@link Problem#EMPTY_FILE}, {@link Problem#NOT_TEXT} or {@link
   *     Problem#WRONG_ENCODING} with the line and column of the first bad byte
   */
  static Text check(Path file) throws IOException, DatasetImportException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      return check(in);
    }
  }

  static Text check(InputStream in) throws IOException, DatasetImportException {
    Scan scan = new Scan();
    int b;
    while ((b = in.read()) != -1) scan.accept(b);
    return scan.end();
  }

  /** The state of one pass over the bytes. */
  private static final class Scan {
    long offset;
    long line = 1;
    long column = 1;
    int pending; // continuation bytes still expected
    int codePoint;
    int minimum;
    long charStart;
    int firstSignificant = -1;
    boolean firstLineDone;
    boolean controlSeen;
    DatasetImportException encoding;
    final java.io.ByteArrayOutputStream firstLine = new java.io.ByteArrayOutputStream();

    void accept(int b) throws DatasetImportException {
      if (offset == BINARY_PREFIX) decideOnPrefix();
      if (pending > 0) {
        if ((b & 0xC0) != 0x80) {
          badByte(charStart);
          pending = 0;
          start(b);
        } else {
          codePoint = (codePoint << 6) | (b & 0x3F);
          pending--;
          if (pending == 0) {
            if (codePoint < minimum
                || codePoint > 0x10FFFF
                || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
              badByte(charStart);
            } else if (firstSignificant < 0 && codePoint != 0xFEFF) {
              firstSignificant = codePoint;
            }
            column++;
          }
        }
      } else {
        start(b);
      }
      if (!firstLineDone && firstLine.size() < MAX_FIRST_LINE) firstLine.write(b);
      offset++;
    }

    /** A byte that starts a character. */
    private void start(int b) throws DatasetImportException {
      if (b < 0x80) {
        if (b == 0) {
          if (offset < BINARY_PREFIX) {
            controlSeen = true;
          } else {
            throw new DatasetImportException(
                Problem.NOT_TEXT,
                "line "
                    + line
                    + ", column "
                    + column
                    + " holds a NUL byte: this is not a text file",
                line,
                column);
          }
        } else if (b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f') {
          if (offset < BINARY_PREFIX) controlSeen = true;
        }
        if (b == '\n') {
          line++;
          column = 1;
          firstLineDone = true;
        } else {
          if (firstSignificant < 0 && !Character.isWhitespace(b)) firstSignificant = b;
          column++;
        }
        return;
      }
      charStart = offset;
      if ((b & 0xE0) == 0xC0) {
        pending = 1;
        codePoint = b & 0x1F;
        minimum = 0x80;
      } else if ((b & 0xF0) == 0xE0) {
        pending = 2;
        codePoint = b & 0x0F;
        minimum = 0x800;
      } else if ((b & 0xF8) == 0xF0) {
        pending = 3;
        codePoint = b & 0x07;
        minimum = 0x10000;
      } else {
        badByte(offset);
        column++;
      }
    }

    /**
     * Notes the first byte that is no UTF-8; in the file's first bytes, where a binary file shows
     * itself by control characters, the verdict waits until they were all seen.
     */
    private void badByte(long at) throws DatasetImportException {
      if (encoding != null) return;
      encoding =
          new DatasetImportException(
              Problem.WRONG_ENCODING,
              "line "
                  + line
                  + ", column "
                  + column
                  + " is not UTF-8 (byte "
                  + (at + 1)
                  + " of the file); save the file as UTF-8 and upload it again",
              line,
              column);
      if (at >= BINARY_PREFIX) throw encoding;
    }

    private void decideOnPrefix() throws DatasetImportException {
      if (controlSeen) {
        throw new DatasetImportException(
            Problem.NOT_TEXT,
            "the file is not text (it holds binary bytes) nor Parquet; Easel reads CSV, TSV, JSON,"
                + " NDJSON and Parquet");
      }
      if (encoding != null) throw encoding;
    }

    Text end() throws DatasetImportException {
      decideOnPrefix();
      if (pending > 0) {
        throw new DatasetImportException(
            Problem.TRUNCATED,
            "the file ends in the middle of a character at line " + line + ", column " + column,
            line,
            column);
      }
      if (firstSignificant < 0) {
        throw new DatasetImportException(
            Problem.EMPTY_FILE, offset == 0 ? "the file is empty" : "the file holds only blanks");
      }
      String first = firstLine.toString(StandardCharsets.UTF_8);
      if (first.startsWith("\uFEFF")) first = first.substring(1);
      if (first.endsWith("\n")) first = first.substring(0, first.length() - 1);
      if (first.endsWith("\r")) first = first.substring(0, first.length() - 1);
      return new Text(first, firstSignificant);
    }
  }
}
