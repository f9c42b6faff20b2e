package io.gavel.domain;


/**
 * A point-in-time summary of an auction, without its event history. {@code reserveMet} is null for an auction
 * without a reserve.
 */
public record AuctionView(String id, AuctionTerms terms, String seller, long currentPrice, String leader,
                          int bidCount, long endsAt, AuctionStatus status, String winner, long seq,
                          long minimumNextBid, Boolean reserveMet, boolean buyNowAvailable) {
}
