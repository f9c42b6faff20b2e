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
  /**
   * An accepted reply: what the bidder was told; when the bid was sent and answered (System.nanoTime, and the test's
   * wall clock in epoch milliseconds); which node (index in the URL list) acknowledged it.
   */
  public record Ack(long seq, long amount, String bidder, long sentAt, long at, int node, long sentAtMillis,
                    long atMillis) {
  }

  /**
   * Every attempt's outcome: the HTTP status (or the bridge's failure code; 201 for an accepted bid over either),
   * {@link #UNREACHABLE} when the node did not answer; the error code of a refusal; times as in {@link Ack}.
   */
  public record Attempt(int node, int status, String error, long sentAt, long at, long sentAtMillis,
                        long atMillis) {
  }

  public static final int UNREACHABLE = -1;

  private static final long PACE_MILLIS = 50;
  private static final String[] USERS = {"alice", "bob", "carol"};

  private final List<Ack> acks = Collections.synchronizedList(new ArrayList<>());
  private final List<Attempt> outcomes = Collections.synchronizedList(new ArrayList<>());
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
      long sentAt = 0;
      long sentAtMillis = 0;
      try {
        Http.Response auction = Http.get(url + "/api/auctions/" + auctionId);
        if (auction.status() != 200) {
          // Refused before the bid could be made (a minority side refuses reads too): that is the node's answer.
          long now = System.nanoTime();
          long nowMillis = System.currentTimeMillis();
          outcomes.add(new Attempt(node, auction.status(), errorCode(auction), now, now, nowMillis, nowMillis));
          throw new IllegalStateException("reading the auction: " + auction.status());
        }
        long minimum = auction.json().getLong("minimumBid");
        long amount = minimum + ThreadLocalRandom.current().nextInt(3);
        attempts.incrementAndGet();
        sentAt = System.nanoTime();
        sentAtMillis = System.currentTimeMillis();
        JsonObject ack = null;
        int status;
        String error = null;
        if (viaBridge) {
          if (bridge == null) {
            bridge = BridgeClient.connect(vertx, url);
          }
          JsonObject reply = bridge.request("auctions.bid",
              new JsonObject().put("auctionId", auctionId).put("amount", amount),
              new JsonObject().put("authorization", "Bearer " + token), 10);
          if ("rec".equals(reply.getString("type"))) {
            ack = reply.getJsonObject("body");
            status = 201;
          } else {
            status = reply.getInteger("failureCode");
            error = reply.getString("message");
            count(status);
          }
        } else {
          Http.Response response = Http.post(url + "/api/auctions/" + auctionId + "/bids",
              new JsonObject().put("amount", amount).encode(), token);
          status = response.status();
          if (status == 201) {
            ack = response.json();
          } else {
            count(status);
            error = errorCode(response);
          }
        }
        long at = System.nanoTime();
        long atMillis = System.currentTimeMillis();
        outcomes.add(new Attempt(node, status, error, sentAt, at, sentAtMillis, atMillis));
        if (ack != null) {
          acks.add(new Ack(ack.getLong("seq"), ack.getLong("amount"), ack.getString("bidder"), sentAt, at, node,
              sentAtMillis, atMillis));
        }
        sentAt = 0;
        Thread.sleep(PACE_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception unreachable) {
        // The node is gone or not answering: move on to the next node, as a client behind a load balancer would.
        failed.incrementAndGet();
        if (sentAt != 0) {
          outcomes.add(new Attempt(node, UNREACHABLE, unreachable.toString(), sentAt, System.nanoTime(),
              sentAtMillis, System.currentTimeMillis()));
        }
        if (bridge != null) {
          closeQuietly(bridge);
          bridge = null;
        }
        node = (node + 1) % urls.size();
        try {
          // A client pauses before it tries again: a node that refuses at once is not hammered in a tight loop.
          Thread.sleep(PACE_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
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

  private static String errorCode(Http.Response response) {
    try {
      return response.json().getString("error");
    } catch (RuntimeException notJson) {
      return null;
    }
  }

  private static void closeQuietly(BridgeClient client) {
    try {
      client.close();
    } catch (RuntimeException ignored) {
      // already closed by the server
    }
  }

  /** Waits until every bidder has reached the end of its time. */
  public BidLoad awaitEnd() throws InterruptedException {
    for (Thread thread : threads) {
      thread.join();
    }
    return this;
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

  /** Every attempt that was sent, with its outcome, in the order the outcomes came. */
  public List<Attempt> outcomes() {
    synchronized (outcomes) {
      return List.copyOf(outcomes);
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
