package io.gavel.gateway;

import io.gavel.metrics.GavelMetrics;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
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
  private final FanoutInbox<PushFrame> inbox;
  /** Sockets written to in the current drain batch, told of its end ({@link BridgedSocket#endBatch}). */
  private final List<BridgedSocket> toFlush = new ArrayList<>();

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
  void deliver(String address, PushFrame push) {
    if (inbox.offer(address, push, System.nanoTime())) {
      context.runOnContext(v -> drain());
    }
  }

  /**
   * The next drain: right away when the batch window is 0, else once the window has passed since this one began. An
   * instance that had nothing to write drains the moment a message comes ({@link #deliver}); one under steady load
   * writes every window's messages together, one system call per socket instead of one per message.
   */
  private void scheduleDrain(long drainStartNanos) {
    long waitMillis = (drainStartNanos + limits.fanoutBatchMillis() * 1_000_000 - System.nanoTime()) / 1_000_000;
    if (waitMillis < 1) {
      context.runOnContext(v -> drain());
    } else {
      context.owner().setTimer(waitMillis, id -> drain());
    }
  }

  /** Writes what waits in the inbox, a batch at a time, yielding to the event loop's I/O between batches. */
  private void drain() {
    long start = System.nanoTime();
    List<FanoutInbox.Item<PushFrame>> batch = inbox.take(start, metrics::conflated);
    if (batch.isEmpty()) {
      return;
    }
    // Rescheduled whatever happens: a drain that died here would leave the inbox marked as draining, and this
    // instance would never push again.
    try {
      boolean underPressure = hub.underMemoryPressure(limits);
      for (FanoutInbox.Item<PushFrame> item : batch) {
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
      try {
        flushAll();
      } finally {
        scheduleDrain(start);
      }
    }
  }

  /** One socket's failure (a WebSocket closed under it: Vert.x throws) must not cost the others their message. */
  private void deliver(BridgedSocket c, FanoutInbox.Item<PushFrame> item, boolean underPressure) {
    try {
      if (c.deliver(item.address(), item.message(), underPressure)) {
        toFlush.add(c);
      }
    } catch (IllegalStateException closedMeanwhile) {
      c.closed = true;
    }
  }

  private void flushAll() {
    for (BridgedSocket c : toFlush) {
      c.endBatch();
    }
    toFlush.clear();
  }
}
