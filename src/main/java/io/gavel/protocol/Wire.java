package io.gavel.protocol;

import io.gavel.domain.AuctionEvent;
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

  /** Whether list-level subscribers ({@code auctions}) see this event too. */
  public static boolean isListEvent(AuctionEvent event) {
    return event instanceof AuctionEvent.Created || event instanceof AuctionEvent.Closed;
  }

  public static JsonObject auction(AuctionView v) {
    return new JsonObject()
        .put("id", v.id())
        .put("title", v.terms().title())
        .put("currency", v.terms().currency())
        .put("startingPrice", v.terms().startingPrice())
        .put("minIncrement", v.terms().minIncrement())
        .put("antiSnipingSeconds", v.terms().antiSnipingSeconds())
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
          .put("antiSnipingSeconds", c.terms().antiSnipingSeconds())
          .put("seller", c.seller())
          .put("endsAt", c.endsAt());
    } else if (e instanceof AuctionEvent.BidAccepted b) {
      json.put("amount", b.amount()).put("bidder", b.bidder()).put("endsAt", b.endsAt());
    } else if (e instanceof AuctionEvent.Extended x) {
      json.put("endsAt", x.endsAt());
    } else if (e instanceof AuctionEvent.Closed c) {
      json.put("winner", c.winner()).put("amount", c.amount());
    }
    return json;
  }

  public static JsonArray events(List<AuctionEvent> events) {
    JsonArray array = new JsonArray();
    events.forEach(e -> array.add(event(e)));
    return array;
  }

  /** Reply to an accepted bid: the accepted event's fields plus {@code accepted:true}. */
  public static JsonObject bidAccepted(List<AuctionEvent> events) {
    AuctionEvent.BidAccepted bid = (AuctionEvent.BidAccepted) events.get(0);
    return event(bid).put("accepted", true).put("extended", events.size() > 1);
  }

  public static JsonObject error(String code, String message) {
    return new JsonObject().put("error", code).put("message", message);
  }
}
