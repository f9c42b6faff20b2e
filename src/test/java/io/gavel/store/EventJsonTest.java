package io.gavel.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.domain.AuctionEvent;
import io.gavel.domain.AuctionTerms;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stored form keeps everything the auction is rebuilt from, including what is never published. */
class EventJsonTest {
  @Test
  void everyEventTypeSurvivesTheStoredForm() {
    AuctionTerms terms = new AuctionTerms("Lamp", "EUR", 1_000, 50, 60, 30,
        List.of(new AuctionTerms.Increment(0, 50), new AuctionTerms.Increment(5_000, 100)), 4_000L, 9_000L);
    List<AuctionEvent> events = List.of(
        new AuctionEvent.Created("a", 1, 10, terms, "seller", 60_010),
        new AuctionEvent.BidAccepted("a", 2, 11, "ann", 1_000, 60_010, "ann/k", null, true, 5_000L),
        new AuctionEvent.MaxRaised("a", 3, 12, "ann", 7_000, "ann/k2"),
        new AuctionEvent.BidAccepted("a", 4, 13, "bob", 2_000, 60_010, "bob/k", null),
        new AuctionEvent.Extended("a", 5, 14, 70_000),
        new AuctionEvent.ReserveMet("a", 6, 15),
        new AuctionEvent.Closed("a", 7, 16, "ann", 4_100L, true, false),
        new AuctionEvent.Closed("b", 2, 16, "cat", 9_000L, null, true),
        new AuctionEvent.Cancelled("c", 2, 17));
    for (AuctionEvent event : events) {
      JsonObject stored = new JsonObject(EventJson.encode(event).encode());
      assertThat(EventJson.decode(stored)).isEqualTo(event);
    }
  }

  @Test
  void eventsStoredBeforeProxyBiddingStillDecode() {
    JsonObject oldBid = new JsonObject().put("type", "bid.accepted").put("auctionId", "a").put("seq", 2)
        .put("at", 5).put("bidder", "ann").put("amount", 1_000).put("endsAt", 60).put("requestId", "r")
        .putNull("outbid");
    assertThat(EventJson.decode(oldBid)).isEqualTo(new AuctionEvent.BidAccepted("a", 2, 5, "ann", 1_000, 60, "r",
        null));
    JsonObject oldCreated = new JsonObject().put("type", "auction.created").put("auctionId", "a").put("seq", 1)
        .put("at", 5).put("seller", "s").put("endsAt", 60).put("terms", new JsonObject().put("title", "T")
            .put("currency", "EUR").put("startingPrice", 1).put("minIncrement", 2).put("durationSeconds", 60)
            .put("antiSnipingSeconds", 0));
    assertThat(((AuctionEvent.Created) EventJson.decode(oldCreated)).terms())
        .isEqualTo(new AuctionTerms("T", "EUR", 1, 2, 60, 0));
  }
}
