package io.gavel.store;

/**
 * The durable store could not be reached or did not answer in time. Nothing about the command is known: it may have
 * been committed (the answer was lost) or not. Clients retry with the same idempotency key.
 */
public final class StoreUnavailableException extends RuntimeException {
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
