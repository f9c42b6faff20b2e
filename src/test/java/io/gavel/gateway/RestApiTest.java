package io.gavel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.BridgeClient;
import io.gavel.testing.Http;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The REST contract on one node: happy paths, and every kind of bad input answered with its code. */
class RestApiTest {
  private static TestCluster cluster;
  private static String base;
  private static String alice;

  @BeforeAll
  static void start() {
    cluster = TestCluster.start(1);
    base = cluster.baseUrl(0);
    alice = Http.login(base, "alice");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String create(String body) {
    Http.Response response = Http.post(base + "/api/auctions", body, alice);
    assertThat(response.status()).as(response.body()).isEqualTo(201);
    return response.json().getString("id");
  }

  private static String createDefault() {
    return create("{\"title\":\"Lamp\",\"currency\":\"EUR\",\"startingPrice\":1000,\"minIncrement\":50,"
        + "\"durationSeconds\":600}");
  }

  @Test
  void healthReportsTheNodeAndClusterSize() {
    Http.Response health = Http.get(base + "/health");
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json().getString("status")).isEqualTo("UP");
    assertThat(health.json().getString("node")).isEqualTo("node1");
    assertThat(health.json().getInteger("clusterSize")).isEqualTo(1);
    assertThat(health.json().getString("store")).isEqualTo("memory");
  }

  @Test
  void healthReportsTheLastClusterSafetyCheckAndItsAgeWithoutAskingHazelcast() {
    Wait.until("the background check has answered", Duration.ofSeconds(10),
        () -> Http.get(base + "/health").json().getLong("clusterSafeAgeMs") >= 0);
    JsonObject health = Http.get(base + "/health").json();
    assertThat(health.getBoolean("clusterSafe")).as("one member holds every partition").isTrue();
    assertThat(health.getLong("clusterSafeAgeMs")).as("checked about once a second").isLessThan(5_000);
  }

  @Test
  void timeIsTheClusterClockSoPagesCanCountDownOnIt() {
    long before = cluster.node(0).hazelcast().getCluster().getClusterTime();
    Http.Response time = Http.get(base + "/api/time");
    long after = cluster.node(0).hazelcast().getCluster().getClusterTime();
    assertThat(time.status()).isEqualTo(200);
    assertThat(time.json().fieldNames()).containsExactly("now");
    assertThat(time.json().getLong("now")).isBetween(before, after);
  }

  @Test
  void aNodeThatSeesFewerMembersThanItsMinimumIsNotReadyAndSaysWhy() {
    String[] alone = {"--min-cluster-size", "2", "--node-name", "minority"};
    try (TestCluster minority = TestCluster.start(new String[][] {alone})) {
      Http.Response ready = Http.get(minority.baseUrl(0) + "/health/ready");
      assertThat(ready.status()).isEqualTo(503);
      JsonObject clusterCheck = ready.json().getJsonArray("checks").stream().map(JsonObject.class::cast)
          .filter(check -> check.getString("id").equals("cluster")).findFirst().orElseThrow();
      assertThat(clusterCheck.getString("status")).isEqualTo("DOWN");
      assertThat(clusterCheck.getJsonObject("data").getString("reason")).contains("sees 1 of the 2 members");
    }
  }

