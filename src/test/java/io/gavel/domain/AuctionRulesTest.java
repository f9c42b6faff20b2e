package io.gavel.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Proxy bidding, increment tables, hidden reserves, buy it now and cancelling. */
class AuctionRulesTest {
  private static final long T0 = 1_000_000L;
  private static final AuctionTerms PLAIN = new AuctionTerms("Lamp", "EUR", 1_000, 50, 60, 0);

  private static Auction open(AuctionTerms terms) {
    return Auction.from(Auction.decideCreate("lamp", terms, "seller", T0));
  }

  private static AuctionTerms terms(List<AuctionTerms.Increment> increments, Long reserve, Long buyNow) {
    return new AuctionTerms("Lamp", "EUR", 1_000, 50, 60, 0, increments, reserve, buyNow);
  }

  private static int requests;

  private static List<AuctionEvent> bid(Auction auction, String bidder, Long amount, Long max) {
    List<AuctionEvent> events = auction.decideBid(bidder, amount, max, T0 + 1_000, "r" + ++requests);
    events.forEach(auction::apply);
    return events;
  }

  private static AuctionEvent.BidAccepted bidAt(List<AuctionEvent> events, int i) {
    return (AuctionEvent.BidAccepted) events.get(i);
  }

  private static void assertRefused(Runnable command, ErrorCode code) {
    assertThatThrownBy(command::run).isInstanceOfSatisfying(AuctionException.class,
        e -> assertThat(e.code()).isEqualTo(code));
  }

  @Test
  void aMaximumBidsTheLeastThatLeads() {
    Auction auction = open(PLAIN);
    List<AuctionEvent> first = bid(auction, "ann", null, 5_000L);
    assertThat(bidAt(first, 0).amount()).as("alone, the least that leads is the starting price").isEqualTo(1_000);
    assertThat(bidAt(first, 0).proxy()).isTrue();

    List<AuctionEvent> challenge = bid(auction, "bob", 2_000L, null);
    assertThat(challenge).hasSize(2);
    assertThat(bidAt(challenge, 0)).satisfies(b -> {
      assertThat(b.bidder()).isEqualTo("bob");
      assertThat(b.amount()).isEqualTo(2_000);
      assertThat(b.proxy()).isFalse();
      assertThat(b.outbid()).as("ann's maximum covered it: she is not told she was outbid").isNull();
    });
    assertThat(bidAt(challenge, 1)).satisfies(b -> {
      assertThat(b.bidder()).isEqualTo("ann");
      assertThat(b.amount()).isEqualTo(2_050);
      assertThat(b.proxy()).isTrue();
      assertThat(b.outbid()).isEqualTo("bob");
    });
    assertThat(auction.leader()).isEqualTo("ann");
    assertThat(auction.currentPrice()).isEqualTo(2_050);
    assertThat(auction.minimumNextBid()).isEqualTo(2_100);
  }

  @Test
  void theHigherMaximumLeadsAtTheLowerPlusOneStepAndEqualMaximaGoToTheEarlier() {
    Auction auction = open(PLAIN);
    bid(auction, "ann", null, 3_000L);
    List<AuctionEvent> higher = bid(auction, "bob", null, 4_000L);
    assertThat(higher).hasSize(1);
    assertThat(bidAt(higher, 0).bidder()).isEqualTo("bob");
    assertThat(bidAt(higher, 0).amount()).isEqualTo(3_050);
    assertThat(bidAt(higher, 0).outbid()).isEqualTo("ann");

    List<AuctionEvent> capped = bid(auction, "cat", null, 4_020L);
    assertThat(bidAt(capped, 0).amount()).as("never above the bidder's own maximum").isEqualTo(4_020);
    assertThat(auction.leader()).isEqualTo("cat");

    Auction tie = open(PLAIN);
    bid(tie, "ann", null, 3_000L);
    List<AuctionEvent> equal = bid(tie, "bob", null, 3_000L);
    assertThat(equal).hasSize(2);
    assertThat(bidAt(equal, 1).bidder()).isEqualTo("ann");
    assertThat(bidAt(equal, 1).amount()).isEqualTo(3_000);
    assertThat(tie.leader()).as("equal maxima: the earlier leads").isEqualTo("ann");
  }

