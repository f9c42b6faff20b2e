package io.gavel.auction;

import io.gavel.cluster.AuctionStore;
import io.gavel.domain.AuctionException;
import io.gavel.domain.ErrorCode;
import io.gavel.metrics.GavelMetrics;
import io.gavel.protocol.Requests;
import io.gavel.protocol.Wire;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The auction role: serves {@code auctions.bid} on the event bus (for the bridge and for any verticle in the
 * cluster) and closes auctions whose end has passed. Every node with this role runs the close sweep; the close
 * itself is a conditional command on the partition owner, so each auction closes exactly once.
 */
public final class AuctionVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AuctionVerticle.class);

  /** Request/reply inside the cluster: every auction, as {@code GET /api/auctions} returns them. */
  public static final String LIST_ADDRESS = "auctions.list";
  private static final long DEMO_RETRY_MILLIS = 2_000;

  private final AuctionStore store;
  private final GavelMetrics metrics;
  private final long sweepMillis;
  private final boolean demo;
  private boolean sweeping;

  public AuctionVerticle(AuctionStore store, GavelMetrics metrics, long sweepMillis, boolean demo) {
    this.store = store;
    this.metrics = metrics;
    this.sweepMillis = sweepMillis;
    this.demo = demo;
  }

  @Override
  public Future<?> start() {
    MessageConsumer<Object> bids = vertx.eventBus().consumer(Wire.BID_ADDRESS, this::bid);
    MessageConsumer<Object> lists = vertx.eventBus().consumer(LIST_ADDRESS, this::list);
    vertx.setPeriodic(sweepMillis, id -> sweep());
    if (demo) {
      seedDemo();
    }
    return Future.all(bids.completion(), lists.completion());
  }

  private void list(Message<Object> message) {
    store.list().onComplete(listed -> {
      if (listed.succeeded()) {
        message.reply(new JsonArray(listed.result()));
      } else {
        message.fail(ErrorCode.CLUSTER_UNAVAILABLE.httpStatus(), ErrorCode.CLUSTER_UNAVAILABLE.name());
      }
    });
  }

  private void bid(Message<Object> message) {
    String user = message.headers().get(Wire.USER_HEADER);
    if (user == null || user.isBlank()) {
      fail(message, ErrorCode.UNAUTHORIZED);
      return;
    }
    Requests.Bid bid;
    try {
      bid = Requests.bid(message.body(), null, null);
    } catch (AuctionException e) {
      fail(message, e.code());
      return;
    }
    store.placeBid(bid.auctionId(), user, bid.amount(), bid.maxAmount(), bid.idempotencyKey()).onComplete(done -> {
      if (done.failed()) {
        LOG.warn("bid on {} failed in the cluster: {}", bid.auctionId(), done.cause().toString());
        fail(message, AuctionStore.isStoreFailure(done.cause())
            ? ErrorCode.STORE_UNAVAILABLE : ErrorCode.CLUSTER_UNAVAILABLE);
      } else if (done.result().refused()) {
        fail(message, done.result().error());
      } else {
        metrics.bid(null);
        message.reply(Wire.bidAccepted(done.result().events()));
      }
    });
  }

  private void fail(Message<Object> message, ErrorCode code) {
    metrics.bid(code);
    message.fail(code.httpStatus(), code.name());
  }

  private void sweep() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    store.dueIds()
        .compose(ids -> Future.join(ids.stream().map(store::closeIfDue).toList()))
        .onFailure(e -> LOG.warn("close sweep failed: {}", e.toString()))
        .onComplete(done -> sweeping = false);
  }

  /**
   * Seeds demo auctions under fixed ids; the first node to manage it creates them, the others find them there.
   * Retried until it works: with split-brain protection a lone first node may not write until others join.
   */
  private void seedDemo() {
    Future.all(DemoAuctions.all().entrySet().stream()
            .map(demo -> store.create(demo.getKey(), demo.getValue(), "gavel-demo"))
            .toList())
        .onFailure(e -> {
          LOG.info("demo auctions not seeded yet ({}); retrying", e.getMessage());
          vertx.setTimer(DEMO_RETRY_MILLIS, id -> seedDemo());
        });
  }
}
