package io.gavel.auction;

import io.gavel.cluster.AuctionStore;
import io.gavel.cluster.CommandResult;
import io.gavel.domain.AuctionException;
import io.gavel.domain.ErrorCode;
import io.gavel.protocol.Requests;
import io.gavel.protocol.Wire;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The auction role: serves {@code auctions.bid} on the event bus (for the bridge and for any verticle in the
 * cluster) and closes auctions whose end has passed. Every node with this role runs the close sweep; the close
 * itself is a conditional command on the partition owner, so each auction closes exactly once.
 */
public final class AuctionVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AuctionVerticle.class);

  private final AuctionStore store;
  private final long sweepMillis;
  private boolean sweeping;

  public AuctionVerticle(AuctionStore store, long sweepMillis) {
    this.store = store;
    this.sweepMillis = sweepMillis;
  }

  @Override
  public Future<?> start() {
    MessageConsumer<Object> bids = vertx.eventBus().consumer(Wire.BID_ADDRESS, this::bid);
    vertx.setPeriodic(sweepMillis, id -> sweep());
    return bids.completion();
  }

  private void bid(Message<Object> message) {
    String user = message.headers().get(Wire.USER_HEADER);
    if (user == null || user.isBlank()) {
      fail(message, ErrorCode.UNAUTHORIZED);
      return;
    }
    Requests.Bid bid;
    try {
      bid = Requests.bid(message.body(), null);
    } catch (AuctionException e) {
      fail(message, e.code());
      return;
    }
    store.placeBid(bid.auctionId(), user, bid.amount()).onComplete(done -> {
      if (done.failed()) {
        LOG.warn("bid on {} failed in the cluster: {}", bid.auctionId(), done.cause().toString());
        fail(message, ErrorCode.CLUSTER_UNAVAILABLE);
      } else if (done.result().refused()) {
        fail(message, done.result().error());
      } else {
        message.reply(Wire.bidAccepted(done.result().events()));
      }
    });
  }

  private static void fail(Message<Object> message, ErrorCode code) {
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

  /** Seeds demo auctions under fixed ids; the first node to start creates them, the others find them there. */
  public static Future<Void> seedDemo(AuctionStore store) {
    var demos = DemoAuctions.all();
    return Future.join(demos.entrySet().stream()
            .map(demo -> store.create(demo.getKey(), demo.getValue(), "gavel-demo")
                .map(CommandResult::refused))
            .toList())
        .mapEmpty();
  }
}
