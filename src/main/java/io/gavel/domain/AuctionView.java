package io.gavel.domain;

import java.io.Serializable;

/** A point-in-time summary of an auction, without its event history. */
public record AuctionView(String id, AuctionTerms terms, String seller, long currentPrice, String leader,
                          int bidCount, long endsAt, AuctionStatus status, String winner, long seq,
                          long minimumNextBid) implements Serializable {
}
