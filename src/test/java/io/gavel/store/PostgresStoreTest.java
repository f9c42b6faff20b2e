package io.gavel.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.BidLoad;
import io.gavel.testing.BridgeClient;
import io.gavel.testing.History;
import io.gavel.testing.Http;
import io.gavel.testing.PgServer;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL store with real nodes (in this JVM) and a real PostgreSQL server: the database decides races on
 * seq, idempotency keys answer retries from any node and after a full restart, and a database outage under load
 * refuses bids fast (503 STORE_UNAVAILABLE) without losing an acknowledged one.
 */
class PostgresStoreTest {
  private static PgServer pg;
  private static Vertx vertx;

  @BeforeAll
  static void database() {
    pg = PgServer.start("store-test");
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopDatabase() {
    vertx.close().await();
    pg.close();
  }

  private static TestCluster cluster(int size) {
    String[][] args = new String[size][];
    for (int i = 0; i < size; i++) {
      args[i] = new String[] {"--store", pg.url()};
    }
    return TestCluster.start(args);
  }

  @Test
  void aSeqTakenByAnotherWriterMakesTheOwnerDecideAgainAndPublishWhatItMissed() throws Exception {
    try (TestCluster cluster = cluster(2)) {
      String node = cluster.baseUrl(0);
      Map<String, String> tokens = Http.loginDemoUsers(node);
      String id = Http.createAuction(node, tokens.get("alice"), 600);
      assertThat(bid(node, id, 100, tokens.get("bob"), null).status()).isEqualTo(201);
      BridgeClient watcher = BridgeClient.connect(vertx, cluster.baseUrl(1));
      watcher.register("auction." + id);

      // A second owner (as in a split brain) commits seq 3 behind this cluster's back: carol at 500.
      commitBehindTheCache(new JsonObject().put("type", "bid.accepted").put("auctionId", id).put("seq", 3)
          .put("at", System.currentTimeMillis()).put("bidder", "carol").put("amount", 500)
          .put("endsAt", Http.get(node + "/api/auctions/" + id).json().getLong("endsAt")));

      // The cache still says 100: a bid of 200 was decided on a stale state, the store refuses seq 3, the owner
      // catches up to carol's 500 and decides again: too low.
      Http.Response low = bid(node, id, 200, tokens.get("bob"), null);
      assertThat(low.status()).as(low.body()).isEqualTo(409);
      assertThat(low.json().getString("error")).isEqualTo("BID_TOO_LOW");
      // A bid above it is accepted at the next seq, after the event it raced with.
      Http.Response high = bid(node, id, 600, tokens.get("bob"), null);
      assertThat(high.status()).as(high.body()).isEqualTo(201);
      assertThat(high.json().getLong("seq")).isEqualTo(4);

      History history = History.read(node, id).assertWellFormed();
      assertThat(history.events()).extracting(e -> e.getString("bidder")).containsExactly(null, "bob", "carol", "bob");
      assertThat(countRows(id)).as("one row per seq in the store").isEqualTo(4);
      Wait.until("the event the owner missed is published too", Duration.ofSeconds(10),
          () -> watcher.received("auction." + id).stream().anyMatch(e -> e.getLong("seq", -1L) == 3));
      watcher.close();
    }
  }

  @Test
  void aRefusalIsCheckedAgainstTheLogWhenTheCachedCopyMissedEvents() throws Exception {
    try (TestCluster cluster = cluster(1)) {
      String node = cluster.baseUrl(0);
      Map<String, String> tokens = Http.loginDemoUsers(node);
      String id = Http.createAuction(node, tokens.get("alice"), 3);
      assertThat(bid(node, id, 100, tokens.get("bob"), null).status()).isEqualTo(201);
      long cachedEnd = Http.get(node + "/api/auctions/" + id).json().getLong("endsAt");
      long extendedEnd = cachedEnd + 600_000;
      // Committed behind the cache's back (as by an owner that died before its backup got it): the end moved.
      commitBehindTheCache(new JsonObject().put("type", "auction.extended").put("auctionId", id).put("seq", 3)
          .put("at", System.currentTimeMillis()).put("endsAt", extendedEnd));
      try (Connection db = pg.connect();
           PreparedStatement index = db.prepareStatement("UPDATE auctions SET ends_at = ?, seq = 3 WHERE id = ?")) {
        index.setLong(1, extendedEnd);
        index.setString(2, id);
        index.executeUpdate();
      }
      Wait.until("the cached end has passed", Duration.ofSeconds(10),
          () -> cluster.node(0).hazelcast().getCluster().getClusterTime() > cachedEnd + 100);

      Http.Response late = bid(node, id, 150, tokens.get("carol"), null);
      assertThat(late.status()).as("the log says the auction is still open: " + late.body()).isEqualTo(201);
      assertThat(late.json().getLong("seq")).isEqualTo(4);
      assertThat(History.read(node, id).assertWellFormed().events()).extracting(e -> e.getString("type"))
          .containsExactly("auction.created", "bid.accepted", "auction.extended", "bid.accepted");
    }
  }

  @Test
  void anIdempotencyKeyGetsTheFirstAnswerFromAnyNodeAndAfterAFullRestart() {
    String id;
    Map<String, String> tokens;
    long firstSeq;
    try (TestCluster cluster = cluster(2)) {
      tokens = Http.loginDemoUsers(cluster.baseUrl(0));
      id = Http.createAuction(cluster.baseUrl(0), tokens.get("alice"), 600);
      Http.Response first = bid(cluster.baseUrl(0), id, 150, tokens.get("bob"), "order-1");
      assertThat(first.status()).as(first.body()).isEqualTo(201);
      firstSeq = first.json().getLong("seq");
      assertThat(bid(cluster.baseUrl(1), id, 200, tokens.get("carol"), null).status()).isEqualTo(201);

      Http.Response retry = bid(cluster.baseUrl(1), id, 150, tokens.get("bob"), "order-1");
      assertThat(retry.status()).as(retry.body()).isEqualTo(201);
      assertThat(retry.json().getLong("seq")).isEqualTo(firstSeq);
      Http.Response reused = bid(cluster.baseUrl(1), id, 300, tokens.get("bob"), "order-1");
      assertThat(reused.status()).isEqualTo(409);
      assertThat(reused.json().getString("error")).isEqualTo("IDEMPOTENCY_KEY_REUSED");
      // The same key from another user names another request.
      Http.Response carols = bid(cluster.baseUrl(0), id, 300, tokens.get("carol"), "order-1");
      assertThat(carols.status()).as(carols.body()).isEqualTo(201);
      assertThat(carols.json().getLong("seq")).isEqualTo(firstSeq + 2);
    }
    // Every node stopped: the cluster's memory is gone, the store is not.
    try (TestCluster cluster = cluster(1)) {
      Http.Response retry = bid(cluster.baseUrl(0), id, 150, tokens.get("bob"), "order-1");
      assertThat(retry.status()).as(retry.body()).isEqualTo(201);
      assertThat(retry.json().getLong("seq")).isEqualTo(firstSeq);
      assertThat(History.read(cluster.baseUrl(0), id).assertWellFormed().bids()).hasSize(3);
      Http.Response next = bid(cluster.baseUrl(0), id, 400, tokens.get("bob"), null);
      assertThat(next.json().getLong("seq")).as("seq continues").isEqualTo(firstSeq + 3);
    }
  }

  @Test
  void maximaReservesBuyNowAndCancelsSurviveAFullRestart() {
    Map<String, String> tokens;
    String war;
    String bought;
    String cancelled;
    JsonObject before;
    try (TestCluster cluster = cluster(2)) {
      String node = cluster.baseUrl(0);
      tokens = Http.loginDemoUsers(node);
      war = create(node, tokens.get("alice"), new JsonObject().put("reservePrice", 3_000));
      assertThat(Http.post(node + "/api/auctions/" + war + "/bids", "{\"maxAmount\":5000}", tokens.get("bob"))
          .status()).isEqualTo(201);
      assertThat(Http.post(cluster.baseUrl(1) + "/api/auctions/" + war + "/bids", "{\"maxAmount\":4000}",
          tokens.get("carol")).status()).isEqualTo(201);
      before = Http.get(node + "/api/auctions/" + war).json();
      assertThat(before.getLong("currentPrice")).isEqualTo(4_010);
      assertThat(before.getBoolean("reserveMet")).isTrue();
      bought = create(node, tokens.get("alice"), new JsonObject().put("buyNowPrice", 9_000));
      assertThat(Http.post(node + "/api/auctions/" + bought + "/buy-now", "{}", tokens.get("bob")).status())
          .isEqualTo(200);
      cancelled = create(node, tokens.get("alice"), new JsonObject());
      assertThat(Http.post(node + "/api/auctions/" + cancelled + "/cancel", "{}", tokens.get("alice")).status())
          .isEqualTo(200);
    }
    try (TestCluster cluster = cluster(1)) {
      String node = cluster.baseUrl(0);
      JsonObject after = Http.get(node + "/api/auctions/" + war).json();
      after.remove("watchers");
      before.remove("watchers");
      assertThat(after).isEqualTo(before);
      // bob's maximum came back with the log: carol's higher bid is answered by his proxy.
      Http.Response challenge = Http.post(node + "/api/auctions/" + war + "/bids", "{\"amount\":4500}",
          tokens.get("carol"));
      assertThat(challenge.json().getBoolean("leading")).isFalse();
      assertThat(Http.get(node + "/api/auctions/" + war).json().getLong("currentPrice")).isEqualTo(4_510);
      assertThat(Http.get(node + "/api/auctions/" + bought).json().getString("winner")).isEqualTo("bob");
      assertThat(Http.get(node + "/api/auctions/" + cancelled).json().getString("status")).isEqualTo("CANCELLED");
    }
  }

  private static String create(String node, String token, JsonObject extra) {
    Http.Response created = Http.post(node + "/api/auctions", extra.put("title", "Stored lot").put("currency", "EUR")
        .put("startingPrice", 1_000).put("minIncrement", 10).put("durationSeconds", 600).encode(), token);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.json().getString("id");
  }

  @Test
  void aDatabaseOutageUnderLoadRefusesBidsFastAndLosesNothingAcknowledged() throws Exception {
    try (TestCluster cluster = cluster(2)) {
      String node = cluster.baseUrl(0);
      Map<String, String> tokens = Http.loginDemoUsers(node);
      String id = Http.createAuction(node, tokens.get("alice"), 600);
      List<String> urls = List.of(cluster.baseUrl(0), cluster.baseUrl(1));
      BidLoad load = BidLoad.start(vertx, urls, id, tokens, 2, 2, Duration.ofSeconds(60));
      Wait.until("bids flow", Duration.ofSeconds(20), () -> load.acks().size() >= 20);

      pg.stop();
      long stoppedAt = System.nanoTime();
      Http.Response refused = bid(node, id, 1_000_000, tokens.get("carol"), "during-outage");
      long refusedInMillis = (System.nanoTime() - stoppedAt) / 1_000_000;
      assertThat(refused.status()).as(refused.body()).isEqualTo(503);
      assertThat(refused.json().getString("error")).isEqualTo("STORE_UNAVAILABLE");
      // Reads of cached auctions and fan-out go on.
      assertThat(Http.get(node + "/api/auctions/" + id).status()).isEqualTo(200);
      assertThat(Http.get(cluster.baseUrl(1) + "/api/auctions/" + id + "/events?after=0").status()).isEqualTo(200);
      Http.Response ready = Http.get(node + "/health/ready");
      assertThat(ready.status()).as("still serving fan-out and reads: ready").isEqualTo(200);
      JsonObject store = ready.json().getJsonArray("checks").stream().map(JsonObject.class::cast)
          .filter(c -> "store".equals(c.getString("id"))).findFirst().orElseThrow();
      assertThat(store.getJsonObject("data").getBoolean("reachable")).isFalse();
      assertThat(store.getJsonObject("data").getString("reason")).contains("STORE_UNAVAILABLE");
      int acksDuringOutage = load.acks().size();

      pg.start();
      long restartedAt = System.nanoTime();
      Wait.until("bids are accepted again without restarting a node", Duration.ofSeconds(15),
          () -> load.acks().size() > acksDuringOutage + 10);
      long recoveredInMillis = (System.nanoTime() - restartedAt) / 1_000_000;
      // The refused request was not decided: its retry with the same key is decided now.
      Http.Response retried = bid(node, id, 1_000_000, tokens.get("carol"), "during-outage");
      assertThat(retried.status()).as(retried.body()).isEqualTo(201);
      load.stop();

      History history = History.read(node, id).assertWellFormed().assertContains(load.acks());
      assertThat(History.read(cluster.baseUrl(1), id).events()).isEqualTo(history.events());
      assertThat(countRows(id)).isEqualTo(history.events().size());
      System.out.printf("PostgresStoreTest: outage refused a bid in %d ms; bidding resumed %d ms after the "
              + "database was back; %d bids acknowledged, all in the history of %d events%n",
          refusedInMillis, recoveredInMillis, load.acks().size(), history.events().size());
    }
  }

  /** Commits an event straight into the log, as another writer (a second owner, a dead one) would have. */
  private static void commitBehindTheCache(JsonObject event) throws Exception {
    try (Connection db = pg.connect(); PreparedStatement insert = db.prepareStatement(
        "INSERT INTO auction_events (auction_id, seq, type, at, body) VALUES (?, ?, ?, now(), ?::jsonb)")) {
      insert.setString(1, event.getString("auctionId"));
      insert.setLong(2, event.getLong("seq"));
      insert.setString(3, event.getString("type"));
      insert.setString(4, event.encode());
      insert.executeUpdate();
    }
  }

  private static long countRows(String auctionId) throws Exception {
    try (Connection db = pg.connect();
         PreparedStatement count = db.prepareStatement("SELECT count(*) FROM auction_events WHERE auction_id = ?")) {
      count.setString(1, auctionId);
      try (ResultSet rows = count.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  static Http.Response bid(String node, String id, long amount, String token, String key) {
    return Http.post(node + "/api/auctions/" + id + "/bids", new JsonObject().put("amount", amount).encode(), token,
        key == null ? Map.of() : Map.of("Idempotency-Key", key));
  }
}
