package io.gavel.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fan-out benchmark: C clients watch one auction over the bridge (raw WebSocket endpoint, the bridge protocol) or
 * by long polling, while bids arrive at R per second for D seconds through REST on one node. Every delivery's
 * latency is measured from the event's {@code at} to its receipt. Prints a table and writes a JSON file per run in
 * the output folder (benchmarks/chart.mjs draws them).
 *
 * <pre>
 * java -cp target/gavel.jar io.gavel.bench.FanoutBench --start-nodes 1 --mode ws --clients 1000 --rate 50 --duration 20
 * java -cp target/gavel.jar io.gavel.bench.FanoutBench --nodes http://127.0.0.1:8080,http://127.0.0.1:8081 ...
 * </pre>
 * Modes: {@code ws} (bridge), {@code lp} (long polling), {@code raw} (a bare broadcast server: the machine's limit),
 * {@code idle} (C idle bridge clients: memory per connection, then single events to all; see {@link IdleFanout}).
 * {@code --source-addresses N}: WebSocket clients bind 127.0.0.1 … 127.0.0.N, round-robin, so that more clients than
 * one address's ephemeral ports can connect (and each address stays under the node's per-IP limit).
 * {@code --node-cpus 1} pins the nodes it starts to cpu 1 ({@code taskset}; pin the load generator itself with
 * {@code taskset -c 0 java ...}). {@code --hung-percent P} (ws): P % of the clients register, receive one event and
 * then stop reading (they keep pinging, like a hung browser tab), so that only the bridge's slow-consumer policy can
 * release them; the figures are then the healthy clients', with the hung ones' fate and the nodes' memory beside.
 * {@code --catchup COMMAND} (ws, lp): also runs that command on the same nodes and auction during the storm (see
 * {@link CatchupHook}; benchmarks/catchup/catchup.mjs: clients of the official JS library that catch up from history)
 * and reports its exit code as {@code catchupExitCode}; the benchmark then exits 4 if it failed.
 * Everything runs on loopback and stops by itself after the duration plus a bounded drain.
 */
public final class FanoutBench {
  private static final long DRAIN_MILLIS = 10_000;

  private final Options options;
  private final Vertx vertx;
  private BenchNodes servers;
  private List<Node> nodes = List.of();
  private FanoutClients clients;
  private CatchupHook catchup;

