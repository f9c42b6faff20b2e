package io.gavel.bench;

import io.gavel.bench.FanoutBench.Node;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

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
  /** Latencies are recorded in tenths of a millisecond (HdrHistogram, 3 significant digits). */
  private static final int UNITS_PER_MILLI = 10;
  private static final int SETUP_CONCURRENCY = 32;
  private static final long AUCTION_SECONDS = 24 * 3600;

  static final String USAGE = """
      BidBench: accepted bids per second and bid latency against running Gavel nodes.
        --nodes URL,URL,...   base URLs of running nodes; bids are spread over them round-robin (required)
        --workload many|hot   many: bids spread over --auctions auctions; hot: one auction, bids race (default many)
        --auctions N          auctions for "many" (default 200; 1..10000)
        --mode max|rate       max: closed loop, --concurrency bids always in flight, reports accepted bids/s;
                              rate: open loop at --rate bids/s, reports latency from each bid's scheduled send time
        --concurrency C       bids in flight for max (default 64; 1..4096)
        --rate R              offered bids per second for rate (1..100000)
        --warmup S            seconds of the same load first, not measured (default 5; 0..120)
        --duration S          measured seconds (default 15; 1..600)
        --timeout-ms T        a bid unanswered for T ms counts as failed (default 10000)
        --connections N       HTTP connections per node (default: C for max, 128 for rate)
        --max-bids N          never send more than N bids in one run (default 2000000)
        --users a,b,c         bidders, demo users by default (alice,bob,carol); --password P (gavel-demo)
        --pids P,P            node pids for CPU and RSS (default: each node's GET /ops/process)
        --pg-pid P            PostgreSQL's postmaster pid: CPU of it and of its backends
        --label L             run name (default: workload, nodes, store, mode)
        --out DIR             one JSON file per run, DIR/<label>.json (default target/bench)
      Restart probe (after every node was restarted):
        --probe-ids FILE --nodes URL,...  [--since-ms EPOCH_MS] [--probe-timeout S (120)] [--label L] [--out DIR]
                              FILE has one "id seq" per line; polls GET /api/auctions/{id} until each is served at
                              that seq and prints the time from --since-ms (default: now) to each node's /health
                              UP, to the first auction served and to the last.
      Nodes need limits raised for a few users bidding fast, e.g. --set limits.bidsPerSecondPerUser=100000
      --set limits.bidBurstPerUser=100000 --set limits.loginBurstPerIp=100000 --set limits.loginBurstPerUser=100000
      --set limits.auctionBurstPerUser=100000
      """;

  public record Options(String workload, String mode, int auctions, int concurrency, double rate, int warmupSeconds,
                        int durationSeconds, long timeoutMillis, int connections, long maxBids, List<String> users,
                        String password, List<String> nodeUrls, List<Long> pids, long pgPid, String label, Path out,
                        Path probeIds, long sinceMillis, int probeTimeoutSeconds) {
    public static Options parse(String[] args) {
      Map<String, String> o = new LinkedHashMap<>();
      for (int i = 0; i < args.length; i++) {
        if (!args[i].startsWith("--") || i + 1 >= args.length) {
          throw new IllegalArgumentException("expected --option value pairs, got " + args[i]);
        }
        o.put(args[i], args[++i]);
      }
      List<String> urls = o.containsKey("--nodes") ? List.of(o.get("--nodes").split(",")) : List.of();
      String workload = o.getOrDefault("--workload", "many");
      String mode = o.getOrDefault("--mode", "max");
      int auctions = workload.equals("hot") ? 1 : Integer.parseInt(o.getOrDefault("--auctions", "200"));
      int concurrency = Integer.parseInt(o.getOrDefault("--concurrency", "64"));
      double rate = Double.parseDouble(o.getOrDefault("--rate", "0"));
      int warmup = Integer.parseInt(o.getOrDefault("--warmup", "5"));
      int duration = Integer.parseInt(o.getOrDefault("--duration", "15"));
      long timeout = Long.parseLong(o.getOrDefault("--timeout-ms", "10000"));
      int connections = Integer.parseInt(o.getOrDefault("--connections", mode.equals("max")
          ? String.valueOf(concurrency) : "128"));
      long maxBids = Long.parseLong(o.getOrDefault("--max-bids", "2000000"));
      List<Long> pids = o.containsKey("--pids")
          ? Stream.of(o.get("--pids").split(",")).map(Long::parseLong).toList() : List.of();
      Path probeIds = o.containsKey("--probe-ids") ? Path.of(o.get("--probe-ids")) : null;
      boolean ok = !urls.isEmpty() && (probeIds != null || (List.of("many", "hot").contains(workload)
          && List.of("max", "rate").contains(mode) && auctions >= 1 && auctions <= 10_000
          && concurrency >= 1 && concurrency <= 4096 && (mode.equals("max") || (rate >= 1 && rate <= 100_000))
          && warmup >= 0 && warmup <= 120 && duration >= 1 && duration <= 600 && timeout >= 100
          && connections >= 1 && connections <= 4096 && maxBids >= 1 && (pids.isEmpty() || pids.size() == urls.size())));
      if (!ok) {
        throw new IllegalArgumentException("invalid options\n" + USAGE);
      }
      return new Options(workload, mode, auctions, concurrency, rate, warmup, duration, timeout, connections,
          maxBids, List.of(o.getOrDefault("--users", "alice,bob,carol").split(",")),
          o.getOrDefault("--password", "gavel-demo"), urls, pids, Long.parseLong(o.getOrDefault("--pg-pid", "0")),
          o.get("--label"), Path.of(o.getOrDefault("--out", "target/bench")), probeIds,
          Long.parseLong(o.getOrDefault("--since-ms", "0")),
          Integer.parseInt(o.getOrDefault("--probe-timeout", "120")));
    }

    boolean closedLoop() {
      return mode.equals("max");
    }
  }

  private final Options options;
  private final Vertx vertx;
  private final List<Node> nodes = new ArrayList<>();
  private final List<String> auctionIds = new ArrayList<>();
  private String store = "?";
  // Per node, per user: "Bearer <token>" (each node logs each user in: no shared secret assumed).
  private String[][] authorizations;
  private String[] bidPaths;
  private AtomicLongArray amounts;
  private final String keyPrefix = "bb" + UUID.randomUUID().toString().substring(0, 8) + "-";

  // What the load saw. "Measured" = answered inside the window (closed loop) or scheduled inside it (open loop).
  private final Recorder latencies = new Recorder(3);
  private final LongAdder accepted = new LongAdder();
  private final LongAdder tooLow = new LongAdder();
  private final Map<String, LongAdder> otherOutcomes = new ConcurrentHashMap<>();
  private final LongAdder sentTotal = new LongAdder();
  private final LongAdder answeredTotal = new LongAdder();
  private final AtomicLong nextBid = new AtomicLong();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile long windowStart;
  private volatile long windowEnd;

  private BidBench(Options options) {
    this.options = options;
    // One event loop per core this process may use (taskset pins the load generator to one).
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(
        Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()))));
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.print(USAGE);
      return;
    }
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    BidBench bench = new BidBench(options);
    int code;
    try {
      if (options.probeIds() != null) {
        JsonObject result = bench.probe();
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

  // ---- a run ---------------------------------------------------------------------------------------------------

  private JsonObject measure() throws Exception {
    HttpClient setup = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(SETUP_CONCURRENCY));
    findNodes(setup);
    logIn(setup);
    createAuctions(setup);
    String label = options.label() != null ? options.label() : options.workload() + " " + nodes.size() + "n "
        + store + " " + (options.closedLoop() ? "max C=" + options.concurrency() : "R=" + (long) options.rate());

    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(options.connections()));
    long t0 = System.nanoTime() + 50_000_000L;
    windowStart = t0 + options.warmupSeconds() * 1_000_000_000L;
    windowEnd = windowStart + options.durationSeconds() * 1_000_000_000L;
    if (options.closedLoop()) {
      startClosedLoop(http, t0);
    } else {
      startOpenLoop(http, t0);
    }
    sleepUntil(windowStart);
    Snapshot before = snapshot(setup);
    sleepUntil(windowEnd);
    Snapshot after = snapshot(setup);
    // Stop sending (closed loop: no bid starts after the window) and wait, bounded, for what is in flight.
    long drainDeadline = windowEnd + (options.timeoutMillis() + 2_000) * 1_000_000L;
    while ((inFlight.get() > 0 || (!options.closedLoop() && sentTotal.sum() < openLoopTotal()))
        && System.nanoTime() < drainDeadline) {
      Thread.sleep(20);
    }
    long unanswered = inFlight.get();
    JsonObject result = result(label, before, after, unanswered);
    Files.createDirectories(options.out());
    Files.writeString(options.out().resolve(fileName(label)), result.encodePrettily());
    printSummary(result);
    return result;
  }

  private long openLoopTotal() {
    return Math.min(options.maxBids(),
        (long) Math.ceil(options.rate() * (options.warmupSeconds() + options.durationSeconds())));
  }

  private void startClosedLoop(HttpClient http, long t0) throws InterruptedException {
    sleepUntil(t0);
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
    int auction = (int) (i % auctionIds.size());
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

  // ---- setup ---------------------------------------------------------------------------------------------------

  private void findNodes(HttpClient http) {
    for (int i = 0; i < options.nodeUrls().size(); i++) {
      Node probe = new Node(options.nodeUrls().get(i), 0);
      long pid = !options.pids().isEmpty() ? options.pids().get(i)
          : FanoutBench.get(http, probe, "/ops/process").getLong("pid");
      nodes.add(new Node(probe.url(), pid));
    }
    JsonObject health = FanoutBench.get(http, nodes.get(0), "/health");
    store = health.getString("store", "?");
  }

  private void logIn(HttpClient http) {
    authorizations = new String[nodes.size()][options.users().size()];
    for (int n = 0; n < nodes.size(); n++) {
      for (int u = 0; u < options.users().size(); u++) {
        JsonObject reply = FanoutBench.post(http, nodes.get(n), "/api/login", new JsonObject()
            .put("user", options.users().get(u)).put("password", options.password()), null);
        if (reply.getString("token") == null) {
          throw new IllegalStateException("login of " + options.users().get(u) + " on " + nodes.get(n).url()
              + " refused: " + reply.encode());
        }
        authorizations[n][u] = "Bearer " + reply.getString("token");
      }
    }
  }

  /** The run's own auctions, created round-robin over the nodes, long enough never to end during the run. */
  private void createAuctions(HttpClient http) {
    int count = options.auctions();
    for (int from = 0; from < count; from += SETUP_CONCURRENCY) {
      List<Future<JsonObject>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(count, from + SETUP_CONCURRENCY); i++) {
        Node node = nodes.get(i % nodes.size());
        JsonObject terms = new JsonObject().put("title", "BidBench lot " + (i + 1)).put("currency", "EUR")
            .put("startingPrice", 1).put("minIncrement", 1).put("antiSnipingSeconds", 0)
            .put("durationSeconds", AUCTION_SECONDS);
        batch.add(http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(node.host())
                .setPort(node.port()).setURI("/api/auctions").putHeader("Content-Type", "application/json")
                .putHeader("Authorization", authorizations[i % nodes.size()][0]))
            .compose(r -> r.send(terms.encode()).compose(response -> response.body().map(body -> {
              if (response.statusCode() != 201) {
                throw new IllegalStateException("creating an auction on " + node.url() + ": HTTP "
                    + response.statusCode() + " " + body);
              }
              return body.toJsonObject();
            }))));
      }
      for (Future<JsonObject> created : batch) {
        auctionIds.add(created.await().getString("id"));
      }
    }
    bidPaths = auctionIds.stream().map(id -> "/api/auctions/" + id + "/bids").toArray(String[]::new);
    amounts = new AtomicLongArray(auctionIds.size());
  }

  // ---- what the processes spent ----------------------------------------------------------------------------------

  record Snapshot(long nanos, List<ProcessStats> nodes, Map<Long, ProcessStats> postgres, ProcessStats self,
                  List<Map<String, Double>> metrics) {
  }

  private Snapshot snapshot(HttpClient http) {
    List<ProcessStats> stats = nodes.stream().map(n -> ProcessStats.read(n.pid())).toList();
    Map<Long, ProcessStats> pg = new HashMap<>();
    if (options.pgPid() > 0) {
      for (long pid : withChildren(options.pgPid())) {
        pg.put(pid, ProcessStats.read(pid));
      }
    }
    List<Map<String, Double>> metrics = new ArrayList<>();
    for (Node node : nodes) {
      metrics.add(storeMetrics(http, node));
    }
    return new Snapshot(System.nanoTime(), stats, pg, ProcessStats.read(ProcessHandle.current().pid()), metrics);
  }

  /** The pid and the processes whose parent it is (PostgreSQL's backends are the postmaster's children). */
  private static List<Long> withChildren(long parent) {
    List<Long> pids = new ArrayList<>(List.of(parent));
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String stat = Files.readString(proc.resolve("stat"));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          if (Long.parseLong(fields[1]) == parent) {
            pids.add(Long.parseLong(proc.getFileName().toString()));
          }
        } catch (IOException | RuntimeException gone) {
          // exited meanwhile
        }
      }
    } catch (IOException e) {
      // no /proc: no figures
    }
    return pids;
  }

  /** Store write count and total seconds, and conflicts, from the node's Prometheus scrape (absent: empty). */
  private static Map<String, Double> storeMetrics(HttpClient http, Node node) {
    Map<String, Double> found = new HashMap<>();
    try {
      String text = http.request(new RequestOptions().setHost(node.host()).setPort(node.port()).setURI("/metrics"))
          .compose(r -> r.send()).compose(r -> r.body()).await().toString();
      for (String line : text.split("\n")) {
        for (String name : List.of("gavel_store_write_latency_seconds_count", "gavel_store_write_latency_seconds_sum",
            "gavel_store_conflicts_total")) {
          if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
            found.merge(name, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
          }
        }
      }
    } catch (RuntimeException unavailable) {
      // a node without metrics: no store figures
    }
    return found;
  }

  private JsonObject result(String label, Snapshot a, Snapshot b, long unanswered) {
    double seconds = (b.nanos() - a.nanos()) / 1e9;
    double window = options.durationSeconds();
    Histogram all = latencies.getIntervalHistogram();
    long others = otherOutcomes.values().stream().mapToLong(LongAdder::sum).sum();
    long failed = otherOutcomes.entrySet().stream().filter(e -> e.getKey().startsWith("failed")
        || e.getKey().startsWith("HTTP 5") || e.getKey().endsWith("UNAVAILABLE") || e.getKey().equals("INTERNAL_ERROR"))
        .mapToLong(e -> e.getValue().sum()).sum() + unanswered;
    JsonObject outcomes = new JsonObject();
    otherOutcomes.forEach((k, v) -> outcomes.put(k, v.sum()));
    JsonArray perNode = new JsonArray();
    double writes = 0;
    double writeSeconds = 0;
    double conflicts = 0;
    for (int i = 0; i < nodes.size(); i++) {
      Map<String, Double> m0 = a.metrics().get(i);
      Map<String, Double> m1 = b.metrics().get(i);
      double w = m1.getOrDefault("gavel_store_write_latency_seconds_count", 0.0)
          - m0.getOrDefault("gavel_store_write_latency_seconds_count", 0.0);
      double ws = m1.getOrDefault("gavel_store_write_latency_seconds_sum", 0.0)
          - m0.getOrDefault("gavel_store_write_latency_seconds_sum", 0.0);
      writes += w;
      writeSeconds += ws;
      conflicts += m1.getOrDefault("gavel_store_conflicts_total", 0.0)
          - m0.getOrDefault("gavel_store_conflicts_total", 0.0);
      perNode.add(new JsonObject()
          .put("url", nodes.get(i).url())
          .put("pid", nodes.get(i).pid())
          .put("cpus", ProcessStats.cpusAllowed(nodes.get(i).pid()))
          .put("cpuPercent", FanoutBench.round(b.nodes().get(i).cpuPercentSince(a.nodes().get(i), seconds)))
          .put("rssMb", b.nodes().get(i).rssKb() / 1024)
          .put("storeWrites", (long) w)
          .put("storeWriteMeanMs", w == 0 ? null : Math.round(ws * 1000 / w * 100) / 100.0));
    }
    Double pgCpu = null;
    if (!b.postgres().isEmpty()) {
      long ticks = 0;
      for (Map.Entry<Long, ProcessStats> end : b.postgres().entrySet()) {
        ProcessStats start = a.postgres().get(end.getKey());
        ticks += end.getValue().cpuTicks() - (start == null ? 0 : start.cpuTicks());
      }
      pgCpu = FanoutBench.round(100.0 * ticks / ProcessStats.TICKS_PER_SECOND / seconds);
    }
    long acceptedCount = accepted.sum();
    return new JsonObject()
        .put("label", label)
        .put("workload", options.workload())
        .put("mode", options.closedLoop() ? "max" : "rate")
        .put("nodes", nodes.size())
        .put("store", store)
        .put("auctions", auctionIds.size())
        .put("concurrency", options.closedLoop() ? options.concurrency() : null)
        .put("offeredRate", options.closedLoop() ? null : options.rate())
        .put("warmupSeconds", options.warmupSeconds())
        .put("durationSeconds", options.durationSeconds())
        .put("date", LocalDate.now().toString())
        .put("machine", Runtime.getRuntime().availableProcessors() + " cores usable by the load generator (cpus "
            + ProcessStats.cpusAllowed(ProcessHandle.current().pid()) + ")")
        .put("latencyFrom", options.closedLoop() ? "send" : "scheduled send")
        .put("accepted", acceptedCount)
        .put("bidTooLow", tooLow.sum())
        .put("otherOutcomes", outcomes)
        .put("failed", failed)
        .put("measuredBids", acceptedCount + tooLow.sum() + others)
        .put("sentInAll", sentTotal.sum())
        .put("unanswered", unanswered)
        .put("acceptedPerSecond", FanoutBench.round(acceptedCount / window))
        .put("acceptedPerSecondPerNode", FanoutBench.round(acceptedCount / window / nodes.size()))
        .put("bidTooLowPerSecond", FanoutBench.round(tooLow.sum() / window))
        .put("p50Ms", millis(all.getValueAtPercentile(50)))
        .put("p99Ms", millis(all.getValueAtPercentile(99)))
        .put("p999Ms", millis(all.getValueAtPercentile(99.9)))
        .put("maxMs", millis(all.getMaxValue()))
        .put("storeWrites", (long) writes)
        .put("storeWriteMeanMs", writes == 0 ? null : Math.round(writeSeconds * 1000 / writes * 100) / 100.0)
        .put("storeConflicts", (long) conflicts)
        .put("postgresCpuPercent", pgCpu)
        .put("loadGeneratorCpuPercent", FanoutBench.round(b.self().cpuPercentSince(a.self(), seconds)))
        .put("perNode", perNode);
  }

  private static double millis(long units) {
    return units / (double) UNITS_PER_MILLI;
  }

  private static void printSummary(JsonObject r) {
    StringBuilder cpu = new StringBuilder();
    StringBuilder rss = new StringBuilder();
    for (Object o : r.getJsonArray("perNode")) {
      JsonObject n = (JsonObject) o;
      cpu.append(cpu.length() == 0 ? "" : "/").append(Math.round(n.getDouble("cpuPercent")));
      rss.append(rss.length() == 0 ? "" : "/").append(n.getLong("rssMb"));
    }
    System.out.printf("%-28s accepted %6.0f/s (%5.0f/node) too-low %6.0f/s other %s failed %d (unanswered %d) | "
            + "%s p50 %.1f p99 %.1f "
            + "p99.9 %.1f max %.1f ms | node CPU %s%% RSS %s MB | pg CPU %s%% | store write %s ms | loadgen CPU %.0f%%%n",
        r.getString("label"), r.getDouble("acceptedPerSecond"), r.getDouble("acceptedPerSecondPerNode"),
        r.getDouble("bidTooLowPerSecond"), r.getJsonObject("otherOutcomes").encode(), r.getLong("failed"),
        r.getLong("unanswered"),
        r.getString("mode").equals("max") ? "" : "offered " + r.getDouble("offeredRate").longValue() + "/s,",
        r.getDouble("p50Ms"), r.getDouble("p99Ms"), r.getDouble("p999Ms"), r.getDouble("maxMs"), cpu, rss,
        r.getValue("postgresCpuPercent") == null ? "-" : Math.round(r.getDouble("postgresCpuPercent")),
        r.getValue("storeWriteMeanMs") == null ? "-" : r.getDouble("storeWriteMeanMs"),
        r.getDouble("loadGeneratorCpuPercent"));
  }

  // ---- restart probe -------------------------------------------------------------------------------------------

  /**
   * After a full restart: how long until each node answers {@code /health} UP, until the first of the given
   * auctions is served, and until every one is served at its committed seq (auctions come back from the store).
   */
  private JsonObject probe() throws Exception {
    long since = options.sinceMillis() > 0 ? options.sinceMillis() : System.currentTimeMillis();
    List<String[]> expected = new ArrayList<>();
    for (String line : Files.readAllLines(options.probeIds())) {
      if (!line.isBlank()) {
        expected.add(line.trim().split("[\\s|]+"));
      }
    }
    for (String url : options.nodeUrls()) {
      nodes.add(new Node(url, 0));
    }
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(1_000),
        new PoolOptions().setHttp1MaxSize(SETUP_CONCURRENCY));
    long deadline = System.nanoTime() + options.probeTimeoutSeconds() * 1_000_000_000L;
    List<Future<Long>> up = new ArrayList<>();
    for (Node node : nodes) {
      up.add(poll(http, node, "/health", body -> "UP".equals(body.getString("status")), deadline, since));
    }
    long[] served = new long[expected.size()];
    long[] servedSeq = new long[expected.size()];
    AtomicInteger next = new AtomicInteger();
    List<Future<Void>> workers = new ArrayList<>();
    for (int w = 0; w < Math.min(SETUP_CONCURRENCY, expected.size()); w++) {
      workers.add(probeNext(http, expected, next, served, servedSeq, deadline, since));
    }
    for (Future<Void> worker : workers) {
      worker.await();
    }
    JsonArray healthUp = new JsonArray();
    for (Future<Long> f : up) {
      healthUp.add(f.await());
    }
    long first = Long.MAX_VALUE;
    long last = 0;
    int missing = 0;
    int wrongSeq = 0;
    for (int i = 0; i < served.length; i++) {
      if (served[i] < 0) {
        missing++;
        continue;
      }
      first = Math.min(first, served[i]);
      last = Math.max(last, served[i]);
      if (expected.get(i).length > 1 && servedSeq[i] != Long.parseLong(expected.get(i)[1])) {
        wrongSeq++;
      }
    }
    String label = options.label() != null ? options.label() : "restart " + nodes.size() + "n";
    JsonObject result = new JsonObject()
        .put("label", label)
        .put("date", LocalDate.now().toString())
        .put("nodes", nodes.size())
        .put("auctions", expected.size())
        .put("healthUpMs", healthUp)
        .put("firstServedMs", first == Long.MAX_VALUE ? null : first)
        .put("allServedMs", missing > 0 ? null : last)
        .put("notServed", missing)
        .put("servedAtAnotherSeq", wrongSeq)
        .put("complete", missing == 0 && wrongSeq == 0);
    Files.createDirectories(options.out());
    Files.writeString(options.out().resolve(fileName(label)), result.encodePrettily());
    System.out.printf("%-28s %d auctions: nodes UP after %s ms; first auction served after %s ms, all after %s ms; "
            + "not served %d, served at another seq %d%n", label, expected.size(), healthUp.encode(),
        result.getValue("firstServedMs"), result.getValue("allServedMs"), missing, wrongSeq);
    return result;
  }

  /** Takes the next auction and polls it until it is served (its node round-robin by position), then the next. */
  private Future<Void> probeNext(HttpClient http, List<String[]> expected, AtomicInteger next, long[] served,
                                 long[] servedSeq, long deadline, long since) {
    int i = next.getAndIncrement();
    if (i >= expected.size()) {
      return Future.succeededFuture();
    }
    String id = expected.get(i)[0];
    return poll(http, nodes.get(i % nodes.size()), "/api/auctions/" + id, body -> {
      servedSeq[i] = body.getLong("seq", -1L);
      return true;
    }, deadline, since).compose(ms -> {
      served[i] = ms;
      return probeNext(http, expected, next, served, servedSeq, deadline, since);
    });
  }

  /** Milliseconds from {@code since} until GET path answers 200 with a body that {@code done} accepts; -1 if never. */
  private Future<Long> poll(HttpClient http, Node node, String path, java.util.function.Predicate<JsonObject> done,
                            long deadline, long since) {
    return http.request(new RequestOptions().setHost(node.host()).setPort(node.port()).setURI(path)
            .setIdleTimeout(5_000))
        .compose(r -> r.send().compose(response -> response.body().map(body ->
            response.statusCode() == 200 && done.test(body.toJsonObject()))))
        .recover(notYet -> Future.succeededFuture(false))
        .compose(ok -> {
          if (ok) {
            return Future.succeededFuture(System.currentTimeMillis() - since);
          }
          if (System.nanoTime() > deadline) {
            return Future.succeededFuture(-1L);
          }
          return vertx.timer(20).compose(t -> poll(http, node, path, done, deadline, since));
        });
  }

  // ---- helpers -------------------------------------------------------------------------------------------------

  private static String fileName(String label) {
    return label.replaceAll("[^A-Za-z0-9=.-]+", "_") + ".json";
  }

  private static void sleepUntil(long nanos) throws InterruptedException {
    long left;
    while ((left = nanos - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, Math.min(left / 1_000_000, 200)));
    }
  }
}
