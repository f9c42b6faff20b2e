package io.gavel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.JoinConfig;
import io.gavel.config.NodeConfig;
import io.gavel.node.GavelNode;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --kubernetes-service-dns}: Hazelcast's Kubernetes discovery in DNS lookup mode finds the members the name
 * resolves to. Here the name is {@code localhost} (127.0.0.1) and the joining member listens on 127.0.0.2 with the
 * same port, as pods behind one headless Service do: it finds the first member through DNS alone.
 */
class KubernetesJoinTest {
  @TempDir
  Path dir;

  @Test
  void aMemberJoinsTheAddressesTheServiceNameResolvesTo() throws IOException {
    int port = TestCluster.freePorts(1)[0];
    String cluster = "gavel-k8s-test-" + UUID.randomUUID();
    List<GavelNode> nodes = new ArrayList<>();
    try {
      nodes.add(start(cluster, "node1", "127.0.0.1", port, "--cluster-members", "127.0.0.1:" + port));
      nodes.add(start(cluster, "node2", "127.0.0.2", port, "--kubernetes-service-dns", "localhost"));
      Wait.until("both members see each other", Duration.ofSeconds(60),
          () -> nodes.stream().allMatch(n -> n.clusterSize() == 2));

      JoinConfig tcpIp = nodes.get(0).hazelcast().getConfig().getNetworkConfig().getJoin();
      assertThat(tcpIp.getTcpIpConfig().isEnabled()).as("the default join stays TCP-IP").isTrue();
      assertThat(tcpIp.getKubernetesConfig().isEnabled()).isFalse();
      JoinConfig kubernetes = nodes.get(1).hazelcast().getConfig().getNetworkConfig().getJoin();
      assertThat(kubernetes.getTcpIpConfig().isEnabled()).isFalse();
      assertThat(kubernetes.getKubernetesConfig().isEnabled()).isTrue();
      assertThat(kubernetes.getKubernetesConfig().getProperty("service-dns")).isEqualTo("localhost");
      assertThat(kubernetes.getKubernetesConfig().getProperty("service-port")).isEqualTo(String.valueOf(port));
      assertThat(nodes.get(1).hazelcast().getCluster().getLocalMember().getAddress().getHost())
          .isEqualTo("127.0.0.2");
    } finally {
      for (GavelNode node : nodes) {
        node.stop().await();
      }
    }
  }

  /**
   * Pods have an address each; loopback here has one interface (127.0.0.1) that Hazelcast knows of, so each member
   * gets a config directory whose hazelcast.xml names its address outright and binds only that address.
   */
  private GavelNode start(String cluster, String name, String host, int port, String... join) throws IOException {
    Path conf = Files.createDirectory(dir.resolve(name));
    for (String file : List.of("gavel.json", "users.json")) {
      Files.copy(Path.of("conf", file), conf.resolve(file));
    }
    Files.writeString(conf.resolve("hazelcast.xml"), Files.readString(Path.of("conf", "hazelcast.xml"))
        .replace("<properties>", "<properties>"
            + "<property name=\"hazelcast.socket.bind.any\">false</property>"
            + "<property name=\"hazelcast.local.localAddress\">" + host + "</property>"));
    List<String> args = new ArrayList<>(List.of("--conf", conf.toString(),
        "--http-port", String.valueOf(TestCluster.freePorts(1)[0]),
        "--http-host", "127.0.0.1", "--cluster-host", host, "--cluster-port", String.valueOf(port),
        "--cluster-name", cluster, "--node-name", name, "--no-demo"));
    args.addAll(List.of(join));
    return GavelNode.start(NodeConfig.load(args.toArray(String[]::new),
        Map.of("GAVEL_JWT_SECRET", TestCluster.JWT_SECRET))).await();
  }
}