  public record Options(String mode, int clients, double rate, int durationSeconds, int warmupSeconds, String label,
                        Path out, List<String> nodeUrls, int startNodes, Path jar, int hungPercent,
                        String nodeCpus, int sourceAddresses, int clientProcesses, int events, boolean offerDeflate,
                        boolean sockJs, String catchupCommand) {
    /** Loopback source addresses beyond 127.0.0.254 do not exist in 127.0.0.x. */
    static final int MAX_SOURCE_ADDRESSES = 254;

    public static Options parse(String[] args) {
      Map<String, String> o = new LinkedHashMap<>();
      for (int i = 0; i + 1 < args.length; i += 2) {
        o.put(args[i], args[i + 1]);
      }
      String mode = o.getOrDefault("--mode", "ws");
      int clients = Integer.parseInt(o.getOrDefault("--clients", "1000"));
      double rate = Double.parseDouble(o.getOrDefault("--rate", "50"));
      int duration = Integer.parseInt(o.getOrDefault("--duration", "20"));
      int warmup = Integer.parseInt(o.getOrDefault("--warmup", "5"));
      int startNodes = Integer.parseInt(o.getOrDefault("--start-nodes", "0"));
      List<String> urls = o.containsKey("--nodes") ? List.of(o.get("--nodes").split(",")) : List.of();
      int hung = Integer.parseInt(o.getOrDefault("--hung-percent", "0"));
      String cpus = o.get("--node-cpus");
      int sources = Integer.parseInt(o.getOrDefault("--source-addresses", "1"));
      int processes = Integer.parseInt(o.getOrDefault("--client-processes", "1"));
      int events = Integer.parseInt(o.getOrDefault("--events", "5"));
      boolean idle = mode.equals("idle");
      String transport = o.getOrDefault("--transport", "raw");
      String catchup = o.get("--catchup");
      if (!List.of("ws", "lp", "raw", "idle").contains(mode) || clients < 1 || rate <= 0 || duration < 1
          || duration > 600 || clients > (idle ? 1_000_000 : 50_000) || warmup < 0 || warmup > 120
          || (urls.isEmpty() && startNodes < 1)
          || hung < 0 || hung > 90 || (hung > 0 && !mode.equals("ws"))
          || (cpus != null && (!cpus.matches("[0-9]+([-,][0-9]+)*") || !urls.isEmpty()))
          || sources < 1 || sources > MAX_SOURCE_ADDRESSES || (sources > 1 && mode.equals("lp"))
          || processes < 1 || processes > 64 || (processes > 1 && !idle) || events < 1 || events > 100
          || !List.of("raw", "sockjs").contains(transport) || (transport.equals("sockjs") && !(idle || mode.equals("ws")))
          || (catchup != null && (catchup.isBlank() || mode.equals("raw") || idle))) {
        throw new IllegalArgumentException("usage: --mode ws|lp|raw|idle --clients C (1..50000; idle 1..1000000) "
            + "--rate R --duration D (1..600 s) (--nodes url,url | --start-nodes N [--node-cpus LIST (taskset)]) "
            + "[--warmup S (5)] [--hung-percent P (ws; 0..90)] [--source-addresses N (1..254: clients bind "
            + "127.0.0.1..N)] [--client-processes P (idle; 1..64)] [--events E (idle; 1..100)] "
            + "[--offer-deflate true|false (WebSocket clients offer permessage-deflate, as browsers do)] "
            + "[--transport raw|sockjs (ws, idle: the raw endpoint, or SockJS over WebSocket as sockjs-client speaks)] "
            + "[--catchup COMMAND (ws, lp)] [--label L] [--out dir] [--jar target/gavel.jar]");
      }
      String label = o.getOrDefault("--label", mode + " " + (urls.isEmpty() ? startNodes : urls.size()) + "n C="
          + clients + (idle ? "" : " R=" + (long) rate) + (hung > 0 ? " hung=" + hung + "%" : ""));
      return new Options(mode, clients, rate, duration, warmup, label, Path.of(o.getOrDefault("--out", "target/bench")),
          urls, startNodes, Path.of(o.getOrDefault("--jar", "target/gavel.jar")), hung, cpus, sources, processes,
          events, Boolean.parseBoolean(o.getOrDefault("--offer-deflate", "false")), transport.equals("sockjs"), catchup);
    }

    int hungClients() {
      return (int) Math.round(clients * hungPercent / 100.0);
    }

    int healthyClients() {
      return clients - hungClients();
    }

    /** The loopback address client {@code i} binds, or null (the kernel picks 127.0.0.1) with one source address. */
    String sourceAddress(int i) {
      return sourceAddresses == 1 ? null : "127.0.0." + (1 + i % sourceAddresses);
    }
  }

  private FanoutBench(Options options) {
    this.options = options;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
  }

  public static void main(String[] args) throws Exception {
    JsonObject result = run(Options.parse(args));
    System.exit(result.getInteger("catchupExitCode", 0) != 0 ? 4 : result.getLong("lost", 0L) == 0 ? 0 : 3);
  }

  /** Runs one scenario; returns (and writes) its result. */
  public static JsonObject run(Options options) throws Exception {
    boolean idle = options.mode().equals("idle");
    JsonObject result;
    if (idle) {
      result = IdleFanout.run(options);
    } else {
      FanoutBench bench = new FanoutBench(options);
      try {
        result = bench.measure();
      } finally {
        bench.close();
      }
    }
    Files.createDirectories(options.out());
    String file = options.label().replaceAll("[^A-Za-z0-9=.-]+", "_") + ".json";
    Files.writeString(options.out().resolve(file), result.encodePrettily());
    if (idle) {
      IdleFanout.printTable(result);
    } else {
      FanoutReport.printTable(result);
    }
    return result;
  }

