package io.gavel.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.IntFunction;

/**
 * The servers a fan-out run drives: running Gavel nodes it is given, or Gavel nodes (or the raw broadcast server) it
 * starts itself from the jar, on loopback, optionally pinned to cpus with {@code taskset} so that they do not share
 * a core with the load generator. Started processes are stopped by {@link #close()}.
 */
final class BenchNodes implements AutoCloseable {
  private final Vertx vertx;
  private final List<Node> nodes = new ArrayList<>();
  private final List<Process> started = new ArrayList<>();

  private BenchNodes(Vertx vertx) {
    this.vertx = vertx;
  }

  List<Node> list() {
    return nodes;
  }

  /** Running nodes; their pids (for CPU and memory figures) come from {@code /ops/process}. */
  static BenchNodes find(Vertx vertx, List<String> urls, boolean raw) {
    BenchNodes found = new BenchNodes(vertx);
    HttpClient http = vertx.createHttpClient();
    for (String url : urls) {
      long pid = raw ? 0 : BenchHttp.get(http, new Node(url, 0), "/ops/process").getLong("pid");
      found.nodes.add(new Node(url, pid));
    }
    return found;
  }

  /**
   * Starts {@code count} Gavel nodes forming one cluster (or, {@code raw}, one raw broadcast server), each pinned to
   * {@code cpus} (a taskset cpu list such as "1"; null: not pinned), and waits until they serve.
   */
  static BenchNodes start(Vertx vertx, int count, boolean raw, Path jar, Path logs, String cpus) throws Exception {
    BenchNodes nodes = new BenchNodes(vertx);
    try {
      Files.createDirectories(logs);
      if (raw) {
        nodes.launch(port -> List.of(java(), "-Xmx2g", "-cp", jar.toString(), RawBroadcastServer.class.getName(),
            String.valueOf(port)), cpus, logs.resolve("raw.log"), "/stats", -1);
      } else {
        nodes.startCluster(count, jar, logs, cpus);
      }
      return nodes;
    } catch (Exception | Error failed) {
      nodes.close();
      throw failed;
    }
  }

  private void startCluster(int count, Path jar, Path logs, String cpus) throws Exception {
    String cluster = "gavel-bench-" + UUID.randomUUID();
    int[] clusterPorts = new int[count];
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < count; i++) {
      clusterPorts[i] = freePort();
      members.append(i == 0 ? "" : ",").append("127.0.0.1:").append(clusterPorts[i]);
    }
    // For profiling, e.g. GAVEL_BENCH_JVM_OPTS="-XX:StartFlightRecording=filename=target/bench/node.jfr"
    String jvmOpts = System.getenv("GAVEL_BENCH_JVM_OPTS");
    // Node options after the bench's own, e.g. GAVEL_BENCH_NODE_ARGS="--set limits.fanoutBatchMillis=0"
    String nodeArgs = System.getenv("GAVEL_BENCH_NODE_ARGS");
    for (int i = 0; i < count; i++) {
      int clusterPort = clusterPorts[i];
      String name = "bench" + (i + 1);
      launch(httpPort -> {
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx2g"));
        if (jvmOpts != null && !jvmOpts.isBlank()) {
          command.addAll(List.of(jvmOpts.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", jar.toString(), "--http-port", String.valueOf(httpPort),
            "--cluster-port", String.valueOf(clusterPort), "--cluster-members", members.toString(),
            "--cluster-name", cluster, "--node-name", name, "--no-demo",
            // The load is one user bidding fast and thousands of clients from one address.
            "--set", "limits.bidsPerSecondPerUser=100000", "--set", "limits.bidBurstPerUser=100000",
            "--set", "limits.auctionBurstPerUser=100000",
            "--set", "limits.maxConnectionsPerIp=1000000", "--set", "limits.maxConnections=1000000",
            "--set", "limits.maxLongPolls=1000000", "--set", "limits.loginBurstPerIp=1000"));
        if (nodeArgs != null && !nodeArgs.isBlank()) {
          command.addAll(List.of(nodeArgs.trim().split("\\s+")));
        }
        return command;
      }, cpus, logs.resolve(name.replace("bench", "node") + ".log"), "/health", i + 1);
    }
  }

  /** Runs one server process, whose command is made for a free HTTP port, and waits until it serves. */
  private void launch(IntFunction<List<String>> command, String cpus, Path log, String healthPath, int clusterSize)
      throws Exception {
    int port = freePort();
    List<String> full = new ArrayList<>();
    if (cpus != null) {
      // taskset execs the command: the pid stays the server's own, for the CPU and memory figures.
      full.addAll(List.of("taskset", "-c", cpus));
    }
    full.addAll(command.apply(port));
    ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("GAVEL_JWT_SECRET", "bench-secret-" + UUID.randomUUID());
    Process process = builder.start();
    started.add(process);
    Node node = new Node("http://127.0.0.1:" + port, process.pid());
    nodes.add(node);
    awaitUp(node, healthPath, clusterSize, log);
  }

  private void awaitUp(Node node, String path, int clusterSize, Path log) throws Exception {
    HttpClient http = vertx.createHttpClient();
    long deadline = System.nanoTime() + 90_000_000_000L;
    while (System.nanoTime() < deadline && started.stream().allMatch(Process::isAlive)) {
      try {
        JsonObject health = BenchHttp.get(http, node, path);
        if (clusterSize < 0 || health.getInteger("clusterSize", 0) == clusterSize) {
          return;
        }
      } catch (Exception notYet) {
        // not listening yet
      }
      Thread.sleep(200); // polling a process that is starting
    }
    throw new IllegalStateException(node.url() + " did not come up; see " + log);
  }

  @Override
  public void close() {
    started.forEach(Process::destroy);
    for (Process process : started) {
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
