package io.gavel.gateway;

import io.gavel.cluster.AuctionStore;
import io.gavel.domain.Auction;
import io.gavel.domain.ErrorCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
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

  static Long queryLong(RoutingContext ctx, String name, long fallback, long min, long max) {
    String value = ctx.queryParams().get(name);
    if (value == null) {
      return fallback;
    }
    if (value.matches("\\d{1,18}")) {
      long v = Long.parseLong(value);
      if (v >= min && v <= max) {
        return v;
      }
    }
    ApiError.send(ctx, ErrorCode.INVALID_REQUEST, name + " must be an integer from " + min + " to " + max);
    return null;
  }

  /** The body as a JSON object, or null after answering 400 INVALID_JSON. */
  static JsonObject jsonObject(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    Object value;
    try {
      value = body == null || body.length() == 0 ? null : Json.decodeValue(body);
    } catch (DecodeException e) {
      value = null;
    }
    if (value instanceof JsonObject json) {
      return json;
    }
    ApiError.send(ctx, ErrorCode.INVALID_JSON, "the body must be a JSON object");
    return null;
  }

}
