package io.gavel.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The client side of gap-free delivery, as the page does it: apply an auction's events strictly in seq order,
 * ignore duplicates, and when an event arrives ahead of a missing one, fetch the missing range over REST.
 */
public final class SeqFollower {
  private final String auctionId;
  private final List<JsonObject> applied = new ArrayList<>();
  private int fetches;

  public SeqFollower(String auctionId) {
    this.auctionId = auctionId;
  }

  public long lastSeq() {
    return applied.size();
  }

  /** Applies a pushed event; fetches from {@code baseUrl} whatever is missing before it. */
  public void receive(JsonObject event, String baseUrl) {
    if (!(event.getValue("seq") instanceof Number number)) {
      return; // presence and other notices are not part of the history
    }
    long seq = number.longValue();
    if (seq <= lastSeq()) {
      return;
    }
    if (seq > lastSeq() + 1) {
      catchUp(baseUrl);
    }
    if (seq == lastSeq() + 1) {
      applied.add(event);
    }
  }

  /** Fetches every event after the last one applied. */
  public void catchUp(String baseUrl) {
    fetches++;
    while (true) {
      JsonArray page = (JsonArray) Http.get(baseUrl + "/api/auctions/" + auctionId + "/events?after=" + lastSeq())
          .value();
      page.forEach(e -> {
        if (((JsonObject) e).getLong("seq") == lastSeq() + 1) {
          applied.add((JsonObject) e);
        }
      });
      if (page.size() < 1000) {
        return;
      }
    }
  }

  public List<JsonObject> applied() {
    return applied;
  }

  public int fetches() {
    return fetches;
  }
}
