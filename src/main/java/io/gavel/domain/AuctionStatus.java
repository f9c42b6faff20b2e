package io.gavel.domain;

public enum AuctionStatus {
  OPEN,
  CLOSED,
  CANCELLED
}
