package io.gavel.cluster;

import io.gavel.domain.AuctionEvent;
import io.gavel.metrics.GavelMetrics;
import io.gavel.protocol.Wire;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Publishes the events decided on this member's partitions to the event bus, on {@code auction.<id>} and, for
 * list-level events, on {@code auctions}. All publishing goes through one Vert.x context, in the order the
 * partition threads handed the events over, so an auction's events leave this node in {@code seq} order.
 */
public final class BusPublisher implements EventSink {
  private Context context;
  private EventBus bus;
  private GavelMetrics metrics;
  /** Events decided before this member's Vert.x finished starting; published as soon as it has. */
  private List<AuctionEvent> early = new ArrayList<>();

  public synchronized void attach(Vertx vertx, GavelMetrics metrics) {
    this.context = vertx.getOrCreateContext();
    this.bus = vertx.eventBus();
    this.metrics = metrics;
    List<AuctionEvent> pending = early;
    early = null;
    if (!pending.isEmpty()) {
      publish(pending);
    }
  }

  @Override
  public void publish(List<AuctionEvent> events) {
    Context target;
    synchronized (this) {
      if (context == null) {
        early.addAll(events);
        return;
      }
      target = context;
    }
    target.runOnContext(v -> {
      metrics.published(events.size());
      for (AuctionEvent event : events) {
        JsonObject json = Wire.event(event);
        bus.publish(Wire.auctionAddress(event.auctionId()), json);
        if (Wire.isListEvent(event)) {
          bus.publish(Wire.AUCTIONS_ADDRESS, json);
        }
        if (event instanceof AuctionEvent.BidAccepted bid && bid.outbid() != null) {
          bus.publish(Wire.userAddress(bid.outbid()), Wire.outbid(bid));
        }
        // A maximum is the bidder's secret: it goes to their own address only, never with the public event.
        if (event instanceof AuctionEvent.BidAccepted bid && bid.maxAmount() != null) {
          bus.publish(Wire.userAddress(bid.bidder()), Wire.maximum(bid));
        } else if (event instanceof AuctionEvent.MaxRaised raised) {
          bus.publish(Wire.userAddress(raised.bidder()), Wire.maximum(raised));
        }
      }
    });
  }
}
