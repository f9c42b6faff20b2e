package io.gavel.gateway;

import io.gavel.metrics.GavelMetrics;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which of one bridge instance's sockets watch which address, and the writing of pushed messages to them: the hub
 * subscribes the node once per address ({@link GatewayHub#watch}) and hands each message, encoded once, to every
 * instance with a socket watching it. Lives on the bridge's event loop, but for {@link #deliver}.
 */
final class BridgeSubscriptions {
  private final Context context;
  private final GatewayHub hub;
  private final Limits limits;
  private final GavelMetrics metrics;
  private final Map<String, Set<BridgedSocket>> subscribers = new HashMap<>();
  private final FanoutInbox<Pushed> inbox;

  BridgeSubscriptions(Context context, GatewayHub hub, Limits limits, GavelMetrics metrics) {
    this.context = context;
    this.hub = hub;
    this.limits = limits;
    this.metrics = metrics;
    this.inbox = new FanoutInbox<>(limits.fanoutMaxLagMillis());
  }

  void subscribe(BridgedSocket c, String address) {
    if (c.closed || !c.addresses.add(address)) {
      return;
    }
    subscribers.computeIfAbsent(address, a -> {
      hub.watch(a, this);
      return new LinkedHashSet<>();
    }).add(c);
    hub.presence.watching(address, 1);
  }

  void unsubscribe(BridgedSocket c, String address) {
    if (!c.addresses.remove(address)) {
      return;
    }
    hub.presence.watching(address, -1);
    Set<BridgedSocket> watching = subscribers.get(address);
    if (watching != null && watching.remove(c) && watching.isEmpty()) {
      subscribers.remove(address);
      hub.unwatch(address, this);
    }
  }

  void unsubscribeAll(BridgedSocket c) {
    for (String address : List.copyOf(c.addresses)) {
      unsubscribe(c, address);
    }
  }

  /** A message the hub encoded once for the node: written, on this instance's event loop, to its sockets. */
  void deliver(String address, Buffer frame, long at) {
    if (inbox.offer(address, new Pushed(frame, at), System.nanoTime())) {
      context.runOnContext(v -> drain());
    }
  }

  private record Pushed(Buffer frame, long at) {
  }

  /** Writes what waits in the inbox, a batch at a time, yielding to the event loop's I/O between batches. */
  private void drain() {
    List<FanoutInbox.Item<Pushed>> batch = inbox.take(System.nanoTime(), metrics::conflated);
    if (batch.isEmpty()) {
      return;
    }
    // Rescheduled whatever happens: a drain that died here would leave the inbox marked as draining, and this
    // instance would never push again.
    try {
      boolean underPressure = hub.underMemoryPressure(limits);
      for (FanoutInbox.Item<Pushed> item : batch) {
        Set<BridgedSocket> watching = subscribers.get(item.address());
        if (watching != null) {
          // A snapshot: a slow consumer closed on the way leaves the set.
          for (BridgedSocket c : watching.toArray(new BridgedSocket[0])) {
            deliver(c, item, underPressure);
          }
          hub.delivered(item.message().at());
        }
      }
    } finally {
      context.runOnContext(v -> drain());
    }
  }

  /** One socket's failure (a WebSocket closed under it: Vert.x throws) must not cost the others their message. */
  private static void deliver(BridgedSocket c, FanoutInbox.Item<Pushed> item, boolean underPressure) {
    try {
      c.deliver(item.address(), item.message().frame(), underPressure);
    } catch (IllegalStateException closedMeanwhile) {
      c.closed = true;
    }
  }
}
