package io.gavel.bench;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * The bid load of a run: the closed loop (C bids always in flight) or the open loop (bids at their scheduled times,
 * latency from that time), each bid to the next node round-robin, and what the answers were.
 */
final class BidDriver {
  /** Latencies are recorded in tenths of a millisecond (HdrHistogram, 3 significant digits). */
  static final int UNITS_PER_MILLI = 10;

  private final BidBenchOptions options;
  private final Vertx vertx;
  private final List<Node> nodes;
  private final String[][] authorizations;
  private final String[] bidPaths;
  private final AtomicLongArray amounts;
  private final String keyPrefix = "bb" + UUID.randomUUID().toString().substring(0, 8) + "-";

  // What the load saw. "Measured" = answered inside the window (closed loop) or scheduled inside it (open loop).
  final Recorder latencies = new Recorder(3);
  final LongAdder accepted = new LongAdder();
  final LongAdder tooLow = new LongAdder();
  final Map<String, LongAdder> otherOutcomes = new ConcurrentHashMap<>();
  final LongAdder sentTotal = new LongAdder();
  private final LongAdder answeredTotal = new LongAdder();
  private final AtomicLong nextBid = new AtomicLong();
  final AtomicInteger inFlight = new AtomicInteger();
  private final long windowStart;
  private final long windowEnd;

  BidDriver(BidBenchOptions options, Vertx vertx, BidTargets targets, long windowStart, long windowEnd) {
    this.options = options;
    this.vertx = vertx;
    this.nodes = targets.nodes;
    this.authorizations = targets.authorizations;
    this.bidPaths = targets.bidPaths;
    // Amounts come from one rising counter per auction.
    this.amounts = new AtomicLongArray(targets.auctionIds.size());
    this.windowStart = windowStart;
    this.windowEnd = windowEnd;
  }

  /** Starts sending at {@code t0}: the closed loop, or the open loop at the offered rate. */
  void start(HttpClient http, long t0) throws InterruptedException {
    if (options.closedLoop()) {
      startClosedLoop(http, t0);
    } else {
      startOpenLoop(http, t0);
    }
  }

  /** Whether bids are still to be answered, or (open loop) still to be sent. */
  boolean busy() {
    return inFlight.get() > 0 || (!options.closedLoop() && sentTotal.sum() < openLoopTotal());
  }

  private long openLoopTotal() {
    return Math.min(options.maxBids(),
        (long) Math.ceil(options.rate() * (options.warmupSeconds() + options.durationSeconds())));
  }

  private void startClosedLoop(HttpClient http, long t0) throws InterruptedException {
    BidBench.sleepUntil(t0);
    int loops = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
    List<Context> contexts = new ArrayList<>();
    for (int i = 0; i < loops; i++) {
      contexts.add(vertx.getOrCreateContext());
    }
    for (int slot = 0; slot < options.concurrency(); slot++) {
      contexts.get(slot % contexts.size()).runOnContext(v -> nextClosed(http));
    }
  }

  /** One slot of the closed loop: the next bid as soon as the last is answered, until the window ends. */
  private void nextClosed(HttpClient http) {
    if (System.nanoTime() >= windowEnd) {
      return;
    }
    long i = nextBid.getAndIncrement();
    if (i >= options.maxBids()) {
      return;
    }
    bid(http, i, -1, v -> nextClosed(http));
  }

  private void startOpenLoop(HttpClient http, long t0) {
    long total = openLoopTotal();
    double nanosPerBid = 1e9 / options.rate();
    vertx.getOrCreateContext().runOnContext(v -> vertx.setPeriodic(1, timer -> {
      long elapsed = System.nanoTime() - t0;
      if (elapsed < 0) {
        return;
      }
      long due = Math.min(total, (long) (elapsed / nanosPerBid) + 1);
      for (long i = nextBid.get(); i < due; i = nextBid.incrementAndGet()) {
        bid(http, i, t0 + (long) (i * nanosPerBid), null);
      }
      if (nextBid.get() >= total) {
        vertx.cancelTimer(timer);
      }
    }));
  }

  /**
   * Sends bid number {@code i}. Its latency runs from {@code scheduled} (open loop) or from the moment it is sent
   * (closed loop, {@code scheduled} &lt; 0) to its answer.
   */
  private void bid(HttpClient http, long i, long scheduled, Handler<Void> then) {
    int node = (int) (i % nodes.size());
    int auction = (int) (i % bidPaths.length);
    int user = (int) ((i / nodes.size()) % options.users().size());
    long amount = amounts.incrementAndGet(auction);
    long start = scheduled < 0 ? System.nanoTime() : scheduled;
    inFlight.incrementAndGet();
    sentTotal.increment();
    Node target = nodes.get(node);
    http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(target.host()).setPort(target.port())
            .setURI(bidPaths[auction]).setIdleTimeout(options.timeoutMillis())
            .putHeader("Authorization", authorizations[node][user])
            .putHeader("Content-Type", "application/json")
            .putHeader("Idempotency-Key", keyPrefix + i))
        .compose(request -> request.send("{\"amount\":" + amount + "}"))
        .compose(response -> response.body().map(body -> outcome(response.statusCode(), body)))
        .onComplete(done -> {
          long now = System.nanoTime();
          inFlight.decrementAndGet();
          answeredTotal.increment();
          long from = scheduled < 0 ? now : start;
          if (from >= windowStart && from < windowEnd) {
            String outcome = done.succeeded() ? done.result() : "failed: " + done.cause().getClass().getSimpleName();
            switch (outcome) {
              case "accepted" -> {
                accepted.increment();
                latencies.recordValue((now - start) / (1_000_000 / UNITS_PER_MILLI));
              }
              case "BID_TOO_LOW" -> tooLow.increment();
              default -> otherOutcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
            }
          }
          if (then != null) {
            then.handle(null);
          }
        });
  }

  private static String outcome(int status, Buffer body) {
    if (status == 201) {
      return "accepted";
    }
    try {
      String code = body.toJsonObject().getString("error");
      return code != null ? code : "HTTP " + status;
    } catch (RuntimeException notJson) {
      return "HTTP " + status;
    }
  }
}
