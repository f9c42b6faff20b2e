package io.gavel.domain;

import java.io.Serializable;

/** A point-in-time summary of an auction, without its event history. */
public record AuctionView(String id, AuctionTerms terms, String seller, long currentPrice, String leader,
                          int bidCount, long endsAt, AuctionStatus status, String winner, long seq,
                          long minimumNextBid) implements Serializable {

  public static AuctionView of(Auction a) {
    return new AuctionView(a.id(), a.terms(), a.seller(), a.currentPrice(), a.leader(), a.bidCount(), a.endsAt(),
        a.status(), a.winner(), a.seq(), a.minimumNextBid());
  }
}
