package io.gavel.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.BridgeClient;
import io.gavel.testing.Http;
import io.gavel.testing.SockJsClient;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 11,000 malformed or hostile inputs against a running node: 6,000 bridge frames over the raw WebSocket endpoint and
 * 5,000 REST requests. Every one must be answered with an error (or, for an oversized frame, a clean close), no
 * answer may be a 5xx or leak internals, the node must stay healthy, and the auctions must be exactly as before.
 * The seed is printed, so a failure can be replayed.
 */
class FuzzTest {
  private static final int FRAMES = 6_000;
  private static final int REQUESTS = 5_000;
  private static final int SOCKJS_FRAMES = 1_500;
  private static final long MAX = 9_007_199_254_740_991L;

  private final long seed = Long.getLong("fuzz.seed", System.nanoTime());
  private final Random random = new Random(seed);
  private final Map<String, Integer> tried = new TreeMap<>();

  @Test
  void elevenThousandHostileInputsAreAnsweredAndChangeNothing() throws Exception {
    System.out.println("FuzzTest seed " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
    Vertx clients = Vertx.vertx();
    try (TestCluster cluster = TestCluster.start(new String[][] {{
        "--set", "limits.framesPerSecondPerConnection=1000000", "--set", "limits.frameBurstPerConnection=1000000",
        "--set", "limits.maxInvalidFrames=1000000"}})) {
      String base = cluster.baseUrl(0);
      int port = cluster.node(0).config().httpPort();
      String token = Http.login(base, "alice");
      String id = createLot(base, token);
      String before = Http.get(base + "/api/auctions").body();
      String eventsBefore = Http.get(base + "/api/auctions/" + id + "/events").body();

      int closes = fuzzBridge(clients, port, id, token);
      fuzzRest(base, id, token);

      assertThat(Http.get(base + "/health").status()).as("the node is still healthy").isEqualTo(200);
      assertThat(Http.get(base + "/api/auctions").body()).as("auctions unchanged").isEqualTo(before);
      assertThat(Http.get(base + "/api/auctions/" + id + "/events").body()).isEqualTo(eventsBefore);
      System.out.println("FuzzTest: " + FRAMES + " frames (" + closes + " answered by a close) and " + REQUESTS
          + " requests, by kind: " + tried);
    } finally {
      clients.close().await();
    }
  }

  /**
   * The same hostile bridge frames, 1,500 per transport, over SockJS as sockjs-client carries them: framed as SockJS
   * messages over WebSocket and posted to xhr_send of an xhr-polling session, mixed with junk at the SockJS level
   * (bodies and frames that are not JSON arrays of strings, empty, oversized) and registrations of clients that then
   * vanish. Every frame is answered (an error, a failure reply, a 4xx for the POST, or a close of the WebSocket);
   * afterwards the node is healthy, the auction unchanged, and no socket or registration is left behind.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"websocket", "xhr-polling"})
  void hostileSockJsFramesAreAnsweredAndLeaveNothingBehind(String transport) throws Exception {
    System.out.println("FuzzTest (SockJS " + transport + ") seed " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
    Vertx clients = Vertx.vertx();
    try (TestCluster cluster = TestCluster.start(new String[][] {{
        "--set", "limits.framesPerSecondPerConnection=1000000", "--set", "limits.frameBurstPerConnection=1000000",
        "--set", "limits.maxInvalidFrames=1000000"}})) {
      String base = cluster.baseUrl(0);
      int port = cluster.node(0).config().httpPort();
      String token = Http.login(base, "alice");
      String id = createLot(base, token);
      String before = Http.get(base + "/api/auctions").body();
      java.util.function.Supplier<SockJsClient> connect = () -> transport.equals("websocket")
          ? SockJsClient.websocket(clients, port) : SockJsClient.xhrPolling(port);
      java.util.List<SockJsClient> opened = new java.util.ArrayList<>();
      SockJsClient client = connect.get();
      opened.add(client);
      int closes = 0;
      for (int i = 0; i < SOCKJS_FRAMES; i++) {
        if (!client.isOpen()) {
          closes++;
          client = connect.get();
          opened.add(client);
        }
        int dice = random.nextInt(10);
        if (dice == 0) {
          // A browser that registers and then vanishes (its session closes, or times out when it stops polling).
          tried.merge("sockjs:register then vanish", 1, Integer::sum);
          client.send(new JsonObject().put("type", "register").put("address", "auction." + id).encode());
          client.close();
          client = connect.get();
          opened.add(client);
        } else if (dice == 1) {
          String junk = pick("", "not json", "{}", "[1,2]", "[null]", "[[\"x\"]]", "\"", "[\"unterminated",
              "[\"a\",null]", "[\"a\",{\"b\":1}]", "[\"x\"" + "]".repeat(3), unicode(1 + random.nextInt(50)),
              // These pass vertx-web's check on WebSocket frames (starts with [" and ends with "]):
              "[\"a\",null,\"b\"]", "[\"a\",1,\"b\"]", "[\"a\",[\"x\"],\"b\"]", "[\"a\",{},\"b\"]", "\"lone string\"");
          tried.merge("sockjs:junk payload", 1, Integer::sum);
          int status = client.sendRaw(junk);
          SockJsClient sent = client;
          if (transport.equals("websocket")) {
            // vertx-web closes a WebSocket whose frame is not a JSON array of strings; what it lets through reaches
            // the bridge as messages, which are answered like any other.
            Wait.until("junk " + junk + " is answered", Duration.ofSeconds(10),
                () -> !sent.isOpen() || probeAnswered(sent));
          } else {
            assertThat(status).as("xhr_send of %s", junk).isBetween(200, 499);
            Wait.until("the session still answers after " + junk, Duration.ofSeconds(10), () -> probeAnswered(sent));
          }
        } else {
          Frame frame = nextFrame(id, token);
          tried.merge("sockjs:" + frame.kind(), 1, Integer::sum);
          String message = frame.bytes().toString(StandardCharsets.UTF_8);
          int errors = errors(client);
          int status = client.send(message);
          SockJsClient sent = client;
          if (frame.expect() == Expect.CLOSE) {
            // Over 64 KiB: the POST is refused (413) or the WebSocket closed.
            Wait.until(frame.kind() + " is refused", Duration.ofSeconds(10),
                () -> !sent.isOpen() || (status >= 400 && status < 500));
          } else if (frame.expect() == Expect.REPLY) {
            Wait.until(frame.kind() + " gets its failure reply (" + message + "; open " + sent.isOpen()
                + ", received " + sent.received().size() + ")", Duration.ofSeconds(10), () -> sent.received().stream()
                .anyMatch(m -> frame.replyAddress().equals(m.getString("address"))
                    && m.getInteger("failureCode", 0) >= 400 && m.getInteger("failureCode", 0) < 500));
          } else {
            Wait.until(frame.kind() + " is answered with an error (" + message + ", status " + status + ", got "
                + sent.received() + ")", Duration.ofSeconds(10),
                () -> probeAnswered(sent) && errors(sent) > errors);
          }
        }
      }
      for (SockJsClient c : opened) {
        c.close();
      }
      String metrics = base + "/metrics";
      // Polling sessions nobody polls any more close after vertx-web's session timeout (5 s), counted from the end of
      // the last poll, which the server may hold until its next heartbeat (25 s): up to 30 s, more on a busy machine.
      Wait.until("no bridged socket and no subscription left", Duration.ofSeconds(60), () -> {
        io.gavel.testing.Metrics now = io.gavel.testing.Metrics.of(metrics);
        return now.value("gavel_bridge_sockets") == 0 && now.value("gavel_bridge_subscriptions") == 0;
      });
      assertThat(Http.get(base + "/ops/subscriptions?address=auction." + id).json().getInteger("registrations"))
          .as("registrations in the cluster for the auction").isZero();
      assertThat(Http.get(base + "/health").status()).as("the node is still healthy").isEqualTo(200);
      assertThat(Http.get(base + "/api/auctions").body()).as("auctions unchanged").isEqualTo(before);
      System.out.println("FuzzTest (SockJS " + transport + "): " + SOCKJS_FRAMES + " inputs (" + closes
          + " answered by a close), by kind: " + tried);
    } finally {
      clients.close().await();
    }
  }

  /** Starting at 5000: no fuzzed amount beats it. */
  private static String createLot(String base, String token) {
    return Http.post(base + "/api/auctions", "{\"title\":\"Fuzz lot\",\"currency\":\"EUR\",\"startingPrice\":"
        + "5000,\"minIncrement\":100,\"durationSeconds\":3600}", token).json().getString("id");
  }

  /** Sends a request nobody may make; true once its failure reply (403) is there. */
  private static boolean probeAnswered(SockJsClient client) {
    String reply = "probe-" + Long.toHexString(System.nanoTime());
    client.send(new JsonObject().put("type", "send").put("address", "gavel.fuzz.probe").put("replyAddress", reply)
        .put("body", new JsonObject()).encode());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline && client.isOpen()) {
      if (client.received().stream().anyMatch(m -> reply.equals(m.getString("address")))) {
        return true;
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private static int errors(SockJsClient client) {
    return (int) client.received().stream().filter(m -> "err".equals(m.getString("type")) && !m.containsKey("address"))
        .count();
  }

  // ---- bridge frames -----------------------------------------------------------------------------------------

  private enum Expect { ERROR, REPLY, CLOSE }

  private record Frame(String kind, Buffer bytes, boolean binary, Expect expect, String replyAddress) {
  }

  private int fuzzBridge(Vertx vertx, int port, String id, String token) throws Exception {
    BridgeClient client = BridgeClient.connect(vertx, port);
    int closes = 0;
    for (int i = 0; i < FRAMES; i++) {
      Frame frame = nextFrame(id, token);
      tried.merge("frame:" + frame.kind(), 1, Integer::sum);
      switch (frame.expect()) {
        case REPLY -> {
          var reply = client.replyTo(frame.replyAddress());
          client.writeRaw(frame.bytes(), frame.binary());
          JsonObject answer = reply.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
          assertThat(answer.getString("type")).as("%s: %s", frame.kind(), answer).isEqualTo("err");
          assertThat(answer.getInteger("failureCode")).as("%s: %s", frame.kind(), answer).isBetween(400, 499);
        }
        case ERROR -> {
          int errors = client.errors().size();
          client.writeRaw(frame.bytes(), frame.binary());
          JsonObject probe = client.request("gavel.fuzz.probe", new JsonObject(), new JsonObject(), 10);
          assertThat(probe.getInteger("failureCode")).isEqualTo(403);
          assertThat(client.errors().size()).as("%s answered: %s", frame.kind(), frame.bytes()).isGreaterThan(errors);
        }
        case CLOSE -> {
          // Over the frame limit: the WebSocket layer delivers it in pieces that are each refused, or the bridge
          // closes the socket (when one piece alone is too large).
          int errors = client.errors().size();
          client.writeRaw(frame.bytes(), frame.binary());
          BridgeClient sent = client;
          Wait.until(frame.kind() + " is refused or closes the socket", Duration.ofSeconds(10),
              () -> sent.isClosed() || sent.errors().size() > errors);
          if (client.isClosed()) {
            closes++;
            client.close();
            client = BridgeClient.connect(vertx, port);
          }
        }
      }
    }
    client.close();
    return closes;
  }

  private Frame nextFrame(String id, String token) {
    String reply = UUID.randomUUID().toString();
    String bearer = "Bearer " + token;
    switch (random.nextInt(15)) {
      case 0:
        return new Frame("random bytes", Buffer.buffer(bytes(1 + random.nextInt(300))), true, Expect.ERROR, null);
      case 1:
        return new Frame("random text", text(1 + random.nextInt(300)), false, Expect.ERROR, null);
      case 2: {
        String valid = new JsonObject().put("type", "send").put("address", "auctions.bid").put("replyAddress", reply)
            .put("body", new JsonObject().put("auctionId", id).put("amount", 5000)).encode();
        return new Frame("truncated frame", Buffer.buffer(valid.substring(0, 1 + random.nextInt(valid.length() - 1))),
            false, Expect.ERROR, null);
      }
      case 3:
        return new Frame("not an object", Buffer.buffer(pick("[]", "[1,2]", "42", "-0.5", "\"send\"", "null", "true",
            "[{\"type\":\"send\"}]")), false, Expect.ERROR, null);
      case 4:
        return new Frame("bad type", json(new JsonObject().put("type", weirdValue()).put("address", "auctions.bid")
            .put("body", new JsonObject())), false, Expect.ERROR, null);
      case 5:
        return new Frame("unknown type", json(new JsonObject().put("type", "x" + unicode(1 + random.nextInt(20)))
            .put("address", "auctions").put("replyAddress", reply)), false, Expect.REPLY, reply);
      case 6:
        return new Frame("bad address", json(new JsonObject().put("type", "send").put("replyAddress", reply)
            .put("address", random.nextBoolean() ? weirdValue() : "a".repeat(201 + random.nextInt(500)))), false,
            Expect.REPLY, reply);
      case 7:
        return new Frame("unpermitted address", json(new JsonObject().put("type", "send").put("replyAddress", reply)
            .put("address", unicode(1 + random.nextInt(60))).put("body", weirdValue())), false, Expect.REPLY, reply);
      case 8:
        return new Frame("bid without a valid token", json(bidFrame(id, reply, 99_999_999)
            .put("headers", random.nextBoolean() ? new JsonObject()
                : new JsonObject().put("authorization", "Bearer " + unicode(40)).put("user", "alice"))), false,
            Expect.REPLY, reply);
      case 9:
        return new Frame("bid with a bad amount", json(bidFrame(id, reply, badAmount())
            .put("headers", new JsonObject().put("authorization", bearer))), false, Expect.REPLY, reply);
      case 10:
        return new Frame("bid on a bad auction id", json(new JsonObject().put("type", "send").put("address",
                "auctions.bid").put("replyAddress", reply)
            .put("body", new JsonObject().put("auctionId", weirdId()).put("amount", 99_999_999))
            .put("headers", new JsonObject().put("authorization", bearer))), false, Expect.REPLY, reply);
      case 11:
        return new Frame("refused register", json(new JsonObject().put("type", "register")
            .put("address", pick("user.bob", "user.alice", "auctions.bid", "__vertx.x", unicode(30)))), false,
            Expect.ERROR, null);
      case 12:
        return new Frame("bad headers or reply address", json(new JsonObject().put("type", "send")
            .put("address", "auctions.bid").put(random.nextBoolean() ? "headers" : "replyAddress",
                random.nextBoolean() ? notAString() : "r".repeat(37 + random.nextInt(100)))), false,
            Expect.ERROR, null);
      case 13:
        return new Frame("deep nesting", Buffer.buffer("{\"type\":\"send\",\"address\":\"auctions.bid\",\"body\":"
            + "[".repeat(2_000 + random.nextInt(20_000))), false, Expect.ERROR, null);
      default:
        if (random.nextInt(40) == 0) {
          return new Frame("oversized frame", Buffer.buffer("{\"type\":\"send\",\"address\":\"auctions\",\"body\":\""
              + "x".repeat(70_000) + "\"}"), false, Expect.CLOSE, null);
        }
        return new Frame("publish a bid", json(new JsonObject().put("type", "publish").put("address", "auctions.bid")
            .put("body", new JsonObject().put("auctionId", id).put("amount", 99_999_999))
            .put("headers", new JsonObject().put("authorization", bearer))), false, Expect.ERROR, null);
    }
  }

  private static JsonObject bidFrame(String id, String reply, Object amount) {
    return new JsonObject().put("type", "send").put("address", "auctions.bid").put("replyAddress", reply)
        .put("body", new JsonObject().put("auctionId", id).put("amount", amount));
  }

  // ---- REST --------------------------------------------------------------------------------------------------

  private void fuzzRest(String base, String id, String token) {
    for (int i = 0; i < REQUESTS; i++) {
      String kind;
      Http.Response response;
      switch (random.nextInt(6)) {
        case 0 -> {
          kind = "bid body";
          response = Http.post(base + "/api/auctions/" + id + "/bids", restBody(
              new JsonObject().put("amount", badAmount())), token);
        }
        case 1 -> {
          kind = "auction body";
          response = Http.post(base + "/api/auctions", restBody(badAuction()), token);
        }
        case 2 -> {
          kind = "login body";
          response = Http.post(base + "/api/login", restBody(new JsonObject().put("user", weirdValue())
              .put("password", weirdValue())), null);
        }
        case 3 -> {
          kind = "bid with a bad token";
          response = Http.post(base + "/api/auctions/" + id + "/bids", "{\"amount\":99999999}",
              random.nextBoolean() ? printable(1 + random.nextInt(300)) : token + "x");
        }
        case 4 -> {
          kind = "path";
          // Never empty or a dot segment: "/api/auctions/" and "/api/auctions/." are the list.
          response = Http.get(base + "/api/auctions/" + encode(pick(7, "no such auction", "../../etc/passwd",
              "a".repeat(65), "z" + unicode(1 + random.nextInt(10)), "%00", "<script>", "z" + printable(20)))
              + (random.nextBoolean() ? "/events" : ""));
        }
        default -> {
          kind = "query";
          // Valid values would be answered 200: only bad ones here.
          Object after = pick(-1, 1.5, "", "x", "1e3", new java.math.BigInteger("9".repeat(30)), unicode(5));
          Object limit = pick(0, 1001, -5, "x", 2.5, "", unicode(3));
          response = Http.get(base + "/api/auctions/" + id + "/events?after=" + encode(after) + "&limit="
              + encode(limit));
        }
      }
      tried.merge("rest:" + kind, 1, Integer::sum);
      assertThat(response.status()).as("%s: %s", kind, response).isBetween(400, 499);
      JsonObject error = response.json();
      assertThat(error.getString("error")).as(kind).isNotBlank();
      assertThat(error.getString("message")).as(kind).isNotBlank();
      assertThat(response.body()).doesNotContain("Exception").doesNotContain("at io.").doesNotContain("at java.");
    }
  }

  /** A valid JSON body most of the time, otherwise broken JSON or random text. */
  private String restBody(JsonObject body) {
    String json = body.encode();
    return switch (random.nextInt(5)) {
      case 0 -> json.substring(0, random.nextInt(json.length()));
      case 1 -> new String(bytes(1 + random.nextInt(200)), StandardCharsets.ISO_8859_1);
      case 2 -> "[".repeat(5_000) + "]".repeat(5_000);
      default -> json;
    };
  }

  private JsonObject badAuction() {
    JsonObject auction = new JsonObject().put("title", "t").put("currency", "EUR").put("startingPrice", 100)
        .put("minIncrement", 1).put("durationSeconds", 60);
    String field = pick("title", "currency", "startingPrice", "minIncrement", "antiSnipingSeconds");
    auction.put(field, weirdValue());
    // One field always out of bounds, so that no fuzzed body can create an auction.
    auction.put("durationSeconds", pick(0, -1, 1e9, "60", 90L * 24 * 3600 + 1, null, unicode(3)));
    return auction;
  }

  // ---- values ------------------------------------------------------------------------------------------------

  /** Never a valid amount that beats the lot's minimum (5000): the auction must not change. */
  private Object badAmount() {
    return pick(0, -1, -MAX, MAX + 1, Long.MAX_VALUE, new java.math.BigInteger("1" + "0".repeat(40)), 1.5, 5000.0,
        1e308, "5000", "", null, true, new JsonObject(), new JsonArray().add(5000), 1 + random.nextInt(4999),
        random.nextDouble() * 1e6, unicode(5));
  }

  private Object weirdValue() {
    return pick(null, 42, -1, 1.5, true, false, "", unicode(1 + random.nextInt(30)), new JsonArray(),
        new JsonObject().put("a", 1), new java.math.BigInteger("9" + "9".repeat(50)), "x".repeat(1000));
  }

  private Object notAString() {
    return pick(42, -1, 1.5, true, new JsonArray().add("x"), new JsonObject().put("a", 1),
        new java.math.BigInteger("9" + "9".repeat(50)));
  }

  private Object weirdId() {
    return pick(null, 7, "", "no such auction", "../../etc/passwd", "a".repeat(65), unicode(10), "%00", "<script>");
  }

  private static String encode(Object value) {
    return java.net.URLEncoder.encode(String.valueOf(value), StandardCharsets.UTF_8);
  }

  @SafeVarargs
  private <T> T pick(T... options) {
    return options[random.nextInt(options.length)];
  }

  private byte[] bytes(int n) {
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }

  private Buffer text(int n) {
    return Buffer.buffer(unicode(n));
  }

  /** What may travel in an HTTP header: printable ASCII. */
  private String printable(int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append((char) (33 + random.nextInt(94)));
    }
    return s.toString();
  }

  /** Random code points from ASCII to astral planes, including quotes, braces and controls. */
  private String unicode(int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int cp = switch (random.nextInt(4)) {
        case 0 -> 32 + random.nextInt(95);
        case 1 -> random.nextInt(32);
        case 2 -> 0xA0 + random.nextInt(0xD000);
        default -> 0x1F300 + random.nextInt(0x300);
      };
      s.appendCodePoint(cp);
    }
    return s.toString();
  }

  private static Buffer json(JsonObject frame) {
    return frame.toBuffer();
  }
}
