package dev.easel.identity;

/**
 * A presented API key or refresh token does not have the shape Easel issues. The message says what
 * shape was expected and never repeats the presented value.
 */
public final class MalformedCredentialException extends Exception {
  private static final long serialVersionUID = 1L;

  MalformedCredentialException(String message) {
    super(message);
  }
}
