package io.gavel.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.BridgeClient;
import io.gavel.testing.Http;
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
      String id = Http.post(base + "/api/auctions", "{\"title\":\"Fuzz lot\",\"currency\":\"EUR\",\"startingPrice\":"
          + "5000,\"minIncrement\":100,\"durationSeconds\":3600}", token).json().getString("id");
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
