package io.gavel.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicLong;

/** The events of a fan-out run: bids on the watched auction, through REST on one node, each one accepted. */
final class FanoutBids {
  private final Vertx vertx;
  private final double rate;
  /** Bid amounts keep rising across the warm-up and the measured window. */
  private final AtomicLong amount = new AtomicLong(1_000);

  FanoutBids(Vertx vertx, double rate) {
    this.vertx = vertx;
    this.rate = rate;
  }

  /** Bids at the configured rate for the duration; returns how many were accepted (each is one event). */
  long bidAtRate(Node node, String auctionId, String token, int seconds) throws InterruptedException {
    // One pipelined connection: bids reach the node in the order sent, so rising amounts are all accepted.
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(true)
        .setPipeliningLimit(100_000), new PoolOptions().setHttp1MaxSize(1));
    AtomicLong accepted = new AtomicLong();
    AtomicLong answered = new AtomicLong();
    long start = System.nanoTime();
    long total = (long) (rate * seconds);
    long[] sent = {0};
    long timer = vertx.setPeriodic(2, id -> {
      long due = Math.min(total, (long) ((System.nanoTime() - start) / 1e9 * rate)) - sent[0];
      for (long i = 0; i < due; i++) {
        sent[0]++;
        http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(node.host()).setPort(node.port())
                .setURI("/api/auctions/" + auctionId + "/bids").putHeader("Authorization", "Bearer " + token)
                .putHeader("Content-Type", "application/json"))
            .compose(r -> r.send(new JsonObject().put("amount", amount.incrementAndGet()).encode()))
            .onComplete(r -> {
              answered.incrementAndGet();
              if (r.succeeded() && r.result().statusCode() == 201) {
                accepted.incrementAndGet();
              }
            });
      }
    });
    Thread.sleep(seconds * 1000L + 200);
    vertx.cancelTimer(timer);
    // Wait (bounded) for every bid sent to be answered: a saturated node answers late, and no event may follow.
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (answered.get() < sent[0] && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return accepted.get();
  }

  long bid(HttpClient http, Node node, String auctionId, String token, long amount) throws Exception {
    return BenchHttp.post(http, node, "/api/auctions/" + auctionId + "/bids", new JsonObject().put("amount", amount),
        token).getLong("seq");
  }
}