  @Test
  void theLeaderRaisesTheirMaximumWithoutAPublicBidButNeverLowersIt() {
    Auction auction = open(PLAIN);
    bid(auction, "ann", null, 2_000L);
    List<AuctionEvent> raised = bid(auction, "ann", null, 9_000L);
    assertThat(raised).singleElement().isInstanceOf(AuctionEvent.MaxRaised.class);
    assertThat(auction.currentPrice()).isEqualTo(1_000);
    assertRefused(() -> auction.decideBid("ann", null, 5_000L, T0 + 2_000, "x"), ErrorCode.BID_TOO_LOW);
    List<AuctionEvent> challenge = bid(auction, "bob", null, 8_000L);
    assertThat(bidAt(challenge, 1).bidder()).isEqualTo("ann");
    assertThat(bidAt(challenge, 1).amount()).isEqualTo(8_050);
  }

  @Test
  void badBidShapesAreRefused() {
    Auction auction = open(PLAIN);
    assertRefused(() -> auction.decideBid("ann", null, null, T0, "x"), ErrorCode.INVALID_BID);
    assertRefused(() -> auction.decideBid("ann", 2_000L, 1_500L, T0, "x"), ErrorCode.INVALID_BID);
    assertRefused(() -> auction.decideBid("ann", null, 0L, T0, "x"), ErrorCode.INVALID_BID);
    assertRefused(() -> auction.decideBid("ann", null, 999L, T0, "x"), ErrorCode.BID_TOO_LOW);
    assertThat(auction.seq()).isEqualTo(1);
  }

  @Test
  void anIncrementTableSetsTheStepByPrice() {
    Auction auction = open(terms(List.of(new AuctionTerms.Increment(0, 50), new AuctionTerms.Increment(2_000, 200)),
        null, null));
    bid(auction, "ann", 1_950L, null);
    assertThat(auction.minimumNextBid()).isEqualTo(2_000);
    bid(auction, "bob", 2_000L, null);
    assertThat(auction.minimumNextBid()).isEqualTo(2_200);
    assertRefused(() -> auction.decideBid("ann", 2_150L, null, T0 + 2_000, "x"), ErrorCode.BID_TOO_LOW);
    assertThat(auction.terms().minIncrement()).isEqualTo(50);

    assertRefused(() -> terms(List.of(new AuctionTerms.Increment(10, 50)), null, null), ErrorCode.INVALID_AUCTION);
    assertRefused(() -> terms(List.of(new AuctionTerms.Increment(0, 50), new AuctionTerms.Increment(0, 60)), null,
        null), ErrorCode.INVALID_AUCTION);
    assertRefused(() -> terms(List.of(new AuctionTerms.Increment(0, 0)), null, null), ErrorCode.INVALID_AUCTION);
  }

  @Test
  void belowTheReserveTheAuctionClosesWithoutAWinner() {
    Auction auction = open(terms(null, 5_000L, null));
    bid(auction, "ann", 4_000L, null);
    List<AuctionEvent> closed = auction.decideClose(T0 + 60_000);
    assertThat(closed).singleElement().isInstanceOfSatisfying(AuctionEvent.Closed.class, c -> {
      assertThat(c.winner()).isNull();
      assertThat(c.amount()).isNull();
      assertThat(c.reserveMet()).isFalse();
    });
  }

  @Test
  void reachingTheReserveIsAnEventOnceAndTheLeaderWins() {
    Auction auction = open(terms(null, 5_000L, null));
    assertThat(auction.view().reserveMet()).isFalse();
    List<AuctionEvent> reached = bid(auction, "ann", 5_000L, null);
    assertThat(reached).hasSize(2).last().isInstanceOf(AuctionEvent.ReserveMet.class);
    assertThat(bid(auction, "bob", 6_000L, null)).hasSize(1);
    assertThat(auction.view().reserveMet()).isTrue();
    List<AuctionEvent> closed = auction.decideClose(T0 + 60_000);
    assertThat((AuctionEvent.Closed) closed.get(0)).satisfies(c -> {
      assertThat(c.winner()).isEqualTo("bob");
      assertThat(c.amount()).isEqualTo(6_000);
      assertThat(c.reserveMet()).isTrue();
    });
    assertThat(open(PLAIN).decideClose(T0 + 60_000).get(0)).isInstanceOfSatisfying(AuctionEvent.Closed.class,
        c -> assertThat(c.reserveMet()).as("no reserve: nothing said about one").isNull());
  }

