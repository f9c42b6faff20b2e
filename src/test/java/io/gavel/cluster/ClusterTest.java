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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Three clustered nodes in one JVM: bids through any node, pushes to clients on every node. */
class ClusterTest {
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
  void bidsPlacedOnNodeOneAndTwoReachAClientOnNodeThreeInOrder() {
    String id = createAuction(1_000, 100);
    try (BridgeClient watcher = watch(2, id)) {
      Http.Response rest = Http.post(cluster.baseUrl(0) + "/api/auctions/" + id + "/bids",
          "{\"amount\": 1000}", tokens.get("bob"));
      assertThat(rest.status()).isEqualTo(201);
      assertThat(rest.json().getLong("seq")).isEqualTo(2);

      try (BridgeClient bidder = BridgeClient.connect(clients, port(1))) {
        JsonObject reply = bidder.request("auctions.bid", new JsonObject().put("auctionId", id).put("amount", 1_100),
            bearer("carol")).await();
        assertThat(reply.getString("type")).isEqualTo("rec");
        assertThat(reply.getJsonObject("body").getBoolean("accepted")).isTrue();
        assertThat(reply.getJsonObject("body").getLong("seq")).isEqualTo(3);
        assertThat(reply.getJsonObject("body").getString("bidder")).isEqualTo("carol");
      }

      List<JsonObject> events = awaitEvents(watcher, id, 2);
      assertThat(events).extracting(e -> e.getLong("seq")).containsExactly(2L, 3L);
      assertThat(events).extracting(e -> e.getString("bidder")).containsExactly("bob", "carol");
      assertThat(events).extracting(e -> e.getLong("amount")).containsExactly(1_000L, 1_100L);
      assertThat(events).extracting(e -> e.getString("type")).containsOnly("bid.accepted");

      JsonArray history = (JsonArray) Http.get(cluster.baseUrl(2) + "/api/auctions/" + id + "/events").value();
      assertThat(history.stream().map(e -> ((JsonObject) e).getLong("seq")).toList()).containsExactly(1L, 2L, 3L);
    }
  }

  @Test
  void theBridgeTakesTheBidderFromTheTokenAndAnswersEveryRefusal() {
    String id = createAuction(500, 10);
    try (BridgeClient client = BridgeClient.connect(clients, port(1))) {
      JsonObject spoofed = bearer("alice").put("user", "mallory").put("bidder", "mallory");
      JsonObject accepted = client.request("auctions.bid",
          new JsonObject().put("auctionId", id).put("amount", 500).put("bidder", "mallory"), spoofed).await();
      assertThat(accepted.getJsonObject("body").getString("bidder")).isEqualTo("alice");

      JsonObject noToken = client.request("auctions.bid",
          new JsonObject().put("auctionId", id).put("amount", 600), new JsonObject().put("user", "mallory")).await();
      assertFailure(noToken, 401, "UNAUTHORIZED");

      JsonObject forged = client.request("auctions.bid", new JsonObject().put("auctionId", id).put("amount", 600),
          new JsonObject().put("authorization", "Bearer " + tokens.get("alice") + "x")).await();
      assertFailure(forged, 401, "UNAUTHORIZED");

      JsonObject tooLow = client.request("auctions.bid", new JsonObject().put("auctionId", id).put("amount", 505),
          bearer("bob")).await();
      assertFailure(tooLow, 409, "BID_TOO_LOW");

      JsonObject invalid = client.request("auctions.bid", new JsonObject().put("auctionId", id).put("amount", 5.5),
          bearer("bob")).await();
      assertFailure(invalid, 400, "INVALID_BID");

      JsonObject missing = client.request("auctions.bid", new JsonObject().put("auctionId", "nope").put("amount", 900),
          bearer("bob")).await();
      assertFailure(missing, 404, "AUCTION_NOT_FOUND");

      JsonObject notPermitted = client.request("gavel.internal", new JsonObject(), bearer("bob")).await();
      assertFailure(notPermitted, 403, "ACCESS_DENIED");

      JsonArray history = (JsonArray) Http.get(cluster.baseUrl(0) + "/api/auctions/" + id + "/events").value();
      assertThat(history.size()).as("only the one valid bid changed the auction").isEqualTo(2);
    }
  }

