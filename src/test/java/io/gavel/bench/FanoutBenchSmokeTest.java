package io.gavel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.Http;
import io.gavel.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A few seconds of the benchmark tool against two nodes, over the bridge and by long polling, then over the bridge
 * with hung clients: it measures.
 */
class FanoutBenchSmokeTest {

  @Test
  void theBenchmarkToolMeasuresBothTransportsAndHungClients() throws Exception {
    System.setProperty("java.awt.headless", "true");
    Path out = Path.of("target", "bench-smoke");
    try (TestCluster cluster = TestCluster.start(2)) {
      String nodes = cluster.baseUrl(0) + "," + cluster.baseUrl(1);
      for (String mode : new String[] {"ws", "lp"}) {
        JsonObject result = FanoutBench.run(FanoutBench.Options.parse(new String[] {
            "--nodes", nodes, "--mode", mode, "--clients", "100", "--rate", "20", "--duration", "3", "--warmup", "1",
            "--out", out.toString(), "--label", "smoke " + mode}));
        assertThat(result.getLong("events")).as(mode).isGreaterThan(30);
        assertThat(result.getLong("expected")).isEqualTo(result.getLong("events") * 100);
        assertThat(result.getLong("lost")).as("%s lost nothing: %s", mode, result).isZero();
        assertThat(result.getLong("p99Ms")).isLessThanOrEqualTo(result.getLong("maxMs"));
        assertThat(result.getJsonArray("perNode")).hasSize(2);
        assertThat(result.getLong("deliveriesPerServerCpuSecond")).isPositive();
        assertThat(out.resolve("smoke_" + mode + ".json")).exists();
      }
      // A fifth of the clients stop reading after the first event: the figures are the others', memory beside them.
      JsonObject hung = FanoutBench.run(FanoutBench.Options.parse(new String[] {
          "--nodes", nodes, "--mode", "ws", "--clients", "100", "--rate", "20", "--duration", "3", "--warmup", "1",
          "--hung-percent", "20", "--out", out.toString(), "--label", "smoke hung"}));
      assertThat(hung.getInteger("hungClients")).isEqualTo(20);
      assertThat(hung.getLong("clientsReady")).as("every client, hung or not, got the first event").isEqualTo(100);
      assertThat(hung.getLong("expected")).isEqualTo(hung.getLong("events") * 80);
      assertThat(hung.getLong("lost")).as("healthy clients lost nothing: %s", hung).isZero();
      assertThat(hung.getLong("healthyClosed")).isZero();
      JsonObject memory = hung.getJsonArray("perNode").getJsonObject(0).getJsonObject("memory");
      assertThat(memory.getDouble("heapMbBefore")).as("%s", memory).isPositive();
      assertThat(memory.getDouble("heapMbPeak")).isGreaterThanOrEqualTo(memory.getDouble("heapMbBefore"));
      assertThat(memory.getDouble("directMbPeak")).isNotNull();
      assertThat(memory.getDouble("kernelSendQueueMbPeak")).isNotNull();
      // The bridge holds one cluster registration per node for an auction, whatever the number of browsers.
      assertThat(Http.get(cluster.baseUrl(0) + "/ops/subscriptions?address=auctions").json()
          .getInteger("registrations")).isZero();
    }
  }
}
