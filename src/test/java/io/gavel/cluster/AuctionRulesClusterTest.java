package io.gavel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.BridgeClient;
import io.gavel.testing.Http;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Proxy bidding and buy it now decided on the owner while requests race in through every node of three. */
class AuctionRulesClusterTest {
  private static final Duration PATIENCE = Duration.ofSeconds(20);
  private static TestCluster cluster;
  private static Vertx clients;
  private static final Map<String, String> tokens = new ConcurrentHashMap<>();

  @BeforeAll
  static void startCluster() {
    cluster = TestCluster.start(3);
    clients = Vertx.vertx();
    for (String user : List.of("alice", "bob", "carol")) {
      tokens.put(user, Http.login(cluster.baseUrl(0), user));
    }
  }

  @AfterAll
  static void stopCluster() {
    if (clients != null) {
      clients.close().await();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aProxyWarThroughTwoNodesEndsAtTheLowerMaximumPlusOneStepAndNoMaximumIsPublished() throws Exception {
    String id = create(new JsonObject().put("minIncrement", 50));
    try (BridgeClient watcher = listen(1, "auction." + id, null);
         BridgeClient bobsOwn = listen(2, "user.bob", tokens.get("bob"))) {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Future<?> bob = pool.submit(() -> raiseMaxima(id, "bob", 1, 2_000, 6_000));
        Future<?> carol = pool.submit(() -> raiseMaxima(id, "carol", 2, 2_100, 5_000));
        bob.get();
        carol.get();
      } finally {
        pool.shutdownNow();
      }
      JsonObject auction = Http.get(cluster.baseUrl(0) + "/api/auctions/" + id).json();
      assertThat(auction.getString("leader")).isEqualTo("bob");
      assertThat(auction.getLong("currentPrice")).as("carol's maximum plus one step").isEqualTo(5_050);

      JsonArray log = (JsonArray) Http.get(cluster.baseUrl(2) + "/api/auctions/" + id + "/events?after=0").value();
      long previousAmount = 0;
      for (int i = 0; i < log.size(); i++) {
        JsonObject event = log.getJsonObject(i);
        assertThat(event.getLong("seq")).isEqualTo(i + 1);
        assertThat(event.containsKey("maxAmount")).as("a maximum is never public: " + event).isFalse();
        if ("bid.accepted".equals(event.getString("type"))) {
          assertThat(event.getLong("amount")).as("prices never fall (equal maxima tie)").isGreaterThanOrEqualTo(previousAmount);
          previousAmount = event.getLong("amount");
        }
      }
      assertThat(log.stream().map(e -> (JsonObject) e).filter(e -> e.getBoolean("proxy", false))).isNotEmpty();
      Wait.until("the watcher on the third node saw the whole war", PATIENCE,
          () -> watcher.received("auction." + id).stream().filter(e -> e.containsKey("seq")).count() >= log.size() - 1);
      List<JsonObject> seen = watcher.received("auction." + id).stream().filter(e -> e.containsKey("seq")).toList();
      assertThat(seen).as("everything after the creation, which came before the watcher")
          .isEqualTo(IntStream.range(1, log.size()).mapToObj(log::getJsonObject).toList());
      Wait.until("bob hears his own maximum on his private address", PATIENCE,
          () -> bobsOwn.received("user.bob").stream().anyMatch(m -> "bid.maximum".equals(m.getString("type"))
              && m.getLong("maxAmount", 0L) == 6_000));
    }
  }

  @Test
  void buyItNowRacingBidsHasOneOutcomeAndTheLogAgreesWithEveryAnswer() throws Exception {
    for (int round = 0; round < 4; round++) {
      String id = create(new JsonObject().put("minIncrement", 10).put("buyNowPrice", 9_000));
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<Http.Response>> bids = new ArrayList<>();
      List<Future<Http.Response>> buys = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          int node = i;
          bids.add(pool.submit(() -> Http.post(url(node, id, "bids"), "{\"amount\":" + (1_000 + node * 10) + "}",
              tokens.get("bob"))));
        }
        int buyer = round % 3;
        buys.add(pool.submit(() -> Http.post(url(buyer, id, "buy-now"), "{}", tokens.get("carol"))));
        for (Future<Http.Response> f : bids) {
          f.get();
        }
        buys.get(0).get();
      } finally {
        pool.shutdownNow();
      }
      JsonArray log = (JsonArray) Http.get(cluster.baseUrl(0) + "/api/auctions/" + id + "/events?after=0").value();
      Http.Response buy = buys.get(0).get();
      boolean bought = log.stream().map(e -> (JsonObject) e).anyMatch(e -> e.getBoolean("buyNow", false));
      long acceptedBids = log.stream().map(e -> (JsonObject) e)
          .filter(e -> "bid.accepted".equals(e.getString("type"))).count();
      if (bought) {
        assertThat(buy.status()).isEqualTo(200);
        assertThat(log.getJsonObject(1).getString("winner")).isEqualTo("carol");
        assertThat(acceptedBids).as("buy it now came first: no bid after it").isZero();
        for (Future<Http.Response> f : bids) {
          assertThat(f.get().status()).isEqualTo(410);
        }
      } else {
        assertThat(buy.status()).as(buy.body()).isEqualTo(409);
        assertThat(buy.json().getString("error")).isEqualTo("BUY_NOW_UNAVAILABLE");
        assertThat(acceptedBids).isEqualTo(bids.stream().filter(f -> status(f) == 201).count()).isPositive();
      }
      assertThat(log.size()).isEqualTo(1 + (bought ? 1 : acceptedBids));
    }
  }

  private static int status(Future<Http.Response> f) {
    try {
      return f.get().status();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static String url(int node, String id, String action) {
    return cluster.baseUrl(node) + "/api/auctions/" + id + "/" + action;
  }

  /** Maxima from {@code from} up by 500 to {@code to} (always ending on it); refusals are other bids' wins. */
  private static void raiseMaxima(String id, String user, int node, long from, long to) {
    for (long max = from; ; max = Math.min(to, max + 500)) {
      Http.Response response = Http.post(url(node, id, "bids"), "{\"maxAmount\":" + max + "}", tokens.get(user));
      assertThat(response.status()).as(user + " max " + max + ": " + response.body()).isIn(201, 409);
      if (max == to) {
        return;
      }
    }
  }

  private static String create(JsonObject terms) {
    Http.Response created = Http.post(cluster.baseUrl(0) + "/api/auctions", terms.put("title", "Rules lot")
        .put("currency", "EUR").put("startingPrice", 1_000).put("durationSeconds", 600).encode(),
        tokens.get("alice"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.json().getString("id");
  }

  /** A bridged client on {@code node} that hears {@code address} from every node (registration is asynchronous). */
  private static BridgeClient listen(int node, String address, String token) {
    BridgeClient client = BridgeClient.connect(clients, cluster.node(node).config().httpPort());
    if (token == null) {
      client.register(address);
    } else {
      client.write(new JsonObject().put("type", "register").put("address", address)
          .put("headers", new JsonObject().put("authorization", "Bearer " + token)));
    }
    Wait.until("node " + (node + 1) + "'s client hears every node on " + address, PATIENCE, () -> {
      for (int i = 0; i < 3; i++) {
        cluster.node(i).vertx().eventBus().publish(address, new JsonObject().put("probe", i));
      }
      return IntStream.range(0, 3).allMatch(i -> client.received(address).stream()
          .anyMatch(m -> m.getInteger("probe", -1) == i));
    });
    return client;
  }
}
