package io.gavel.gateway;

import io.gavel.cluster.AuctionStore;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import java.util.function.BooleanSupplier;

/**
 * {@code /health} (the contract's check) and {@code /health/ready} (readiness for load balancers and
 * orchestrators). Served on the HTTP port, where load balancers look, and on the management listener if any.
 */
final class HealthRoutes {
  /** An id no auction has (ids never contain '.'), read by the readiness check to prove the map answers. */
  private static final String READINESS_PROBE_ID = "readiness.probe";

  private final Vertx vertx;
  private final String nodeName;
  private final AuctionStore store;
  private final NodeStatus status;
  private final BooleanSupplier httpBound;

  HealthRoutes(Vertx vertx, String nodeName, AuctionStore store, NodeStatus status, BooleanSupplier httpBound) {
    this.vertx = vertx;
    this.nodeName = nodeName;
    this.store = store;
    this.status = status;
    this.httpBound = httpBound;
  }

  void mount(Router router) {
    router.get("/health").handler(this::health);
    router.get("/health/ready").handler(readiness());
  }

  private void health(RoutingContext ctx) {
    boolean up = status.ready();
    Replies.json(ctx, up ? 200 : 503, new JsonObject()
        .put("status", up ? "UP" : "DOWN")
        .put("node", nodeName)
        .put("clusterSize", status.clusterSize())
        .put("clusterSafe", status.clusterSafe())
        .put("clusterSafeAgeMs", status.clusterSafeAgeMillis())
        .put("store", status.storeKind()));
  }

  /**
   * Ready: the node is started and not stopping, it sees enough of the cluster, the auction map answers, and the
   * HTTP server is bound.
   */
  private HealthCheckHandler readiness() {
    HealthChecks checks = HealthChecks.create(vertx)
        .register("node", promise -> promise.complete(status.ready() ? Status.OK() : Status.KO()))
        .register("cluster", promise -> promise.complete(clusterCheck()))
        // The map answering is what counts here; a store outage is reported by its own check.
        .register("auctions", 2_000, promise -> store.view(READINESS_PROBE_ID).onComplete(read -> promise.complete(
            read.succeeded() || AuctionStore.isStoreFailure(read.cause()) ? Status.OK() : Status.KO())))
        .register("store", 2_000, promise -> store.storeReachable().onComplete(reached -> promise.complete(
            storeCheck(reached.succeeded() ? null : reached.cause()))))
        .register("http", promise -> promise.complete(httpBound.getAsBoolean() ? Status.OK() : Status.KO()));
    return HealthCheckHandler.createWithHealthChecks(checks);
  }

  /**
   * Without its database a node still serves what it has: fan-out, long polls, reads of cached auctions. Taking
   * every node out of a load balancer would stop those too, so an unreachable store keeps the node ready and says
   * what is refused meanwhile.
   */
  private Status storeCheck(Throwable unreachable) {
    JsonObject data = new JsonObject().put("kind", status.storeKind()).put("reachable", unreachable == null);
    if (unreachable != null) {
      data.put("reason", "the database does not answer (" + unreachable.getClass().getSimpleName()
          + "): bids and new auctions are refused with 503 STORE_UNAVAILABLE; reads of cached auctions and "
          + "fan-out go on");
    }
    return Status.OK(data);
  }

  /**
   * A node that sees fewer members than the minimum is on the minority side of a split (or the cluster is still
   * forming): its auction map refuses reads and writes, so a load balancer must send clients elsewhere.
   */
  private Status clusterCheck() {
    int size = status.clusterSize();
    int minimum = status.minClusterSize();
    JsonObject data = new JsonObject().put("size", size).put("minimum", minimum);
    if (size < minimum) {
      data.put("reason", "this node sees " + size + " of the " + minimum
          + " members it needs: it is cut off from the majority, or the cluster is still forming");
    } else if (!status.majorityHeard()) {
      data.put("reason", "fewer than " + minimum + " members answered heartbeats in the last seconds: this node is"
          + " probably cut off from the majority (it refuses auction reads and writes meanwhile)");
    }
    return new Status().setOk(size >= minimum && status.majorityHeard()).setData(data);
  }
}
