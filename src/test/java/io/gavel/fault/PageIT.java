package io.gavel.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.NodeScript;
import io.gavel.testing.ProcessCluster;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Runs the page's browser tests (src/test/e2e, Debian Chromium via playwright-core) against two real node
 * processes: first the auction rules on the page (features.e2e.mjs: creating, proxy bidding, buy it now, cancel,
 * reserve, presence, a clean console), then catchup.e2e.mjs (the page fetches skipped events from the history, also
 * a gap pushed while it was already fetching one), then page.e2e.mjs, which gets node1's pid so it can kill node1
 * and watch the page fail over to node2. One cluster for all: the failover test ends it.
 */
class PageIT {

  @Test
  void thePageWorksInARealBrowserAcrossNodesAndFailsOver() throws Exception {
    try (ProcessCluster cluster = ProcessCluster.start("page", 2)) {
      String features = NodeScript.run("features.e2e.mjs", Duration.ofMinutes(2), cluster.baseUrl(0),
          cluster.baseUrl(1));
      assertThat(features).contains("[features] passed");
      String catchup = NodeScript.run("catchup.e2e.mjs", Duration.ofMinutes(1), cluster.baseUrl(1));
      assertThat(catchup).contains("[catchup] passed");
      String output = NodeScript.run("page.e2e.mjs", Duration.ofMinutes(3), cluster.baseUrl(0), cluster.baseUrl(1),
          String.valueOf(cluster.pid(0)), Path.of("target", "e2e").toAbsolutePath().toString());
      assertThat(output).contains("[e2e] passed");
      assertThat(Path.of("target", "e2e", "page-node2.png")).exists();
    }
  }
}
