package io.gavel.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * N real Gavel nodes as separate {@code java -jar target/gavel.jar} processes on loopback, for fault tests: start,
 * wait until healthy, stop gracefully (SIGTERM) or kill (SIGKILL), restart on the same ports. Each node logs to
 * {@code target/it-logs/<name>-nodeN.log}.
 */
public final class ProcessCluster implements AutoCloseable {
  private static final Path JAR = Path.of("target", "gavel.jar");
  private static final Duration STARTUP = Duration.ofSeconds(60);

  private final String name;
  private final String clusterName = "gavel-it-" + UUID.randomUUID();
  private final int[] httpPorts;
  private final int[] clusterPorts;
  private final Process[] processes;
  private final List<String> extraArgs;
  /** Null unless the nodes sit behind a load balancer on 127.0.0.1 (see {@link #startBehindProxy}). */
  private final int[] managementPorts;

  private ProcessCluster(String name, int size, List<String> extraArgs, boolean behindProxy) {
    this.name = name;
    this.httpPorts = TestCluster.freePorts(size);
    this.clusterPorts = TestCluster.freePorts(size);
    this.processes = new Process[size];
    this.extraArgs = extraArgs;
    this.managementPorts = behindProxy ? TestCluster.freePorts(size) : null;
  }

  /** Starts {@code size} nodes one after the other and waits until every one reports the full cluster. */
  public static ProcessCluster start(String name, int size, String... extraArgs) {
    return start(new ProcessCluster(name, size, List.of(extraArgs), false));
  }

  /**
   * Nodes for a load balancer running on 127.0.0.1 that sends the PROXY protocol: they trust 127.0.0.1 (and so
   * serve nothing else on their HTTP ports), and each has a management port, where the cluster checks health.
   */
  public static ProcessCluster startBehindProxy(String name, int size, String... extraArgs) {
    return start(new ProcessCluster(name, size, List.of(extraArgs), true));
  }

