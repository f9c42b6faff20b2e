package io.gavel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.cluster.AuctionStore;
import io.gavel.cluster.ClusterBuckets;
import io.gavel.domain.AuctionTerms;
import io.gavel.testing.BridgeClient;
import io.gavel.testing.Http;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import com.hazelcast.map.EntryProcessor;
import java.time.Duration;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Per-user limits hold across the cluster: two real nodes in this JVM, one user sending through both, gets one
 * bucket, not one per node. Counts are checked, never timings: the refill during a run is measured and allowed for.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UserLimitsTest {
  private static final double BIDS_PER_SECOND = 0.1;
  private static final int BID_BURST = 10;
  private static final double AUCTIONS_PER_HOUR = 1;
  private static final int AUCTION_BURST = 3;

  private static TestCluster cluster;
  private static Vertx clients;
  private static Map<String, String> tokens;

  @BeforeAll
  static void start() {
    String[] limits = {
        "--set", "limits.bidsPerSecondPerUser=" + BIDS_PER_SECOND, "--set", "limits.bidBurstPerUser=" + BID_BURST,
        "--set", "limits.auctionsPerHourPerUser=" + AUCTIONS_PER_HOUR,
        "--set", "limits.auctionBurstPerUser=" + AUCTION_BURST};
    cluster = TestCluster.start(new String[][] {limits, limits});
    clients = Vertx.vertx();
    tokens = Http.loginDemoUsers(cluster.baseUrl(0));
  }

  @AfterAll
  static void stop() {
    if (clients != null) {
      clients.close().await();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void aUserBiddingThroughTwoNodesAndBothTransportsGetsOneBucket() {
    String id = Http.createAuction(cluster.baseUrl(0), tokens.get("carol"), 600);
    int attempts = 3 * BID_BURST;
    List<Integer> statuses = new ArrayList<>();
    long started = System.nanoTime();
    try (BridgeClient bridge = BridgeClient.connect(clients, cluster.baseUrl(1))) {
      for (int i = 0; i < attempts; i++) {
        long amount = 100 + 10L * i;
        if (i % 2 == 0) {
          Http.Response rest = Http.post(cluster.baseUrl(0) + "/api/auctions/" + id + "/bids",
              new JsonObject().put("amount", amount).encode(), tokens.get("bob"));
          if (rest.status() == 429) {
            assertThat(rest.json().getString("error")).isEqualTo("RATE_LIMITED");
            assertThat(Long.parseLong(rest.header("Retry-After"))).isPositive();
          }
          statuses.add(rest.status());
        } else {
          JsonObject reply = bridge.request("auctions.bid", new JsonObject().put("auctionId", id).put("amount", amount),
              new JsonObject().put("authorization", "Bearer " + tokens.get("bob"))).await();
          if ("err".equals(reply.getString("type"))) {
            assertThat(reply.getString("message")).isEqualTo("RATE_LIMITED");
            statuses.add(reply.getInteger("failureCode"));
          } else {
            assertThat(reply.getJsonObject("body").getBoolean("accepted")).isTrue();
            statuses.add(201);
          }
        }
      }
    }
    long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
    long accepted = statuses.stream().filter(s -> s == 201).count();
    // The bucket starts full (BID_BURST) and gains at most BIDS_PER_SECOND × the run's length (+2 ms: the cluster's
    // clock counts whole milliseconds). Per node, as before, it would have been 2 × BID_BURST.
    long refill = (long) Math.floor(BIDS_PER_SECOND * (elapsedMillis + 2) / 1000.0);
    System.out.printf("cluster-wide bid limit: %d of %d bids accepted through two nodes in %d ms (burst %d, "
        + "refill at most %d)%n", accepted, attempts, elapsedMillis, BID_BURST, refill);
    assertThat(statuses).as("every bid is accepted or rate-limited").containsOnly(201, 429);
    assertThat(accepted).isBetween((long) BID_BURST, BID_BURST + refill);
    assertThat(Http.get(cluster.baseUrl(1) + "/api/auctions/" + id).json().getLong("bidCount"))
        .as("the accepted bids are the auction's bids").isEqualTo(accepted);
  }

  @Test
  void newAuctionsPerUserAreCountedAcrossTheClusterAndOnlyValidOnesCount() {
    String invalid = "{\"title\":\"\",\"currency\":\"EUR\",\"startingPrice\":100,\"minIncrement\":1,"
        + "\"durationSeconds\":600}";
    for (int i = 0; i < 2 * AUCTION_BURST; i++) {
      Http.Response refused = Http.post(cluster.baseUrl(i % 2) + "/api/auctions", invalid, tokens.get("alice"));
      assertThat(refused.status()).as(refused.body()).isEqualTo(400);
    }
    String valid = "{\"title\":\"Chair\",\"currency\":\"EUR\",\"startingPrice\":100,\"minIncrement\":1,"
        + "\"durationSeconds\":600}";
    int attempts = 2 * AUCTION_BURST;
    int[] statuses = new int[attempts];
    long started = System.nanoTime();
    for (int i = 0; i < attempts; i++) {
      Http.Response response = Http.post(cluster.baseUrl(i % 2) + "/api/auctions", valid, tokens.get("alice"));
      statuses[i] = response.status();
      if (response.status() == 429) {
        assertThat(response.json().getString("error")).isEqualTo("RATE_LIMITED");
        assertThat(response.json().getString("message")).contains("new auctions").contains("an hour");
        assertThat(Long.parseLong(response.header("Retry-After"))).isPositive();
      }
    }
    long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
    long created = Arrays.stream(statuses).filter(s -> s == 201).count();
    long refill = (long) Math.floor(AUCTIONS_PER_HOUR / 3600 * (elapsedMillis + 2) / 1000.0);
    assertThat(statuses).as(Arrays.toString(statuses)).containsOnly(201, 429);
    assertThat(created).isBetween((long) AUCTION_BURST, AUCTION_BURST + refill);
    long alicesAuctions = ((io.vertx.core.json.JsonArray) Http.get(cluster.baseUrl(1) + "/api/auctions").value())
        .stream().filter(a -> "alice".equals(((JsonObject) a).getString("seller"))).count();
    assertThat(alicesAuctions).as("refused creations created nothing").isEqualTo(created);

    Http.Response otherUser = Http.post(cluster.baseUrl(1) + "/api/auctions", valid, tokens.get("carol"));
    assertThat(otherUser.status()).as("another user has a quota of their own: " + otherUser.body()).isEqualTo(201);
  }

  /**
   * What the cluster-wide check adds to a bid: one entry processor on the owner of the user's bucket, taken from one
   * node of two for as many distinct users as requests (so none is refused; about half the buckets live on the other
   * node), next to the bid command itself on an auction that the other node owns.
   */
  @Test
  void measuresWhatTheClusterWideCheckAddsToABid() {
    var node = cluster.node(0);
    ClusterBuckets buckets = new ClusterBuckets(node.vertx(), node.hazelcast());
    AuctionStore store = new AuctionStore(node.vertx(), node.hazelcast(), null);
    String remote = null;
    for (int i = 0; remote == null; i++) {
      if ("node2".equals(store.ownerNode("latency-" + i))) {
        remote = "latency-" + i;
      }
    }
    store.create(remote, new AuctionTerms("Latency lot", "EUR", 1, 1, 600, 0), "gavel-test").await();
    int warmup = 100;
    int measured = 400;
    long[] takes = new long[measured];
    long[] bids = new long[measured];
    int granted = 0;
    int placed = 0;
    for (int i = 0; i < warmup + measured; i++) {
      long t0 = System.nanoTime();
      long wait = buckets.take("bid:latency-user-" + i, 25, 50).await();
      long t1 = System.nanoTime();
      boolean accepted = !store.placeBid(remote, "bidder", 1 + i, null).await().refused();
      long t2 = System.nanoTime();
      if (i >= warmup) {
        takes[i - warmup] = t1 - t0;
        bids[i - warmup] = t2 - t1;
        granted += wait == 0 ? 1 : 0;
        placed += accepted ? 1 : 0;
      }
    }
    System.out.println("2-node in-JVM cluster, " + measured + " sequential requests from node1:");
    System.out.println("  cluster-wide limit check (take): " + summary(takes));
    System.out.println("  bid command on a remote owner:   " + summary(bids));
    assertThat(granted).as("a fresh bucket always has a token").isEqualTo(measured);
    assertThat(placed).as("every increasing bid is accepted").isEqualTo(measured);
  }

  /**
   * The member owning a user's bucket stalls (its partition thread is held, as by a long GC pause): the user's bids
   * do not wait for it but are decided by the node's own bucket. Last, because the node then limits on its own for
   * a few seconds.
   */
  @Test
  @Order(Integer.MAX_VALUE)
  void aStalledBucketOwnerDoesNotStallBids() {
    String key = "bid:carol";
    var bucketOwner = cluster.node(0).hazelcast().getPartitionService().getPartition(key).getOwner();
    int other = bucketOwner.localMember() ? 1 : 0;
    AuctionStore store = new AuctionStore(cluster.node(other).vertx(), cluster.node(other).hazelcast(), null);
    String id = null;
    for (int i = 0; id == null; i++) {
      if (("node" + (other + 1)).equals(store.ownerNode("stall-" + i))) {
        id = "stall-" + i;
      }
    }
    store.create(id, new AuctionTerms("Stall lot", "EUR", 1, 1, 600, 0), "gavel-test").await();
    var stall = cluster.node(0).hazelcast().<String, Object>getMap(ClusterBuckets.MAP_NAME)
        .submitToKey(key, new Stall());
    try {
      Wait.until("the bucket's owner is stalled", Duration.ofSeconds(10), () -> Stall.STARTED.getCount() == 0);
      Http.Response bid = Http.post(cluster.baseUrl(0) + "/api/auctions/" + id + "/bids", "{\"amount\": 5}",
          tokens.get("carol"));
      assertThat(Stall.RELEASE.getCount()).as("still stalled").isEqualTo(1);
      assertThat(bid.status()).as(bid.body()).isEqualTo(201);
    } finally {
      Stall.RELEASE.countDown();
    }
    stall.toCompletableFuture().join();
  }

  /** Holds the partition thread of its key until released (at most 20 s). */
  static final class Stall implements EntryProcessor<String, Object, Object> {
    static final CountDownLatch STARTED = new CountDownLatch(1);
    static final CountDownLatch RELEASE = new CountDownLatch(1);

    @Override
    public Object process(Map.Entry<String, Object> entry) {
      STARTED.countDown();
      try {
        RELEASE.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }

    @Override
    public EntryProcessor<String, Object, Object> getBackupProcessor() {
      return null;
    }
  }

  private static String summary(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return String.format("p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms, mean %.3f ms", sorted[n / 2] / 1e6,
        sorted[n * 9 / 10] / 1e6, sorted[n * 99 / 100] / 1e6, sorted[n - 1] / 1e6,
        Arrays.stream(sorted).average().orElse(0) / 1e6);
  }
}
