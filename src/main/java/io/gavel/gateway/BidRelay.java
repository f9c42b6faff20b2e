package io.gavel.gateway;

import io.gavel.domain.ErrorCode;
import io.gavel.protocol.Wire;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.UUID;

/**
 * Bids from this node's browsers pass through a node-local relay on their way to {@code auctions.bid}. It knows
 * exactly how many are in flight, so a stopping node can answer every one before closing its sockets, and it turns
 * "no auction node" or "no answer" into a clear {@code 503 CLUSTER_UNAVAILABLE} instead of a bare timeout.
 */
final class BidRelay {
  final String address = "gavel.gateway." + UUID.randomUUID() + ".bid";
  private final Vertx vertx;
  private final long timeoutMillis;
  private MessageConsumer<Object> consumer;
  private int inFlight;
  private Promise<Void> idle;

  BidRelay(Vertx vertx, long timeoutMillis) {
    this.vertx = vertx;
    this.timeoutMillis = timeoutMillis;
  }

  Future<Void> start() {
    consumer = vertx.eventBus().localConsumer(address, this::relay);
    return consumer.completion();
  }

  private void relay(Message<Object> bid) {
    inFlight++;
    vertx.eventBus().request(Wire.BID_ADDRESS, bid.body(),
            new DeliveryOptions().setHeaders(bid.headers()).setSendTimeout(timeoutMillis))
        .onComplete(answer -> {
          if (answer.succeeded()) {
            bid.reply(answer.result().body());
          } else if (answer.cause() instanceof ReplyException e && e.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
            bid.fail(e.failureCode(), e.getMessage());
          } else {
            bid.fail(ErrorCode.CLUSTER_UNAVAILABLE.httpStatus(), ErrorCode.CLUSTER_UNAVAILABLE.name());
          }
          if (--inFlight == 0 && idle != null) {
            idle.tryComplete();
          }
        });
  }

  /** Completes when no relayed bid is waiting for its answer (they time out after the relay's timeout anyway). */
  Future<Void> idle() {
    idle = Promise.promise();
    if (inFlight == 0) {
      idle.tryComplete();
    }
    return idle.future().compose(v -> consumer.unregister());
  }
}
