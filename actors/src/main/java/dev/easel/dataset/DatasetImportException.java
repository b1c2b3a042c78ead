package dev.easel.dataset;

/**
 * An uploaded file that cannot become a dataset, with what is wrong and, when it is known, where:
 * the line and column (both from 1) of the file. The message is written for the person who uploaded
 * the file and names the place itself; it never shows a path on the server.
 */
public final class DatasetImportException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What is wrong with the file; its name is the stable reason the API answers with. */
  public enum Problem {
    /** The file holds nothing (no bytes, only blank lines, or no column). */
    EMPTY_FILE,
    /** The file is not text (a binary file named {@code .csv}, say), nor Parquet. */
    NOT_TEXT,
    /** The text is not UTF-8. */
    WRONG_ENCODING,
    /** A line has another number of columns than the header. */
    INCONSISTENT_COLUMNS,
    /** The file ends in the middle of a value or record, or lacks a Parquet footer. */
    TRUNCATED,
    /**
     * The file breaks its format's rules (bad JSON, an unclosed quote, a value of another type).
     */
    MALFORMED,
    /** The declared format (Content-Type, file extension) is not what the file holds. */
    FORMAT_MISMATCH
  }

  private final Problem problem;
  private final long line;
  private final long column;

  /**
   * @param line the line of the file at fault, from 1; 0 when not known
   * @param column the column (character) of that line, from 1; 0 when not known
   */
  public DatasetImportException(Problem problem, String message, long line, long column) {
    super(message, null, false, false);
    this.problem = problem;
    this.line = line;
    this.column = column;
  }

  /** A problem of the file as a whole, at no line. */
  public DatasetImportException(Problem problem, String message) {
    this(problem, message, 0, 0);
  }

  public Problem problem() {
    return problem;
  }

  /** The line at fault, from 1; 0 when not known. */
  public long line() {
    return line;
  }

  /** The column at fault, from 1; 0 when not known. */
  public long column() {
    return column;
  }
}
