package io.gavel.gateway;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Token buckets by key (a user, an address, a connection): {@code rate} tokens per second, at most {@code burst}
 * saved up. Shared by the gateway instances of a node, hence synchronized (a few hundred nanoseconds per call);
 * idle buckets are forgotten so the map does not grow with every key ever seen.
 */
final class RateLimiter {
  private final double ratePerNano;
  private final double burst;
  private final Map<String, Bucket> buckets = new HashMap<>();
  private long lastSweep = System.nanoTime();

  RateLimiter(double perSecond, double burst) {
    this.ratePerNano = perSecond / 1e9;
    this.burst = burst;
  }

  /** Takes a token for {@code key}; false when its bucket is empty. */
  synchronized boolean tryAcquire(String key) {
    long now = System.nanoTime();
    sweep(now);
    Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(burst, now));
    bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) * ratePerNano);
    bucket.at = now;
    if (bucket.tokens < 1) {
      return false;
    }
    bucket.tokens -= 1;
    return true;
  }

  /** Gives back a token taken for a request that something further on refused. */
  synchronized void refund(String key) {
    Bucket bucket = buckets.get(key);
    if (bucket != null) {
      bucket.tokens = Math.min(burst, bucket.tokens + 1);
    }
  }

  /** Seconds until {@code key} has a token again (for Retry-After). */
  synchronized long secondsUntilNext(String key) {
    Bucket bucket = buckets.get(key);
    return bucket == null ? 0 : (long) Math.ceil(Math.max(0, 1 - bucket.tokens) / (ratePerNano * 1e9));
  }

  private void sweep(long now) {
    if (now - lastSweep < 60_000_000_000L) {
      return;
    }
    lastSweep = now;
    // A bucket idle long enough to be full again carries no state.
    long refill = (long) (burst / ratePerNano);
    for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
      if (now - it.next().at > refill) {
        it.remove();
      }
    }
  }

  private static final class Bucket {
    double tokens;
    long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }
  }
}
