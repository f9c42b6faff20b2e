package io.gavel.gateway;

import io.gavel.cluster.AuctionStore;
import io.gavel.domain.Auction;
import io.gavel.domain.ErrorCode;
import io.vertx.core.json.Json;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers shared by the public routes and the operator routes. */
final class Replies {
  private static final Logger LOG = LoggerFactory.getLogger(Replies.class);

  private Replies() {
  }

  static void json(RoutingContext ctx, int status, Object body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(Json.encode(body));
  }

  static void clusterFailure(RoutingContext ctx, Throwable cause) {
    LOG.warn("cluster request for {} failed: {}", ctx.request().path(), cause.toString());
    if (AuctionStore.isStoreFailure(cause)) {
      ApiError.send(ctx, ErrorCode.STORE_UNAVAILABLE, "the auction store is not reachable; try again shortly");
    } else {
      ApiError.send(ctx, ErrorCode.CLUSTER_UNAVAILABLE, "the auction cluster is not reachable; try again shortly");
    }
  }

  /** The {@code :id} path parameter, or null after answering 404 when it cannot be an auction id. */
  static String auctionId(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!Auction.isValidId(id)) {
      notFound(ctx);
      return null;
    }
    return id;
  }

  static void notFound(RoutingContext ctx) {
    ApiError.send(ctx, ErrorCode.AUCTION_NOT_FOUND, "no such auction");
  }
}
