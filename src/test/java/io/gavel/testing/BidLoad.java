package io.gavel.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bidders that bid continuously on one auction, through REST or the bridge, each starting on its own node and
 * moving to the next node when its node stops answering, as a real client would. Bounded in time; each bidder paces
 * itself to about 20 attempts per second. Records every acknowledged (accepted) bid for later comparison with the
 * auction's history.
 */
public final class BidLoad {
  /** An accepted reply: what the bidder was told; when the bid was sent and answered (System.nanoTime). */
  public record Ack(long seq, long amount, String bidder, long sentAt, long at) {
  }

  private static final long PACE_MILLIS = 50;
  private static final String[] USERS = {"alice", "bob", "carol"};

  private final List<Ack> acks = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger attempts = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;

  public static BidLoad start(Vertx vertx, List<String> nodeUrls, String auctionId, Map<String, String> tokens,
                              int restBidders, int bridgeBidders, Duration maxDuration) {
    BidLoad load = new BidLoad();
    long deadline = System.nanoTime() + maxDuration.toNanos();
    for (int b = 0; b < restBidders + bridgeBidders; b++) {
      int firstNode = b % nodeUrls.size();
      String user = USERS[b % USERS.length];
      boolean bridge = b >= restBidders;
      Thread thread = new Thread(() -> load.bid(vertx, nodeUrls, firstNode, auctionId, user, tokens.get(user),
          bridge, deadline), "bidder-" + b);
      load.threads.add(thread);
      thread.start();
    }
    return load;
  }

  private void bid(Vertx vertx, List<String> urls, int firstNode, String auctionId, String user, String token,
                   boolean viaBridge, long deadline) {
    int node = firstNode;
    BridgeClient bridge = null;
    while (running && System.nanoTime() < deadline) {
      String url = urls.get(node);
      try {
        long minimum = Http.get(url + "/api/auctions/" + auctionId).json().getLong("minimumBid");
        long amount = minimum + ThreadLocalRandom.current().nextInt(3);
        attempts.incrementAndGet();
        long sentAt = System.nanoTime();
        JsonObject ack = null;
        if (viaBridge) {
          if (bridge == null) {
            bridge = BridgeClient.connect(vertx, url);
          }
          JsonObject reply = bridge.request("auctions.bid",
              new JsonObject().put("auctionId", auctionId).put("amount", amount),
              new JsonObject().put("authorization", "Bearer " + token), 10);
          if ("rec".equals(reply.getString("type"))) {
            ack = reply.getJsonObject("body");
          } else {
            count(reply.getInteger("failureCode"));
          }
        } else {
          Http.Response response = Http.post(url + "/api/auctions/" + auctionId + "/bids",
              new JsonObject().put("amount", amount).encode(), token);
          if (response.status() == 201) {
            ack = response.json();
          } else {
            count(response.status());
          }
        }
        if (ack != null) {
          acks.add(new Ack(ack.getLong("seq"), ack.getLong("amount"), ack.getString("bidder"), sentAt,
              System.nanoTime()));
        }
        Thread.sleep(PACE_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception unreachable) {
        // The node is gone or not answering: move on to the next node, as a client behind a load balancer would.
        failed.incrementAndGet();
        if (bridge != null) {
          closeQuietly(bridge);
          bridge = null;
        }
        node = (node + 1) % urls.size();
      }
    }
    if (bridge != null) {
      closeQuietly(bridge);
    }
  }

  private void count(int status) {
    if (status == 409) {
      refused.incrementAndGet();
    } else {
      failed.incrementAndGet();
    }
  }

  private static void closeQuietly(BridgeClient client) {
    try {
      client.close();
    } catch (RuntimeException ignored) {
      // already closed by the server
    }
  }

  /** Stops every bidder and waits for it. */
  public BidLoad stop() throws InterruptedException {
    running = false;
    for (Thread thread : threads) {
      thread.join(30_000);
    }
    return this;
  }

  public List<Ack> acks() {
    synchronized (acks) {
      return List.copyOf(acks);
    }
  }

  public int attempts() {
    return attempts.get();
  }

  public int refused() {
    return refused.get();
  }

  public int failed() {
    return failed.get();
  }
}
