package io.gavel.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.List;

/**
 * Bid benchmark against running nodes: accepted bids per second (closed loop, C requests always in flight) or bid
 * latency at a fixed offered rate (open loop, measured from each bid's <em>scheduled</em> send time, so a stalled
 * node cannot hide its queue: no coordinated omission). Bids go through REST, spread round-robin over the nodes,
 * with an {@code Idempotency-Key} each as the page sends. Workloads: {@code many} (bids spread over N auctions) and
 * {@code hot} (one auction: concurrent bids race, and a bid overtaken by a higher one is refused with
 * {@code 409 BID_TOO_LOW}; accepted and refused are counted apart). Amounts come from one rising counter per
 * auction. A warm-up of the same load, not measured, precedes the measured window; everything is bounded in time
 * and in count. Prints one summary line and writes a JSON file per run. {@code --probe-ids} instead times how a
 * restarted cluster serves its auctions again. {@code --help} lists the options.
 */
public final class BidBench {
  static final int SETUP_CONCURRENCY = 32;

  private final BidBenchOptions options;
  private final Vertx vertx;

  private BidBench(BidBenchOptions options) {
    this.options = options;
    // One event loop per core this process may use (taskset pins the load generator to one).
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(
        Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()))));
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.print(BidBenchOptions.USAGE);
      return;
    }
    BidBenchOptions options;
    try {
      options = BidBenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    BidBench bench = new BidBench(options);
    int code;
    try {
      if (options.probeIds() != null) {
        JsonObject result = new RestartProbe(options, bench.vertx).probe();
        code = result.getBoolean("complete") ? 0 : 3;
      } else {
        JsonObject result = bench.measure();
        code = result.getLong("accepted") > 0 && result.getLong("failed") == 0 ? 0 : 3;
      }
    } finally {
      bench.vertx.close().await();
    }
    System.exit(code);
  }

  private JsonObject measure() throws Exception {
    HttpClient setup = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(SETUP_CONCURRENCY));
    BidTargets targets = BidTargets.prepare(setup, options);
    String label = options.label() != null ? options.label()
        : options.workload() + " " + targets.nodes.size() + "n " + targets.store + " "
            + (options.closedLoop() ? "max C=" + options.concurrency() : "R=" + (long) options.rate());

    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(options.connections()));
    long t0 = System.nanoTime() + 50_000_000L;
    long windowStart = t0 + options.warmupSeconds() * 1_000_000_000L;
    long windowEnd = windowStart + options.durationSeconds() * 1_000_000_000L;
    BidDriver load = new BidDriver(options, vertx, targets, windowStart, windowEnd);
    load.start(http, t0);
    sleepUntil(windowStart);
    BidSnapshot before = BidSnapshot.take(setup, targets.nodes, options.pgPid());
    sleepUntil(windowEnd);
    BidSnapshot after = BidSnapshot.take(setup, targets.nodes, options.pgPid());
    // Stop sending (closed loop: no bid starts after the window) and wait, bounded, for what is in flight.
    long drainDeadline = windowEnd + (options.timeoutMillis() + 2_000) * 1_000_000L;
    while (load.busy() && System.nanoTime() < drainDeadline) {
      Thread.sleep(20);
    }
    long unanswered = load.inFlight.get();
    JsonObject result = BidReport.result(options, targets, load, label, before, after, unanswered);
    Files.createDirectories(options.out());
    Files.writeString(options.out().resolve(fileName(label)), result.encodePrettily());
    BidReport.printSummary(result);
    return result;
  }

  static String fileName(String label) {
    return label.replaceAll("[^A-Za-z0-9=.-]+", "_") + ".json";
  }

  static void sleepUntil(long nanos) throws InterruptedException {
    long left;
    while ((left = nanos - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, Math.min(left / 1_000_000, 200)));
    }
  }
}
