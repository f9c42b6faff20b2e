import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a multi-node fan-out run's server CPU went, per node, in µs per delivery (BENCHMARKS.md, "Three nodes").
 *
 * <pre>
 * java -cp target/gavel.jar benchmarks/JfrBreakdown.java RESULT.json node1.jfr node2.jfr node3.jfr
 * </pre>
 * With the system property {@code leaves=N} ({@code java -Dleaves=8 ...}) it also prints, per path, the N methods
 * most often on top of its samples (all nodes), and each thread's samples per path.
 * RESULT.json is FanoutBench's result of the run (its {@code perNode[i].threadCpu}: every thread's user and kernel
 * CPU over the measured window and drain, from /proc) and node{i}.jfr the JFR recording of node i (profile settings).
 * Exact per thread, sampled within a thread: a thread's kernel time goes to its family's "kernel" bucket (syscalls:
 * socket writes and reads, epoll); its user time is split over code paths in proportion to its JFR execution samples
 * taken in the same interval; GC, JIT and JFR threads, which JFR does not sample, are counted whole from /proc.
 * A sample's path is the first frame from the leaf down that names one (Hazelcast, JSON, Netty and Vert.x core frames
 * name none, so they count for the Gavel path that called them); a stack without such a frame is "Hazelcast" if it
 * has Hazelcast frames, else "unattributed".
 */
public final class JfrBreakdown {
  static final String EVENT_BUS = "event bus: clustered send/receive, codec (JsonObject encode/decode)";
  static final String PUBLISH = "event creation and publish (BusPublisher, Wire)";
  static final String FAN_OUT = "fan-out: hub, gateway instances, WebSocket frames, Netty writes (user)";
  static final String BID = "bid path: REST, router, JWT, rate limit, entry processor, (de)serialization";
  static final String BRIDGE_IN = "bridge inbound: client pings, frames";
  static final String HAZELCAST = "Hazelcast: its own threads and code (operations' transport, backups, upkeep)";
  static final String METRICS = "metrics, presence, health";
  static final String OTHER = "unattributed Java (Vert.x/Netty/JDK without a Gavel frame)";
  static final String KERNEL_LOOPS = "kernel on event loops (socket writes to clients, member TCP, epoll)";
  static final String KERNEL_HZ = "kernel on Hazelcast threads (member TCP, parking)";
  static final String KERNEL_OTHER = "kernel on other threads";
  static final String GC = "GC (incl. VM Thread)";
  static final String JIT = "JIT compilers";
  static final String JFR = "JFR itself";
  static final String UNSAMPLED = "Java threads without samples in the window";