  @Test
  void createReadBidAndPageTheEvents() {
    String id = createDefault();
    JsonObject auction = Http.get(base + "/api/auctions/" + id).json();
    assertThat(auction.getString("status")).isEqualTo("OPEN");
    assertThat(auction.getString("seller")).isEqualTo("alice");
    assertThat(auction.getLong("seq")).isEqualTo(1);
    assertThat(auction.getLong("endsAt")).isGreaterThan(System.currentTimeMillis() + 590_000);

    String bob = Http.login(base, "bob");
    for (long amount = 1000; amount < 1300; amount += 50) {
      Http.Response bid = Http.post(base + "/api/auctions/" + id + "/bids", "{\"amount\":" + amount + "}", bob);
      assertThat(bid.status()).isEqualTo(201);
      assertThat(bid.json().getBoolean("accepted")).isTrue();
      assertThat(bid.json().getString("bidder")).isEqualTo("bob");
    }
    JsonObject after = Http.get(base + "/api/auctions/" + id).json();
    assertThat(after.getLong("currentPrice")).isEqualTo(1250);
    assertThat(after.getString("leader")).isEqualTo("bob");
    assertThat(after.getInteger("bidCount")).isEqualTo(6);
    assertThat(after.getLong("seq")).isEqualTo(7);

    JsonArray page = (JsonArray) Http.get(base + "/api/auctions/" + id + "/events?after=2&limit=3").value();
    assertThat(page.stream().map(e -> ((JsonObject) e).getLong("seq")).toList()).containsExactly(3L, 4L, 5L);
    JsonArray rest = (JsonArray) Http.get(base + "/api/auctions/" + id + "/events?after=5").value();
    assertThat(rest.stream().map(e -> ((JsonObject) e).getLong("seq")).toList()).containsExactly(6L, 7L);

    JsonArray list = (JsonArray) Http.get(base + "/api/auctions").value();
    assertThat(list.stream().map(a -> ((JsonObject) a).getString("id"))).contains(id);
  }

  @Test
  void anAuctionClosesAtItsEndWithTheWinner() {
    String id = create("{\"title\":\"Quick\",\"currency\":\"EUR\",\"startingPrice\":100,\"minIncrement\":1,"
        + "\"durationSeconds\":1}");
    String bob = Http.login(base, "bob");
    Http.post(base + "/api/auctions/" + id + "/bids", "{\"amount\":150}", bob);
    Wait.until("the auction closes", Duration.ofSeconds(10),
        () -> "CLOSED".equals(Http.get(base + "/api/auctions/" + id).json().getString("status")));
    JsonObject closed = Http.get(base + "/api/auctions/" + id).json();
    assertThat(closed.getString("winner")).isEqualTo("bob");
    JsonArray events = (JsonArray) Http.get(base + "/api/auctions/" + id + "/events").value();
    assertThat(events.stream().filter(e -> "auction.closed".equals(((JsonObject) e).getString("type")))).hasSize(1);
    Http.Response late = Http.post(base + "/api/auctions/" + id + "/bids", "{\"amount\":500}", bob);
    assertThat(late.status()).isEqualTo(410);
    assertThat(late.json().getString("error")).isEqualTo("AUCTION_CLOSED");
  }

  static Stream<Arguments> badBids() {
    return Stream.of(
        Arguments.of("{\"amount\":\"100\"}", 400, "INVALID_BID"),
        Arguments.of("{\"amount\":10.5}", 400, "INVALID_BID"),
        Arguments.of("{\"amount\":1e3}", 400, "INVALID_BID"),
        Arguments.of("{\"amount\":0}", 400, "INVALID_BID"),
        Arguments.of("{\"amount\":-1}", 400, "INVALID_BID"),
        Arguments.of("{\"amount\":9007199254740992}", 400, "INVALID_BID"),
        Arguments.of("{\"amount\":123456789012345678901234567890}", 400, "INVALID_BID"),
        Arguments.of("{\"amount\":null}", 400, "INVALID_BID"),
        Arguments.of("{\"amount\":true}", 400, "INVALID_BID"),
        Arguments.of("{}", 400, "INVALID_BID"),
        Arguments.of("[1000]", 400, "INVALID_JSON"),
        Arguments.of("{\"amount\":", 400, "INVALID_JSON"),
        Arguments.of("", 400, "INVALID_JSON"),
        Arguments.of("\u00ff\u00fe garbage", 400, "INVALID_JSON"),
        Arguments.of("{\"amount\":999}", 409, "BID_TOO_LOW"),
        Arguments.of("{\"amount\":\"" + "9".repeat(70_000) + "\"}", 413, "BODY_TOO_LARGE"));
  }

  @ParameterizedTest
  @MethodSource("badBids")
  void badBidsGetAClearErrorAndChangeNothing(String body, int status, String code) {
    String id = createDefault();
    Http.Response response = Http.post(base + "/api/auctions/" + id + "/bids", body, alice);
    assertThat(response.status()).isEqualTo(status);
    assertThat(response.json().getString("error")).isEqualTo(code);
    assertThat(response.json().getString("message")).isNotBlank();
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("io.gavel");
    assertThat(Http.get(base + "/api/auctions/" + id).json().getLong("seq")).isEqualTo(1);
  }

