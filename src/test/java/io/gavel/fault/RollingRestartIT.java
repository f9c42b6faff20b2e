package io.gavel.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.BidLoad;
import io.gavel.testing.BridgeClient;
import io.gavel.testing.History;
import io.gavel.testing.Http;
import io.gavel.testing.ProcessCluster;
import io.gavel.testing.Wait;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Every node is stopped with SIGTERM and restarted in turn while clients bid: nothing acknowledged is lost. */
class RollingRestartIT {

  @Test
  void aRollingRestartUnderLoadLosesNoAcknowledgedBid() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (ProcessCluster cluster = ProcessCluster.start("rolling", 3, "--min-cluster-size", "2")) {
      Map<String, String> tokens = Http.loginDemoUsers(cluster.baseUrl(0));
      String id = Http.createAuction(cluster.baseUrl(0), tokens.get("alice"), 600);
      List<String> urls = IntStream.range(0, 3).mapToObj(cluster::baseUrl).toList();
      BidLoad load = BidLoad.start(vertx, urls, id, tokens, 3, 3, Duration.ofSeconds(150));
      Wait.until("bids flow", Duration.ofSeconds(30), () -> load.acks().size() >= 20);

      List<Long> stopMillis = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        BridgeClient browser = BridgeClient.connect(vertx, cluster.baseUrl(i));
        browser.register("auction." + id);
        long stopping = System.nanoTime();
        assertThat(cluster.stop(i)).as("node%d exits 0 after SIGTERM", i + 1).isZero();
        stopMillis.add((System.nanoTime() - stopping) / 1_000_000);
        Wait.until("the bridged socket is closed", Duration.ofSeconds(10), browser::isClosed);
        assertThat(browser.closeStatus()).as("a clean close frame: going away").isEqualTo((short) 1001);

        cluster.launch(i);
        cluster.awaitHealthy(i, 3);
        String restarted = cluster.baseUrl(i);
        Wait.until("partitions are safe before the next restart", Duration.ofSeconds(30),
            () -> Http.get(restarted + "/health").json().getBoolean("clusterSafe"));
        int acks = load.acks().size();
        Wait.until("bids flow after node" + (i + 1) + " came back", Duration.ofSeconds(30),
            () -> load.acks().size() >= acks + 20);
      }
      load.stop();

      History history = History.read(cluster.baseUrl(0), id).assertWellFormed().assertContains(load.acks());
      System.out.printf("RollingRestartIT: bids acknowledged %d, found %d (%d accepted in all); attempts %d, "
              + "refused as too low %d, failed or unreachable %d; SIGTERM-to-exit per node %s ms%n",
          load.acks().size(), load.acks().size(), history.bids().size(), load.attempts(), load.refused(),
          load.failed(), stopMillis);
      assertThat(history.bids()).hasSizeGreaterThanOrEqualTo(load.acks().size());
    } finally {
      vertx.close().await();
    }
  }
}
