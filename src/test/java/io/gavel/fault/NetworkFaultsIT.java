package io.gavel.fault;

import io.gavel.testing.NetnsCluster;
import io.gavel.testing.PgServer;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 10's network faults on one 3-node cluster in network namespaces with the PostgreSQL store, one scenario
 * after the other (each on an auction of its own, each starting from a whole cluster): a partition, a paused owner,
 * a slow lossy network, the master killed (last: it leaves two nodes). Under a bid storm through every node, none
 * may lose an acknowledged bid. {@code -Dgavel.faults.store=memory} runs the same scenarios on the memory store,
 * for comparison (expected to lose bids in the partition).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetworkFaultsIT {
  private final String store = System.getProperty("gavel.faults.store", "postgresql");
  private NetnsCluster net;
  private PgServer pg;
  private Vertx vertx;
  private NetworkScenarios scenarios;

  @BeforeAll
  void start() {
    net = NetnsCluster.create("netfaults-" + store, 3);
    if (store.equals("postgresql")) {
      pg = PgServer.start("netfaults", net.hostAddress());
      net.allNodeArgs("--store", pg.url());
    }
    net.allNodeArgs("--min-cluster-size", "2").startAll();
    vertx = Vertx.vertx();
    scenarios = new NetworkScenarios(net, vertx, store);
  }

  @AfterAll
  void stop() {
    if (vertx != null) {
      vertx.close().await();
    }
    if (net != null) {
      net.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  @Test
  @Order(1)
  void aNodeCutOffFor25SecondsUnderLoadLosesNothingAndMerges() throws Exception {
    scenarios.partition(2, Duration.ofSeconds(25), false);
  }

  @Test
  @Order(2)
  void theOwnerOfAHotAuctionPausedFor15SecondsLosesNothing() throws Exception {
    scenarios.pauseOwner(Duration.ofSeconds(15));
  }

  @Test
  @Order(3)
  void latencyAndLossBetweenMembersFor20SecondsLosesNothing() throws Exception {
    scenarios.slowLossyNetwork("delay 300ms loss 5%", Duration.ofSeconds(20));
  }

  @Test
  @Order(4)
  void killingTheMasterUnderLoadLosesNothing() throws Exception {
    scenarios.killMaster();
  }
}
