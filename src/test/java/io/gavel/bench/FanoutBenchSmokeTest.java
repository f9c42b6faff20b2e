package io.gavel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.Http;
import io.gavel.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A few seconds of the benchmark tool against two nodes, over the bridge and by long polling: it measures. */
class FanoutBenchSmokeTest {

  @Test
  void theBenchmarkToolMeasuresBothTransportsAndDrawsItsChart() throws Exception {
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
        assertThat(out.resolve("smoke_" + mode + ".json")).exists();
      }
      // The bridge holds one cluster registration per node for an auction, whatever the number of browsers.
      assertThat(Files.size(out.resolve("latency.png"))).isGreaterThan(1000);
      assertThat(Http.get(cluster.baseUrl(0) + "/ops/subscriptions?address=auctions").json()
          .getInteger("registrations")).isZero();
    }
  }
}
