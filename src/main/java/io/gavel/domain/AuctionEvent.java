package io.gavel.domain;

import java.io.Serializable;

/**
 * Every state change of an auction is one event; {@code seq} numbers an auction's events 1, 2, 3, ... without gaps.
 * The event log is the auction's audit trail and what late or reconnecting clients catch up from.
 */
public sealed interface AuctionEvent extends Serializable {
  String auctionId();

  long seq();

  /** Server time of the change, epoch milliseconds. */
  long at();

  /** The wire name of the event type. */
  String type();

  record Created(String auctionId, long seq, long at, AuctionTerms terms, String seller, long endsAt)
      implements AuctionEvent {
    public String type() {
      return "auction.created";
    }
  }

  /**
   * {@code requestId} identifies the request that placed the bid, so a retried request is answered, not re-run;
   * {@code outbid} is the leader this bid displaced (null when there was none, or the bidder raised their own bid).
   */
  record BidAccepted(String auctionId, long seq, long at, String bidder, long amount, long endsAt, String requestId,
                     String outbid) implements AuctionEvent {
    public String type() {
      return "bid.accepted";
    }
  }

  record Extended(String auctionId, long seq, long at, long endsAt) implements AuctionEvent {
    public String type() {
      return "auction.extended";
    }
  }

  /** {@code winner} and {@code amount} are null when nobody bid. */
  record Closed(String auctionId, long seq, long at, String winner, Long amount) implements AuctionEvent {
    public String type() {
      return "auction.closed";
    }
  }
}
