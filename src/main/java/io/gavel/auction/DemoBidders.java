package io.gavel.auction;

import io.gavel.protocol.Wire;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Demo bots ({@code --demo-bidders}) that bid now and then, so a newcomer sees the page move. They are written as
 * any other verticle in the cluster would be: they only use the event bus, asking {@code auctions.list} for open
 * auctions and sending {@code auctions.bid} with the bidder in the trusted {@code user} header. Each bid also
 * publishes a note on {@code demo.activity}, an address browsers may subscribe to because conf/gavel.json permits
 * it: that is all it takes for a verticle's own events to reach browsers.
 */
public final class DemoBidders extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DemoBidders.class);
  static final String ACTIVITY_ADDRESS = "demo.activity";
  private static final List<String> BOTS = List.of("bot-ada", "bot-ben", "bot-cy");
  private static final long MIN_PAUSE_MILLIS = 2_000;
  private static final long MAX_PAUSE_MILLIS = 6_000;

  private boolean stopped;

  @Override
  public Future<?> start() {
    scheduleNext();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    return Future.succeededFuture();
  }

  private void scheduleNext() {
    if (!stopped) {
      vertx.setTimer(ThreadLocalRandom.current().nextLong(MIN_PAUSE_MILLIS, MAX_PAUSE_MILLIS), id -> bidOnce());
    }
  }

  private void bidOnce() {
    vertx.eventBus().<JsonArray>request(AuctionVerticle.LIST_ADDRESS, null)
        .compose(list -> {
          List<JsonObject> open = list.body().stream().map(JsonObject.class::cast)
              .filter(a -> "OPEN".equals(a.getString("status"))).toList();
          if (open.isEmpty()) {
            return Future.succeededFuture();
          }
          ThreadLocalRandom random = ThreadLocalRandom.current();
          JsonObject auction = open.get(random.nextInt(open.size()));
          String bot = BOTS.get(random.nextInt(BOTS.size()));
          long amount = auction.getLong("minimumBid") + auction.getLong("minIncrement") * random.nextInt(3);
          return vertx.eventBus().request(Wire.BID_ADDRESS,
                  new JsonObject().put("auctionId", auction.getString("id")).put("amount", amount),
                  new DeliveryOptions().addHeader(Wire.USER_HEADER, bot))
              .onSuccess(accepted -> vertx.eventBus().publish(ACTIVITY_ADDRESS, new JsonObject()
                  .put("bot", bot).put("auctionId", auction.getString("id")).put("amount", amount)));
        })
        .onFailure(e -> LOG.debug("demo bid not placed: {}", e.getMessage()))
        .onComplete(done -> scheduleNext());
  }
}
