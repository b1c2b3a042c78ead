package dev.easel.ot;

/**
 * A json0 operation was refused: it is malformed, its path does not exist in the document, it
 * deletes text that is not there, or it uses a subtype. The message names the problem and, where
 * there is one, the index of the offending op component.
 */
public final class Json0Exception extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message that already says which component failed. */
  public Json0Exception(String message) {
    super(message);
  }

  /** Creates an exception for op component {@code index}: {@code "op component 2: ..."}. */
  static Json0Exception component(int index, String problem) {
    return new Json0Exception("op component " + index + ": " + problem);
  }
}
