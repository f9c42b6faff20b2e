package io.gavel.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * How a bid on an open auction turns into events, proxy bidding included.
 *
 * <p>A bid names an {@code amount}, a {@code maxAmount} (the auction bids for the bidder up to it), or both. The
 * auction always bids the least that leads: a challenger whose ceiling passes the leader's maximum leads at that
 * maximum plus one step (never above their own ceiling, never below what they offered); a challenger who does not
 * pass it places their ceiling and the leader's proxy answers at the challenger's ceiling plus one step, capped at
 * the leader's maximum — equal maxima go to the earlier bidder. Every automatic bid is a public {@code bid.accepted}
 * with {@code proxy: true}; maxima travel in the events (the log must rebuild them) and are never published.
 */
final class BidRules {
  private BidRules() {
  }

  static List<AuctionEvent> decide(String auctionId, AuctionTerms terms, Figures f, String bidder, Long amount,
                                   Long maxAmount, long at, String requestId) {
    if (amount == null && maxAmount == null) {
      throw invalid("a bid needs an amount, a maxAmount or both");
    }
    if ((amount != null && !Money.isValidAmount(amount)) || (maxAmount != null && !Money.isValidAmount(maxAmount))) {
      throw invalid("amount and maxAmount must be integers from 1 to " + Money.MAX_AMOUNT + " (minor units)");
    }
    if (amount != null && maxAmount != null && maxAmount < amount) {
      throw invalid("maxAmount must not be below amount");
    }
    long minimum = minimumNextBid(terms, f);
    long window = terms.antiSnipingSeconds() * 1000;
    long endsAt = window > 0 && f.endsAt - at < window ? at + window : f.endsAt;
    long seq = f.seq;
    List<AuctionEvent> events = new ArrayList<>(4);

    if (bidder.equals(f.leader) && amount == null) {
      if (maxAmount <= f.leaderMax) {
        throw new AuctionException(ErrorCode.BID_TOO_LOW, "you lead already with a maximum of " + f.leaderMax
            + "; a new maximum must be higher");
      }
      // Raising one's own ceiling is not a bid: no public price change and no extension.
      return List.of(new AuctionEvent.MaxRaised(auctionId, seq + 1, at, bidder, maxAmount, requestId));
    }
    long ceiling = Math.max(amount == null ? 0 : amount, maxAmount == null ? 0 : maxAmount);
    long offered = amount == null ? minimum : amount;
    if (ceiling < minimum || offered < minimum) {
      throw new AuctionException(ErrorCode.BID_TOO_LOW, f.bidCount == 0
          ? "the first bid must be at least the starting price " + minimum
          : "a bid must be at least " + minimum + " (current price " + f.currentPrice + " plus increment "
              + terms.stepAt(f.currentPrice) + ")");
    }
    String leader = f.leader;
    long price;
    if (leader == null || leader.equals(bidder) || ceiling > f.leaderMax) {
      price = leader == null || leader.equals(bidder)
          ? offered
          : Math.max(offered, Math.min(ceiling, terms.above(f.leaderMax)));
      String outbid = leader == null || leader.equals(bidder) ? null : leader;
      events.add(new AuctionEvent.BidAccepted(auctionId, ++seq, at, bidder, price, endsAt, requestId, outbid,
          amount == null || price != amount, maxAmount));
    } else {
      // The leader's maximum holds: the challenger's ceiling is placed, and the leader's proxy answers it. The
      // leader is never told they were outbid by a bid their own maximum covered.
      events.add(new AuctionEvent.BidAccepted(auctionId, ++seq, at, bidder, ceiling, endsAt, requestId, null,
          amount == null || ceiling != amount, maxAmount));
      price = Math.min(f.leaderMax, terms.above(ceiling));
      events.add(new AuctionEvent.BidAccepted(auctionId, ++seq, at, leader, price, endsAt, requestId, bidder,
          true, f.leaderMax));
    }
    if (endsAt != f.endsAt) {
      events.add(new AuctionEvent.Extended(auctionId, ++seq, at, endsAt));
    }
    if (terms.reservePrice() != null && !f.reserveMet && price >= terms.reservePrice()) {
      events.add(new AuctionEvent.ReserveMet(auctionId, ++seq, at));
    }
    return events;
  }

  static long minimumNextBid(AuctionTerms terms, Figures f) {
    return f.bidCount == 0 ? terms.startingPrice() : terms.above(f.currentPrice);
  }

  private static AuctionException invalid(String message) {
    return new AuctionException(ErrorCode.INVALID_BID, message);
  }
}
