package io.gavel.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.BidLoad;
import io.gavel.testing.BridgeClient;
import io.gavel.testing.History;
import io.gavel.testing.Http;
import io.gavel.testing.ProcessCluster;
import io.gavel.testing.SeqFollower;
import io.gavel.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SIGKILL under load: no acknowledged bid lost, no hole in seq, survivors carry on, clients recover. */
class CrashIT {
  private Vertx vertx;

  @BeforeEach
  void clients() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void closeClients() {
    vertx.close().await();
  }

  @Test
  void killingTheOwnerOfAnAuctionUnderLoadLosesNoAcknowledgedBid() throws Exception {
    try (ProcessCluster cluster = ProcessCluster.start("crash", 3, "--min-cluster-size", "2")) {
      Map<String, String> tokens = Http.loginDemoUsers(cluster.baseUrl(0));
      String id = Http.createAuction(cluster.baseUrl(0), tokens.get("alice"), 600);
      String owner = Http.get(cluster.baseUrl(0) + "/ops/auctions/" + id + "/owner").json().getString("node");
      int victim = Integer.parseInt(owner.substring("node".length())) - 1;
      List<Integer> survivors = IntStream.range(0, 3).filter(i -> i != victim).boxed().toList();
      String survivor = cluster.baseUrl(survivors.get(0));

      // A browser-like client on the node about to die, following the auction.
      String address = "auction." + id;
      SeqFollower follower = new SeqFollower(id);
      BridgeClient watcher = BridgeClient.connect(vertx, cluster.baseUrl(victim));
      watcher.register(address);

      List<String> urls = IntStream.range(0, 3).mapToObj(cluster::baseUrl).toList();
      BidLoad load = BidLoad.start(vertx, urls, id, tokens, 3, 3, Duration.ofSeconds(60));
      Wait.until("bids flow on every path", Duration.ofSeconds(30), () -> load.acks().size() >= 30);

      // An auction that ends while the cluster is failing over: it must close exactly once, won by carol.
      String closing = Http.createAuction(cluster.baseUrl(0), tokens.get("alice"), 2);
      assertThat(Http.post(cluster.baseUrl(0) + "/api/auctions/" + closing + "/bids", "{\"amount\":100}",
          tokens.get("carol")).status()).isEqualTo(201);

      watcher.received(address).forEach(e -> follower.receive(e, cluster.baseUrl(victim)));
      long killedAt = System.nanoTime();
      cluster.kill(victim);
      int acksBeforeKill = load.acks().size();

      Wait.until("survivors accept bids again", Duration.ofSeconds(30),
          () -> load.acks().stream().anyMatch(a -> a.sentAt() > killedAt));
      long firstAckAfterKill = load.acks().stream().filter(a -> a.sentAt() > killedAt).mapToLong(BidLoad.Ack::at)
          .min().orElseThrow();
      Wait.until("the watcher notices its node is gone", Duration.ofSeconds(15), watcher::isClosed);

      // The watcher reconnects to a survivor, registers again and catches up from the last seq it applied.
      long reconnectAt = System.nanoTime();
      BridgeClient again = BridgeClient.connect(vertx, survivor);
      again.register(address);
      follower.catchUp(survivor);
      long caughtUpAt = System.nanoTime();
      long seqAtCatchUp = follower.lastSeq();

      int acksAtRecovery = load.acks().size();
      Wait.until("bidding continues on the survivors", Duration.ofSeconds(30),
          () -> load.acks().size() >= acksAtRecovery + 30);
      load.stop();
      int lastPushed = (int) History.read(survivor, id).events().size();
      Wait.until("the reconnected watcher is pushed the last event", Duration.ofSeconds(15),
          () -> again.received(address).stream().anyMatch(e -> e.getLong("seq", -1L) == lastPushed));
      again.received(address).forEach(e -> follower.receive(e, survivor));

      History history = History.read(survivor, id).assertWellFormed().assertContains(load.acks());
      assertThat(History.read(cluster.baseUrl(survivors.get(1)), id).events())
          .as("both survivors hold the same history").isEqualTo(history.events());
      assertThat(follower.applied()).as("the recovered client saw every event, in order, without a gap")
          .isEqualTo(history.events());

      Wait.until("the auction that ended during the failover is closed", Duration.ofSeconds(30),
          () -> "CLOSED".equals(Http.get(survivor + "/api/auctions/" + closing).json().getString("status")));
      History closed = History.read(survivor, closing).assertWellFormed();
      assertThat(closed.count("auction.closed")).as("closed exactly once").isEqualTo(1);
      assertThat(closed.events().get(closed.events().size() - 1).getString("winner")).isEqualTo("carol");

      System.out.printf("CrashIT: killed %s (owner of the auction); bids acknowledged %d (%d before the kill), "
              + "found in history %d of %d accepted; attempts %d, refused as too low %d, failed or unreachable %d; "
              + "survivors accepted bids again %d ms after the kill; a client of the dead node reconnected and caught "
              + "up to seq %d in %d ms%n",
          owner, load.acks().size(), acksBeforeKill, load.acks().size(), history.bids().size(), load.attempts(),
          load.refused(), load.failed(), (firstAckAfterKill - killedAt) / 1_000_000, seqAtCatchUp,
          (caughtUpAt - reconnectAt) / 1_000_000);
      again.close();
    }
  }

  @Test
  void aMinoritySideRefusesBidsAndTheMajorityResumes() {
    try (ProcessCluster cluster = ProcessCluster.start("minority", 3, "--min-cluster-size", "2")) {
      Map<String, String> tokens = Http.loginDemoUsers(cluster.baseUrl(0));
      String id = Http.createAuction(cluster.baseUrl(0), tokens.get("alice"), 600);
      String last = cluster.baseUrl(2);
      // One at a time, with time to re-replicate between: two members lost at once could take both copies of
      // some partitions with them (one backup), which is data loss, not a split.
      cluster.kill(0);
      Wait.until("the two survivors hold every partition twice again", Duration.ofSeconds(30), () -> {
        JsonObject health = Http.get(last + "/health").json();
        return health.getInteger("clusterSize") == 2 && health.getBoolean("clusterSafe");
      });
      cluster.kill(1);
      Wait.until("the last node sees it is alone", Duration.ofSeconds(30),
          () -> Http.get(last + "/health").json().getInteger("clusterSize") == 1);
      Wait.until("the minority refuses bids", Duration.ofSeconds(30), () -> {
        Http.Response bid = Http.post(last + "/api/auctions/" + id + "/bids", "{\"amount\":100}", tokens.get("bob"));
        return bid.status() == 503 && "CLUSTER_UNAVAILABLE".equals(bid.json().getString("error"));
      });

      cluster.launch(0);
      cluster.awaitHealthy(0, 2);
      Wait.until("a majority accepts bids again", Duration.ofSeconds(30), () -> Http.post(
          last + "/api/auctions/" + id + "/bids", "{\"amount\":100}", tokens.get("bob")).status() == 201);
      History history = History.read(last, id).assertWellFormed();
      assertThat(history.bids()).as("the refused bid left no trace").hasSize(1);
    }
  }
}