  @Test
  void buyItNowClosesAtItsPriceUntilTheFirstBidOrTheReserve() {
    Auction plain = open(terms(null, null, 9_000L));
    assertThat(plain.view().buyNowAvailable()).isTrue();
    assertRefused(() -> plain.decideBuyNow("seller", T0 + 1), ErrorCode.FORBIDDEN);
    List<AuctionEvent> bought = plain.decideBuyNow("ann", T0 + 1);
    bought.forEach(plain::apply);
    assertThat((AuctionEvent.Closed) bought.get(0)).satisfies(c -> {
      assertThat(c.winner()).isEqualTo("ann");
      assertThat(c.amount()).isEqualTo(9_000);
      assertThat(c.buyNow()).isTrue();
    });
    assertThat(plain.status()).isEqualTo(AuctionStatus.CLOSED);
    assertRefused(() -> plain.decideBuyNow("bob", T0 + 2), ErrorCode.AUCTION_CLOSED);
    assertRefused(() -> plain.decideBid("bob", 1_000L, null, T0 + 2, "x"), ErrorCode.AUCTION_CLOSED);

    Auction bidOn = open(terms(null, null, 9_000L));
    bid(bidOn, "ann", 1_000L, null);
    assertRefused(() -> bidOn.decideBuyNow("bob", T0 + 2), ErrorCode.BUY_NOW_UNAVAILABLE);

    Auction reserved = open(terms(null, 5_000L, 9_000L));
    bid(reserved, "ann", 4_000L, null);
    assertThat(reserved.view().buyNowAvailable()).as("below the reserve buy it now stays").isTrue();
    bid(reserved, "bob", 5_000L, null);
    assertRefused(() -> reserved.decideBuyNow("cat", T0 + 2), ErrorCode.BUY_NOW_UNAVAILABLE);

    assertRefused(() -> open(PLAIN).decideBuyNow("ann", T0 + 1), ErrorCode.BUY_NOW_UNAVAILABLE);
    assertRefused(() -> terms(null, 5_000L, 4_000L), ErrorCode.INVALID_AUCTION);
    assertRefused(() -> terms(null, 500L, null), ErrorCode.INVALID_AUCTION);
  }

  @Test
  void onlyTheSellerCancelsAndOnlyBeforeAnyBid() {
    Auction auction = open(PLAIN);
    assertRefused(() -> auction.decideCancel("ann", T0 + 1), ErrorCode.FORBIDDEN);
    List<AuctionEvent> cancelled = auction.decideCancel("seller", T0 + 1);
    cancelled.forEach(auction::apply);
    assertThat(auction.status()).isEqualTo(AuctionStatus.CANCELLED);
    assertThat(auction.isDue(T0 + 120_000)).isFalse();
    assertThat(auction.decideClose(T0 + 120_000)).isEmpty();
    assertRefused(() -> auction.decideBid("ann", 1_000L, null, T0 + 2, "x"), ErrorCode.AUCTION_CLOSED);
    assertRefused(() -> auction.decideCancel("seller", T0 + 2), ErrorCode.AUCTION_CLOSED);

    Auction bidOn = open(PLAIN);
    bid(bidOn, "ann", 1_000L, null);
    assertRefused(() -> bidOn.decideCancel("seller", T0 + 2), ErrorCode.HAS_BIDS);
  }

  @Test
  void aRetryGetsTheWholeDecisionAndAKeyReusedForAnotherMaximumIsRefused() {
    Auction auction = open(new AuctionTerms("Lamp", "EUR", 1_000, 50, 60, 30));
    bid(auction, "ann", null, 5_000L);
    List<AuctionEvent> decided = auction.decideBid("bob", 2_000L, 3_000L, T0 + 45_000, "bob/k1");
    decided.forEach(auction::apply);
    assertThat(decided).hasSize(3);
    assertThat(decided.get(2)).isInstanceOf(AuctionEvent.Extended.class);
    assertThat(auction.earlierBid("bob/k1", 2_000L, 3_000L)).isEqualTo(decided);
    assertRefused(() -> auction.earlierBid("bob/k1", 2_000L, 3_500L), ErrorCode.IDEMPOTENCY_KEY_REUSED);
    assertThat(auction.earlierBid("bob/other", 2_000L, null)).isEmpty();
  }

  @Test
  void replayingTheLogRebuildsMaximaReserveAndStatus() {
    Auction auction = open(terms(List.of(new AuctionTerms.Increment(0, 10), new AuctionTerms.Increment(3_000, 100)),
        4_000L, null));
    bid(auction, "ann", null, 6_000L);
    bid(auction, "bob", 3_000L, null);
    bid(auction, "ann", null, 7_000L);
    bid(auction, "cat", null, 6_500L);
    Auction replayed = Auction.replay(auction.history());
    assertThat(replayed.view()).isEqualTo(auction.view());
    List<AuctionEvent> next = replayed.decideBid("dan", null, 6_800L, T0 + 2_000, "d");
    assertThat(bidAt(next, next.size() - 1).bidder()).as("the replayed maximum still defends").isEqualTo("ann");
    assertThat(bidAt(next, next.size() - 1).amount()).isEqualTo(6_900);
  }
}
