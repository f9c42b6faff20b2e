package io.gavel.protocol;

import io.gavel.domain.AuctionEvent;
import io.gavel.domain.AuctionTerms;
import io.gavel.domain.AuctionView;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The JSON shapes of the public contract (../shared/CONTRACT.md): auctions, events, bid replies. */
public final class Wire {
  public static final String AUCTIONS_ADDRESS = "auctions";
  public static final String BID_ADDRESS = "auctions.bid";
  /**
   * Header naming the acting user on inbound messages ({@code auctions.bid}: the bidder). Trusted inside the
   * cluster; the bridge removes whatever a browser sent and sets it from the verified token.
   */
  public static final String USER_HEADER = "user";

  private Wire() {
  }

  public static String auctionAddress(String auctionId) {
    return "auction." + auctionId;
  }

  /** A user's private address: only a browser holding that user's token may register it. */
  public static String userAddress(String user) {
    return "user." + user;
  }

  /** The notice a displaced leader gets on their private address. */
  public static JsonObject outbid(AuctionEvent.BidAccepted bid) {
    return new JsonObject().put("type", "bid.outbid").put("auctionId", bid.auctionId()).put("seq", bid.seq())
        .put("at", bid.at()).put("amount", bid.amount()).put("bidder", bid.bidder());
  }

  /** What only the bidder sees of their own maximum, on their private address. */
  public static JsonObject maximum(AuctionEvent event) {
    JsonObject json = new JsonObject().put("type", "bid.maximum").put("auctionId", event.auctionId())
        .put("seq", event.seq()).put("at", event.at());
    if (event instanceof AuctionEvent.BidAccepted bid) {
      return json.put("maxAmount", bid.maxAmount());
    }
    return json.put("maxAmount", ((AuctionEvent.MaxRaised) event).maxAmount());
  }

  /** How many browsers and long-poll clients follow an auction; pushed on its address, outside its history. */
  public static JsonObject watchers(String auctionId, int watchers) {
    return new JsonObject().put("type", "auction.watchers").put("auctionId", auctionId).put("watchers", watchers);
  }

  /** Whether list-level subscribers ({@code auctions}) see this event too. */
  public static boolean isListEvent(AuctionEvent event) {
    return event instanceof AuctionEvent.Created || event instanceof AuctionEvent.Closed
        || event instanceof AuctionEvent.Cancelled;
  }

  private static JsonArray increments(AuctionTerms terms) {
    JsonArray rows = new JsonArray();
    terms.increments().forEach(i -> rows.add(new JsonObject().put("from", i.from()).put("step", i.step())));
    return rows;
  }

  public static JsonObject auction(AuctionView v) {
    return new JsonObject()
        .put("id", v.id())
        .put("title", v.terms().title())
        .put("currency", v.terms().currency())
        .put("startingPrice", v.terms().startingPrice())
        .put("minIncrement", v.terms().minIncrement())
        .put("increments", increments(v.terms()))
        .put("antiSnipingSeconds", v.terms().antiSnipingSeconds())
        .put("reserveMet", v.reserveMet())
        .put("buyNowPrice", v.terms().buyNowPrice())
        .put("buyNowAvailable", v.buyNowAvailable())
        .put("seller", v.seller())
        .put("currentPrice", v.currentPrice())
        .put("minimumBid", v.minimumNextBid())
        .put("leader", v.leader())
        .put("bidCount", v.bidCount())
        .put("endsAt", v.endsAt())
        .put("status", v.status().name())
        .put("winner", v.winner())
        .put("seq", v.seq());
  }

  public static JsonObject event(AuctionEvent e) {
    JsonObject json = new JsonObject()
        .put("type", e.type())
        .put("auctionId", e.auctionId())
        .put("seq", e.seq())
        .put("at", e.at());
    if (e instanceof AuctionEvent.Created c) {
      json.put("title", c.terms().title())
          .put("currency", c.terms().currency())
          .put("startingPrice", c.terms().startingPrice())
          .put("minIncrement", c.terms().minIncrement())
          .put("increments", increments(c.terms()))
          .put("antiSnipingSeconds", c.terms().antiSnipingSeconds())
          .put("hasReserve", c.terms().reservePrice() != null)
          .put("buyNowPrice", c.terms().buyNowPrice())
          .put("seller", c.seller())
          .put("endsAt", c.endsAt());
    } else if (e instanceof AuctionEvent.BidAccepted b) {
      json.put("amount", b.amount()).put("bidder", b.bidder()).put("endsAt", b.endsAt()).put("proxy", b.proxy());
    } else if (e instanceof AuctionEvent.Extended x) {
      json.put("endsAt", x.endsAt());
    } else if (e instanceof AuctionEvent.Closed c) {
      json.put("winner", c.winner()).put("amount", c.amount());
      if (c.reserveMet() != null) {
        json.put("reserveMet", c.reserveMet());
      }
      if (c.buyNow()) {
        json.put("buyNow", true);
      }
    }
    return json;
  }

  public static JsonArray events(List<AuctionEvent> events) {
    JsonArray array = new JsonArray();
    events.forEach(e -> array.add(event(e)));
    return array;
  }

  /**
   * Reply to an accepted bid: the bidder's own accepted event plus {@code accepted:true}, whether it extended the
   * auction, whether the bidder leads after it (a proxy may have answered at once), and their maximum if they set
   * one. A raised maximum answers with its event (no public bid).
   */
  public static JsonObject bidAccepted(List<AuctionEvent> events) {
    AuctionEvent first = events.get(0);
    String bidder = first instanceof AuctionEvent.BidAccepted b ? b.bidder()
        : ((AuctionEvent.MaxRaised) first).bidder();
    String leader = bidder;
    for (AuctionEvent e : events) {
      if (e instanceof AuctionEvent.BidAccepted b) {
        leader = b.bidder();
      }
    }
    JsonObject reply = event(first).put("accepted", true)
        .put("extended", events.stream().anyMatch(e -> e instanceof AuctionEvent.Extended))
        .put("leading", leader.equals(bidder));
    if (first instanceof AuctionEvent.BidAccepted b && b.maxAmount() != null) {
      reply.put("maxAmount", b.maxAmount());
    } else if (first instanceof AuctionEvent.MaxRaised r) {
      reply.put("maxAmount", r.maxAmount());
    }
    return reply;
  }

  public static JsonObject error(String code, String message) {
    return new JsonObject().put("error", code).put("message", message);
  }
}
