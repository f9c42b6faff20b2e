package io.gavel.gateway;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the hub handed to one gateway instance and its event loop has not written yet. Offered more than the instance
 * can write, the queue would grow and every message would arrive later than the one before: instead, once the
 * oldest waiting message is older than the allowed lag, the waiting messages are conflated to the newest of each
 * address. Clients then see a seq gap (and catch up from the auction's history) but never stale news, the queue
 * holds at most one message per address after each conflation, and latency stays near the allowed lag.
 *
 * <p>Offered from the hub's event loop, taken on the instance's: the two meet under this object's lock.
 */
final class FanoutInbox<T> {
  record Item<T>(String address, T message, long queuedNanos) {
  }

  private final long maxLagNanos;
  private ArrayDeque<Item<T>> queue = new ArrayDeque<>();
  private boolean draining;

  FanoutInbox(long maxLagMillis) {
    this.maxLagNanos = maxLagMillis * 1_000_000;
  }

  /** Queues a message; true when the caller must schedule a drain (none is running or scheduled). */
  synchronized boolean offer(String address, T message, long nowNanos) {
    queue.add(new Item<>(address, message, nowNanos));
    if (draining) {
      return false;
    }
    draining = true;
    return true;
  }

  /**
   * Everything waiting, conflated when the oldest is older than the allowed lag; empty (and the drain over) when
   * nothing waits. {@code skipped} receives how many messages conflation left out.
   */
  List<Item<T>> take(long nowNanos, java.util.function.IntConsumer skipped) {
    ArrayDeque<Item<T>> batch;
    synchronized (this) {
      if (queue.isEmpty()) {
        draining = false;
        return List.of();
      }
      batch = queue;
      queue = new ArrayDeque<>();
    }
    if (nowNanos - batch.peekFirst().queuedNanos() <= maxLagNanos) {
      return new ArrayList<>(batch);
    }
    Map<String, Item<T>> newest = new LinkedHashMap<>();
    for (Item<T> item : batch) {
      newest.remove(item.address());
      newest.put(item.address(), item);
    }
    skipped.accept(batch.size() - newest.size());
    return new ArrayList<>(newest.values());
  }
}
