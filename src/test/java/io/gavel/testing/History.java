package io.gavel.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/** An auction's event log as a client reads it, and the checks every test makes against it. */
public final class History {
  private final List<JsonObject> events;

  private History(List<JsonObject> events) {
    this.events = events;
  }

  /** A history made by hand (the checker's own tests feed it bad ones). */
  public static History of(List<JsonObject> events) {
    return new History(List.copyOf(events));
  }

  /** Reads the whole log from a node, page by page. */
  public static History read(String baseUrl, String auctionId) {
    List<JsonObject> events = new ArrayList<>();
    while (true) {
      Http.Response page = Http.get(baseUrl + "/api/auctions/" + auctionId + "/events?after=" + events.size());
      assertThat(page.status()).as(page.body()).isEqualTo(200);
      JsonArray array = (JsonArray) page.value();
      array.forEach(e -> events.add((JsonObject) e));
      if (array.size() < 1000) {
        return new History(events);
      }
    }
  }

  public List<JsonObject> events() {
    return events;
  }

  public List<JsonObject> bids() {
    return events.stream().filter(e -> "bid.accepted".equals(e.getString("type"))).toList();
  }

  public long count(String type) {
    return events.stream().filter(e -> type.equals(e.getString("type"))).count();
  }

  /** seq runs 1..n with no hole and no duplicate; accepted amounts strictly increase. */
  public History assertWellFormed() {
    assertThat(events).extracting(e -> e.getLong("seq")).as("seq has no holes and no duplicates")
        .containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
    List<JsonObject> bids = bids();
    for (int i = 1; i < bids.size(); i++) {
      assertThat(bids.get(i).getLong("amount")).as("accepted amounts strictly increase")
          .isGreaterThan(bids.get(i - 1).getLong("amount"));
    }
    return this;
  }

  /** Every acknowledged bid is in the log at the seq it was acknowledged with, with its amount and bidder. */
  public History assertContains(List<BidLoad.Ack> acks) {
    Map<Long, BidLoad.Ack> bySeq = new HashMap<>();
    for (BidLoad.Ack ack : acks) {
      assertThat(bySeq.put(ack.seq(), ack)).as("seq %d acknowledged twice", ack.seq()).isNull();
      assertThat(ack.seq()).as("acknowledged seq within the log").isBetween(1L, (long) events.size());
      JsonObject stored = events.get((int) ack.seq() - 1);
      assertThat(stored.getString("type")).isEqualTo("bid.accepted");
      assertThat(stored.getLong("amount")).as("amount at seq %d", ack.seq()).isEqualTo(ack.amount());
      assertThat(stored.getString("bidder")).as("bidder at seq %d", ack.seq()).isEqualTo(ack.bidder());
    }
    return this;
  }
}
