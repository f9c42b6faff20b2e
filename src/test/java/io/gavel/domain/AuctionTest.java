package io.gavel.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AuctionTest {
  private static final long T0 = 1_000_000L;
  private static final AuctionTerms TERMS = new AuctionTerms("Lamp", "EUR", 1_000, 50, 60, 0);

  private static Auction open(AuctionTerms terms) {
    return Auction.from(Auction.decideCreate("lamp", terms, "seller", T0));
  }

  private static List<AuctionEvent> bid(Auction auction, String bidder, long amount, long at) {
    List<AuctionEvent> events = auction.decideBid(bidder, amount, at, bidder + "-" + amount);
    events.forEach(auction::apply);
    return events;
  }

  private static void assertRefused(Runnable command, ErrorCode code) {
    assertThatThrownBy(command::run).isInstanceOfSatisfying(AuctionException.class,
        e -> assertThat(e.code()).isEqualTo(code));
  }

  @Test
  void creationIsEventOneAndSetsTheEnd() {
    Auction auction = open(TERMS);
    assertThat(auction.seq()).isEqualTo(1);
    assertThat(auction.history().get(0)).isInstanceOf(AuctionEvent.Created.class);
    assertThat(auction.endsAt()).isEqualTo(T0 + 60_000);
    assertThat(auction.currentPrice()).isEqualTo(1_000);
    assertThat(auction.status()).isEqualTo(AuctionStatus.OPEN);
    assertThat(auction.leader()).isNull();
  }

  @Test
  void creationRejectsBadIdsAndTerms() {
    assertRefused(() -> Auction.decideCreate("no spaces", TERMS, "s", T0), ErrorCode.INVALID_AUCTION);
    assertRefused(() -> Auction.decideCreate("x".repeat(65), TERMS, "s", T0), ErrorCode.INVALID_AUCTION);
    assertRefused(() -> Auction.decideCreate("ok", TERMS, " ", T0), ErrorCode.INVALID_AUCTION);
    assertRefused(() -> new AuctionTerms("", "EUR", 1, 1, 1, 0), ErrorCode.INVALID_AUCTION);
    assertRefused(() -> new AuctionTerms("bell\u0007", "EUR", 1, 1, 1, 0), ErrorCode.INVALID_AUCTION);
    assertRefused(() -> new AuctionTerms("two\nlines", "EUR", 1, 1, 1, 0), ErrorCode.INVALID_AUCTION);
    assertRefused(() -> new AuctionTerms("t", "eur", 1, 1, 1, 0), ErrorCode.INVALID_AUCTION);
    assertRefused(() -> new AuctionTerms("t", "EUR", 0, 1, 1, 0), ErrorCode.INVALID_AUCTION);
    assertRefused(() -> new AuctionTerms("t", "EUR", Money.MAX_AMOUNT + 1, 1, 1, 0), ErrorCode.INVALID_AUCTION);
    assertRefused(() -> new AuctionTerms("t", "EUR", 1, 0, 1, 0), ErrorCode.INVALID_AUCTION);
    assertRefused(() -> new AuctionTerms("t", "EUR", 1, 1, 0, 0), ErrorCode.INVALID_AUCTION);
    assertRefused(() -> new AuctionTerms("t", "EUR", 1, 1, 1, -1), ErrorCode.INVALID_AUCTION);
    assertRefused(() -> new AuctionTerms("t", "EUR", 1, 1, 1, 3601), ErrorCode.INVALID_AUCTION);
  }

  @Test
  void firstBidMustReachTheStartingPrice() {
    Auction auction = open(TERMS);
    assertRefused(() -> auction.decideBid("bob", 999, T0 + 1, null), ErrorCode.BID_TOO_LOW);
    List<AuctionEvent> events = bid(auction, "bob", 1_000, T0 + 1);
    assertThat(events).containsExactly(new AuctionEvent.BidAccepted("lamp", 2, T0 + 1, "bob", 1_000, T0 + 60_000, "bob-1000", null));
    assertThat(auction.currentPrice()).isEqualTo(1_000);
    assertThat(auction.leader()).isEqualTo("bob");
    assertThat(auction.bidCount()).isEqualTo(1);
  }

  @Test
  void laterBidsMustBeatThePriceByTheIncrement() {
    Auction auction = open(TERMS);
    bid(auction, "bob", 1_000, T0 + 1);
    assertRefused(() -> auction.decideBid("carol", 1_049, T0 + 2, null), ErrorCode.BID_TOO_LOW);
    assertRefused(() -> auction.decideBid("carol", 1_000, T0 + 2, null), ErrorCode.BID_TOO_LOW);
    assertThat(auction.minimumNextBid()).isEqualTo(1_050);
    bid(auction, "carol", 1_050, T0 + 2);
    assertThat(auction.leader()).isEqualTo("carol");
    assertThat(auction.seq()).isEqualTo(3);
  }

  @Test
  void aBidNamesTheLeaderItDisplaced() {
    Auction auction = open(TERMS);
    AuctionEvent.BidAccepted first = (AuctionEvent.BidAccepted) bid(auction, "bob", 1_000, T0 + 1).get(0);
    AuctionEvent.BidAccepted raise = (AuctionEvent.BidAccepted) bid(auction, "bob", 1_050, T0 + 2).get(0);
    AuctionEvent.BidAccepted over = (AuctionEvent.BidAccepted) bid(auction, "carol", 1_100, T0 + 3).get(0);
    assertThat(first.outbid()).isNull();
    assertThat(raise.outbid()).as("raising one's own bid displaces nobody").isNull();
    assertThat(over.outbid()).isEqualTo("bob");
  }

  @Test
  void refusedBidsChangeNothing() {
    Auction auction = open(TERMS);
    bid(auction, "bob", 1_200, T0 + 1);
    assertRefused(() -> auction.decideBid("carol", 1_100, T0 + 2, null), ErrorCode.BID_TOO_LOW);
    assertThat(auction.seq()).isEqualTo(2);
    assertThat(auction.leader()).isEqualTo("bob");
    assertThat(auction.currentPrice()).isEqualTo(1_200);
  }

  @Test
  void amountsMustBePositiveAndExactInJavaScript() {
    Auction auction = open(TERMS);
    assertRefused(() -> auction.decideBid("bob", 0, T0 + 1, null), ErrorCode.INVALID_BID);
    assertRefused(() -> auction.decideBid("bob", -5, T0 + 1, null), ErrorCode.INVALID_BID);
    assertRefused(() -> auction.decideBid("bob", Money.MAX_AMOUNT + 1, T0 + 1, null), ErrorCode.INVALID_BID);
    bid(auction, "bob", Money.MAX_AMOUNT, T0 + 1);
    assertRefused(() -> auction.decideBid("carol", Money.MAX_AMOUNT, T0 + 2, null), ErrorCode.BID_TOO_LOW);
  }

  @Test
  void aBidNeedsABidder() {
    Auction auction = open(TERMS);
    assertRefused(() -> auction.decideBid(null, 1_000, T0 + 1, null), ErrorCode.UNAUTHORIZED);
    assertRefused(() -> auction.decideBid("", 1_000, T0 + 1, null), ErrorCode.UNAUTHORIZED);
  }

  @Test
  void noBidsAtOrAfterTheEnd() {
    Auction auction = open(TERMS);
    assertRefused(() -> auction.decideBid("bob", 1_000, T0 + 60_000, null), ErrorCode.AUCTION_CLOSED);
    bid(auction, "bob", 1_000, T0 + 59_999);
  }

  @Test
  void closesOnceAtTheEndWithTheLeaderAsWinner() {
    Auction auction = open(TERMS);
    bid(auction, "bob", 1_000, T0 + 1);
    bid(auction, "carol", 1_100, T0 + 2);
    assertThat(auction.decideClose(T0 + 59_999)).isEmpty();
    assertThat(auction.isDue(T0 + 60_000)).isTrue();
    List<AuctionEvent> close = auction.decideClose(T0 + 60_000);
    assertThat(close).containsExactly(new AuctionEvent.Closed("lamp", 4, T0 + 60_000, "carol", 1_100L));
    close.forEach(auction::apply);
    assertThat(auction.status()).isEqualTo(AuctionStatus.CLOSED);
    assertThat(auction.winner()).isEqualTo("carol");
    assertThat(auction.decideClose(T0 + 70_000)).isEmpty();
    assertThat(auction.isDue(T0 + 70_000)).isFalse();
    assertRefused(() -> auction.decideBid("bob", 5_000, T0 + 70_000, null), ErrorCode.AUCTION_CLOSED);
  }

  @Test
  void closingWithoutBidsHasNoWinner() {
    Auction auction = open(TERMS);
    assertThat(auction.decideClose(T0 + 60_000))
        .containsExactly(new AuctionEvent.Closed("lamp", 2, T0 + 60_000, null, null));
  }

  @Test
  void aLateBidExtendsTheEndByTheAntiSnipingWindow() {
    Auction auction = open(new AuctionTerms("Lamp", "EUR", 1_000, 50, 60, 10));
    List<AuctionEvent> early = bid(auction, "bob", 1_000, T0 + 30_000);
    assertThat(early).hasSize(1);
    assertThat(auction.endsAt()).isEqualTo(T0 + 60_000);

    List<AuctionEvent> late = bid(auction, "carol", 1_050, T0 + 55_000);
    assertThat(late).containsExactly(
        new AuctionEvent.BidAccepted("lamp", 3, T0 + 55_000, "carol", 1_050, T0 + 65_000, "carol-1050", "bob"),
        new AuctionEvent.Extended("lamp", 4, T0 + 55_000, T0 + 65_000));
    assertThat(auction.endsAt()).isEqualTo(T0 + 65_000);
    assertThat(auction.decideClose(T0 + 64_000)).isEmpty();
    bid(auction, "bob", 1_100, T0 + 64_000);
    assertThat(auction.endsAt()).isEqualTo(T0 + 74_000);
  }

  @Test
  void withoutAntiSnipingALateBidDoesNotExtend() {
    Auction auction = open(TERMS);
    assertThat(bid(auction, "bob", 1_000, T0 + 59_999)).hasSize(1);
    assertThat(auction.endsAt()).isEqualTo(T0 + 60_000);
  }

  @Test
  void eventTimesNeverGoBackwardsWhenNodeClocksDiffer() {
    Auction auction = open(TERMS);
    bid(auction, "bob", 1_000, T0 + 5_000);
    List<AuctionEvent> skewed = bid(auction, "carol", 1_050, T0 + 4_000);
    assertThat(skewed.get(0).at()).isEqualTo(T0 + 5_000);
  }

  @Test
  void applyRefusesEventsOutOfSequence() {
    Auction auction = open(TERMS);
    assertThatThrownBy(() -> auction.apply(new AuctionEvent.BidAccepted("lamp", 3, T0, "bob", 1_000, T0, null, null)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void eventsAfterPagesTheLog() {
    Auction auction = open(TERMS);
    for (int i = 0; i < 5; i++) {
      bid(auction, "bob", 1_000 + i * 50L, T0 + i + 1);
    }
    assertThat(auction.eventsAfter(0, 1000)).extracting(AuctionEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(auction.eventsAfter(2, 2)).extracting(AuctionEvent::seq).containsExactly(3L, 4L);
    assertThat(auction.eventsAfter(6, 10)).isEmpty();
    assertThat(auction.eventsAfter(99, 10)).isEmpty();
  }

  @Test
  void aRetriedRequestGetsItsFirstAnswerInsteadOfRunningAgain() {
    Auction auction = open(new AuctionTerms("Lamp", "EUR", 1_000, 50, 60, 10));
    bid(auction, "bob", 1_000, T0 + 1);
    List<AuctionEvent> late = bid(auction, "carol", 1_050, T0 + 55_000);
    assertThat(auction.eventsOfRequest("bob-1000")).extracting(AuctionEvent::seq).containsExactly(2L);
    assertThat(auction.eventsOfRequest("carol-1050")).isEqualTo(late);
    assertThat(auction.eventsOfRequest("nobody")).isEmpty();
    assertThat(auction.eventsOfRequest(null)).isEmpty();
  }

  @Test
  void aReusedKeyForAnotherAmountIsRefusedAndTheSameAmountGetsTheFirstAnswer() {
    Auction auction = open(TERMS);
    List<AuctionEvent> first = bid(auction, "bob", 1_000, T0 + 1);
    assertThat(auction.earlierBid("bob-1000", 1_000L, null)).isEqualTo(first);
    assertRefused(() -> auction.earlierBid("bob-1000", 1_200L, null), ErrorCode.IDEMPOTENCY_KEY_REUSED);
    assertThat(auction.earlierBid("bob-new", 1_200L, null)).isEmpty();
  }

  @Test
  void everyRequestIsRememberedForTheAuctionsWholeLife() {
    Auction auction = open(TERMS);
    for (int i = 0; i < 3_000; i++) {
      bid(auction, i % 2 == 0 ? "bob" : "carol", 1_000 + i * 50L, T0 + i + 1);
    }
    assertThat(auction.eventsOfRequest("bob-1000")).extracting(AuctionEvent::seq).containsExactly(2L);
  }

  @Test
  void viewAfterPreviewsPendingEventsWithoutApplyingThem() {
    Auction auction = open(new AuctionTerms("Lamp", "EUR", 1_000, 50, 60, 10));
    List<AuctionEvent> pending = auction.decideBid("bob", 1_200, T0 + 55_000, "r1");
    AuctionView preview = auction.viewAfter(pending);
    assertThat(auction.seq()).as("nothing applied").isEqualTo(1);
    assertThat(preview.seq()).isEqualTo(3);
    assertThat(preview.currentPrice()).isEqualTo(1_200);
    assertThat(preview.leader()).isEqualTo("bob");
    assertThat(preview.endsAt()).isEqualTo(T0 + 65_000);
    assertThat(preview.minimumNextBid()).isEqualTo(1_250);
    pending.forEach(auction::apply);
    assertThat(auction.view()).isEqualTo(preview);
  }

  @Test
  void replayingTheLogRebuildsTheSameAuction() {
    Auction auction = open(TERMS);
    bid(auction, "bob", 1_000, T0 + 1);
    bid(auction, "carol", 1_100, T0 + 2);
    auction.decideClose(T0 + 60_000).forEach(auction::apply);
    Auction rebuilt = Auction.replay(auction.history());
    assertThat(rebuilt.view()).isEqualTo(auction.view());
    assertThat(rebuilt.history()).isEqualTo(auction.history());
    assertThat(rebuilt.eventsOfRequest("carol-1100")).extracting(AuctionEvent::seq).containsExactly(3L);
    assertThat(Auction.replay(List.of())).isNull();
  }
}
