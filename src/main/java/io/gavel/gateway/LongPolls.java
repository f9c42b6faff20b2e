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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP long polling, the fallback and the baseline: {@code GET /api/auctions/{id}/poll?after=SEQ&timeoutMs=T}
 * answers as soon as an event with {@code seq > SEQ} exists, else 204 after T.
 *
 * <p>A parked request costs one timer (its timeout) and a list entry; nothing polls. The node subscribes once to
 * {@code auction.<id>} while any request waits on that auction, and an event wakes every request waiting on it: the
 * usual case (the request had seen everything before this event) is answered with one encoding shared by all. The
 * subscription stays a while after the last request leaves, because clients ask again at once.
 * At the timeout the log is read once more, so an event missed while the subscription was being set up is still
 * answered. At most {@link Limits#maxLongPolls()} requests wait per node.
 */
final class LongPolls {
  static final long DEFAULT_TIMEOUT_MILLIS = 25_000;
  static final long MAX_TIMEOUT_MILLIS = 60_000;
  /**
   * A long-poll client asks again right after each answer: the subscription outlives the last waiting request by
   * this long, or it would be dropped and set up again for every event, missing events while it propagates.
   */
  private static final long SUBSCRIPTION_LINGER_MILLIS = 30_000;

  private final Vertx vertx;
  private final AuctionStore store;
  private final int maxParked;
  /** Shared by the node's gateway instances: the limit is per node. */
  private final AtomicInteger count;
  private final Presence presence;
  private final Map<String, List<Parked>> parked = new HashMap<>();
  private final Map<String, MessageConsumer<Object>> consumers = new HashMap<>();
  private final Map<String, Long> lingering = new HashMap<>();
  private final Map<String, Recent> recent = new HashMap<>();

  /**
   * The latest events of an auction this node is subscribed to, so that most polls are answered (or parked)
   * without reading the cluster. {@code last} is -1 until the log or an event has told where the auction is.
   */
  private static final class Recent {
    static final int KEPT = 256;
    final ArrayDeque<JsonObject> events = new ArrayDeque<>();
    long last = -1;

    void add(JsonObject event, long seq) {
      if (last >= 0 && seq <= last) {
        return;
      }
      if (last >= 0 && seq != last + 1) {
        events.clear(); // a gap: what is kept must be contiguous
      }
      events.addLast(event);
      if (events.size() > KEPT) {
        events.removeFirst();
      }
      last = seq;
    }

    /** Events after {@code after}, or null when they are not all kept here. */
    Buffer after(long after) {
      if (events.isEmpty() || events.peekFirst().getLong("seq") > after + 1) {
        return null;
      }
      Buffer body = Buffer.buffer("[");
      boolean first = true;
      for (JsonObject event : events) {
        if (event.getLong("seq") > after) {
          body.appendString(first ? "" : ",").appendBuffer(event.toBuffer());
          first = false;
        }
      }
      return body.appendString("]");
    }
  }

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

  LongPolls(Vertx vertx, AuctionStore store, int maxParked, AtomicInteger count, Presence presence) {
    this.vertx = vertx;
    this.presence = presence;
    this.store = store;
    this.maxParked = maxParked;
    this.count = count;
  }

  void poll(RoutingContext ctx, String auctionId, long after, long timeoutMillis) {
    if (count.incrementAndGet() > maxParked) {
      count.decrementAndGet();
      ApiError.send(ctx, ErrorCode.RATE_LIMITED, "too many waiting polls on this node; retry shortly");
      return;
    }
    if (consumers.containsKey(auctionId)) {
      park(ctx, auctionId, after, timeoutMillis);
      return;
    }
    // No subscription yet: read before subscribing, so that polls for auctions that do not exist (or that have
    // something to answer at once) never put a registration into the cluster.
    store.eventsAfter(auctionId, after, 1000).onComplete(read -> {
      if (ctx.response().closed() || ctx.response().ended()) {
        count.decrementAndGet();
      } else if (read.failed()) {
        count.decrementAndGet();
        ApiError.send(ctx, ErrorCode.CLUSTER_UNAVAILABLE, "the auction cluster is not reachable");
      } else if (read.result().isEmpty()) {
        count.decrementAndGet();
        ApiError.send(ctx, ErrorCode.AUCTION_NOT_FOUND, "no such auction");
      } else if (!read.result().get().isEmpty()) {
        count.decrementAndGet();
        ctx.response().putHeader("Content-Type", "application/json").end(Wire.events(read.result().get()).toBuffer());
      } else {
        park(ctx, auctionId, after, timeoutMillis);
      }
    });
  }

  private void park(RoutingContext ctx, String auctionId, long after, long timeoutMillis) {
    Parked request = new Parked(ctx, after);
    Long linger = lingering.remove(auctionId);
    if (linger != null) {
      vertx.cancelTimer(linger);
    }
    consumers.computeIfAbsent(auctionId, id -> {
      recent.put(id, new Recent());
      return vertx.eventBus().consumer(Wire.auctionAddress(id), m -> wake(id, m.body()));
    });
    Recent known = recent.get(auctionId);
    parked.computeIfAbsent(auctionId, id -> new ArrayList<>()).add(request);
    presence.count(auctionId, 1);
    request.timer = vertx.setTimer(timeoutMillis, t -> lastLook(auctionId, request));
    // On the response, not the connection: a keep-alive connection carries many polls, and one handler per
    // connection would be replaced by the next poll and keep this one's request alive until the connection closes.
    ctx.response().closeHandler(v -> finish(auctionId, request));
    if (known.last < 0) {
      // A fresh subscription: subscribed first, then looked, so an event is in the log now or will wake us.
      answerFromLog(auctionId, request, false);
    } else if (after < known.last) {
      Buffer kept = known.after(after);
      if (kept != null) {
        respond(auctionId, request, 200, kept);
      } else {
        answerFromLog(auctionId, request, false);
      }
    }
  }

  private void wake(String auctionId, Object body) {
    if (!(body instanceof JsonObject event) || !(event.getValue("seq") instanceof Number n)) {
      return;
    }
    List<Parked> waiting = parked.getOrDefault(auctionId, List.of());
    long seq = n.longValue();
    Recent known = recent.get(auctionId);
    known.add(event, seq);
    Buffer justThis = null;
    for (Parked request : List.copyOf(waiting)) {
      if (request.after == seq - 1) {
        if (justThis == null) {
          justThis = Buffer.buffer("[").appendBuffer(event.toBuffer()).appendString("]");
        }
        respond(auctionId, request, 200, justThis);
      } else if (request.after < seq - 1) {
        Buffer kept = known.after(request.after);
        if (kept != null) {
          respond(auctionId, request, 200, kept);
        } else {
          answerFromLog(auctionId, request, false);
        }
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
        Recent known = recent.get(auctionId);
        if (known != null) {
          events.get().forEach(e -> known.add(Wire.event(e), e.seq()));
        }
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
    count.decrementAndGet();
    presence.count(auctionId, -1);
    vertx.cancelTimer(request.timer);
    List<Parked> waiting = parked.get(auctionId);
    if (waiting != null && waiting.remove(request) && waiting.isEmpty()) {
      parked.remove(auctionId);
      lingering.put(auctionId, vertx.setTimer(SUBSCRIPTION_LINGER_MILLIS, t -> {
        lingering.remove(auctionId);
        if (!parked.containsKey(auctionId)) {
          consumers.remove(auctionId).unregister();
          recent.remove(auctionId);
        }
      }));
    }
    return true;
  }
}
