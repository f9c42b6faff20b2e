package io.gavel.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.Http;
import io.gavel.testing.NodeScript;
import io.gavel.testing.ProcessCluster;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * docker/compose.yaml's topology without Docker: three node processes behind Debian's HAProxy running
 * docker/haproxy.cfg. Also checks the compose file against the Compose schema and the HAProxy config with
 * {@code haproxy -c}, since no Docker engine runs here. HAProxy speaks the PROXY protocol to the nodes, which
 * trust it (per-client limits through it: {@link ProxyProtocolIT}).
 */
class LoadBalancerIT {
  private static final Path HAPROXY_CFG = Path.of("docker", "haproxy.cfg");

  @Test
  void theComposeFileIsValidAndDescribesTheTopology() throws Exception {
    String output = NodeScript.run("compose.check.mjs", Duration.ofMinutes(1),
        Path.of("docker", "compose.yaml").toAbsolutePath().toString());
    assertThat(output).contains("[compose] valid");
  }

  @Test
  void threeNodesBehindHaproxyServeBrowsersOnEveryTransportAndDrainAStoppingNode() throws Exception {
    try (ProcessCluster cluster = ProcessCluster.startBehindProxy("lb", 3, "--min-cluster-size", "2")) {
      int lbPort = TestCluster.freePorts(1)[0];
      Map<String, String> env = new HashMap<>();
      env.put("LB_BIND", "127.0.0.1:" + lbPort);
      for (int i = 0; i < 3; i++) {
        env.put("NODE" + (i + 1) + "_ADDR", cluster.baseUrl(i).substring("http://".length()));
      }
      assertThat(haproxy(env, "-c").waitFor()).as("haproxy -c accepts docker/haproxy.cfg").isZero();

      Process lb = haproxy(env, "-db");
      try {
        String url = "http://127.0.0.1:" + lbPort;
        Wait.until("the load balancer serves", Duration.ofSeconds(20), () -> {
          try {
            return Http.get(url + "/health").status() == 200;
          } catch (IllegalStateException notYet) {
            return false;
          }
        });
        assertThat(Http.get(url + "/ops/process").status()).as("operator routes stay inside").isEqualTo(403);
        assertThat(Http.get(url + "/metrics").status()).isEqualTo(403);
        // Pages served through the load balancer call it as their own origin.
        String output = NodeScript.run("lb.e2e.mjs", Duration.ofMinutes(2), url);
        assertThat(output).contains("[lb] passed");

        // A node stopping gracefully is drained: clients of the load balancer see no error meanwhile.
        Thread stopper = new Thread(() -> cluster.stop(0));
        stopper.start();
        int errors = 0;
        int requests = 0;
        while (stopper.isAlive() || requests < 50) {
          requests++;
          if (Http.get(url + "/api/auctions").status() != 200) {
            errors++;
          }
        }
        stopper.join();
        assertThat(errors).as("errors in %d requests while a node stopped", requests).isZero();
      } finally {
        lb.destroy();
        lb.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  static Process haproxy(Map<String, String> env, String mode) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("haproxy", mode, "-f", HAPROXY_CFG.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of("target", "it-logs", "haproxy.log").toFile()));
    builder.environment().putAll(env);
    return builder.start();
  }
}
