package io.gavel.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
      // ws: the raw WebSocket endpoint; sockjs: SockJS over WebSocket, as the page connects; lp: long polling.
      for (String mode : new String[] {"ws", "sockjs", "lp"}) {
        JsonObject result = FanoutBench.run(FanoutBench.Options.parse(new String[] {
            "--nodes", nodes, "--mode", mode.equals("sockjs") ? "ws" : mode, "--transport",
            mode.equals("sockjs") ? "sockjs" : "raw", "--clients", "100", "--rate", "20", "--duration", "3",
            "--warmup", "1", "--out", out.toString(), "--label", "smoke " + mode}));
        assertThat(result.getString("transport"))
            .isEqualTo(mode.equals("ws") ? "raw" : mode.equals("lp") ? "long-polling" : "sockjs");
        assertThat(result.getLong("events")).as(mode).isGreaterThan(30);
        assertThat(result.getLong("expected")).isEqualTo(result.getLong("events") * 100);
        assertThat(result.getLong("lost")).as("%s lost nothing: %s", mode, result).isZero();
        assertThat(result.getLong("p99Ms")).isLessThanOrEqualTo(result.getLong("maxMs"));
        assertThat(result.getJsonArray("perNode")).hasSize(2);
        assertThat(result.getLong("deliveriesPerServerCpuSecond")).isPositive();
        assertThat(out.resolve("smoke_" + mode + ".json")).exists();
        // Per-thread CPU over the measured interval, for lining a JFR recording up with it (benchmarks/JfrBreakdown).
        assertThat(result.getLong("measureEndEpochMs")).isGreaterThan(result.getLong("measureStartEpochMs"));
        JsonObject first = result.getJsonArray("perNode").getJsonObject(0);
        assertThat(first.getLong("pid")).isEqualTo(ProcessHandle.current().pid());
        assertThat(first.getJsonArray("threadCpu").stream().map(JsonObject.class::cast)
            .filter(t -> t.getString("name").startsWith("vert.x-eventloo"))
            .mapToDouble(t -> t.getDouble("userSeconds") + t.getDouble("systemSeconds")).sum())
            .as("the event loops that served the clients used CPU in the window").isPositive();
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

  /**
   * Idle mode: clients from two load-generator processes over three loopback source addresses, memory measured
   * after full collections, then single events that every client gets.
   */
  @Test
  void idleModeMeasuresMemoryPerConnectionAndOneEventToAll() throws Exception {
    Path out = Path.of("target", "bench-smoke");
    try (TestCluster cluster = TestCluster.start(1)) {
      JsonObject result = FanoutBench.run(FanoutBench.Options.parse(new String[] {
          "--nodes", cluster.baseUrl(0), "--mode", "idle", "--clients", "60", "--client-processes", "2",
          "--source-addresses", "3", "--events", "2", "--out", out.toString(), "--label", "smoke idle"}));
      assertThat(result.getLong("connected")).as("%s", result).isEqualTo(60);
      assertThat(result.getLong("clientsReady")).isEqualTo(60);
      assertThat(result.getLong("lost")).isZero();
      assertThat(result.getJsonArray("events")).hasSize(2);
      assertThat(result.getJsonArray("events").getJsonObject(1).getLong("received")).isEqualTo(60);
      assertThat(result.getLong("p99Ms")).isLessThanOrEqualTo(result.getLong("maxMs"));
      JsonObject node = result.getJsonArray("perNode").getJsonObject(0);
      // Each worker's 30 clients take 127.0.0.1, .2 and .3 in turn (the tool's own HTTP calls come from .1).
      assertThat(node.getJsonObject("peerAddresses").getInteger("127.0.0.2")).as("%s", node).isEqualTo(20);
      assertThat(node.getJsonObject("peerAddresses").getInteger("127.0.0.3")).isEqualTo(20);
      assertThat(node.getDouble("heapUsedAfterGcMbAfter")).isPositive();
      assertThat(node.getJsonArray("topClassesPerConnection")).isNotEmpty();
      assertThat(node.getJsonObject("liveBytesPerConnectionByOwner").getDouble("total")).isNotNull();
      assertThat(out.resolve("smoke_idle.json")).exists();

      // The same through SockJS over WebSocket, as the page's sockjs-client connects.
      JsonObject sockJs = FanoutBench.run(FanoutBench.Options.parse(new String[] {
          "--nodes", cluster.baseUrl(0), "--mode", "idle", "--clients", "30", "--transport", "sockjs",
          "--events", "1", "--out", out.toString(), "--label", "smoke idle sockjs"}));
      assertThat(sockJs.getLong("clientsReady")).as("%s", sockJs).isEqualTo(30);
      assertThat(sockJs.getLong("lost")).isZero();
    }
  }

  @Test
  void idleModeRefusesMoreClientsPerProcessThanItMayOpenFiles() throws Exception {
    assumeTrue(IdleFanout.openFilesLimit(ProcessHandle.current().pid()) < 1_000_000, "a million files allowed here");
    assertThatThrownBy(() -> FanoutBench.run(FanoutBench.Options.parse(new String[] {
        "--nodes", "http://127.0.0.1:1", "--mode", "idle", "--clients", "1000000", "--client-processes", "1",
        "--source-addresses", "254"})))
        .hasMessageContaining("open-files limit").hasMessageContaining("--client-processes");
  }
}
