package io.gavel.gateway;

import static io.gavel.gateway.Replies.auctionId;
import static io.gavel.gateway.Replies.clusterFailure;
import static io.gavel.gateway.Replies.json;
import static io.gavel.gateway.Replies.jsonObject;
import static io.gavel.gateway.Replies.notFound;
import static io.gavel.gateway.Replies.queryLong;

import io.gavel.cluster.AuctionStore;
import io.gavel.cluster.CommandResult;
import io.gavel.domain.AuctionException;
import io.gavel.domain.AuctionTerms;
import io.gavel.domain.ErrorCode;
import io.gavel.metrics.GavelMetrics;
import io.gavel.protocol.Requests;
import io.gavel.protocol.Wire;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/** The auction routes of the REST API: create, read, bid, buy now, cancel, the event log and long polls. */
final class AuctionApi {
  private static final int MAX_EVENTS_PAGE = 1000;

  private final AuctionStore store;
  private final GatewayHub hub;
  private final GavelMetrics metrics;
  private final Limits limits;
  private final LongPolls longPolls;
  private String userKey;

  AuctionApi(AuctionStore store, GatewayHub hub, GavelMetrics metrics, Limits limits, LongPolls longPolls) {
    this.store = store;
    this.hub = hub;
    this.metrics = metrics;
    this.limits = limits;
    this.longPolls = longPolls;
  }

  /** {@code authenticate} puts the verified user into the context under {@code userKey}. */
  void mount(Router router, Handler<RoutingContext> authenticate, String userKey) {
    this.userKey = userKey;
    router.get("/api/auctions").handler(new AuctionPages(store));
    router.post("/api/auctions").handler(authenticate).handler(this::createAuction);
    router.get("/api/auctions/:id").handler(this::getAuction);
    router.post("/api/auctions/:id/bids").handler(authenticate).handler(this::placeBid);
    router.post("/api/auctions/:id/buy-now").handler(authenticate)
        .handler(ctx -> decide(ctx, (id, user) -> store.buyNow(id, user)));
    router.post("/api/auctions/:id/cancel").handler(authenticate)
        .handler(ctx -> decide(ctx, (id, user) -> store.cancel(id, user)));
    router.get("/api/auctions/:id/events").handler(this::events);
    router.get("/api/auctions/:id/poll").handler(this::poll);
  }

  private void createAuction(RoutingContext ctx) {
    JsonObject body = jsonObject(ctx);
    if (body == null) {
      return;
    }
    AuctionTerms terms;
    try {
      terms = Requests.auctionTerms(body);
    } catch (AuctionException e) {
      ApiError.send(ctx, e);
      return;
    }
    // Only valid requests count against the quota: a typo costs nothing.
    String seller = ctx.get(userKey);
    hub.auctionsPerUser.acquire(seller).onSuccess(wait -> {
      if (wait > 0) {
        ctx.response().putHeader("Retry-After", String.valueOf(wait));
        ApiError.send(ctx, ErrorCode.RATE_LIMITED, "too many new auctions: at most "
            + Math.round(limits.auctionsPerHourPerUser()) + " an hour per user (" + limits.auctionBurstPerUser()
            + " at once); retry in " + wait + " s");
        return;
      }
      respond(ctx, store.create(terms, seller), result -> json(ctx, 201, Wire.auction(result.view())));
    });
  }

  private void getAuction(RoutingContext ctx) {
    String id = auctionId(ctx);
    if (id == null) {
      return;
    }
    store.view(id).onComplete(found -> {
      if (found.failed()) {
        clusterFailure(ctx, found.cause());
      } else if (found.result().isEmpty()) {
        notFound(ctx);
      } else {
        json(ctx, 200, Wire.auction(found.result().get()).put("watchers", hub.presence.watchers(id)));
      }
    });
  }

  private void placeBid(RoutingContext ctx) {
    String id = auctionId(ctx);
    JsonObject body = id == null ? null : jsonObject(ctx);
    if (body == null) {
      return;
    }
    String user = ctx.get(userKey);
    hub.bidsPerUser.acquire(user).onSuccess(wait -> {
      if (wait > 0) {
        metrics.bid(ErrorCode.RATE_LIMITED);
        ctx.response().putHeader("Retry-After", String.valueOf(wait));
        ApiError.send(ctx, ErrorCode.RATE_LIMITED, "too many bids; slow down");
        return;
      }
      try {
        Requests.Bid bid = Requests.bid(body, id, ctx.request().getHeader("Idempotency-Key"));
        Future<CommandResult> placed = store.placeBid(id, user, bid.amount(), bid.maxAmount(), bid.idempotencyKey())
            .onSuccess(result -> metrics.bid(result.error()));
        respond(ctx, placed, result -> json(ctx, 201, Wire.bidAccepted(result.events())));
      } catch (AuctionException e) {
        metrics.bid(e.code());
        ApiError.send(ctx, e);
      }
    });
  }

  /** A command on one auction by the authenticated user, answered with the event it produced. */
  private void decide(RoutingContext ctx, BiFunction<String, String, Future<CommandResult>> command) {
    String id = auctionId(ctx);
    if (id != null) {
      respond(ctx, command.apply(id, ctx.get(userKey)), result -> json(ctx, 200, Wire.event(result.events().get(0))));
    }
  }

  private void events(RoutingContext ctx) {
    String id = auctionId(ctx);
    if (id == null) {
      return;
    }
    Long after = queryLong(ctx, "after", 0, 0, Long.MAX_VALUE);
    Long limit = after == null ? null : queryLong(ctx, "limit", MAX_EVENTS_PAGE, 1, MAX_EVENTS_PAGE);
    if (limit == null) {
      return;
    }
    store.eventsAfter(id, after, limit.intValue()).onComplete(found -> {
      if (found.failed()) {
        clusterFailure(ctx, found.cause());
      } else if (found.result().isEmpty()) {
        notFound(ctx);
      } else {
        json(ctx, 200, Wire.events(found.result().get()));
      }
    });
  }

  private void poll(RoutingContext ctx) {
    String id = auctionId(ctx);
    if (id == null) {
      return;
    }
    Long after = queryLong(ctx, "after", 0, 0, Long.MAX_VALUE);
    Long timeout = after == null ? null
        : queryLong(ctx, "timeoutMs", LongPolls.DEFAULT_TIMEOUT_MILLIS, 1, LongPolls.MAX_TIMEOUT_MILLIS);
    if (timeout != null) {
      longPolls.poll(ctx, id, after, timeout);
    }
  }

  private void respond(RoutingContext ctx, Future<CommandResult> command,
                       Consumer<CommandResult> onDone) {
    command.onComplete(done -> {
      if (done.failed()) {
        clusterFailure(ctx, done.cause());
      } else if (done.result().refused()) {
        ApiError.send(ctx, done.result().error(), done.result().message());
      } else {
        onDone.accept(done.result());
      }
    });
  }

}