  @Test
  void anIdempotencyKeyGetsTheFirstAnswerAndABadOrReusedKeyIsRefused() {
    String id = createDefault();
    String bob = Http.login(base, "bob");
    String url = base + "/api/auctions/" + id + "/bids";
    Http.Response first = Http.post(url, "{\"amount\":1000}", bob, java.util.Map.of("Idempotency-Key", "k-1"));
    assertThat(first.status()).as(first.body()).isEqualTo(201);
    Http.Response retry = Http.post(url, "{\"amount\":1000}", bob, java.util.Map.of("Idempotency-Key", "k-1"));
    assertThat(retry.status()).isEqualTo(201);
    assertThat(retry.json().getLong("seq")).isEqualTo(first.json().getLong("seq"));
    Http.Response reused = Http.post(url, "{\"amount\":2000}", bob, java.util.Map.of("Idempotency-Key", "k-1"));
    assertThat(reused.status()).isEqualTo(409);
    assertThat(reused.json().getString("error")).isEqualTo("IDEMPOTENCY_KEY_REUSED");
    for (String bad : new String[] {"", "has space", "x".repeat(65), "dot.ted"}) {
      Http.Response refused = Http.post(url, "{\"amount\":3000}", bob, java.util.Map.of("Idempotency-Key", bad));
      assertThat(refused.status()).as("key '%s'", bad).isEqualTo(400);
      assertThat(refused.json().getString("error")).isEqualTo("INVALID_REQUEST");
    }
    assertThat(Http.get(base + "/api/auctions/" + id).json().getInteger("bidCount")).as("one bid placed").isEqualTo(1);
  }