  private JsonObject measure() throws Exception {
    boolean raw = options.mode().equals("raw");
    servers = options.nodeUrls().isEmpty()
        ? BenchNodes.start(vertx, options.startNodes(), raw, options.jar(), options.out(), options.nodeCpus())
        : BenchNodes.find(vertx, options.nodeUrls(), raw);
    nodes = servers.list();
    clients = new FanoutClients(vertx, options, nodes);
    FanoutBids bids = new FanoutBids(vertx, options.rate());
    Node bidNode = nodes.get(0);
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(64));
    String token = null;
    String auctionId = "raw";
    if (!raw) {
      token = BenchHttp.post(http, bidNode, "/api/login",
          new JsonObject().put("user", "alice").put("password", "gavel-demo"), null).getString("token");
      auctionId = BenchHttp.post(http, bidNode, "/api/auctions", new JsonObject().put("title", "Benchmark lot")
          .put("currency", "EUR").put("startingPrice", 1).put("minIncrement", 1)
          .put("durationSeconds", options.durationSeconds() + 600), token).getString("id");
      if (options.catchupCommand() != null) {
        catchup = CatchupHook.start(options.catchupCommand(), nodes, auctionId);
      }
    }
    List<ProcessStats> before = nodeStats();
    long connectStart = System.nanoTime();
    if (options.mode().equals("lp")) {
      clients.startLongPolls(auctionId);
    } else {
      clients.connectSockets(raw ? "auction.raw" : "auction." + auctionId);
    }
    double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
    List<ProcessStats> afterConnect = nodeStats();
    // How many registrations the cluster holds for the watched address (the bridge aims at one per node).
    long registrations = -1;
    if (!raw && options.mode().equals("ws")) {
      Thread.sleep(1_000); // registrations are made asynchronously after the register frames
      registrations = BenchHttp.get(http, bidNode, "/ops/subscriptions?address=auction." + auctionId)
          .getLong("registrations");
    }

    // Warm-up: one event must reach every client before measuring (registrations take effect asynchronously).
    if (raw) {
      BenchHttp.post(http, bidNode, "/warmup", new JsonObject(), null);
    } else {
      bids.bid(http, bidNode, auctionId, token, 1);
    }
    long warmDeadline = System.nanoTime() + 30_000_000_000L;
    while (clients.received.sum() + clients.hungReceived.sum() < options.clients()
        && System.nanoTime() < warmDeadline) {
      Thread.sleep(20); // polling a counter the event loops update
    }
    long ready = clients.received.sum() + clients.hungReceived.sum();
    NodeSampler memory = new NodeSampler(vertx, nodes);
    memory.start();
    long hungSince = System.nanoTime();
    clients.stopHungReading();
    // Then the same load, unmeasured, so that the JIT and the heap settle before the measured window.
    if (options.warmupSeconds() > 0) {
      if (raw) {
        BenchHttp.post(http, bidNode, "/start?rate=" + options.rate() + "&durationMs="
            + options.warmupSeconds() * 1000L, new JsonObject(), null);
        Thread.sleep(options.warmupSeconds() * 1000L + 500);
      } else {
        bids.bidAtRate(bidNode, auctionId, token, options.warmupSeconds());
      }
    }
    long measureFromSeq = raw ? BenchHttp.get(http, bidNode, "/stats").getLong("seq")
        : BenchHttp.get(http, bidNode, "/api/auctions/" + auctionId).getLong("seq");
    clients.measureAfter(measureFromSeq);
    Thread.sleep(500); // the warm-up's last deliveries, which are not counted
    clients.received.reset();

