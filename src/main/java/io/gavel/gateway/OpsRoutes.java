package io.gavel.gateway;

import io.gavel.cluster.AuctionStore;
import io.gavel.domain.ErrorCode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;

/**
 * The operators' routes: {@code /metrics} (Prometheus) and {@code /ops/*} (for operators, fault tests and the
 * benchmark). On the HTTP port by default; on the management listener alone when there is one.
 */
final class OpsRoutes {
  private final Vertx vertx;
  private final String nodeName;
  private final AuctionStore store;

  OpsRoutes(Vertx vertx, String nodeName, AuctionStore store) {
    this.vertx = vertx;
    this.nodeName = nodeName;
    this.store = store;
  }

  void mount(Router router) {
    router.get("/metrics").handler(PrometheusScrapingHandler.create(nodeName));
    router.get("/ops/auctions/:id/owner").handler(this::owner);
    router.get("/ops/process").handler(ctx -> Replies.json(ctx, 200, new JsonObject()
        .put("node", nodeName).put("pid", ProcessHandle.current().pid())));
    router.get("/ops/subscriptions").handler(this::subscriptions);
  }

  /** With a management listener the HTTP port answers these routes as it does any route it does not have. */
  static void refuse(Router router) {
    router.route("/metrics").handler(OpsRoutes::noSuchRoute);
    router.route("/ops/*").handler(OpsRoutes::noSuchRoute);
  }

  private static void noSuchRoute(RoutingContext ctx) {
    ApiError.send(ctx, ErrorCode.NOT_FOUND, "no such route");
  }

  /**
   * Which node holds the primary copy of an auction. Asking Hazelcast for a partition's owner may first assign the
   * partitions, so it is asked on a worker thread.
   */
  private void owner(RoutingContext ctx) {
    String id = Replies.auctionId(ctx);
    if (id == null) {
      return;
    }
    vertx.executeBlocking(() -> store.ownerNode(id), false).onComplete(owner -> {
      if (owner.failed()) {
        Replies.clusterFailure(ctx, owner.cause());
      } else {
        Replies.json(ctx, 200, new JsonObject().put("auctionId", id).put("node", owner.result()));
      }
    });
  }

  /** How many event-bus registrations the whole cluster holds for an address (one per node that watches it). */
  private void subscriptions(RoutingContext ctx) {
    String address = ctx.queryParams().get("address");
    if (address == null || address.isEmpty() || address.length() > 200) {
      ApiError.send(ctx, ErrorCode.INVALID_REQUEST, "address must be given");
      return;
    }
    store.clusterRegistrations(address).onComplete(count -> {
      if (count.failed()) {
        Replies.clusterFailure(ctx, count.cause());
      } else {
        Replies.json(ctx, 200, new JsonObject().put("address", address).put("registrations", count.result()));
      }
    });
  }
}