  private static ProcessCluster start(ProcessCluster cluster) {
    int size = cluster.size();
    try {
      for (int i = 0; i < size; i++) {
        cluster.launch(i);
        cluster.awaitHealthy(i, i + 1);
      }
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  public int size() {
    return processes.length;
  }

  /** The cluster name and member list the nodes join with, for other processes that join them. */
  public String clusterName() {
    return clusterName;
  }

  public List<String> clusterMembers() {
    return java.util.Arrays.stream(clusterPorts).mapToObj(p -> "127.0.0.1:" + p).toList();
  }

  public String baseUrl(int i) {
    return "http://127.0.0.1:" + httpPorts[i];
  }

  /** The management listener's URL ({@link #startBehindProxy} only). */
  public String managementUrl(int i) {
    return "http://127.0.0.1:" + managementPorts[i];
  }

  private String healthUrl(int i) {
    return managementPorts == null ? baseUrl(i) : managementUrl(i);
  }

  public long pid(int i) {
    return processes[i].pid();
  }

  public boolean isRunning(int i) {
    return processes[i] != null && processes[i].isAlive();
  }

  /** (Re)starts node {@code i} on its ports. */
  public void launch(int i) {
    if (isRunning(i)) {
      throw new IllegalStateException("node" + (i + 1) + " is running");
    }
    String members = String.join(",", clusterMembers());
    List<String> options = new ArrayList<>(List.of(
        "--http-port", String.valueOf(httpPorts[i]),
        "--cluster-port", String.valueOf(clusterPorts[i]),
        "--cluster-members", members,
        "--cluster-name", clusterName,
        "--node-name", "node" + (i + 1),
        "--allowed-origins", java.util.Arrays.stream(httpPorts).mapToObj(p -> "http://127.0.0.1:" + p)
            .collect(Collectors.joining(","))));
    if (managementPorts != null) {
      options.addAll(List.of("--trusted-proxies", "127.0.0.1", "--management-port", String.valueOf(managementPorts[i])));
    }
    options.addAll(extraArgs);
    processes[i] = startNode(List.of(), options, name + "-node" + (i + 1));
  }

  /**
   * Starts one node process: {@code prefix} (e.g. {@code ip netns exec NS}), then this JVM's {@code java} with small
   * test-JVM flags running the jar, with the test options (no demo auctions, limits far above what tests send) and
   * then {@code options} (later options win). Logs to {@code target/it-logs/<logName>.log}, appending.
   */
  public static Process startNode(List<String> prefix, List<String> options, String logName) {
    if (!Files.exists(JAR)) {
      throw new IllegalStateException(JAR + " is missing: fault tests run after `package` (mvn verify)");
    }
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-jar", JAR.toAbsolutePath().toString(),
        "--no-demo",
        // Tests log in and bid far faster than people; the limits themselves are tested on their own
        // (SecurityTest), with the defaults put back by a later --set.
        "--set", "limits.loginBurstPerIp=100000", "--set", "limits.loginBurstPerUser=100000",
        "--set", "limits.bidsPerSecondPerUser=100000", "--set", "limits.bidBurstPerUser=100000",
        "--set", "limits.auctionBurstPerUser=100000"));
    command.addAll(options);
    try {
      File log = logFile(logName).toFile();
      Files.createDirectories(log.toPath().getParent());
      ProcessBuilder builder = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
      builder.environment().put("GAVEL_JWT_SECRET", TestCluster.JWT_SECRET);
      return builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + logName, e);
    }
  }

  public static Path logFile(String logName) {
    return Path.of("target", "it-logs", logName + ".log");
  }

  /** Waits until node {@code i} answers /health with status UP and the given cluster size. */
  public void awaitHealthy(int i, int clusterSize) {
    awaitHealthy("node" + (i + 1), processes[i], healthUrl(i), clusterSize, logFile(name + "-node" + (i + 1)));
  }

  /** Waits until a node process answers /health with status UP and the given cluster size; fails if it exits. */
  public static void awaitHealthy(String node, Process process, String baseUrl, int clusterSize, Path log) {
    Wait.until(node + " is UP in a cluster of " + clusterSize, STARTUP, () -> {
      if (process == null || !process.isAlive()) {
        throw new AssertionError(node + (process == null ? " was never started" : " exited with "
            + process.exitValue()) + "; see " + log);
      }
      try {
        Http.Response health = Http.get(baseUrl + "/health");
        return health.status() == 200 && health.json().getInteger("clusterSize") == clusterSize;
      } catch (IllegalStateException notYetListening) {
        return false;
      }
    });
  }

  /** SIGKILL: the node dies at once, without leaving the cluster. */
  public void kill(int i) {
    processes[i].destroyForcibly();
    awaitExit(i);
  }

  /** SIGKILL to several nodes at once: every signal is sent before waiting for any of them to exit. */
  public void killAll(int... nodes) {
    for (int i : nodes) {
      processes[i].destroyForcibly();
    }
    for (int i : nodes) {
      awaitExit(i);
    }
  }

  /** SIGTERM: a graceful stop. Returns the exit code. */
  public int stop(int i) {
    processes[i].destroy();
    return awaitExit(i);
  }

  private int awaitExit(int i) {
    try {
      if (!processes[i].waitFor(40, TimeUnit.SECONDS)) {
        processes[i].destroyForcibly().waitFor();
        throw new AssertionError("node" + (i + 1) + " did not exit within 40 s");
      }
      return processes[i].exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    killAndAwait(processes);
  }

  /** SIGKILL to every running process first, then waits (up to 10 s each) for them to exit. Nulls are skipped. */
  static void killAndAwait(Process[] processes) {
    for (Process process : processes) {
      if (process != null && process.isAlive()) {
        process.destroyForcibly();
      }
    }
    for (Process process : processes) {
      try {
        if (process != null) {
          process.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
