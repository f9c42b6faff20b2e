package io.gavel.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.BridgeClient;
import io.gavel.testing.Http;
import io.gavel.testing.Jwts;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Attacks on tokens, addresses and limits, against a node running the default limits. */
class SecurityTest {
  private static TestCluster cluster;
  private static Vertx clients;
  private static String base;
  private static String alice;
  private static String bob;

  @BeforeAll
  static void start() {
    // The defaults, put back over the test cluster's raised limits.
    cluster = TestCluster.start(new String[][] {{
        "--set", "limits.bidsPerSecondPerUser=25", "--set", "limits.bidBurstPerUser=50",
        "--set", "limits.loginBurstPerIp=10", "--set", "limits.loginBurstPerUser=5"}});
    clients = Vertx.vertx();
    base = cluster.baseUrl(0);
    alice = Http.login(base, "alice");
    bob = Http.login(base, "bob");
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

  private static String createAuction() {
    return Http.post(base + "/api/auctions", "{\"title\":\"Vase\",\"currency\":\"EUR\",\"startingPrice\":100,"
        + "\"minIncrement\":1,\"durationSeconds\":600}", alice).json().getString("id");
  }

  private static JsonObject bid(BridgeClient client, String id, long amount, String token) {
    JsonObject headers = token == null ? new JsonObject() : new JsonObject().put("authorization", "Bearer " + token);
    return client.request("auctions.bid", new JsonObject().put("auctionId", id).put("amount", amount), headers)
        .await();
  }

  @Test
  void badTokensAreRefusedOnRestAndOnTheBridge() {
    String id = createAuction();
    long future = Jwts.nowSeconds() + 3600;
    String expired = Jwts.hs256(TestCluster.JWT_SECRET, "alice", Jwts.nowSeconds() - 60);
    String wrongKey = Jwts.hs256("not-the-key-not-the-key-not-the-key-123", "alice", future);
    String none = Jwts.unsigned("alice", future);
    String fine = Jwts.hs256(TestCluster.JWT_SECRET, "alice", future);
    try (BridgeClient client = BridgeClient.connect(clients, cluster.node(0).config().httpPort())) {
      for (String token : new String[] {null, "", "garbage", expired, wrongKey, none, alice.substring(1)}) {
        Http.Response rest = Http.post(base + "/api/auctions/" + id + "/bids", "{\"amount\":100}", token);
        assertThat(rest.status()).as("REST with %s", token).isEqualTo(401);
        assertThat(rest.json().getString("error")).isEqualTo("UNAUTHORIZED");
        JsonObject reply = bid(client, id, 100, token);
        assertThat(reply.getInteger("failureCode")).as("bridge with %s", token).isEqualTo(401);
        assertThat(reply.getString("message")).isEqualTo("UNAUTHORIZED");
      }
      assertThat(Http.get(base + "/api/auctions/" + id).json().getLong("seq")).as("nothing changed").isEqualTo(1);
      // A token made with the right key works: the refusals above were about the tokens, not the requests.
      assertThat(bid(client, id, 100, fine).getJsonObject("body").getString("bidder")).isEqualTo("alice");
    }
  }

  /**
   * SockJS's JSONP transport posts its messages as a form field {@code d} (or as text/plain): anything else, or
   * messages that are not a JSON array of strings, gets a 400 with a code (vertx-web alone answers 500), and the
   * session goes on working.
   */
  @Test
  void jsonpSendsThatAreNotMessagesAreRefusedWith400() {
    String session = base + "/eventbus/123/" + java.util.UUID.randomUUID().toString().replace("-", "");
    assertThat(Http.get(session + "/jsonp?c=cb").body()).as("the session opens").contains("cb(\"o\")");
    String ping = new io.vertx.core.json.JsonArray().add("{\"type\":\"ping\"}").encode();
    String form = "application/x-www-form-urlencoded";
    java.util.function.BiFunction<String, String, Http.Response> send = (type, body) ->
        Http.post(session + "/jsonp_send", body, null, java.util.Map.of("Content-Type", type));

    for (String junk : new String[] {"d=not%20json", "d=", "x=1", "d=%5B1%5D", ""}) {
      Http.Response refused = send.apply(form, junk);
      assertThat(refused.status()).as("form %s", junk).isEqualTo(400);
      assertThat(refused.json().getString("error")).as("form %s: %s", junk, refused.body()).isEqualTo("INVALID_JSON");
    }
    Http.Response malformed = send.apply(form, "d=%ZZ");
    assertThat(malformed.status()).as("a form that cannot be decoded").isEqualTo(400);
    assertThat(malformed.json().getString("error")).isEqualTo("INVALID_REQUEST");
    Http.Response plainJunk = send.apply("text/plain", "[null]");
    assertThat(plainJunk.status()).isEqualTo(400);
    assertThat(plainJunk.json().getString("error")).isEqualTo("INVALID_JSON");
    Http.Response wrongType = send.apply("application/json", ping);
    assertThat(wrongType.status()).isEqualTo(400);
    assertThat(wrongType.json().getString("error")).isEqualTo("INVALID_REQUEST");

    Http.Response formSend = send.apply(form, "d=" + java.net.URLEncoder.encode(ping,
        java.nio.charset.StandardCharsets.UTF_8));
    assertThat(formSend.status()).as("a well-formed form send: %s", formSend.body()).isEqualTo(200);
    assertThat(formSend.body()).isEqualTo("ok");
    assertThat(send.apply("text/plain", ping).status()).as("a well-formed text send").isEqualTo(200);
  }

  @Test
  void aPrivateAddressIsOnlyForItsOwner() {
    String id = createAuction();
    try (BridgeClient mallory = BridgeClient.connect(clients, cluster.node(0).config().httpPort());
         BridgeClient owner = BridgeClient.connect(clients, cluster.node(0).config().httpPort())) {
      // alice's token replayed to claim bob's private address, and no token at all: both refused.
      mallory.write(new JsonObject().put("type", "register").put("address", "user.bob")
          .put("headers", new JsonObject().put("authorization", "Bearer " + alice)));
      mallory.write(new JsonObject().put("type", "register").put("address", "user.bob"));
      Wait.until("both registrations are refused", Duration.ofSeconds(5), () -> mallory.errors().size() == 2);
      assertThat(mallory.errors()).extracting(e -> e.getString("body")).containsOnly("access_denied");

      owner.write(new JsonObject().put("type", "register").put("address", "user.bob")
          .put("headers", new JsonObject().put("authorization", "Bearer " + bob)));
      // bob leads, then alice outbids him until the notice reaches him (his registration is asynchronous).
      bid(owner, id, 100, bob);
      Wait.until("bob hears he was outbid", Duration.ofSeconds(10), () -> {
        long minimum = Http.get(base + "/api/auctions/" + id).json().getLong("minimumBid");
        bid(owner, id, minimum, bob);
        bid(owner, id, minimum + 1, alice);
        return !owner.received("user.bob").isEmpty();
      });
      JsonObject notice = owner.received("user.bob").get(0);
      assertThat(notice.getString("type")).isEqualTo("bid.outbid");
      assertThat(notice.getString("bidder")).isEqualTo("alice");
      assertThat(mallory.received("user.bob")).as("mallory heard nothing").isEmpty();
    }
  }

  @Test
  void unpermittedAddressesAreRefusedBothWays() {
    try (BridgeClient client = BridgeClient.connect(clients, cluster.node(0).config().httpPort())) {
      for (String address : new String[] {"auctions.list", "__vertx.anything", "gavel.internal", "auction"}) {
        JsonObject reply = client.request(address, new JsonObject(), new JsonObject()).await();
        assertThat(reply.getInteger("failureCode")).as(address).isEqualTo(403);
        assertThat(reply.getString("message")).isEqualTo("ACCESS_DENIED");
        client.write(new JsonObject().put("type", "register").put("address", address));
      }
      client.write(new JsonObject().put("type", "publish").put("address", "auctions.bid").put("body", new JsonObject()));
      Wait.until("every refused register and publish is answered", Duration.ofSeconds(5),
          () -> client.errors().size() == 5);
    }
  }

  @Test
  void aFloodFromOneClientIsThrottledWhileAnotherKeepsBidding() throws Exception {
    String id = createAuction();
    List<JsonObject> floodReplies = new ArrayList<>();
    try (BridgeClient flooder = BridgeClient.connect(clients, cluster.node(0).config().httpPort());
         BridgeClient honest = BridgeClient.connect(clients, cluster.node(0).config().httpPort())) {
      List<io.vertx.core.Future<JsonObject>> pending = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        pending.add(flooder.request("auctions.bid", new JsonObject().put("auctionId", id).put("amount", 1),
            new JsonObject().put("authorization", "Bearer " + bob)));
      }
      // Meanwhile alice bids at a human pace (5 per second) and is never refused.
      for (int i = 0; i < 10; i++) {
        long minimum = Http.get(base + "/api/auctions/" + id).json().getLong("minimumBid");
        JsonObject reply = bid(honest, id, minimum, alice);
        assertThat(reply.getString("type")).as("alice's bid %d: %s", i, reply).isEqualTo("rec");
        Thread.sleep(200); // pacing a human bidder, not waiting for a condition
      }
      for (io.vertx.core.Future<JsonObject> reply : pending) {
        floodReplies.add(reply.await());
      }
    }
    long limited = floodReplies.stream().filter(r -> "RATE_LIMITED".equals(r.getString("message"))).count();
    assertThat(floodReplies).as("every flood frame is answered").hasSize(400);
    assertThat(limited).as("most of the flood is throttled").isGreaterThan(200);
    assertThat(floodReplies).extracting(r -> r.getString("message")).containsOnly("RATE_LIMITED", "BID_TOO_LOW");
    String metrics = Http.get(base + "/metrics").body();
    assertThat(metrics).contains("gavel_bids_total{result=\"RATE_LIMITED\"}");
  }