  @Test
  void bidsNeedAValidToken() {
    String id = createDefault();
    for (String token : new String[] {null, "garbage", alice + "x",
        // alg "none", subject alice, far-future expiry
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhbGljZSIsImlzcyI6ImdhdmVsIiwiZXhwIjo0MTAyNDQ0ODAwfQ."}) {
      Http.Response response = Http.post(base + "/api/auctions/" + id + "/bids", "{\"amount\":5000}", token);
      assertThat(response.status()).isEqualTo(401);
      assertThat(response.json().getString("error")).isEqualTo("UNAUTHORIZED");
    }
    assertThat(Http.get(base + "/api/auctions/" + id).json().getLong("seq")).isEqualTo(1);
  }

  @Test
  void unknownAuctionsAreNotFound() {
    for (String path : new String[] {"/api/auctions/nope", "/api/auctions/nope/events", "/api/auctions/bad%20id"}) {
      Http.Response response = Http.get(base + path);
      assertThat(response.status()).isEqualTo(404);
      assertThat(response.json().getString("error")).isEqualTo("AUCTION_NOT_FOUND");
    }
    Http.Response bid = Http.post(base + "/api/auctions/nope/bids", "{\"amount\":100}", alice);
    assertThat(bid.status()).isEqualTo(404);
    assertThat(bid.json().getString("error")).isEqualTo("AUCTION_NOT_FOUND");
  }

  @Test
  void badAuctionsAndQueriesAreRefused() {
    String[] bodies = {
        "{\"title\":\"\",\"currency\":\"EUR\",\"startingPrice\":1,\"minIncrement\":1,\"durationSeconds\":60}",
        "{\"title\":\"t\",\"currency\":\"euro\",\"startingPrice\":1,\"minIncrement\":1,\"durationSeconds\":60}",
        "{\"title\":\"t\",\"currency\":\"EUR\",\"startingPrice\":1.5,\"minIncrement\":1,\"durationSeconds\":60}",
        "{\"title\":\"t\",\"currency\":\"EUR\",\"startingPrice\":1,\"minIncrement\":0,\"durationSeconds\":60}",
        "{\"title\":\"t\",\"currency\":\"EUR\",\"startingPrice\":1,\"minIncrement\":1,\"durationSeconds\":0}",
        "{\"title\":\"t\",\"currency\":\"EUR\",\"startingPrice\":1,\"minIncrement\":1,\"durationSeconds\":60,"
            + "\"antiSnipingSeconds\":-1}",
        "{\"currency\":\"EUR\",\"startingPrice\":1,\"minIncrement\":1,\"durationSeconds\":60}"};
    int before = ((JsonArray) Http.get(base + "/api/auctions").value()).size();
    for (String body : bodies) {
      Http.Response response = Http.post(base + "/api/auctions", body, alice);
      assertThat(response.status()).as(body).isEqualTo(400);
      assertThat(response.json().getString("error")).isEqualTo("INVALID_AUCTION");
    }
    assertThat(((JsonArray) Http.get(base + "/api/auctions").value()).size()).isEqualTo(before);

    Http.Response unauthenticated = Http.post(base + "/api/auctions", "{}", null);
    assertThat(unauthenticated.status()).isEqualTo(401);

    String id = createDefault();
    for (String query : new String[] {"after=-1", "after=x", "limit=0", "limit=1001", "after=1e3"}) {
      Http.Response response = Http.get(base + "/api/auctions/" + id + "/events?" + query);
      assertThat(response.status()).as(query).isEqualTo(400);
      assertThat(response.json().getString("error")).isEqualTo("INVALID_REQUEST");
    }
  }

  @Test
  void loginChecksTheHashedPassword() {
    Http.Response wrong = Http.post(base + "/api/login", "{\"user\":\"alice\",\"password\":\"nope\"}", null);
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.json().getString("error")).isEqualTo("BAD_CREDENTIALS");
    Http.Response unknown = Http.post(base + "/api/login", "{\"user\":\"mallory\",\"password\":\"gavel-demo\"}", null);
    assertThat(unknown.status()).isEqualTo(401);
    Http.Response malformed = Http.post(base + "/api/login", "{\"user\":1}", null);
    assertThat(malformed.status()).isEqualTo(400);
    Http.Response ok = Http.post(base + "/api/login", "{\"user\":\"carol\",\"password\":\"gavel-demo\"}", null);
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.json().getString("user")).isEqualTo("carol");
  }

  @Test
  void unknownRoutesAreJson404s() {
    Http.Response response = Http.get(base + "/api/nothing-here");
    assertThat(response.status()).isEqualTo(404);
    assertThat(response.json().getString("error")).isEqualTo("NOT_FOUND");
  }

  @Test
  void thePageAndItsLibrariesAreServed() {
    assertThat(Http.get(base + "/").body()).contains("vendor/vertx-eventbus.js").contains("app.js");
    assertThat(Http.get(base + "/vendor/vertx-eventbus.js").status()).isEqualTo(200);
    assertThat(Http.get(base + "/vendor/sockjs.min.js").status()).isEqualTo(200);
    assertThat(Http.get(base + "/app.js").status()).isEqualTo(200);
  }

  @Test
  void metricsShowBidsEventsFanOutSocketsAndTheCluster() {
    io.vertx.core.Vertx clients = io.vertx.core.Vertx.vertx();
    try (io.gavel.testing.BridgeClient browser = io.gavel.testing.BridgeClient.connect(clients,
        cluster.node(0).config().httpPort())) {
      String id = createDefault();
      browser.register("auction." + id);
      // The browser's registration takes effect asynchronously: bid until one reaches it.
      Wait.until("a bid reaches the bridged browser", Duration.ofSeconds(10), () -> {
        long minimum = Http.get(base + "/api/auctions/" + id).json().getLong("minimumBid");
        Http.post(base + "/api/auctions/" + id + "/bids", "{\"amount\":" + minimum + "}", alice);
        return !browser.received("auction." + id).isEmpty();
      });
      Http.post(base + "/api/auctions/" + id + "/bids", "{\"amount\":1}", alice);
      String metrics = Http.get(base + "/metrics").body();
      assertThat(value(metrics, "gavel_bids_total{result=\"accepted\"}")).isGreaterThanOrEqualTo(1);
      assertThat(value(metrics, "gavel_bids_total{result=\"BID_TOO_LOW\"}")).isGreaterThanOrEqualTo(1);
      assertThat(value(metrics, "gavel_events_published_total")).isGreaterThanOrEqualTo(2);
      assertThat(value(metrics, "gavel_fanout_latency_seconds_count")).isGreaterThanOrEqualTo(1);
      assertThat(value(metrics, "gavel_bridge_sockets")).isEqualTo(1);
      assertThat(value(metrics, "gavel_cluster_size")).isEqualTo(1);
      assertThat(metrics).contains("vertx_http_server_requests_total").contains("vertx_eventbus_published_total")
          .contains("jvm_memory_used_bytes");
    } finally {
      clients.close().await();
    }
  }

  @Test
  void readinessChecksTheNodeTheClusterTheMapAndHttp() {
    Http.Response ready = Http.get(base + "/health/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getString("outcome")).isEqualTo("UP");
    assertThat(ready.json().getJsonArray("checks").stream().map(c -> ((JsonObject) c).getString("id")))
        .containsExactlyInAnyOrder("node", "cluster", "auctions", "store", "http");
  }

  private static double value(String metrics, String series) {
    return metrics.lines().filter(line -> line.startsWith(series + " ")).mapToDouble(
        line -> Double.parseDouble(line.substring(series.length() + 1).trim())).findFirst()
        .orElseThrow(() -> new AssertionError("no series " + series));
  }

  @Test
  void aLongPollIsAnsweredByTheNextEventOrAfterItsTimeout() throws Exception {
    String id = createDefault();
    Http.Response missed = Http.get(base + "/api/auctions/" + id + "/poll?after=0");
    assertThat(missed.status()).as("events already there come back at once").isEqualTo(200);
    assertThat(((JsonArray) missed.value()).getJsonObject(0).getString("type")).isEqualTo("auction.created");

    Http.Response quiet = Http.get(base + "/api/auctions/" + id + "/poll?after=1&timeoutMs=300");
    assertThat(quiet.status()).as("nothing new before the timeout").isEqualTo(204);

    var waiting = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> Http.get(base + "/api/auctions/" + id + "/poll?after=1&timeoutMs=20000"));
    Wait.until("the poll is parked", Duration.ofSeconds(5), () -> Http.get(base + "/metrics").body()
        .contains("gavel_long_polls 1.0"));
    long bidAt = System.nanoTime();
    assertThat(Http.post(base + "/api/auctions/" + id + "/bids", "{\"amount\":1000}", alice).status()).isEqualTo(201);
    Http.Response woken = waiting.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(woken.status()).isEqualTo(200);
    JsonObject event = ((JsonArray) woken.value()).getJsonObject(0);
    assertThat(event.getString("type")).isEqualTo("bid.accepted");
    assertThat(event.getLong("seq")).isEqualTo(2);
    assertThat(Duration.ofNanos(System.nanoTime() - bidAt)).as("woken by the event, not by the timeout")
        .isLessThan(Duration.ofSeconds(10));

    for (String query : new String[] {"after=-1", "after=x", "timeoutMs=0", "timeoutMs=60001"}) {
      Http.Response bad = Http.get(base + "/api/auctions/" + id + "/poll?" + query);
      assertThat(bad.status()).as(query).isEqualTo(400);
      assertThat(bad.json().getString("error")).isEqualTo("INVALID_REQUEST");
    }
    assertThat(Http.get(base + "/api/auctions/nope/poll?after=0&timeoutMs=100").status()).isEqualTo(404);
  }

  @Test
  void proxyBidsBuyNowAndCancelOverRest() {
    String bob = Http.login(base, "bob");
    String id = create("{\"title\":\"Clock\",\"currency\":\"EUR\",\"startingPrice\":1000,\"durationSeconds\":600,"
        + "\"increments\":[{\"from\":0,\"step\":50},{\"from\":5000,\"step\":100}],\"reservePrice\":3000,"
        + "\"buyNowPrice\":8000}");
    JsonObject auction = Http.get(base + "/api/auctions/" + id).json();
    assertThat(auction.getBoolean("reserveMet")).isFalse();
    assertThat(auction.containsKey("reservePrice")).as("the reserve is hidden").isFalse();
    assertThat(auction.getBoolean("buyNowAvailable")).isTrue();

    Http.Response proxy = Http.post(base + "/api/auctions/" + id + "/bids", "{\"maxAmount\":4000}", bob);
    assertThat(proxy.status()).isEqualTo(201);
    assertThat(proxy.json().getLong("amount")).isEqualTo(1000);
    assertThat(proxy.json().getBoolean("proxy")).isTrue();
    assertThat(proxy.json().getLong("maxAmount")).as("the bidder's own reply tells them their maximum")
        .isEqualTo(4000);
    Http.Response beaten = Http.post(base + "/api/auctions/" + id + "/bids", "{\"amount\":2000}", alice);
    assertThat(beaten.status()).isEqualTo(201);
    assertThat(beaten.json().getBoolean("leading")).as("bob's maximum answered at once").isFalse();
    assertThat(Http.get(base + "/api/auctions/" + id).json().getString("leader")).isEqualTo("bob");

    for (String body : new String[] {"{}", "{\"maxAmount\":0}", "{\"amount\":3000,\"maxAmount\":2500}",
        "{\"maxAmount\":\"4000\"}"}) {
      Http.Response bad = Http.post(base + "/api/auctions/" + id + "/bids", body, alice);
      assertThat(bad.status()).as(body).isEqualTo(400);
      assertThat(bad.json().getString("error")).isEqualTo("INVALID_BID");
    }
    Http.Response noBuyNow = Http.post(base + "/api/auctions/" + createDefault() + "/buy-now", "{}", bob);
    assertThat(noBuyNow.status()).isEqualTo(409);
    assertThat(noBuyNow.json().getString("error")).isEqualTo("BUY_NOW_UNAVAILABLE");
    Http.Response bought = Http.post(base + "/api/auctions/" + id + "/buy-now", "{}", Http.login(base, "carol"));
    assertThat(bought.status()).as("below the reserve buy it now stays open").isEqualTo(200);
    assertThat(bought.json().getBoolean("buyNow")).isTrue();
    assertThat(Http.post(base + "/api/auctions/" + id + "/buy-now", "{}", bob).status()).isEqualTo(410);

    String toCancel = createDefault();
    Http.Response notSeller = Http.post(base + "/api/auctions/" + toCancel + "/cancel", "{}", bob);
    assertThat(notSeller.status()).isEqualTo(403);
    assertThat(notSeller.json().getString("error")).isEqualTo("FORBIDDEN");
    assertThat(Http.post(base + "/api/auctions/" + toCancel + "/cancel", "{}", alice).status()).isEqualTo(200);
    assertThat(Http.get(base + "/api/auctions/" + toCancel).json().getString("status")).isEqualTo("CANCELLED");
    assertThat(Http.post(base + "/api/auctions/nope/cancel", "{}", alice).status()).isEqualTo(404);

    String badIncrements = "{\"title\":\"x\",\"currency\":\"EUR\",\"startingPrice\":1000,\"durationSeconds\":60,"
        + "\"increments\":[{\"from\":10,\"step\":5}]}";
    Http.Response refused = Http.post(base + "/api/auctions", badIncrements, alice);
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().getString("error")).isEqualTo("INVALID_AUCTION");
  }

  @Test
  void servicesPublishToPermittedAddressesWithAnApiKeyAndRetriesAreDeliveredOnce() {
    Vertx clients = Vertx.vertx();
    try (BridgeClient browser = BridgeClient.connect(clients, base)) {
      String address = "news.weather";
      browser.register(address);
      java.util.Map<String, String> apiKey = java.util.Map.of("Authorization", "ApiKey demo-newsroom-key");
      Wait.until("the browser hears a publication", Duration.ofSeconds(10), () -> {
        Http.Response published = Http.post(base + "/api/publish",
            "{\"address\":\"news.weather\",\"body\":{\"probe\":true}}", null, apiKey);
        assertThat(published.status()).isEqualTo(202);
        return !browser.received(address).isEmpty();
      });
      int before = browser.received(address).size();
      java.util.Map<String, String> once = java.util.Map.of("Authorization", "ApiKey demo-newsroom-key",
          "Idempotency-Key", "storm-" + System.nanoTime());
      String storm = "{\"address\":\"news.weather\",\"body\":{\"text\":\"storm\"}}";
      assertThat(Http.post(base + "/api/publish", storm, null, once).json().getBoolean("published")).isTrue();
      Http.Response retry = Http.post(base + "/api/publish", storm, null, once);
      assertThat(retry.status()).isEqualTo(202);
      assertThat(retry.json().getBoolean("duplicate")).isTrue();
      Wait.until("the storm warning arrives", Duration.ofSeconds(5),
          () -> browser.received(address).size() > before);

      Http.Response noKey = Http.post(base + "/api/publish", storm, null, java.util.Map.of());
      assertThat(noKey.status()).isEqualTo(401);
      Http.Response wrongKey = Http.post(base + "/api/publish", storm, null,
          java.util.Map.of("Authorization", "ApiKey guessed"));
      assertThat(wrongKey.status()).isEqualTo(401);
      Http.Response forged = Http.post(base + "/api/publish",
          "{\"address\":\"auction.demo-lamp\",\"body\":{\"type\":\"bid.accepted\",\"seq\":99}}", null, apiKey);
      assertThat(forged.status()).isEqualTo(403);
      assertThat(forged.json().getString("error")).isEqualTo("FORBIDDEN_ADDRESS");
      for (String bad : new String[] {"[]", "{\"address\":\"news.x\"}", "{\"address\":5,\"body\":1}", "nope"}) {
        Http.Response refused = Http.post(base + "/api/publish", bad, null, apiKey);
        assertThat(refused.status()).as(bad).isEqualTo(400);
        assertThat(refused.json().getString("error")).isIn("INVALID_REQUEST", "INVALID_JSON");
      }
      assertThat(browser.received(address)).as("only the probes and one storm warning arrived")
          .filteredOn(m -> m.containsKey("text")).hasSize(1);
      assertThat(Http.get(base + "/metrics").body())
          .contains("gavel_api_published_total{outcome=\"duplicate\",publisher=\"newsroom\"}");
    } finally {
      clients.close().await();
    }
  }

  @Test
  void pollsForUnknownAuctionsOrWithAnAnswerReadyPutNoRegistrationIntoTheCluster() {
    String unknown = "no-such-auction-" + System.nanoTime();
    for (int i = 0; i < 3; i++) {
      Http.Response response = Http.get(base + "/api/auctions/" + unknown + "/poll?after=0&timeoutMs=5000");
      assertThat(response.status()).isEqualTo(404);
      assertThat(response.json().getString("error")).isEqualTo("AUCTION_NOT_FOUND");
    }
    String id = createDefault();
    assertThat(Http.get(base + "/api/auctions/" + id + "/poll?after=0").status()).isEqualTo(200);
    for (String address : new String[] {"auction." + unknown, "auction." + id}) {
      Http.Response registrations = Http.get(base + "/ops/subscriptions?address=" + address);
      assertThat(registrations.json().getInteger("registrations")).as(address).isZero();
    }
  }

  @Test
  void aLongPollWhoseClientGoesAwayIsForgottenAtOnce() throws Exception {
    String id = createDefault();
    int port = cluster.node(0).config().httpPort();
    try (java.net.Socket client = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
      client.getOutputStream().write(("GET /api/auctions/" + id + "/poll?after=1&timeoutMs=60000 HTTP/1.1\r\n"
          + "Host: 127.0.0.1\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      client.getOutputStream().flush();
      Wait.until("the poll is parked", Duration.ofSeconds(5),
          () -> Http.get(base + "/metrics").body().contains("gavel_long_polls 1.0"));
    }
    Wait.until("the poll of a closed connection is let go long before its 60 s", Duration.ofSeconds(10),
        () -> Http.get(base + "/metrics").body().contains("gavel_long_polls 0.0"));
  }
}
