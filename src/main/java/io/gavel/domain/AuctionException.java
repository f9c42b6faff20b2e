package io.gavel.domain;

/** A rule refused a command. Carries a stable code and a message meant for humans; never a stack trace. */
public final class AuctionException extends RuntimeException {
  private final ErrorCode code;

  public AuctionException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
