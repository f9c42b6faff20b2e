package io.gavel.testing;

import io.gavel.config.NodeConfig;
import io.gavel.node.GavelNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * N real Gavel nodes in this JVM, each a clustered Vert.x with its own Hazelcast member on free loopback ports,
 * joined by TCP-IP under a cluster name of their own (so they never merge with anything else on the machine).
 */
public final class TestCluster implements AutoCloseable {
  public static final String JWT_SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

  private final List<GavelNode> nodes = new ArrayList<>();

  public static TestCluster start(int size) {
    return start(new String[size][0]);
  }

  /** One node per entry, each started with the extra options given for it. */
  public static TestCluster start(String[][] nodeArgs) {
    int size = nodeArgs.length;
    String clusterName = "gavel-test-" + UUID.randomUUID();
    int[] clusterPorts = freePorts(size);
    String members = java.util.Arrays.stream(clusterPorts).mapToObj(p -> "127.0.0.1:" + p)
        .collect(Collectors.joining(","));
    TestCluster cluster = new TestCluster();
    try {
      for (int i = 0; i < size; i++) {
        List<String> args = new ArrayList<>(List.of(
            "--http-port", String.valueOf(freePorts(1)[0]),
            "--cluster-port", String.valueOf(clusterPorts[i]),
            "--cluster-members", members,
            "--cluster-name", clusterName,
            "--node-name", "node" + (i + 1),
            "--no-demo",
            // Tests log in and bid far faster than people; the limits themselves are tested on their own
            // (SecurityTest), with the defaults put back by a later --set.
            "--set", "limits.loginBurstPerIp=100000", "--set", "limits.loginBurstPerUser=100000",
            "--set", "limits.bidsPerSecondPerUser=100000", "--set", "limits.bidBurstPerUser=100000",
            "--set", "limits.auctionBurstPerUser=100000"));
        args.addAll(List.of(nodeArgs[i]));
        NodeConfig config = NodeConfig.load(args.toArray(String[]::new), Map.of("GAVEL_JWT_SECRET", JWT_SECRET));
        // Nodes start one after the other: each must join the cluster the previous ones formed.
        cluster.nodes.add(GavelNode.start(config).await());
      }
      Wait.until("all " + size + " members see each other and partitions are safe", Duration.ofSeconds(60),
          () -> cluster.nodes.stream().allMatch(n -> n.clusterSize() == size
              && n.hazelcast().getPartitionService().isClusterSafe()));
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  public GavelNode node(int i) {
    return nodes.get(i);
  }

  public List<GavelNode> nodes() {
    return nodes;
  }

  public String baseUrl(int i) {
    return "http://127.0.0.1:" + nodes.get(i).config().httpPort();
  }

  @Override
  public void close() {
    for (GavelNode node : nodes) {
      try {
        node.stop().await();
      } catch (RuntimeException e) {
        // keep closing the others
      }
    }
  }

  /**
   * Free ports below Linux's ephemeral range (32768 and up), so that no outgoing connection or port-0 listener of
   * this or another process can take one between choosing it and binding it.
   */
  public static int[] freePorts(int count) {
    int[] ports = new int[count];
    java.util.Random random = new java.util.Random();
    for (int i = 0; i < count; i++) {
      while (ports[i] == 0) {
        int candidate = 20_000 + random.nextInt(12_000);
        try (ServerSocket socket = new ServerSocket(candidate, 50, java.net.InetAddress.getLoopbackAddress())) {
          int chosen = socket.getLocalPort();
          if (java.util.Arrays.stream(ports).noneMatch(p -> p == chosen)) {
            ports[i] = chosen;
          }
        } catch (IOException taken) {
          // try another
        }
      }
    }
    return ports;
  }

}
