package io.gavel.gateway;

import io.gavel.cluster.AuctionStore;
import io.gavel.domain.AuctionEvent;
import io.gavel.domain.ErrorCode;
import io.gavel.protocol.Wire;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * HTTP long polling, the fallback and the baseline: {@code GET /api/auctions/{id}/poll?after=SEQ&timeoutMs=T}
 * answers as soon as an event with {@code seq > SEQ} exists, else 204 after T.
 *
 * <p>A parked request costs one timer (its timeout) and a list entry; nothing polls. The node subscribes once to
 * {@code auction.<id>} while any request waits on that auction, and an event wakes every request waiting on it: the
 * usual case (the request had seen everything before this event) is answered with one encoding shared by all.
 * At the timeout the log is read once more, so an event missed while the subscription was being set up is still
 * answered. At most {@link Limits#maxLongPolls()} requests wait per node.
 */
final class LongPolls {
  static final long DEFAULT_TIMEOUT_MILLIS = 25_000;
  static final long MAX_TIMEOUT_MILLIS = 60_000;

  private final Vertx vertx;
  private final AuctionStore store;
  private final int maxParked;
  private final Map<String, List<Parked>> parked = new HashMap<>();
  private final Map<String, MessageConsumer<Object>> consumers = new HashMap<>();
  private int count;

  private static final class Parked {
    final RoutingContext ctx;
    final long after;
    long timer;
    boolean done;

    Parked(RoutingContext ctx, long after) {
      this.ctx = ctx;
      this.after = after;
    }
  }

  LongPolls(Vertx vertx, AuctionStore store, int maxParked) {
    this.vertx = vertx;
    this.store = store;
    this.maxParked = maxParked;
  }

  int parkedCount() {
    return count;
  }

  void poll(RoutingContext ctx, String auctionId, long after, long timeoutMillis) {
    if (count >= maxParked) {
      ApiError.send(ctx, ErrorCode.RATE_LIMITED, "too many waiting polls on this node; retry shortly");
      return;
    }
    Parked request = new Parked(ctx, after);
    count++;
    parked.computeIfAbsent(auctionId, id -> {
      consumers.put(id, vertx.eventBus().consumer(Wire.auctionAddress(id), m -> wake(id, m.body())));
      return new ArrayList<>();
    }).add(request);
    request.timer = vertx.setTimer(timeoutMillis, t -> lastLook(auctionId, request));
    ctx.request().connection().closeHandler(v -> finish(auctionId, request));
    // Subscribed first, then looked: an event is either in the log now or will wake the request.
    answerFromLog(auctionId, request, false);
  }

  private void wake(String auctionId, Object body) {
    List<Parked> waiting = parked.get(auctionId);
    if (waiting == null || !(body instanceof JsonObject event) || !(event.getValue("seq") instanceof Number n)) {
      return;
    }
    long seq = n.longValue();
    Buffer justThis = null;
    for (Parked request : List.copyOf(waiting)) {
      if (request.after == seq - 1) {
        if (justThis == null) {
          justThis = Buffer.buffer("[").appendBuffer(event.toBuffer()).appendString("]");
        }
        respond(auctionId, request, 200, justThis);
      } else if (request.after < seq - 1) {
        answerFromLog(auctionId, request, false);
      }
    }
  }

  private void lastLook(String auctionId, Parked request) {
    answerFromLog(auctionId, request, true);
  }

  private void answerFromLog(String auctionId, Parked request, boolean orNoContent) {
    store.eventsAfter(auctionId, request.after, 1000).onComplete(read -> {
      if (request.done) {
        return;
      }
      if (read.failed()) {
        finish(auctionId, request);
        ApiError.send(request.ctx, ErrorCode.CLUSTER_UNAVAILABLE, "the auction cluster is not reachable");
        return;
      }
      Optional<List<AuctionEvent>> events = read.result();
      if (events.isEmpty()) {
        finish(auctionId, request);
        ApiError.send(request.ctx, ErrorCode.AUCTION_NOT_FOUND, "no such auction");
      } else if (!events.get().isEmpty()) {
        respond(auctionId, request, 200, Wire.events(events.get()).toBuffer());
      } else if (orNoContent) {
        respond(auctionId, request, 204, null);
      }
    });
  }

  private void respond(String auctionId, Parked request, int status, Buffer body) {
    if (!finish(auctionId, request)) {
      return;
    }
    var response = request.ctx.response().setStatusCode(status);
    if (body == null) {
      response.end();
    } else {
      response.putHeader("Content-Type", "application/json").end(body);
    }
  }

  /** Takes the request out of the waiting list; false if it was answered already. */
  private boolean finish(String auctionId, Parked request) {
    if (request.done) {
      return false;
    }
    request.done = true;
    count--;
    vertx.cancelTimer(request.timer);
    List<Parked> waiting = parked.get(auctionId);
    if (waiting != null && waiting.remove(request) && waiting.isEmpty()) {
      parked.remove(auctionId);
      consumers.remove(auctionId).unregister();
    }
    return true;
  }
}
