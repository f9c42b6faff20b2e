package io.gavel.fault;

import io.gavel.testing.BidLoad;
import io.gavel.testing.Checker;
import io.gavel.testing.Http;
import io.gavel.testing.NetnsCluster;
import io.gavel.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 scenario (c): node 2's clock 8 s ahead, node 3's 8 s behind (node 1, started first, is the master and
 * keeps true time). A 20 s auction under a bid storm through every node until after its end: bids are accepted
 * through every node until {@code endsAt}, none after it, and it closes exactly once within 1.5 s after
 * {@code endsAt} — all as seen by the test's own clock, which is the truth here.
 */
class ClockSkewIT {
  private static final long CLOSE_WITHIN_MILLIS = 1500;
  /** The test's clock and the cluster's may differ by a few ms (the cluster's follows the master's estimate). */
  private static final long SLACK_MILLIS = 50;

  @Test
  void aTwentySecondAuctionIsOpenUntilItsEndThroughEveryNodeAndClosesOnceOnTime() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (NetnsCluster net = NetnsCluster.create("clock-skew", 3)) {
      net.nodeArgs(1, "--clock-offset-ms", "8000").nodeArgs(2, "--clock-offset-ms", "-8000").startAll();
      NetworkScenarios.Failures failures = new NetworkScenarios.Failures();
      Map<String, String> tokens = Http.loginDemoUsers(net.baseUrl(0));
      JsonObject created = Http.post(net.baseUrl(0) + "/api/auctions", new JsonObject().put("title", "Skewed lot")
          .put("currency", "EUR").put("startingPrice", 100).put("minIncrement", 1).put("durationSeconds", 20)
          .encode(), tokens.get("alice")).json();
      String id = created.getString("id");
      long createdAt = System.currentTimeMillis();
      long endsAt = created.getLong("endsAt");
      failures.expect(Math.abs(endsAt - (createdAt + 20_000)) < 1000, "endsAt " + endsAt + " is not 20 s after "
          + "the creation at " + createdAt + " by the test's clock (" + (endsAt - createdAt - 20_000) + " ms off)");

      BidLoad load = BidLoad.start(vertx, net.baseUrls(), id, tokens, 3, 3,
          Duration.ofMillis(endsAt + 3000 - System.currentTimeMillis()));
      long[] closedSeen = {0};
      Wait.until("the auction is closed", Duration.ofMillis(endsAt + 15_000 - System.currentTimeMillis()), () -> {
        boolean closed = "CLOSED".equals(Http.get(net.baseUrl(0) + "/api/auctions/" + id).json()
            .getString("status"));
        closedSeen[0] = System.currentTimeMillis();
        return closed;
      });
      load.awaitEnd();

      List<BidLoad.Ack> acks = load.acks();
      long closeDelay = closedSeen[0] - endsAt;
      List<BidLoad.Ack> late = acks.stream().filter(a -> a.sentAtMillis() > endsAt + SLACK_MILLIS).toList();
      List<BidLoad.Attempt> closedEarly = load.outcomes().stream()
          .filter(o -> o.status() == 410 && o.atMillis() < endsAt - SLACK_MILLIS).toList();
      StringBuilder perNode = new StringBuilder();
      for (int i = 0; i < net.size(); i++) {
        int node = i;
        long lastThree = acks.stream().filter(a -> a.node() == node && a.sentAtMillis() >= endsAt - 3000
            && a.sentAtMillis() < endsAt).count();
        long lastAck = acks.stream().filter(a -> a.node() == node).mapToLong(BidLoad.Ack::sentAtMillis).max()
            .orElse(0);
        long early = closedEarly.stream().filter(o -> o.node() == node).count();
        perNode.append(String.format(" node%d: %d acks in the last 3 s, last ack sent %+d ms from endsAt, %d "
            + "refused as closed before endsAt;", node + 1, lastThree, lastAck - endsAt, early));
        failures.expect(lastThree > 0, "node" + (node + 1) + " acknowledged no bid sent in the last 3 s before "
            + "endsAt");
      }
      Checker.Report report = Checker.check(net.urlsByNode(), id, acks, true);
      System.out.printf("ClockSkewIT (c) [memory store, node2 +8 s, node3 -8 s]: 20 s auction; acks %d, attempts %d, "
              + "refused too low %d, failed %d; acks for bids sent after endsAt %d (latest %+d ms); refused as "
              + "closed before endsAt %d;%s close seen %+d ms from endsAt; lost %d, %d checker violation(s)%n",
          acks.size(), load.attempts(), load.refused(), load.failed(), late.size(),
          late.stream().mapToLong(a -> a.sentAtMillis() - endsAt).max().orElse(0), closedEarly.size(), perNode,
          closeDelay, report.lost(), report.violations().size());

      failures.expect(late.isEmpty(), late.size() + " bids sent after endsAt (by the test's clock) were accepted, "
          + "e.g. " + late.stream().limit(3).toList());
      failures.expect(closedEarly.isEmpty(), closedEarly.size() + " bids were refused as closed before endsAt, "
          + "e.g. " + closedEarly.stream().limit(3).toList());
      failures.expect(closeDelay >= -SLACK_MILLIS && closeDelay <= CLOSE_WITHIN_MILLIS, "closed " + closeDelay
          + " ms from endsAt (by the test's clock), not within 0.." + CLOSE_WITHIN_MILLIS + " ms");
      try {
        report.assertValid();
      } catch (AssertionError e) {
        failures.add(e);
      }
      failures.throwIfAny("clock skew");
    } finally {
      vertx.close().await();
    }
  }
}
