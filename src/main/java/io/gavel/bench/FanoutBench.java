package io.gavel.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

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
 * Modes: {@code ws} (bridge), {@code lp} (long polling), {@code raw} (a bare broadcast server: the machine's limit).
 * {@code --node-cpus 1} pins the nodes it starts to cpu 1 ({@code taskset}; pin the load generator itself with
 * {@code taskset -c 0 java ...}). {@code --hung-percent P} (ws): P % of the clients register, receive one event and
 * then stop reading (they keep pinging, like a hung browser tab), so that only the bridge's slow-consumer policy can
 * release them; the figures are then the healthy clients', with the hung ones' fate and the nodes' memory beside.
 * Everything runs on loopback and stops by itself after the duration plus a bounded drain.
 */
public final class FanoutBench {
  private static final long DRAIN_MILLIS = 10_000;
  private static final int CONNECT_CONCURRENCY = 256;

  private final Options options;
  private final Vertx vertx;
  private BenchNodes servers;
  private List<Node> nodes = List.of();
  /** Latency (ms) of every measured delivery to a healthy client. */
  private final Recorder latencies = new Recorder(3);
  private final LongAdder received = new LongAdder();
  private final List<WebSocketClient> socketClients = new ArrayList<>();
  private final List<WebSocket> hungSockets = new ArrayList<>();
  private final LongAdder hungReceived = new LongAdder();
  private final LongAdder hungClosed = new LongAdder();
  private final LongAdder healthyClosed = new LongAdder();
  private final AtomicLong lastHungCloseNanos = new AtomicLong();
  private volatile long measureFromSeq = Long.MAX_VALUE;
  private volatile boolean running = true;
  /** Bid amounts keep rising across the warm-up and the measured window. */
  private final AtomicLong amount = new AtomicLong(1_000);

  record Node(String url, long pid) {
    String host() {
      return URI.create(url).getHost();
    }

    int port() {
      return URI.create(url).getPort();
    }
  }

  public record Options(String mode, int clients, double rate, int durationSeconds, int warmupSeconds, String label,
                        Path out, List<String> nodeUrls, int startNodes, Path jar, int hungPercent,
                        String nodeCpus) {
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
      if (!List.of("ws", "lp", "raw").contains(mode) || clients < 1 || rate <= 0 || duration < 1 || duration > 600
          || clients > 50_000 || warmup < 0 || warmup > 120 || (urls.isEmpty() && startNodes < 1)
          || hung < 0 || hung > 90 || (hung > 0 && !mode.equals("ws"))
          || (cpus != null && (!cpus.matches("[0-9]+([-,][0-9]+)*") || !urls.isEmpty()))) {
        throw new IllegalArgumentException("usage: --mode ws|lp|raw --clients C (1..50000) --rate R --duration D "
            + "(1..600 s) (--nodes url,url | --start-nodes N [--node-cpus LIST (taskset)]) [--warmup S (5)] "
            + "[--hung-percent P (ws; 0..90)] [--label L] [--out dir] [--jar target/gavel.jar]");
      }
      String label = o.getOrDefault("--label", mode + " " + (urls.isEmpty() ? startNodes : urls.size()) + "n C="
          + clients + " R=" + (long) rate + (hung > 0 ? " hung=" + hung + "%" : ""));
      return new Options(mode, clients, rate, duration, warmup, label, Path.of(o.getOrDefault("--out", "target/bench")),
          urls, startNodes, Path.of(o.getOrDefault("--jar", "target/gavel.jar")), hung, cpus);
    }

    int hungClients() {
      return (int) Math.round(clients * hungPercent / 100.0);
    }

    int healthyClients() {
      return clients - hungClients();
    }
  }

  private FanoutBench(Options options) {
    this.options = options;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
  }

  public static void main(String[] args) throws Exception {
    JsonObject result = run(Options.parse(args));
    System.exit(result.getLong("lost", 0L) == 0 ? 0 : 3);
  }

  /** Runs one scenario; returns (and writes) its result. */
  public static JsonObject run(Options options) throws Exception {
    FanoutBench bench = new FanoutBench(options);
    try {
      JsonObject result = bench.measure();
      Files.createDirectories(options.out());
      String file = options.label().replaceAll("[^A-Za-z0-9=.-]+", "_") + ".json";
      Files.writeString(options.out().resolve(file), result.encodePrettily());
      printTable(result);
      return result;
    } finally {
      bench.close();
    }
  }

  private JsonObject measure() throws Exception {
    boolean raw = options.mode().equals("raw");
    servers = options.nodeUrls().isEmpty()
        ? BenchNodes.start(vertx, options.startNodes(), raw, options.jar(), options.out(), options.nodeCpus())
        : BenchNodes.find(vertx, options.nodeUrls(), raw);
    nodes = servers.list();
    Node bidNode = nodes.get(0);
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(64));
    String token = null;
    String auctionId = "raw";
    if (!raw) {
      token = post(http, bidNode, "/api/login", new JsonObject().put("user", "alice").put("password", "gavel-demo"),
          null).getString("token");
      auctionId = post(http, bidNode, "/api/auctions", new JsonObject().put("title", "Benchmark lot")
          .put("currency", "EUR").put("startingPrice", 1).put("minIncrement", 1)
          .put("durationSeconds", options.durationSeconds() + 600), token).getString("id");
    }
    List<ProcessStats> before = nodeStats();
    long connectStart = System.nanoTime();
    if (options.mode().equals("lp")) {
      startLongPolls(auctionId);
    } else {
      connectSockets(raw ? "auction.raw" : "auction." + auctionId);
    }
    double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
    List<ProcessStats> afterConnect = nodeStats();
    // How many registrations the cluster holds for the watched address (the bridge aims at one per node).
    long registrations = -1;
    if (!raw && options.mode().equals("ws")) {
      Thread.sleep(1_000); // registrations are made asynchronously after the register frames
      registrations = get(http, bidNode, "/ops/subscriptions?address=auction." + auctionId).getLong("registrations");
    }

    // Warm-up: one event must reach every client before measuring (registrations take effect asynchronously).
    if (raw) {
      post(http, bidNode, "/warmup", new JsonObject(), null);
    } else {
      bid(http, bidNode, auctionId, token, 1);
    }
    long warmDeadline = System.nanoTime() + 30_000_000_000L;
    while (received.sum() + hungReceived.sum() < options.clients() && System.nanoTime() < warmDeadline) {
      Thread.sleep(20); // polling a counter the event loops update
    }
    long ready = received.sum() + hungReceived.sum();
    NodeSampler memory = new NodeSampler(vertx, nodes);
    memory.start();
    // From here on the hung clients read nothing: their sockets stop reading, and TCP pushes back on the node.
    long hungSince = System.nanoTime();
    hungSockets.forEach(WebSocket::pause);
    // Then the same load, unmeasured, so that the JIT and the heap settle before the measured window.
    if (options.warmupSeconds() > 0) {
      if (raw) {
        post(http, bidNode, "/start?rate=" + options.rate() + "&durationMs=" + options.warmupSeconds() * 1000L,
            new JsonObject(), null);
        Thread.sleep(options.warmupSeconds() * 1000L + 500);
      } else {
        bidAtRate(bidNode, auctionId, token, options.warmupSeconds());
      }
    }
    measureFromSeq = raw ? get(http, bidNode, "/stats").getLong("seq")
        : get(http, bidNode, "/api/auctions/" + auctionId).getLong("seq");
    Thread.sleep(500); // the warm-up's last deliveries, which are not counted
    received.reset();

    List<ProcessStats> measureStart = nodeStats();
    ProcessStats loadgenStart = ProcessStats.read(ProcessHandle.current().pid());
    long start = System.nanoTime();
    long expectedEvents;
    if (raw) {
      JsonObject started = post(http, bidNode, "/start?rate=" + options.rate() + "&durationMs="
          + options.durationSeconds() * 1000L, new JsonObject(), null);
      Thread.sleep(options.durationSeconds() * 1000L + 100); // the server emits for exactly this long
      expectedEvents = get(http, bidNode, "/stats").getLong("seq") - started.getLong("firstSeq") + 1;
    } else {
      bidAtRate(bidNode, auctionId, token, options.durationSeconds());
      // Every event after the warm-up is one the clients must get, including late answers to earlier bids.
      expectedEvents = get(http, bidNode, "/api/auctions/" + auctionId).getLong("seq") - measureFromSeq;
    }
    // The window ends when the last event was produced: a saturated node takes longer than the duration to answer
    // the bids sent in it, and rates are per second of that real window.
    double window = Math.max(options.durationSeconds(), (System.nanoTime() - start) / 1e9);
    long expected = expectedEvents * options.healthyClients();
    long drainDeadline = System.nanoTime() + DRAIN_MILLIS * 1_000_000;
    while (received.sum() < expected && System.nanoTime() < drainDeadline) {
      Thread.sleep(20);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    List<ProcessStats> end = nodeStats();
    ProcessStats loadgenEnd = ProcessStats.read(ProcessHandle.current().pid());
    memory.stop();
    running = false;

    Histogram all = latencies.getIntervalHistogram();
    long got = received.sum();
    JsonArray nodeFigures = new JsonArray();
    double cpuTotal = 0;
    for (int i = 0; i < nodes.size(); i++) {
      int clientsHere = options.clients() / nodes.size() + (i < options.clients() % nodes.size() ? 1 : 0);
      double cpu = end.get(i).cpuPercentSince(measureStart.get(i), seconds);
      cpuTotal += cpu;
      nodeFigures.add(new JsonObject()
          .put("url", nodes.get(i).url())
          .put("cpus", ProcessStats.cpusAllowed(nodes.get(i).pid()))
          .put("cpuPercent", round(cpu))
          .put("rssMbBefore", before.get(i).rssKb() / 1024)
          .put("rssMbConnected", afterConnect.get(i).rssKb() / 1024)
          .put("rssMbEnd", end.get(i).rssKb() / 1024)
          .put("rssKbPerConnection", clientsHere == 0 ? 0
              : round((afterConnect.get(i).rssKb() - before.get(i).rssKb()) / (double) clientsHere))
          .put("memory", memory.figures(i)));
    }
    double serverCpuSeconds = cpuTotal / 100 * seconds;
    long lastHungClose = lastHungCloseNanos.get();
    return new JsonObject()
        .put("label", options.label())
        .put("mode", options.mode())
        .put("nodes", nodes.size())
        .put("clients", options.clients())
        .put("rate", options.rate())
        .put("durationSeconds", options.durationSeconds())
        .put("warmupSeconds", options.warmupSeconds())
        .put("date", LocalDate.now().toString())
        .put("machine", Runtime.getRuntime().availableProcessors() + " cores usable by the load generator (cpus "
            + ProcessStats.cpusAllowed(ProcessHandle.current().pid()) + "); nodes on cpus "
            + ProcessStats.cpusAllowed(nodes.get(0).pid()) + "; one host, loopback")
        .put("clientsReady", ready)
        .put("connectSeconds", round(connectSeconds))
        .put("clusterRegistrations", registrations)
        .put("events", expectedEvents)
        .put("expected", expected)
        .put("received", got)
        .put("lost", Math.max(0, expected - got))
        .put("windowSeconds", round(window))
        .put("eventsPerSecond", round(expectedEvents / window))
        .put("deliveriesPerSecond", round(got / window))
        .put("p50Ms", all.getValueAtPercentile(50))
        .put("p99Ms", all.getValueAtPercentile(99))
        .put("p999Ms", all.getValueAtPercentile(99.9))
        .put("maxMs", all.getMaxValue())
        .put("serverCpuPercent", round(cpuTotal))
        .put("serverCpuMicrosPerDelivery", got == 0 ? 0 : round(serverCpuSeconds * 1e6 / got))
        .put("deliveriesPerServerCpuSecond", serverCpuSeconds == 0 ? 0 : Math.round(got / serverCpuSeconds))
        .put("loadGeneratorCpuPercent", round(loadgenEnd.cpuPercentSince(loadgenStart, seconds)))
        .put("healthyClients", options.healthyClients())
        .put("hungClients", options.hungClients())
        .put("hungClosedByServer", hungClosed.sum())
        .put("hungClosedWithinSeconds", lastHungClose == 0 ? null : round((lastHungClose - hungSince) / 1e9))
        .put("healthyClosed", healthyClosed.sum())
        .put("slowConsumersClosed", raw ? null : memory.slowConsumersClosed())
        .put("memorySamples", memory.samples())
        .put("perNode", nodeFigures);
  }

  // ---- clients -------------------------------------------------------------------------------------------------

  private void connectSockets(String address) throws Exception {
    String register = new JsonObject().put("type", "register").put("address", address).encode();
    for (int e = 0; e < 2; e++) {
      socketClients.add(vertx.createWebSocketClient(new WebSocketClientOptions()
          .setMaxConnections(options.clients() + 10).setConnectTimeout(30_000)));
    }
    // A hung tab's socket: once paused, its small receive buffer fills at once and TCP pushes back on the node.
    WebSocketClient hungClient = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxConnections(options.hungClients() + 10).setConnectTimeout(30_000).setReceiveBufferSize(4096));
    socketClients.add(hungClient);
    AtomicLong failures = new AtomicLong();
    // Ping every socket every 5 s from the start, as the JS client does: the bridge closes silent sockets. Hung
    // clients ping too (a hung tab's timers may still run), so only the slow-consumer policy can release them.
    List<WebSocket> open = java.util.Collections.synchronizedList(new ArrayList<>());
    vertx.setPeriodic(5_000, id -> {
      if (running) {
        synchronized (open) {
          open.forEach(ws -> ws.writeTextMessage("{\"type\":\"ping\"}"));
        }
      }
    });
    int healthy = options.healthyClients();
    for (int from = 0; from < options.clients(); from += CONNECT_CONCURRENCY) {
      List<Future<WebSocket>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(options.clients(), from + CONNECT_CONCURRENCY); i++) {
        Node node = nodes.get(i % nodes.size());
        boolean hung = i >= healthy;
        WebSocketClient client = hung ? hungClient : socketClients.get(i % 2);
        batch.add(client.connect(new WebSocketConnectOptions().setHost(node.host()).setPort(node.port())
                .setURI("/eventbus/websocket"))
            .onSuccess(ws -> {
              if (hung) {
                ws.handler(frame -> {
                  if (frame.toString().contains("\"bid.accepted\"")) {
                    hungReceived.increment();
                  }
                });
                ws.closeHandler(v -> {
                  hungClosed.increment();
                  lastHungCloseNanos.set(System.nanoTime());
                });
              } else {
                ws.handler(this::onMessage);
                ws.closeHandler(v -> {
                  if (running) {
                    healthyClosed.increment();
                  }
                });
              }
              ws.writeTextMessage(register);
              open.add(ws);
            })
            .onFailure(x -> failures.incrementAndGet()));
      }
      for (int i = 0; i < batch.size(); i++) {
        try {
          WebSocket ws = batch.get(i).await();
          if (from + i >= healthy) {
            hungSockets.add(ws);
          }
        } catch (Exception failed) {
          // counted above; a client that cannot connect shows up as lost deliveries
        }
      }
    }
    if (failures.get() > 0) {
      System.err.println(failures.get() + " clients failed to connect");
    }
  }

  private void onMessage(Buffer frame) {
    String text = frame.toString();
    if (!text.contains("\"bid.accepted\"")) {
      return;
    }
    record(number(text, "\"seq\":"), number(text, "\"at\":"));
  }

  private void record(long seq, long at) {
    if (seq > measureFromSeq) {
      latencies.recordValue(Math.max(0, System.currentTimeMillis() - at));
    }
    // Before the measured window this counts the warm-up event's arrivals; in it, the measured deliveries.
    if (seq > measureFromSeq || measureFromSeq == Long.MAX_VALUE) {
      received.increment();
    }
  }

  private void startLongPolls(String auctionId) {
    for (int n = 0; n < nodes.size(); n++) {
      Node node = nodes.get(n);
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
          .setDefaultHost(node.host()).setDefaultPort(node.port()),
          new PoolOptions().setHttp1MaxSize(options.clients() / nodes.size() + 10));
      for (int i = n; i < options.clients(); i += nodes.size()) {
        poll(client, auctionId, 0);
      }
    }
  }

  private void poll(HttpClient client, String auctionId, long after) {
    if (!running) {
      return;
    }
    client.request(new RequestOptions().setMethod(HttpMethod.GET)
            .setURI("/api/auctions/" + auctionId + "/poll?after=" + after + "&timeoutMs=25000"))
        .compose(request -> request.send().compose(response -> response.body()
            .map(body -> response.statusCode() == 200 ? body : null)))
        .onComplete(done -> {
          long next = after;
          if (done.succeeded() && done.result() != null) {
            for (Object e : new JsonArray(done.result())) {
              JsonObject event = (JsonObject) e;
              next = Math.max(next, event.getLong("seq"));
              if ("bid.accepted".equals(event.getString("type"))) {
                record(event.getLong("seq"), event.getLong("at"));
              }
            }
          }
          long from = next;
          if (done.failed()) {
            vertx.setTimer(100, t -> poll(client, auctionId, from));
          } else {
            poll(client, auctionId, from);
          }
        });
  }

  // ---- bids ----------------------------------------------------------------------------------------------------

  /** Bids at the configured rate for the duration; returns how many were accepted (each is one event). */
  private long bidAtRate(Node node, String auctionId, String token, int seconds)
      throws InterruptedException {
    // One pipelined connection: bids reach the node in the order sent, so rising amounts are all accepted.
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(true)
        .setPipeliningLimit(100_000), new PoolOptions().setHttp1MaxSize(1));
    AtomicLong accepted = new AtomicLong();
    AtomicLong answered = new AtomicLong();
    long start = System.nanoTime();
    long total = (long) (options.rate() * seconds);
    long[] sent = {0};
    long timer = vertx.setPeriodic(2, id -> {
      long due = Math.min(total, (long) ((System.nanoTime() - start) / 1e9 * options.rate())) - sent[0];
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

  private long bid(HttpClient http, Node node, String auctionId, String token, long amount) throws Exception {
    return post(http, node, "/api/auctions/" + auctionId + "/bids", new JsonObject().put("amount", amount), token)
        .getLong("seq");
  }

  // ---- nodes ---------------------------------------------------------------------------------------------------

  private List<ProcessStats> nodeStats() {
    List<ProcessStats> stats = new ArrayList<>();
    for (Node node : nodes) {
      stats.add(ProcessStats.read(node.pid()));
    }
    return stats;
  }

  private void close() {
    running = false;
    if (servers != null) {
      servers.close();
    }
    vertx.close().await();
  }

  // ---- helpers -------------------------------------------------------------------------------------------------

  static JsonObject post(HttpClient http, Node node, String path, JsonObject body, String token) {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost(node.host())
        .setPort(node.port()).setURI(path).putHeader("Content-Type", "application/json");
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return http.request(request).compose(r -> r.send(body.encode())).compose(r -> r.body()).await().toJsonObject();
  }

  static JsonObject get(HttpClient http, Node node, String path) {
    return http.request(new RequestOptions().setHost(node.host()).setPort(node.port()).setURI(path))
        .compose(r -> r.send()).compose(r -> r.body()).await().toJsonObject();
  }

  private static long number(String text, String key) {
    int i = text.indexOf(key) + key.length();
    long value = 0;
    while (i < text.length() && Character.isDigit(text.charAt(i))) {
      value = value * 10 + (text.charAt(i++) - '0');
    }
    return value;
  }

  static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }

  private static void printTable(JsonObject r) {
    System.out.printf("%n%-28s %7s %6s %8s %9s %9s %7s %7s %7s %7s %11s %8s%n", "scenario", "clients", "rate",
        "events/s", "expected", "lost", "p50 ms", "p99 ms", "p99.9", "max ms", "deliv/s", "connect");
    System.out.printf("%-28s %7d %6.0f %8.0f %9d %9d %7d %7d %7d %7d %11.0f %7.1fs%n", r.getString("label"),
        r.getInteger("clients"), r.getDouble("rate"), r.getDouble("eventsPerSecond"), r.getLong("expected"),
        r.getLong("lost"), r.getLong("p50Ms"), r.getLong("p99Ms"), r.getLong("p999Ms"), r.getLong("maxMs"),
        r.getDouble("deliveriesPerSecond"), r.getDouble("connectSeconds"));
    for (Object n : r.getJsonArray("perNode")) {
      JsonObject node = (JsonObject) n;
      System.out.printf("  node %-22s cpu %6.1f%%  rss %5d MB -> %5d MB connected -> %5d MB end  (%.1f KB/conn)%n",
          node.getString("url"), node.getDouble("cpuPercent"), node.getLong("rssMbBefore"),
          node.getLong("rssMbConnected"), node.getLong("rssMbEnd"), node.getDouble("rssKbPerConnection"));
    }
    System.out.printf("  server CPU per delivery %.1f us (%,d deliveries per server CPU-second); load generator CPU "
            + "%.0f%%; clients ready %d of %d; cluster registrations for the auction %d%n",
        r.getDouble("serverCpuMicrosPerDelivery"), r.getLong("deliveriesPerServerCpuSecond"),
        r.getDouble("loadGeneratorCpuPercent"), r.getLong("clientsReady"), r.getInteger("clients"),
        r.getLong("clusterRegistrations"));
    System.out.println("  " + r.getString("machine"));
    if (r.getInteger("hungClients") > 0) {
      System.out.printf("  hung clients %d: closed by the server %d (client close events; last %s s after they "
              + "stopped reading), node's slow-consumer closes %d; healthy clients closed %d%n",
          r.getInteger("hungClients"), r.getLong("hungClosedByServer"), r.getValue("hungClosedWithinSeconds"),
          r.getLong("slowConsumersClosed"), r.getLong("healthyClosed"));
    }
    for (Object n : r.getJsonArray("perNode")) {
      System.out.println("  memory (MB, first / peak / last sample): " + ((JsonObject) n).getJsonObject("memory"));
    }
  }
}
