package dev.easel.query;

/**
 * Why a query gave no result: {@code kind} for the edge to map to a status, {@code reason} a stable
 * machine code, and a message for people that names what was refused or went wrong.
 */
public final class QueryFailure extends Exception {
  private static final long serialVersionUID = 1L;

  /** The reason of a mistake in the SQL. */
  public static final String SQL_ERROR = "SQL_ERROR";

  /** The reason of a statement the sandbox refuses. */
  public static final String SQL_NOT_ALLOWED = "SQL_NOT_ALLOWED";

  /** The reason of parameters that do not fit the query. */
  public static final String INVALID_PARAMETERS = "INVALID_PARAMETERS";

  /** The reason of a query id already taken by a running query of the project. */
  public static final String QUERY_ID_IN_USE = "QUERY_ID_IN_USE";

  /** The reason of a result table whose result is no longer kept: run its query again. */
  public static final String RESULT_EXPIRED = "RESULT_EXPIRED";

  /** The reason of a result id the project has no result for (never made, or evicted). */
  public static final String RESULT_NOT_FOUND = "RESULT_NOT_FOUND";

  /** What kind of failure, so the edge can map it to a status. */
  public enum Kind {
    /** The SQL or its parameters are wrong: a syntax error, an unknown table, a bad cast. */
    INVALID,
    /** The sandbox refused it: not a single SELECT, a file, a URL, an extension, a setting. */
    NOT_ALLOWED,
    /** A query of the project with the same id is waiting or running. */
    ALREADY_RUNNING,
    /** It ran past {@code easel.query.timeout}. */
    TIMEOUT,
    /** The caller cancelled it. */
    CANCELLED,
    /** It needed more memory than the project's database may use. */
    OUT_OF_MEMORY,
    /** A result the query reads as a table is no longer kept ({@link #RESULT_EXPIRED}). */
    EXPIRED,
    /** There is no such result ({@link #RESULT_NOT_FOUND}). */
    NOT_FOUND,
    /** The project's database could not be used; asking again may work. */
    UNAVAILABLE
  }

  private final Kind kind;
  private final String reason;

  public QueryFailure(Kind kind, String reason, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.reason = reason;
  }

  public Kind kind() {
    return kind;
  }

  /** A stable code such as {@code SQL_NOT_ALLOWED} or {@code QUERY_TIMEOUT}. */
  public String reason() {
    return reason;
  }

  static QueryFailure invalid(String message) {
    return new QueryFailure(Kind.INVALID, SQL_ERROR, message);
  }

  static QueryFailure invalidParameters(String message) {
    return new QueryFailure(Kind.INVALID, INVALID_PARAMETERS, message);
  }

  static QueryFailure notAllowed(String message) {
    return new QueryFailure(Kind.NOT_ALLOWED, SQL_NOT_ALLOWED, message);
  }
}
