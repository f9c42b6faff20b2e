package io.gavel.domain;

/**
 * Stable, machine-readable error codes. The HTTP status is part of the public contract: the bridge reports it as
 * the failure code of a failed reply, REST as the response status.
 */
public enum ErrorCode {
  INVALID_JSON(400),
  INVALID_BID(400),
  INVALID_AUCTION(400),
  INVALID_REQUEST(400),
  UNAUTHORIZED(401),
  BAD_CREDENTIALS(401),
  ACCESS_DENIED(403),
  FORBIDDEN(403),
  FORBIDDEN_ADDRESS(403),
  AUCTION_NOT_FOUND(404),
  AUCTION_EXISTS(409),
  NOT_FOUND(404),
  BID_TOO_LOW(409),
  IDEMPOTENCY_KEY_REUSED(409),
  BUY_NOW_UNAVAILABLE(409),
  HAS_BIDS(409),
  AUCTION_CLOSED(410),
  BODY_TOO_LARGE(413),
  RATE_LIMITED(429),
  INTERNAL_ERROR(500),
  CLUSTER_UNAVAILABLE(503),
  STORE_UNAVAILABLE(503);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  public int httpStatus() {
    return httpStatus;
  }
}
