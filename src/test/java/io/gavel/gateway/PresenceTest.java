package io.gavel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.BridgeClient;
import io.gavel.testing.Http;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Watchers counted per node and summed across the cluster; pushed on the auction's address when they change. */
class PresenceTest {
  private static final Duration PATIENCE = Duration.ofSeconds(15);
  private static TestCluster cluster;
  private static Vertx clients;

  @BeforeAll
  static void start() {
    cluster = TestCluster.start(3);
    clients = Vertx.vertx();
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

  private static int watchers(int node, String id) {
    return Http.get(cluster.baseUrl(node) + "/api/auctions/" + id).json().getInteger("watchers");
  }

  @Test
  void browsersAndLongPollsOnEveryNodeAreCountedEverywhereAndChangesArePushed() throws Exception {
    String token = Http.login(cluster.baseUrl(0), "alice");
    String id = Http.createAuction(cluster.baseUrl(0), token, 600);
    assertThat(watchers(0, id)).isZero();
    String address = "auction." + id;
    try (BridgeClient first = BridgeClient.connect(clients, cluster.node(1).config().httpPort());
         BridgeClient second = BridgeClient.connect(clients, cluster.node(2).config().httpPort())) {
      first.register(address);
      second.register(address);
      CompletableFuture<Http.Response> poll = CompletableFuture.supplyAsync(
          () -> Http.get(cluster.baseUrl(0) + "/api/auctions/" + id + "/poll?after=1&timeoutMs=30000"));
      for (int node = 0; node < 3; node++) {
        int n = node;
        Wait.until("node " + (n + 1) + " counts two browsers and a long poll", PATIENCE, () -> watchers(n, id) == 3);
      }
      Wait.until("the count is pushed to the watchers", PATIENCE, () -> first.received(address).stream()
          .anyMatch(m -> "auction.watchers".equals(m.getString("type")) && m.getInteger("watchers") == 3));
      JsonObject pushed = first.received(address).stream()
          .filter(m -> "auction.watchers".equals(m.getString("type"))).findFirst().orElseThrow();
      assertThat(pushed.containsKey("seq")).as("presence is not part of the history").isFalse();

      second.close();
      Wait.until("a browser that left is no longer counted", PATIENCE, () -> watchers(0, id) == 2);
      Wait.until("and the drop is pushed", PATIENCE, () -> first.received(address).stream()
          .anyMatch(m -> "auction.watchers".equals(m.getString("type")) && m.getInteger("watchers") == 2));
      assertThat(Http.post(cluster.baseUrl(0) + "/api/auctions/" + id + "/bids", "{\"amount\":100000}", token)
          .status()).isEqualTo(201);
      assertThat(poll.get(10, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo(200);
      Wait.until("an answered poll is no longer counted", PATIENCE, () -> watchers(2, id) == 1);
    }
  }
}