  @Test
  void loginGuessingIsSlowedDown() {
    int limited = 0;
    for (int i = 0; i < 8; i++) {
      Http.Response attempt = Http.post(base + "/api/login", "{\"user\":\"carol\",\"password\":\"guess" + i + "\"}",
          null);
      if (attempt.status() == 429) {
        limited++;
        assertThat(attempt.json().getString("error")).isEqualTo("RATE_LIMITED");
      } else {
        assertThat(attempt.status()).isEqualTo(401);
      }
    }
    assertThat(limited).as("attempts beyond the burst of 5 per user are refused").isEqualTo(3);
  }

  @Test
  void aHandshakeFromAForeignOriginIsRefusedAndThePageCarriesSecurityHeaders() {
    WebSocketClient client = clients.createWebSocketClient();
    try {
      Throwable refused = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
              .setPort(cluster.node(0).config().httpPort()).setURI("/eventbus/websocket")
              .addHeader("Origin", "https://evil.example"))
          .map(ws -> (Throwable) null).otherwise(e -> e).await();
      assertThat(refused).as("cross-site WebSocket hijacking is refused").isNotNull();
      assertThat(refused.getMessage()).contains("403");
    } finally {
      client.close().await();
    }
    java.net.http.HttpResponse<String> page;
    try {
      page = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    assertThat(page.headers().firstValue("Content-Security-Policy")).get().asString()
        .contains("script-src 'self'").contains("frame-ancestors 'none'");
    assertThat(page.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    assertThat(page.body()).doesNotContain("<script>").doesNotContain("onclick=");
  }
}
