package io.gavel.domain;


/**
 * Every state change of an auction is one event; {@code seq} numbers an auction's events 1, 2, 3, ... without gaps.
 * The event log is the auction's audit trail and what late or reconnecting clients catch up from.
 */
public sealed interface AuctionEvent {
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
   * {@code requestId} identifies the request whose decision placed the bid (for an automatic bid made in answer to
   * someone else's bid, that other request), so a retried request is answered, not re-run; {@code outbid} is the
   * leader this bid displaced (null when there was none, or the bidder raised their own bid). {@code proxy} marks a
   * bid the auction placed for its bidder; {@code maxAmount} is that bidder's maximum (null for a plain bid), which
   * is never published except to the bidder.
   */
  record BidAccepted(String auctionId, long seq, long at, String bidder, long amount, long endsAt, String requestId,
                     String outbid, boolean proxy, Long maxAmount) implements AuctionEvent {
    public BidAccepted(String auctionId, long seq, long at, String bidder, long amount, long endsAt,
                       String requestId, String outbid) {
      this(auctionId, seq, at, bidder, amount, endsAt, requestId, outbid, false, null);
    }

    public String type() {
      return "bid.accepted";
    }
  }

  /** The leader raised their maximum without a new public bid; only the seq and time are published. */
  record MaxRaised(String auctionId, long seq, long at, String bidder, long maxAmount, String requestId)
      implements AuctionEvent {
    public String type() {
      return "bid.max-raised";
    }
  }

  record Extended(String auctionId, long seq, long at, long endsAt) implements AuctionEvent {
    public String type() {
      return "auction.extended";
    }
  }

  /** The price reached the hidden reserve: the auction will have a winner. */
  record ReserveMet(String auctionId, long seq, long at) implements AuctionEvent {
    public String type() {
      return "auction.reserve-met";
    }
  }

  /**
   * {@code winner} and {@code amount} are null when nobody bid or the reserve was not met; {@code reserveMet} is
   * null for an auction without a reserve; {@code buyNow} when a buyer took the buy-it-now price.
   */
  record Closed(String auctionId, long seq, long at, String winner, Long amount, Boolean reserveMet, boolean buyNow)
      implements AuctionEvent {
    public Closed(String auctionId, long seq, long at, String winner, Long amount) {
      this(auctionId, seq, at, winner, amount, null, false);
    }

    public String type() {
      return "auction.closed";
    }
  }

  /** The seller withdrew the auction before any bid. */
  record Cancelled(String auctionId, long seq, long at) implements AuctionEvent {
    public String type() {
      return "auction.cancelled";
    }
  }
}
