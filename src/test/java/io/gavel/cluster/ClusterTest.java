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
import java.util.concurrent.CompletableFuture;
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

/**
 * Three clustered nodes in one JVM: bids, proxy wars and buy-it-now races through any node, pushes to clients on every
 * node, and presence summed across them.
 */
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
      Http.Response registrations = Http.get(cluster.baseUrl(0) + "/ops/subscriptions?address=auction." + id);
      assertThat(registrations.json().getInteger("registrations"))
          .as("the watching node's registration is in Vert.x's cluster subscription map").isEqualTo(1);
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

  @Test
  void aProxyWarThroughTwoNodesEndsAtTheLowerMaximumPlusOneStepAndNoMaximumIsPublished() throws Exception {
    String id = create(new JsonObject().put("minIncrement", 50));
    try (BridgeClient watcher = listen(1, "auction." + id, null);
         BridgeClient bobsOwn = listen(2, "user.bob", tokens.get("bob"))) {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Future<?> bob = pool.submit(() -> raiseMaxima(id, "bob", 1, 2_000, 6_000));
        Future<?> carol = pool.submit(() -> raiseMaxima(id, "carol", 2, 2_100, 4_990));
        bob.get();
        carol.get();
      } finally {
        pool.shutdownNow();
      }
      JsonObject auction = Http.get(cluster.baseUrl(0) + "/api/auctions/" + id).json();
      assertThat(auction.getString("leader")).isEqualTo("bob");
      // Bob's maximum when carol's last one arrived was 5,000 or more: the price is carol's 4,990 plus a step, or
      // bob's whole maximum if that was less.
      assertThat(auction.getLong("currentPrice")).isIn(5_000L, 5_040L);
      Http.Response last = Http.post(url(2, id, "bids"), "{\"maxAmount\":5200}", tokens.get("carol"));
      assertThat(last.json().getBoolean("leading")).as("bob's 6,000 answers at once").isFalse();
      assertThat(Http.get(cluster.baseUrl(1) + "/api/auctions/" + id).json().getLong("currentPrice"))
          .as("carol's maximum plus one step").isEqualTo(5_250);

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

  private static int watchers(int node, String id) {
    return Http.get(cluster.baseUrl(node) + "/api/auctions/" + id).json().getInteger("watchers");
  }

  @Test
  void browsersAndLongPollsOnEveryNodeAreCountedEverywhereAndChangesArePushed() throws Exception {
    String token = Http.login(cluster.baseUrl(0), "alice");
    String id = Http.createAuction(cluster.baseUrl(0), token, 600);
    assertThat(watchers(0, id)).isZero();
    String address = "auction." + id;
    try (BridgeClient first = BridgeClient.connect(clients, port(1));
         BridgeClient second = BridgeClient.connect(clients, port(2))) {
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
      assertThat(poll.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      Wait.until("an answered poll is no longer counted", PATIENCE, () -> watchers(2, id) == 1);
    }
  }

  private static String createAuction(long startingPrice, long increment) {
    Http.Response created = Http.post(cluster.baseUrl(0) + "/api/auctions", new JsonObject()
        .put("title", "Test lot").put("currency", "EUR").put("startingPrice", startingPrice)
        .put("minIncrement", increment).put("durationSeconds", 600).encode(), tokens.get("alice"));
    assertThat(created.status()).isEqualTo(201);
    return created.json().getString("id");
  }

  private static BridgeClient watch(int node, String id) {
    return listen(node, "auction." + id, null);
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
