package io.gavel.store;

/**
 * The durable store could not be reached or did not answer in time. Clients retry with the same idempotency key,
 * which gets the first answer if the command was committed after all.
 */
public final class StoreUnavailableException extends RuntimeException {
  private final boolean outcomeUnknown;

  /** Nothing was committed. */
  public StoreUnavailableException(String message, Throwable cause) {
    this(message, cause, false);
  }

  /** {@code outcomeUnknown}: the commit was sent and its answer lost, so it may have happened. */
  public StoreUnavailableException(String message, Throwable cause, boolean outcomeUnknown) {
    super(message, cause, false, false);
    this.outcomeUnknown = outcomeUnknown;
  }

  public boolean outcomeUnknown() {
    return outcomeUnknown;
  }
}