    List<ProcessStats> measureStart = nodeStats();
    List<ThreadCpu> threadsStart = nodes.stream().map(node -> ThreadCpu.read(node.pid())).toList();
    long startEpochMillis = System.currentTimeMillis();
    ProcessStats loadgenStart = ProcessStats.read(ProcessHandle.current().pid());
    long start = System.nanoTime();
    long expectedEvents;
    if (raw) {
      JsonObject started = BenchHttp.post(http, bidNode, "/start?rate=" + options.rate() + "&durationMs="
          + options.durationSeconds() * 1000L, new JsonObject(), null);
      Thread.sleep(options.durationSeconds() * 1000L + 100); // the server emits for exactly this long
      expectedEvents = BenchHttp.get(http, bidNode, "/stats").getLong("seq") - started.getLong("firstSeq") + 1;
    } else {
      bids.bidAtRate(bidNode, auctionId, token, options.durationSeconds());
      // Every event after the warm-up is one the clients must get, including late answers to earlier bids.
      expectedEvents = BenchHttp.get(http, bidNode, "/api/auctions/" + auctionId).getLong("seq") - measureFromSeq;
    }
    // The window ends when the last event was produced: a saturated node takes longer than the duration to answer
    // the bids sent in it, and rates are per second of that real window.
    double window = Math.max(options.durationSeconds(), (System.nanoTime() - start) / 1e9);
    long expected = expectedEvents * options.healthyClients();
    long drainDeadline = System.nanoTime() + DRAIN_MILLIS * 1_000_000;
    // Done when every event arrived, or (a node that conflated under overload sends each client the newest event)
    // when every healthy WebSocket client's newest event is the auction's last: its state is the final state.
    long finalSeq = measureFromSeq + expectedEvents;
    long stormEnd = System.nanoTime();
    boolean sockets = options.mode().equals("ws");
    while (clients.received.sum() < expected && !(sockets && !raw
        && clients.convergedOn(finalSeq) == options.healthyClients()) && System.nanoTime() < drainDeadline) {
      Thread.sleep(20);
    }
    long convergeMillis = (System.nanoTime() - stormEnd) / 1_000_000;
    int converged = sockets && !raw ? clients.convergedOn(finalSeq) : -1;
    double seconds = (System.nanoTime() - start) / 1e9;
    List<ProcessStats> end = nodeStats();
    List<ThreadCpu> threadsEnd = nodes.stream().map(node -> ThreadCpu.read(node.pid())).toList();
    long endEpochMillis = System.currentTimeMillis();
    ProcessStats loadgenEnd = ProcessStats.read(ProcessHandle.current().pid());
    memory.stop();
    clients.stop();
    Integer catchupExit = catchup == null ? null : catchup.awaitExit();
    JsonObject result = new FanoutReport(before, afterConnect, measureStart, end, loadgenStart, loadgenEnd,
        connectSeconds, registrations, ready, hungSince, expectedEvents, expected, window, seconds)
        .result(options, nodes, clients, memory)
        .put("convergedClients", converged)
        .put("convergedWithinMs", converged == options.healthyClients() ? convergeMillis : -1)
        // The CPU figures' interval (measured window plus drain), to line a profile recording up with them.
        .put("measureStartEpochMs", startEpochMillis)
        .put("measureEndEpochMs", endEpochMillis);
    for (int i = 0; i < nodes.size(); i++) {
      JsonObject node = result.getJsonArray("perNode").getJsonObject(i);
      node.put("threadCpu", threadsEnd.get(i).since(threadsStart.get(i)));
    }
    return catchupExit == null ? result : result.put("catchupExitCode", catchupExit);
  }

  private List<ProcessStats> nodeStats() {
    List<ProcessStats> stats = new ArrayList<>();
    for (Node node : nodes) {
      stats.add(ProcessStats.read(node.pid()));
    }
    return stats;
  }

  private void close() {
    if (catchup != null) {
      catchup.stop();
    }
    if (clients != null) {
      clients.stop();
    }
    if (servers != null) {
      servers.close();
    }
    vertx.close().await();
  }

  static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