  @Test
  void concurrentBidsThroughAllNodesKeepEveryRule() throws Exception {
    String id = createAuction(100, 1);
    List<BridgeClient> watchers = IntStream.range(0, 3).mapToObj(i -> watch(i, id)).toList();
    Map<Long, JsonObject> acknowledged = new ConcurrentHashMap<>();
    int bidders = 9;
    int attempts = 40;
    ExecutorService pool = Executors.newFixedThreadPool(bidders);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int b = 0; b < bidders; b++) {
        int node = b % 3;
        boolean viaBridge = b >= 6;
        String user = List.of("alice", "bob", "carol").get(b / 3);
        running.add(pool.submit(() -> bidRepeatedly(id, node, viaBridge, user, attempts, acknowledged)));
      }
      for (Future<?> f : running) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }

    List<JsonObject> history = new ArrayList<>();
    ((JsonArray) Http.get(cluster.baseUrl(1) + "/api/auctions/" + id + "/events").value())
        .forEach(e -> history.add((JsonObject) e));
    assertThat(history).extracting(e -> e.getLong("seq"))
        .as("seq has no holes and no duplicates").containsExactlyElementsOf(
            IntStream.rangeClosed(1, history.size()).mapToObj(Long::valueOf).toList());
    List<JsonObject> bids = history.subList(1, history.size());
    assertThat(bids).extracting(e -> e.getString("type")).containsOnly("bid.accepted");
    for (int i = 1; i < bids.size(); i++) {
      assertThat(bids.get(i).getLong("amount")).as("accepted amounts strictly increase by the increment")
          .isGreaterThanOrEqualTo(bids.get(i - 1).getLong("amount") + 1);
    }
    assertThat(acknowledged).as("every accepted bid was acknowledged once, and only those").hasSize(bids.size());
    for (JsonObject ack : acknowledged.values()) {
      JsonObject stored = history.get((int) (ack.getLong("seq") - 1));
      assertThat(stored.getLong("amount")).isEqualTo(ack.getLong("amount"));
      assertThat(stored.getString("bidder")).isEqualTo(ack.getString("bidder"));
    }
    assertThat(bids.size()).as("contention still lets many bids through").isGreaterThan(20);

    for (BridgeClient watcher : watchers) {
      List<JsonObject> pushed = awaitEvents(watcher, id, bids.size());
      assertThat(pushed).as("every node pushed every bid, in seq order").containsExactlyElementsOf(bids);
      watcher.close();
    }
  }

  private void bidRepeatedly(String id, int node, boolean viaBridge, String user, int attempts,
                             Map<Long, JsonObject> acknowledged) {
    BridgeClient bridge = viaBridge ? BridgeClient.connect(clients, port(node)) : null;
    try {
      for (int i = 0; i < attempts; i++) {
        long minimum = Http.get(cluster.baseUrl(node) + "/api/auctions/" + id).json().getLong("minimumBid");
        long amount = minimum + ThreadLocalRandom.current().nextInt(3);
        JsonObject ack;
        if (viaBridge) {
          JsonObject reply = bridge.request("auctions.bid", new JsonObject().put("auctionId", id).put("amount", amount),
              bearer(user)).await();
          if (!"rec".equals(reply.getString("type"))) {
            assertFailure(reply, 409, "BID_TOO_LOW");
            continue;
          }
          ack = reply.getJsonObject("body");
        } else {
          Http.Response response = Http.post(cluster.baseUrl(node) + "/api/auctions/" + id + "/bids",
              new JsonObject().put("amount", amount).encode(), tokens.get(user));
          if (response.status() != 201) {
            assertThat(response.status()).isEqualTo(409);
            assertThat(response.json().getString("error")).isEqualTo("BID_TOO_LOW");
            continue;
          }
          ack = response.json();
        }
        assertThat(ack.getString("bidder")).isEqualTo(user);
        assertThat(acknowledged.putIfAbsent(ack.getLong("seq"), ack)).as("seq acknowledged twice").isNull();
      }
    } finally {
      if (bridge != null) {
        bridge.close();
      }
    }
  }

  private static String createAuction(long startingPrice, long increment) {
    Http.Response created = Http.post(cluster.baseUrl(0) + "/api/auctions", new JsonObject()
        .put("title", "Test lot").put("currency", "EUR").put("startingPrice", startingPrice)
        .put("minIncrement", increment).put("durationSeconds", 600).encode(), tokens.get("alice"));
    assertThat(created.status()).isEqualTo(201);
    return created.json().getString("id");
  }

  /**
   * A bridged client on node {@code node} registered on the auction's address. Registration reaches the other
   * members asynchronously, so probes are published from every node until the client has seen one from each.
   */
  private static BridgeClient watch(int node, String id) {
    BridgeClient client = BridgeClient.connect(clients, port(node));
    String address = "auction." + id;
    client.register(address);
    Wait.until("node " + (node + 1) + "'s client hears every node on " + address, PATIENCE, () -> {
      for (int i = 0; i < 3; i++) {
        cluster.node(i).vertx().eventBus().publish(address, new JsonObject().put("probe", i));
      }
      return IntStream.range(0, 3).allMatch(i -> client.received(address).stream()
          .anyMatch(m -> m.getInteger("probe", -1) == i));
    });
    return client;
  }

  private static List<JsonObject> awaitEvents(BridgeClient client, String id, int count) {
    String address = "auction." + id;
    Wait.until(count + " events on " + address, PATIENCE, () -> events(client, address).size() >= count);
    return events(client, address);
  }

  private static List<JsonObject> events(BridgeClient client, String address) {
    return client.received(address).stream().filter(m -> m.containsKey("seq")).toList();
  }

  private static void assertFailure(JsonObject reply, int status, String code) {
    assertThat(reply.getString("type")).isEqualTo("err");
    assertThat(reply.getInteger("failureCode")).isEqualTo(status);
    assertThat(reply.getString("message")).isEqualTo(code);
  }

  private static JsonObject bearer(String user) {
    return new JsonObject().put("authorization", "Bearer " + tokens.get(user));
  }

  private static int port(int node) {
    return cluster.node(node).config().httpPort();
  }
}
