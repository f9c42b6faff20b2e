package io.gavel.store;

import io.gavel.domain.AuctionEvent;
import io.gavel.domain.AuctionTerms;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The stored form of an event: everything needed to rebuild the auction, including what is never published
 * (the request id that answers retries, the displaced leader, a bidder's maximum). One form for every place an event
 * is kept or travels between members (the PostgreSQL log, Hazelcast entries and results), so there is one schema to
 * evolve: fields added later are optional on decode.
 */
public final class EventJson {
  private EventJson() {
  }

  public static JsonObject encode(AuctionEvent event) {
    JsonObject json = new JsonObject().put("type", event.type()).put("auctionId", event.auctionId())
        .put("seq", event.seq()).put("at", event.at());
    if (event instanceof AuctionEvent.Created c) {
      json.put("terms", encodeTerms(c.terms())).put("seller", c.seller()).put("endsAt", c.endsAt());
    } else if (event instanceof AuctionEvent.BidAccepted b) {
      json.put("bidder", b.bidder()).put("amount", b.amount()).put("endsAt", b.endsAt())
          .put("requestId", b.requestId()).put("outbid", b.outbid()).put("proxy", b.proxy())
          .put("maxAmount", b.maxAmount());
    } else if (event instanceof AuctionEvent.MaxRaised r) {
      json.put("bidder", r.bidder()).put("maxAmount", r.maxAmount()).put("requestId", r.requestId());
    } else if (event instanceof AuctionEvent.Extended x) {
      json.put("endsAt", x.endsAt());
    } else if (event instanceof AuctionEvent.Closed c) {
      json.put("winner", c.winner()).put("amount", c.amount()).put("reserveMet", c.reserveMet())
          .put("buyNow", c.buyNow());
    }
    return json;
  }

  public static JsonObject encodeTerms(AuctionTerms t) {
    return new JsonObject().put("title", t.title()).put("currency", t.currency())
        .put("startingPrice", t.startingPrice()).put("minIncrement", t.minIncrement())
        .put("durationSeconds", t.durationSeconds()).put("antiSnipingSeconds", t.antiSnipingSeconds())
        .put("increments", increments(t)).put("reservePrice", t.reservePrice()).put("buyNowPrice", t.buyNowPrice());
  }

  public static AuctionTerms decodeTerms(JsonObject t) {
    return new AuctionTerms(t.getString("title"), t.getString("currency"), t.getLong("startingPrice"),
        t.getLong("minIncrement"), t.getLong("durationSeconds"), t.getLong("antiSnipingSeconds"),
        increments(t.getJsonArray("increments")), t.getLong("reservePrice"), t.getLong("buyNowPrice"));
  }

  private static JsonArray increments(AuctionTerms terms) {
    JsonArray rows = new JsonArray();
    terms.increments().forEach(i -> rows.add(new JsonObject().put("from", i.from()).put("step", i.step())));
    return rows;
  }

  /** Null (the minIncrement alone) for events stored before increment tables existed. */
  private static List<AuctionTerms.Increment> increments(JsonArray rows) {
    if (rows == null) {
      return null;
    }
    List<AuctionTerms.Increment> increments = new ArrayList<>();
    rows.forEach(r -> increments.add(new AuctionTerms.Increment(((JsonObject) r).getLong("from"),
        ((JsonObject) r).getLong("step"))));
    return increments;
  }

  public static AuctionEvent decode(JsonObject json) {
    String id = json.getString("auctionId");
    long seq = json.getLong("seq");
    long at = json.getLong("at");
    return switch (json.getString("type")) {
      case "auction.created" -> {
        yield new AuctionEvent.Created(id, seq, at, decodeTerms(json.getJsonObject("terms")),
            json.getString("seller"), json.getLong("endsAt"));
      }
      case "bid.accepted" -> new AuctionEvent.BidAccepted(id, seq, at, json.getString("bidder"),
          json.getLong("amount"), json.getLong("endsAt"), json.getString("requestId"), json.getString("outbid"),
          json.getBoolean("proxy", false), json.getLong("maxAmount"));
      case "bid.max-raised" -> new AuctionEvent.MaxRaised(id, seq, at, json.getString("bidder"),
          json.getLong("maxAmount"), json.getString("requestId"));
      case "auction.reserve-met" -> new AuctionEvent.ReserveMet(id, seq, at);
      case "auction.cancelled" -> new AuctionEvent.Cancelled(id, seq, at);
      case "auction.extended" -> new AuctionEvent.Extended(id, seq, at, json.getLong("endsAt"));
      case "auction.closed" -> new AuctionEvent.Closed(id, seq, at, json.getString("winner"),
          json.getLong("amount"), json.getBoolean("reserveMet"), json.getBoolean("buyNow", false));
      default -> throw new IllegalStateException("unknown stored event type " + json.getString("type"));
    };
  }
}
