package io.gavel.testing;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * As many bids on one auction as a few REST clients can place back to back: every bid a little higher than the last
 * one sent, so most are accepted and each accepted one is an event for every watcher. Bounded by a count of accepted
 * bids and a deadline; a condition can end it sooner.
 */
public final class BidStorm {
  private final String baseUrl;
  private final String auctionId;
  private final List<String> tokens;
  private final AtomicLong amount;
  private final AtomicInteger accepted = new AtomicInteger();

  public BidStorm(String baseUrl, String auctionId, List<String> tokens, long startAmount) {
    this.baseUrl = baseUrl;
    this.auctionId = auctionId;
    this.tokens = tokens;
    this.amount = new AtomicLong(startAmount);
  }

  /** Accepted bids so far, over every run. */
  public int accepted() {
    return accepted.get();
  }

  /**
   * Bids from {@code threads} clients until {@code count} more are accepted, {@code max} has passed, or {@code stop}
   * holds; returns how many were accepted.
   */
  public int run(int threads, int count, Duration max, BooleanSupplier stop) throws InterruptedException {
    int target = accepted.get() + count;
    long deadline = System.nanoTime() + max.toNanos();
    List<Thread> bidders = new ArrayList<>();
    AtomicInteger done = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int t = 0; t < threads; t++) {
      String token = tokens.get(t % tokens.size());
      Thread bidder = new Thread(() -> {
        try {
          bid(token, target, deadline, done);
        } catch (RuntimeException | Error e) {
          failure.compareAndSet(null, e);
        }
      }, "storm-" + t);
      bidders.add(bidder);
      bidder.start();
    }
    int startedWith = target - count;
    while (bidders.stream().anyMatch(Thread::isAlive)) {
      if (stop.getAsBoolean()) {
        done.set(1);
      }
      for (Thread bidder : bidders) {
        bidder.join(20);
      }
    }
    if (failure.get() != null) {
      throw new AssertionError("a bidder failed", failure.get());
    }
    return accepted.get() - startedWith;
  }

  private void bid(String token, int target, long deadline, AtomicInteger done) {
    while (done.get() == 0 && accepted.get() < target && System.nanoTime() < deadline) {
      Http.Response answer = Http.post(baseUrl + "/api/auctions/" + auctionId + "/bids",
          new JsonObject().put("amount", amount.incrementAndGet()).encode(), token);
      if (answer.status() == 201) {
        accepted.incrementAndGet();
      } else if (answer.status() != 409) {
        // 409: another storm thread's higher bid came first
        throw new AssertionError("bid answered " + answer);
      }
    }
  }
}
