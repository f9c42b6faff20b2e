package io.gavel.store;

import io.gavel.domain.AuctionEvent;
import io.gavel.domain.AuctionTerms;
import io.vertx.core.json.JsonObject;

/**
 * The stored form of an event: everything needed to rebuild the auction, including what is never published
 * (the request id that answers retries, the displaced leader).
 */
final class EventJson {
  private EventJson() {
  }

  static JsonObject encode(AuctionEvent event) {
    JsonObject json = new JsonObject().put("type", event.type()).put("auctionId", event.auctionId())
        .put("seq", event.seq()).put("at", event.at());
    if (event instanceof AuctionEvent.Created c) {
      AuctionTerms t = c.terms();
      json.put("terms", new JsonObject().put("title", t.title()).put("currency", t.currency())
              .put("startingPrice", t.startingPrice()).put("minIncrement", t.minIncrement())
              .put("durationSeconds", t.durationSeconds()).put("antiSnipingSeconds", t.antiSnipingSeconds()))
          .put("seller", c.seller()).put("endsAt", c.endsAt());
    } else if (event instanceof AuctionEvent.BidAccepted b) {
      json.put("bidder", b.bidder()).put("amount", b.amount()).put("endsAt", b.endsAt())
          .put("requestId", b.requestId()).put("outbid", b.outbid());
    } else if (event instanceof AuctionEvent.Extended x) {
      json.put("endsAt", x.endsAt());
    } else if (event instanceof AuctionEvent.Closed c) {
      json.put("winner", c.winner()).put("amount", c.amount());
    }
    return json;
  }

  static AuctionEvent decode(JsonObject json) {
    String id = json.getString("auctionId");
    long seq = json.getLong("seq");
    long at = json.getLong("at");
    return switch (json.getString("type")) {
      case "auction.created" -> {
        JsonObject t = json.getJsonObject("terms");
        yield new AuctionEvent.Created(id, seq, at,
            new AuctionTerms(t.getString("title"), t.getString("currency"), t.getLong("startingPrice"),
                t.getLong("minIncrement"), t.getLong("durationSeconds"), t.getLong("antiSnipingSeconds")),
            json.getString("seller"), json.getLong("endsAt"));
      }
      case "bid.accepted" -> new AuctionEvent.BidAccepted(id, seq, at, json.getString("bidder"),
          json.getLong("amount"), json.getLong("endsAt"), json.getString("requestId"), json.getString("outbid"));
      case "auction.extended" -> new AuctionEvent.Extended(id, seq, at, json.getLong("endsAt"));
      case "auction.closed" -> new AuctionEvent.Closed(id, seq, at, json.getString("winner"),
          json.getLong("amount"));
      default -> throw new IllegalStateException("unknown stored event type " + json.getString("type"));
    };
  }
}