  /** Leaf-first: the first frame matching a prefix decides. Longer, more specific prefixes first. */
  static final List<Map.Entry<String, String>> MARKERS = List.of(
      Map.entry("io.vertx.core.eventbus.impl.codecs.", EVENT_BUS),
      Map.entry("io.vertx.core.eventbus.impl.clustered.", EVENT_BUS),
      Map.entry("io.vertx.spi.cluster.hazelcast.", EVENT_BUS),
      Map.entry("io.vertx.core.parsetools.", EVENT_BUS),
      Map.entry("io.gavel.cluster.BusPublisher", PUBLISH),
      Map.entry("io.gavel.protocol.Wire", PUBLISH),
      Map.entry("io.gavel.gateway.GatewayHub.fanOut", FAN_OUT),
      Map.entry("io.gavel.gateway.GatewayHub$", FAN_OUT),
      Map.entry("io.gavel.gateway.BridgeSubscriptions", FAN_OUT),
      Map.entry("io.gavel.gateway.BridgedSocket", FAN_OUT),
      Map.entry("io.gavel.gateway.FanoutInbox", FAN_OUT),
      Map.entry("io.gavel.gateway.ReleaseWhenBehind", FAN_OUT),
      Map.entry("io.gavel.gateway.NettyChannels", FAN_OUT),
      Map.entry("io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder", BRIDGE_IN),
      Map.entry("io.netty.handler.codec.http.websocketx.", FAN_OUT),
      Map.entry("io.vertx.core.http.impl.ws.", FAN_OUT),
      Map.entry("io.vertx.core.http.impl.ServerWebSocket", FAN_OUT),
      Map.entry("io.vertx.core.http.impl.WebSocket", FAN_OUT),
      Map.entry("io.gavel.gateway.Bridge.", BRIDGE_IN),
      Map.entry("io.gavel.gateway.Bridge$", BRIDGE_IN),
      Map.entry("io.gavel.gateway.BridgeFrame", BRIDGE_IN),
      Map.entry("io.gavel.gateway.BridgeRequests", BRIDGE_IN),
      Map.entry("io.gavel.gateway.Presence", METRICS),
      Map.entry("io.gavel.gateway.HealthRoutes", METRICS),
      Map.entry("io.gavel.metrics.", METRICS),
      Map.entry("io.micrometer.", METRICS),
      Map.entry("io.vertx.micrometer.", METRICS),
      Map.entry("io.gavel.", BID),
      Map.entry("io.vertx.ext.auth.", BID),
      Map.entry("io.vertx.ext.web.", BID),
      Map.entry("io.netty.handler.codec.http.", BID),
      Map.entry("io.vertx.core.http.impl.Http1xServer", BID));

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: java -cp target/gavel.jar benchmarks/JfrBreakdown.java RESULT.json node1.jfr ...");
      System.exit(2);
    }
    JsonObject result = new JsonObject(Files.readString(Path.of(args[0])));
    Instant from = Instant.ofEpochMilli(result.getLong("measureStartEpochMs"));
    Instant to = Instant.ofEpochMilli(result.getLong("measureEndEpochMs"));
    long deliveries = result.getLong("received");
    List<Map<String, Double>> nodes = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      JsonObject node = result.getJsonArray("perNode").getJsonObject(i - 1);
      nodes.add(breakdown(node, Path.of(args[i]), from, to));
    }
    print(result, nodes, deliveries);
    int leaves = Integer.getInteger("leaves", 0);
    LEAVES.forEach((path, methods) -> {
      if (leaves > 0) {
        System.out.println("\n" + path + ":");
        methods.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(leaves)
            .forEach(m -> System.out.println("  " + m.getValue() + "  " + m.getKey()));
      }
    });
  }

  /** Per path, how often each method was the leaf of a sample (all nodes): for {@code -Dleaves=N}. */
  static final Map<String, Map<String, Integer>> LEAVES = new TreeMap<>();

  static Map<String, Double> breakdown(JsonObject node, Path jfr, Instant from, Instant to) throws Exception {
    Map<Long, Map<String, Integer>> samplesByThread = new TreeMap<>();
    Map<Long, String> javaNames = new TreeMap<>();
    for (RecordedEvent event : RecordingFile.readAllEvents(jfr)) {
      if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStartTime().isBefore(from)
          || event.getStartTime().isAfter(to) || event.getStackTrace() == null) {
        continue;
      }
      long tid = event.getThread("sampledThread").getOSThreadId();
      javaNames.put(tid, event.getThread("sampledThread").getJavaName());
      List<RecordedFrame> frames = event.getStackTrace().getFrames();
      String path = path(frames);
      samplesByThread.computeIfAbsent(tid, t -> new TreeMap<>()).merge(path, 1, Integer::sum);
      if (!frames.isEmpty()) {
        LEAVES.computeIfAbsent(path, p -> new TreeMap<>()).merge(frames.get(0).getMethod().getType().getName() + "."
            + frames.get(0).getMethod().getName(), 1, Integer::sum);
      }
    }
    if (Integer.getInteger("leaves", 0) > 0) {
      samplesByThread.forEach((tid, paths) -> System.out.println(jfr.getFileName() + " " + javaNames.get(tid) + " "
          + paths));
    }
    Map<String, Double> seconds = new LinkedHashMap<>();
    for (Object o : node.getJsonArray("threadCpu")) {
      JsonObject thread = (JsonObject) o;
      long tid = thread.getLong("tid");
      String name = javaNames.getOrDefault(tid, thread.getString("name"));
      double user = thread.getDouble("userSeconds");
      double system = thread.getDouble("systemSeconds");
      String whole = wholeThread(name);
      if (whole != null) {
        seconds.merge(whole, user + system, Double::sum);
        continue;
      }
      seconds.merge(name.startsWith("vert.x-eventloop") ? KERNEL_LOOPS
          : name.startsWith("hz.") ? KERNEL_HZ : KERNEL_OTHER, system, Double::sum);
      Map<String, Integer> samples = samplesByThread.get(tid);
      if (samples == null) {
        seconds.merge(UNSAMPLED, user, Double::sum);
        continue;
      }
      double total = samples.values().stream().mapToInt(Integer::intValue).sum();
      samples.forEach((path, count) -> seconds.merge(path, user * count / total, Double::sum));
    }
    return seconds;
  }

  /** Threads JFR does not sample, counted whole; null for the others. Names as the kernel cuts them, or Java's. */
  static String wholeThread(String name) {
    if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread")) {
      return GC;
    }
    if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
      return JIT;
    }
    if (name.startsWith("JFR ")) {
      return JFR;
    }
    return null;
  }

  static String path(List<RecordedFrame> frames) {
    boolean hazelcast = false;
    for (RecordedFrame frame : frames) {
      String where = frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
      for (Map.Entry<String, String> marker : MARKERS) {
        if (where.startsWith(marker.getKey())) {
          return marker.getValue();
        }
      }
      hazelcast |= where.startsWith("com.hazelcast.");
    }
    return hazelcast ? HAZELCAST : OTHER;
  }

  static void print(JsonObject result, List<Map<String, Double>> nodes, long deliveries) {
    double window = (result.getLong("measureEndEpochMs") - result.getLong("measureStartEpochMs")) / 1000.0;
    List<String> buckets = List.of(EVENT_BUS, PUBLISH, FAN_OUT, KERNEL_LOOPS, BID, BRIDGE_IN, HAZELCAST, KERNEL_HZ,
        METRICS, OTHER, UNSAMPLED, KERNEL_OTHER, GC, JIT, JFR);
    StringBuilder head = new StringBuilder("| bucket |");
    StringBuilder rule = new StringBuilder("|---|");
    for (int i = 1; i <= nodes.size(); i++) {
      head.append(" node ").append(i).append(" % · µs/delivery |");
      rule.append("---|");
    }
    head.append(" all nodes µs/delivery | share of all |");
    rule.append("---|---|");
    System.out.printf(Locale.ROOT, "%s: %,d deliveries in %.1f s (window + drain); µs per delivery = CPU seconds"
        + " / all %,d deliveries of the cluster, so the nodes' columns add up to the total%n%n", result.getString(
        "label"), deliveries, window, deliveries);
    System.out.println(head);
    System.out.println(rule);
    double all = nodes.stream().flatMap(n -> n.values().stream()).mapToDouble(Double::doubleValue).sum();
    double[] nodeTotals = nodes.stream().mapToDouble(n -> n.values().stream().mapToDouble(Double::doubleValue)
        .sum()).toArray();
    for (String bucket : buckets) {
      StringBuilder row = new StringBuilder("| " + bucket + " |");
      double sum = 0;
      for (int i = 0; i < nodes.size(); i++) {
        double s = nodes.get(i).getOrDefault(bucket, 0.0);
        sum += s;
        row.append(String.format(Locale.ROOT, " %.0f %% · %.2f |", 100 * s / nodeTotals[i], s * 1e6 / deliveries));
      }
      row.append(String.format(Locale.ROOT, " %.2f | %.0f %% |", sum * 1e6 / deliveries, 100 * sum / all));
      System.out.println(row);
    }
    StringBuilder total = new StringBuilder("| **total** (CPU % of a core over the interval) |");
    for (double t : nodeTotals) {
      total.append(String.format(Locale.ROOT, " %.0f %% CPU · %.2f |", 100 * t / window, t * 1e6 / deliveries));
    }
    total.append(String.format(Locale.ROOT, " **%.2f** | 100 %% |", all * 1e6 / deliveries));
    System.out.println(total);
  }
}
