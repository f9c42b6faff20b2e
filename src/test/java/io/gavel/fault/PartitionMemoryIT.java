package io.gavel.fault;

import io.gavel.testing.NetnsCluster;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 scenario (a) on the memory store with split-brain protection (--min-cluster-size 2): node 3 cut off for
 * 25 s under a bid storm, /health probed 4×/s on every node. Asserts what the memory store promises (every
 * acknowledged bid is kept except those the cut-off member decided before it noticed the cut; the minority refuses
 * once it notices; the sides merge within ~30 s; probes answered promptly) and prints what it does not: how long the
 * minority still acknowledged bids, how many bids were at risk and how many were lost.
 */
class PartitionMemoryIT {

  @Test
  void theMinorityRefusesOnceItNoticesAndTheMajorityKeepsEveryAcknowledgedBid() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (NetnsCluster net = NetnsCluster.create("partition-memory", 3)) {
      net.allNodeArgs("--min-cluster-size", "2").startAll();
      new NetworkScenarios(net, vertx, "memory").partition(2, Duration.ofSeconds(25), true);
    } finally {
      vertx.close().await();
    }
  }
}
