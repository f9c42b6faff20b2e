package io.gavel.domain;


/** What changes as an auction's events are applied, apart from the log itself; folded the same way for previews. */
final class Figures {
  long endsAt;
  long currentPrice;
  String leader;
  /** The leader's maximum (their proxy ceiling); equal to the current price for a plain bid. */
  long leaderMax;
  int bidCount;
  boolean reserveMet;
  AuctionStatus status = AuctionStatus.OPEN;
  String winner;
  long lastEventAt;
  long seq;

  Figures copy() {
    Figures f = new Figures();
    f.endsAt = endsAt;
    f.currentPrice = currentPrice;
    f.leader = leader;
    f.leaderMax = leaderMax;
    f.bidCount = bidCount;
    f.reserveMet = reserveMet;
    f.status = status;
    f.winner = winner;
    f.lastEventAt = lastEventAt;
    f.seq = seq;
    return f;
  }

  void fold(AuctionEvent event) {
    if (event instanceof AuctionEvent.Created created) {
      endsAt = created.endsAt();
      currentPrice = created.terms().startingPrice();
    } else if (event instanceof AuctionEvent.BidAccepted bid) {
      long ceiling = Math.max(bid.amount(), bid.maxAmount() == null ? 0 : bid.maxAmount());
      leaderMax = bid.bidder().equals(leader) ? Math.max(leaderMax, ceiling) : ceiling;
      currentPrice = bid.amount();
      leader = bid.bidder();
      bidCount++;
      endsAt = bid.endsAt();
    } else if (event instanceof AuctionEvent.MaxRaised raised) {
      leaderMax = Math.max(leaderMax, raised.maxAmount());
    } else if (event instanceof AuctionEvent.Extended extended) {
      endsAt = extended.endsAt();
    } else if (event instanceof AuctionEvent.ReserveMet) {
      reserveMet = true;
    } else if (event instanceof AuctionEvent.Closed closed) {
      status = AuctionStatus.CLOSED;
      winner = closed.winner();
      if (closed.buyNow()) {
        currentPrice = closed.amount();
        leader = closed.winner();
      }
    } else if (event instanceof AuctionEvent.Cancelled) {
      status = AuctionStatus.CANCELLED;
    } else {
      throw new IllegalStateException("unknown event " + event.type());
    }
    lastEventAt = event.at();
    seq = event.seq();
  }
}
