package io.gavel.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A test network of real nodes, one per Linux network namespace (needs root and iproute2): namespace {@code i} has
 * address {@code 10.213.X.(i+1)} on a veth pair whose other end is in a bridge in the root namespace, which holds
 * {@code 10.213.X.254} so the test (and a PostgreSQL listening there) reaches every node. X and every name carry a
 * random part, so parallel runs never collide. Every node listens on its own address: HTTP 8080, Hazelcast 5701.
 *
 * <p>Faults: {@link #cut} (blackhole routes, both ways, between one node and the others; the test still reaches it),
 * {@link #heal}, {@link #netem} (latency and loss on the traffic between members only), {@link #pause}/{@link
 * #resume} (SIGSTOP/SIGCONT), {@link #kill} (SIGKILL) and {@link #launch} (start again on the same address).
 * {@link #close} removes everything it made (processes, namespaces, veths, bridge); a JVM shutdown hook does the same
 * if the test JVM stops first. Nodes log to {@code target/it-logs/<name>-nodeN.log}.
 */
public final class NetnsCluster implements AutoCloseable {
  public static final int HTTP_PORT = 8080;
  public static final int CLUSTER_PORT = 5701;

  private final String name;
  private final String tag;
  private final int subnet;
  private final int size;
  private final String clusterName = "gavel-netns-" + UUID.randomUUID();
  private final Process[] processes;
  private final List<List<String>> nodeArgs = new ArrayList<>();
  private final Set<String> blackholes = new LinkedHashSet<>();
  private static final Path RELAY = Path.of("scripts", "netem-relay.py");
  private Process relay;
  private final Thread cleanup;
  private boolean bridgeMade;
  private final List<String> namespacesMade = new ArrayList<>();

  private NetnsCluster(String name, int size) {
    this.name = name;
    this.size = size;
    this.tag = Long.toString(36L * 36 * 36 * 36 + ThreadLocalRandom.current().nextLong(35L * 36 * 36 * 36 * 36), 36);
    this.subnet = freeSubnet();
    this.processes = new Process[size];
    for (int i = 0; i < size; i++) {
      nodeArgs.add(new ArrayList<>());
    }
    this.cleanup = new Thread(this::removeEverything, "netns-cleanup-" + tag);
  }

  /**
   * Makes the network (namespaces, veths, bridge) for {@code size} nodes; no node runs yet: set per-node options
   * with {@link #nodeArgs}, then {@link #startAll}. Fails (never skips) with a clear message where network
   * namespaces cannot be made.
   */
  public static NetnsCluster create(String name, int size) {
    if (size < 1 || size > 9) {
      throw new IllegalArgumentException("1 to 9 nodes");
    }
    NetnsCluster cluster = new NetnsCluster(name, size);
    Runtime.getRuntime().addShutdownHook(cluster.cleanup);
    try {
      cluster.makeNetwork();
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  private void makeNetwork() {
    String first = namespace(0);
    CommandResult probe = exec("ip", "netns", "add", first);
    if (probe.code != 0) {
      throw new AssertionError("cannot create a network namespace (`ip netns add " + first + "` said: "
          + probe.output.strip() + "). The network fault tests need root and iproute2 (`ip`, `tc`): run them as "
          + "root, as .ci/run does; they do not skip.");
    }
    namespacesMade.add(first);
    run("ip", "link", "add", bridge(), "type", "bridge");
    bridgeMade = true;
    run("ip", "addr", "add", hostAddress() + "/24", "dev", bridge());
    run("ip", "link", "set", bridge(), "up");
    for (int i = 0; i < size; i++) {
      String ns = namespace(i);
      if (i > 0) {
        run("ip", "netns", "add", ns);
        namespacesMade.add(ns);
      }
      String host = "gv" + tag + "h" + (i + 1);
      String peer = "gv" + tag + "n" + (i + 1);
      run("ip", "link", "add", host, "type", "veth", "peer", "name", peer);
      run("ip", "link", "set", peer, "netns", ns);
      run("ip", "link", "set", host, "master", bridge(), "up");
      run("ip", "-n", ns, "link", "set", peer, "name", "eth0");
      run("ip", "-n", ns, "addr", "add", address(i) + "/24", "dev", "eth0");
      run("ip", "-n", ns, "link", "set", "eth0", "up");
      run("ip", "-n", ns, "link", "set", "lo", "up");
    }
  }

  /** A 10.213.X.0/24 that no interface of the root namespace uses yet. */
  private static int freeSubnet() {
    String used = exec("ip", "-4", "-o", "addr").output + exec("ip", "-4", "route").output;
    for (int tries = 0; tries < 100; tries++) {
      int x = 1 + ThreadLocalRandom.current().nextInt(253);
      if (!used.contains("10.213." + x + ".")) {
        return x;
      }
    }
    throw new IllegalStateException("no free 10.213.X.0/24 test range");
  }

  /** Extra options for node {@code i} (kept for restarts; later options win over the harness's). */
  public NetnsCluster nodeArgs(int i, String... args) {
    nodeArgs.get(i).addAll(List.of(args));
    return this;
  }

  /** Extra options for every node. */
  public NetnsCluster allNodeArgs(String... args) {
    for (int i = 0; i < size; i++) {
      nodeArgs(i, args);
    }
    return this;
  }

  /** Starts the nodes in order (node1 first: the oldest member, Hazelcast's master), each awaited. */
  public NetnsCluster startAll() {
    for (int i = 0; i < size; i++) {
      launch(i);
      awaitHealthy(i, i + 1);
    }
    return this;
  }

  public int size() {
    return size;
  }

  /** The address of node {@code i} (0-based). */
  public String address(int i) {
    return "10.213." + subnet + "." + (i + 1);
  }

  /** The bridge's address in the root namespace: where the test (and a database for the nodes) is reached. */
  public String hostAddress() {
    return "10.213." + subnet + ".254";
  }

  public String namespace(int i) {
    return "gavel-" + tag + "-" + (i + 1);
  }

  private String bridge() {
    return "gvb" + tag;
  }

  public String baseUrl(int i) {
    return "http://" + address(i) + ":" + HTTP_PORT;
  }

  public List<String> baseUrls() {
    return IntStream.range(0, size).mapToObj(this::baseUrl).toList();
  }

  /** Node name → base URL, for {@link Checker#check(Map, String, List, boolean)}. */
  public Map<String, String> urlsByNode() {
    Map<String, String> urls = new LinkedHashMap<>();
    for (int i = 0; i < size; i++) {
      urls.put(nodeName(i), baseUrl(i));
    }
    return urls;
  }

  public static String nodeName(int i) {
    return "node" + (i + 1);
  }

  /** The index of a node name as the nodes report it ("node2" → 1). */
  public int indexOf(String nodeName) {
    for (int i = 0; i < size; i++) {
      if (nodeName(i).equals(nodeName)) {
        return i;
      }
    }
    throw new IllegalArgumentException("no node named " + nodeName);
  }

  public Path log(int i) {
    return ProcessCluster.logFile(logName(i));
  }

  private String logName(int i) {
    return name + "-" + nodeName(i);
  }

  public boolean isRunning(int i) {
    return processes[i] != null && processes[i].isAlive();
  }

  public long pid(int i) {
    return processes[i].pid();
  }

  /** (Re)starts node {@code i} in its namespace, on its address. */
  public void launch(int i) {
    if (isRunning(i)) {
      throw new IllegalStateException(nodeName(i) + " is running");
    }
    String members = IntStream.range(0, size).mapToObj(n -> address(n) + ":" + CLUSTER_PORT)
        .collect(Collectors.joining(","));
    List<String> options = new ArrayList<>(List.of(
        "--http-host", address(i), "--http-port", String.valueOf(HTTP_PORT),
        "--cluster-host", address(i), "--cluster-port", String.valueOf(CLUSTER_PORT),
        "--cluster-members", members,
        "--cluster-name", clusterName,
        "--node-name", nodeName(i),
        "--allowed-origins", String.join(",", baseUrls())));
    options.addAll(nodeArgs.get(i));
    // `ip netns exec` execs the JVM: the process is the node itself, so signals reach it.
    processes[i] = ProcessCluster.startNode(List.of("ip", "netns", "exec", namespace(i)), options, logName(i));
  }

  /** Waits until node {@code i} answers /health with status UP and the given cluster size. */
  public void awaitHealthy(int i, int clusterSize) {
    ProcessCluster.awaitHealthy(nodeName(i), processes[i], baseUrl(i), clusterSize, log(i));
  }

  /** Isolates node {@code i} from the other nodes, both ways; the test still reaches it. */
  public void cut(int i) {
    for (int j = 0; j < size; j++) {
      if (j != i) {
        blackhole(i, address(j));
        blackhole(j, address(i));
      }
    }
  }

  private void blackhole(int node, String address) {
    if (blackholes.add(node + " " + address)) {
      run("ip", "-n", namespace(node), "route", "add", "blackhole", address + "/32");
    }
  }

  /** Removes every cut. */
  public void heal() {
    for (String entry : List.copyOf(blackholes)) {
      String[] parts = entry.split(" ");
      run("ip", "-n", namespace(Integer.parseInt(parts[0])), "route", "del", "blackhole", parts[1] + "/32");
      blackholes.remove(entry);
    }
  }

  /**
   * Latency and loss on the traffic between members only (the test's requests and the database's traffic are left
   * alone), in netem's words: {@code "delay 300ms loss 5%"}; each direction gets it once. This kernel has no
   * sch_netem, so member-to-member packets are routed through TUN devices to {@code scripts/netem-relay.py}, which
   * delays and drops them; the routes vanish with the relay.
   */
  public void netem(String args) {
    clearNetem();
    double delayMs = 0;
    double lossPercent = 0;
    String[] words = args.trim().split("\\s+");
    for (int w = 0; w + 1 < words.length; w += 2) {
      switch (words[w]) {
        case "delay" -> delayMs = Double.parseDouble(words[w + 1].replace("ms", ""));
        case "loss" -> lossPercent = Double.parseDouble(words[w + 1].replace("%", ""));
        default -> throw new IllegalArgumentException("netem: only 'delay Nms' and 'loss N%' are emulated: " + args);
      }
    }
    List<String> command = new ArrayList<>(List.of("python3", RELAY.toString(), "--delay-ms",
        String.valueOf(delayMs), "--loss-percent", String.valueOf(lossPercent)));
    for (int i = 0; i < size; i++) {
      command.add(namespace(i) + "=" + address(i));
    }
    try {
      relay = new ProcessBuilder(command).redirectErrorStream(true).start();
      String ready = new java.io.BufferedReader(new java.io.InputStreamReader(relay.getInputStream(),
          StandardCharsets.UTF_8)).readLine();
      if (!"ready".equals(ready)) {
        relay.waitFor(5, TimeUnit.SECONDS);
        throw new IllegalStateException("netem relay did not start: " + ready
            + new String(relay.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + RELAY, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    for (int i = 0; i < size; i++) {
      run("ip", "-n", namespace(i), "link", "set", "gvnetem", "up");
      for (int j = 0; j < size; j++) {
        if (j != i) {
          run("ip", "-n", namespace(i), "route", "add", address(j) + "/32", "dev", "gvnetem", "src", address(i));
        }
      }
    }
  }

  /** Back to the plain network (the relay's devices and routes go with it). */
  public void clearNetem() {
    if (relay != null) {
      relay.destroyForcibly();
      try {
        relay.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      relay = null;
    }
  }

  /** SIGSTOP: the node freezes (as in a long GC pause or a stalled VM); its sockets stay open. */
  public void pause(int i) {
    run("kill", "-STOP", String.valueOf(pid(i)));
  }

  /** SIGCONT. */
  public void resume(int i) {
    run("kill", "-CONT", String.valueOf(pid(i)));
  }

  /** SIGKILL: the node dies at once, without leaving the cluster. */
  public void kill(int i) {
    processes[i].destroyForcibly();
    try {
      if (!processes[i].waitFor(30, TimeUnit.SECONDS)) {
        throw new AssertionError(nodeName(i) + " did not die within 30 s of SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * The index of the Hazelcast master (the oldest member, first in the member list), asked of the running nodes by
   * a short-lived Hazelcast client from the test.
   */
  public int master() {
    com.hazelcast.client.config.ClientConfig config = new com.hazelcast.client.config.ClientConfig();
    config.setClusterName(clusterName);
    config.setProperty("hazelcast.logging.type", "none");
    config.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(30_000);
    for (int i = 0; i < size; i++) {
      if (isRunning(i)) {
        config.getNetworkConfig().addAddress(address(i) + ":" + CLUSTER_PORT);
      }
    }
    com.hazelcast.core.HazelcastInstance client = com.hazelcast.client.HazelcastClient.newHazelcastClient(config);
    try {
      String host = client.getCluster().getMembers().iterator().next().getAddress().getHost();
      for (int i = 0; i < size; i++) {
        if (address(i).equals(host)) {
          return i;
        }
      }
      throw new IllegalStateException("the master " + host + " is none of this cluster's nodes");
    } finally {
      client.shutdown();
    }
  }

  @Override
  public void close() {
    removeEverything();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs (or ran) anyway
    }
  }

  private synchronized void removeEverything() {
    clearNetem();
    ProcessCluster.killAndAwait(processes);
    // A namespace outlives `ip netns del` while the kernel still holds it (closing sockets): delete the veths
    // explicitly, or their root-namespace ends stay behind.
    for (int i = 0; i < size; i++) {
      exec("ip", "link", "del", "gv" + tag + "h" + (i + 1));
    }
    for (String ns : namespacesMade) {
      exec("ip", "netns", "del", ns);
    }
    namespacesMade.clear();
    if (bridgeMade) {
      exec("ip", "link", "del", bridge());
      bridgeMade = false;
    }
  }

  private record CommandResult(int code, String output) {
  }

  private static void run(String... command) {
    CommandResult result = exec(command);
    if (result.code != 0) {
      throw new IllegalStateException("`" + String.join(" ", command) + "` failed (" + result.code + "): "
          + result.output.strip());
    }
  }

  private static CommandResult exec(String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new CommandResult(-1, "timed out");
      }
      return new CommandResult(process.exitValue(), output);
    } catch (IOException e) {
      return new CommandResult(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new CommandResult(-1, "interrupted");
    }
  }
}
