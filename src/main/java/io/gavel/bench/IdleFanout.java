package io.gavel.bench;

import static io.gavel.bench.FanoutBench.round;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Idle connections ({@code FanoutBench --mode idle}): what C idle bridge clients cost a node, and how fast one event
 * reaches all of them.
 *
 * <p>Each node is collected and measured ({@link NodeMemory}); the clients connect from {@code --client-processes}
 * load-generator processes ({@link ClientWorkers}) over {@code --source-addresses} loopback addresses and register
 * on one auction; one event must reach every one of them; each node is collected and measured again. Per connection:
 * RSS after minus before (both after a full collection, and both before it), live heap after minus before, native
 * memory by category (with {@code -XX:NativeMemoryTracking=summary} in {@code GAVEL_BENCH_JVM_OPTS}) and the
 * classes whose live bytes grew most. Then {@code --events} single bids, one after the other, each awaited until
 * every client has it: per event and overall p50 / p99 / max from the event's {@code at} to its receipt.
 */
final class IdleFanout {
  private static final int TOP_CLASSES = 25;
  /** File descriptors a process needs besides its sockets (jars, epoll, pipes, the cluster's own sockets). */
  private static final int SPARE_FILES = 300;

  private IdleFanout() {
  }

  static JsonObject run(FanoutBench.Options options) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    BenchNodes servers = null;
    try {
      checkLoadGeneratorLimits(options);
      Files.createDirectories(options.out());
      servers = options.nodeUrls().isEmpty()
          ? BenchNodes.start(vertx, options.startNodes(), false, options.jar(), options.out(), options.nodeCpus())
          : BenchNodes.find(vertx, options.nodeUrls(), false);
      return measure(vertx, options, servers.list());
    } finally {
      if (servers != null) {
        servers.close();
      }
      vertx.close().await();
    }
  }

  private static JsonObject measure(Vertx vertx, FanoutBench.Options options, List<Node> nodes) throws Exception {
    checkNodeLimits(options, nodes);
    HttpClient http = vertx.createHttpClient();
    Node bidNode = nodes.get(0);
    String token = BenchHttp.post(http, bidNode, "/api/login",
        new JsonObject().put("user", "alice").put("password", "gavel-demo"), null).getString("token");
    String auctionId = BenchHttp.post(http, bidNode, "/api/auctions", new JsonObject().put("title", "Idle lot")
        .put("currency", "EUR").put("startingPrice", 1).put("minIncrement", 1).put("durationSeconds", 3600), token)
        .getString("id");
    FanoutBids bids = new FanoutBids(vertx, 1);

    List<NodeMemory> before = new ArrayList<>();
    for (Node node : nodes) {
      before.add(NodeMemory.take(node.pid(), true));
    }
    List<JsonObject> directBefore = direct(http, nodes);
    long connectStart = System.nanoTime();
    try (ClientWorkers clients = ClientWorkers.start(options, nodes, "auction." + auctionId, options.out())) {
      long[] connected = clients.awaitConnected(120 + options.clients() / 100);
      double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
      // Registrations take effect asynchronously: every client must have one event before anything is measured.
      long amount = 1_000;
      bids.bid(http, bidNode, auctionId, token, ++amount);
      long ready = awaitReceived(clients, connected[0], 60);
      List<NodeMemory> after = new ArrayList<>();
      for (Node node : nodes) {
        after.add(NodeMemory.take(node.pid(), true));
      }
      List<JsonObject> directAfter = direct(http, nodes);
      JsonArray perNode = new JsonArray();
      for (int i = 0; i < nodes.size(); i++) {
        int here = clientsOn(i, nodes.size(), clients.shares());
        perNode.add(nodeFigures(nodes.get(i), here, before.get(i), after.get(i), directBefore.get(i),
            directAfter.get(i)));
      }

      JsonArray events = new JsonArray();
      Histogram all = new Histogram(3);
      long received = 0;
      for (int e = 0; e < options.events(); e++) {
        long seq = BenchHttp.get(http, bidNode, "/api/auctions/" + auctionId).getLong("seq");
        clients.measureAfter(seq);
        bids.bid(http, bidNode, auctionId, token, ++amount);
        long got = awaitReceived(clients, connected[0], 30);
        Histogram one = clients.histogram();
        all.add(one);
        received += got;
        events.add(new JsonObject().put("received", got).put("p50Ms", one.getValueAtPercentile(50))
            .put("p99Ms", one.getValueAtPercentile(99)).put("maxMs", one.getMaxValue()));
      }
      long expected = (long) options.events() * options.clients();
      return new JsonObject()
          .put("label", options.label())
          .put("mode", "idle")
          .put("date", LocalDate.now().toString())
          .put("machine", Runtime.getRuntime().availableProcessors() + " cores usable by the load generator (cpus "
              + ProcessStats.cpusAllowed(ProcessHandle.current().pid()) + "); nodes on cpus "
              + ProcessStats.cpusAllowed(nodes.get(0).pid()) + "; one host, loopback")
          .put("nodes", nodes.size())
          .put("clients", options.clients())
          .put("sourceAddresses", options.sourceAddresses())
          .put("clientProcesses", options.clientProcesses())
          .put("offerDeflate", options.offerDeflate())
          .put("transport", options.sockJs() ? "sockjs" : "raw")
          .put("connected", connected[0])
          .put("connectFailed", connected[1])
          .put("connectSeconds", round(connectSeconds))
          .put("clientsReady", ready)
          .put("closedByServer", clients.status()[1])
          .put("events", events)
          .put("expected", expected)
          .put("received", received)
          .put("lost", Math.max(0, expected - received))
          .put("p50Ms", all.getValueAtPercentile(50))
          .put("p99Ms", all.getValueAtPercentile(99))
          .put("maxMs", all.getMaxValue())
          .put("perNode", perNode);
    }
  }

  /**
   * One process may open only so many files (RLIMIT_NOFILE) and one source address has only so many ephemeral ports:
   * a run that cannot fit is refused up front, naming the limit, rather than measured half-connected.
   */
  private static void checkLoadGeneratorLimits(FanoutBench.Options options) throws IOException {
    long perProcess = (options.clients() + options.clientProcesses() - 1) / options.clientProcesses();
    long own = openFilesLimit(ProcessHandle.current().pid());
    if (perProcess + SPARE_FILES > own) {
      throw new IllegalArgumentException(perProcess + " clients per load-generator process do not fit its open-files "
          + "limit of " + own + " (ulimit -n): use --client-processes "
          + (options.clients() + own - SPARE_FILES - 1) / (own - SPARE_FILES) + " or more");
    }
    String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim()
        .split("\\s+");
    long ports = Long.parseLong(range[1]) - Long.parseLong(range[0]) + 1;
    long perAddress = (options.clients() + options.sourceAddresses() - 1) / options.sourceAddresses();
    if (perAddress > ports - 1_000) {
      throw new IllegalArgumentException(perAddress + " clients per source address do not fit the " + ports
          + " ephemeral ports of net.ipv4.ip_local_port_range: use --source-addresses "
          + (options.clients() + ports - 1_001) / (ports - 1_000) + " or more");
    }
  }

  private static void checkNodeLimits(FanoutBench.Options options, List<Node> nodes) throws IOException {
    long perNode = (options.clients() + nodes.size() - 1) / nodes.size();
    for (Node node : nodes) {
      long limit = openFilesLimit(node.pid());
      if (perNode + SPARE_FILES > limit) {
        throw new IllegalArgumentException(perNode + " connections per node do not fit node " + node.url()
            + "'s open-files limit of " + limit + " (RLIMIT_NOFILE): raise it or start more nodes");
      }
    }
  }

  /** The soft RLIMIT_NOFILE of a local process ("Max open files" in /proc/PID/limits). */
  static long openFilesLimit(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "limits"))) {
      if (line.startsWith("Max open files")) {
        String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
        return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
      }
    }
    throw new IOException("no open-files limit in /proc/" + pid + "/limits");
  }

  /** Client i of a worker connects to node i % nodes: how many clients node {@code node} holds. */
  private static int clientsOn(int node, int nodes, List<Integer> shares) {
    int here = 0;
    for (int share : shares) {
      here += share / nodes + (node < share % nodes ? 1 : 0);
    }
    return here;
  }

  /** Polls (every 20 ms, at most {@code seconds}) until the clients received {@code target} events in all. */
  private static long awaitReceived(ClientWorkers clients, long target, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    long got = clients.status()[0];
    while (got < target && System.nanoTime() < deadline) {
      Thread.sleep(20); // polling counters in other processes
      got = clients.status()[0];
    }
    return got;
  }

  /** Direct buffers in use as the JVM counts them (buffers with a Cleaner; Netty's own pools may not be). */
  private static List<JsonObject> direct(HttpClient http, List<Node> nodes) {
    List<JsonObject> figures = new ArrayList<>();
    for (Node node : nodes) {
      String metrics = BenchHttp.text(http, node, "/metrics").toString();
      figures.add(new JsonObject().put("directBytes", NodeSampler.parse(metrics, 0, 0).directBytes()));
    }
    return figures;
  }

  private static JsonObject nodeFigures(Node node, int clients, NodeMemory before, NodeMemory after,
                                        JsonObject directBefore, JsonObject directAfter) throws IOException {
    double n = Math.max(1, clients);
    JsonObject nativePerConnection = new JsonObject();
    for (Map.Entry<String, Long> category : after.nativeCommittedKb().entrySet()) {
      long was = before.nativeCommittedKb().getOrDefault(category.getKey(), 0L);
      nativePerConnection.put(category.getKey(), round2((category.getValue() - was) / n));
    }
    JsonArray classes = new JsonArray();
    after.liveClasses().entrySet().stream()
        .map(e -> {
          long[] was = before.liveClasses().getOrDefault(e.getKey(), new long[2]);
          return Map.entry(e.getKey(), new long[] {e.getValue()[0] - was[0], e.getValue()[1] - was[1]});
        })
        .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[1]))
        .limit(TOP_CLASSES)
        .forEach(e -> classes.add(new JsonObject().put("class", e.getKey())
            .put("instancesPerConnection", round2(e.getValue()[0] / n))
            .put("bytesPerConnection", round2(e.getValue()[1] / n))));
    return new JsonObject()
        .put("url", node.url())
        .put("clients", clients)
        .put("peerAddresses", new JsonObject(new java.util.TreeMap<String, Object>(
            NodeSampler.peerAddresses(node.port()))))
        .put("rssMbBefore", mb(before.rssKb()))
        .put("rssMbAfter", mb(after.rssKb()))
        .put("rssKbPerConnection", round2((after.rssKb() - before.rssKb()) / n))
        .put("rssBeforeGcKbPerConnection", round2((after.rssBeforeGcKb() - before.rssBeforeGcKb()) / n))
        .put("heapUsedAfterGcMbBefore", mb(before.heapUsedKb()))
        .put("heapUsedAfterGcMbAfter", mb(after.heapUsedKb()))
        .put("heapKbPerConnection", round2((after.heapUsedKb() - before.heapUsedKb()) / n))
        .put("heapCommittedMbBefore", mb(before.heapCommittedKb()))
        .put("heapCommittedMbAfter", mb(after.heapCommittedKb()))
        .put("directMbBefore", FanoutBench.round(directBefore.getLong("directBytes") / 1048576.0))
        .put("directMbAfter", FanoutBench.round(directAfter.getLong("directBytes") / 1048576.0))
        .put("threadsBefore", before.threads())
        .put("threadsAfter", after.threads())
        .put("nativeCommittedMbAfter", nativeMb(after.nativeCommittedKb()))
        .put("nativeKbPerConnection", nativePerConnection)
        .put("topClassesPerConnection", classes)
        .put("liveBytesPerConnectionByOwner", byOwner(before.liveClasses(), after.liveClasses(), n));
  }

  /**
   * Growth of live bytes per connection by the library that owns each class; JDK classes (arrays, strings,
   * collections) are held by any of them and count on their own.
   */
  static JsonObject byOwner(Map<String, long[]> before, Map<String, long[]> after, double connections) {
    Map<String, Long> owners = new java.util.TreeMap<>();
    for (Map.Entry<String, long[]> e : after.entrySet()) {
      long grown = e.getValue()[1] - before.getOrDefault(e.getKey(), new long[2])[1];
      owners.merge(owner(e.getKey()), grown, Long::sum);
    }
    JsonObject out = new JsonObject();
    owners.entrySet().stream().sorted(Map.Entry.comparingByValue(Comparator.reverseOrder()))
        .forEach(e -> out.put(e.getKey(), round2(e.getValue() / connections)));
    out.put("total", round2(owners.values().stream().mapToLong(Long::longValue).sum() / connections));
    return out;
  }

  private static String owner(String className) {
    for (String[] owner : OWNERS) {
      if (className.startsWith(owner[0])) {
        return owner[1];
      }
    }
    return "other";
  }

  private static final String[][] OWNERS = {
      {"io.gavel.", "gavel"}, {"io.vertx.ext.web.", "vertx-web"}, {"io.vertx.core.", "vertx-core"},
      {"io.netty.", "netty"}, {"io.micrometer.", "micrometer"}, {"com.hazelcast.", "hazelcast"},
      {"[", "jdk (arrays)"}, {"java.", "jdk"}, {"jdk.", "jdk"}, {"sun.", "jdk"}};

  private static JsonObject nativeMb(Map<String, Long> kb) {
    JsonObject mb = new JsonObject();
    kb.forEach((category, value) -> mb.put(category, mb(value)));
    return mb;
  }

  private static double mb(long kb) {
    return FanoutBench.round(kb / 1024.0);
  }

  private static double round2(double value) {
    return Math.round(value * 100) / 100.0;
  }

  static void printTable(JsonObject r) {
    System.out.printf("%n%-28s %8s %9s %8s %7s %7s %7s %7s%n", "scenario", "clients", "connected", "ready",
        "p50 ms", "p99 ms", "max ms", "lost");
    System.out.printf("%-28s %8d %9d %8d %7d %7d %7d %7d%n", r.getString("label"), r.getInteger("clients"),
        r.getLong("connected"), r.getLong("clientsReady"), r.getLong("p50Ms"), r.getLong("p99Ms"),
        r.getLong("maxMs"), r.getLong("lost"));
    System.out.printf("  %s, %d source addresses, %d client processes, deflate offered: %s; connected in %.1f s; closed"
            + " by the server: %d%n", r.getString("transport"), r.getInteger("sourceAddresses"),
        r.getInteger("clientProcesses"),
        r.getBoolean("offerDeflate"), r.getDouble("connectSeconds"), r.getLong("closedByServer"));
    System.out.println("  events: " + r.getJsonArray("events"));
    for (Object o : r.getJsonArray("perNode")) {
      JsonObject n = (JsonObject) o;
      System.out.printf("  node %s, %d clients from %s%n    RSS after GC %.1f -> %.1f MB: %.2f KB/conn (before GC: %.2f "
              + "KB/conn); live heap %.1f -> %.1f MB: %.2f KB/conn; heap committed %.1f -> %.1f MB; direct (JVM "
              + "count) %.1f -> %.1f MB; threads %d -> %d%n", n.getString("url"), n.getInteger("clients"),
          n.getJsonObject("peerAddresses"), n.getDouble("rssMbBefore"), n.getDouble("rssMbAfter"),
          n.getDouble("rssKbPerConnection"), n.getDouble("rssBeforeGcKbPerConnection"),
          n.getDouble("heapUsedAfterGcMbBefore"), n.getDouble("heapUsedAfterGcMbAfter"),
          n.getDouble("heapKbPerConnection"), n.getDouble("heapCommittedMbBefore"),
          n.getDouble("heapCommittedMbAfter"), n.getDouble("directMbBefore"), n.getDouble("directMbAfter"),
          n.getInteger("threadsBefore"), n.getInteger("threadsAfter"));
      if (!n.getJsonObject("nativeKbPerConnection").isEmpty()) {
        System.out.println("    native memory KB/conn by category: " + n.getJsonObject("nativeKbPerConnection"));
      }
      System.out.println("    live bytes/conn by owner: " + n.getJsonObject("liveBytesPerConnectionByOwner"));
      System.out.println("    live bytes/conn by class:");
      for (Object c : n.getJsonArray("topClassesPerConnection")) {
        JsonObject cls = (JsonObject) c;
        System.out.printf("      %8.1f B  %6.2f x  %s%n", cls.getDouble("bytesPerConnection"),
            cls.getDouble("instancesPerConnection"), cls.getString("class"));
      }
    }
  }
}
