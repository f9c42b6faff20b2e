package io.gavel.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Token buckets that the whole cluster shares, one per key (a user and what they do), in the Hazelcast map
 * {@value #MAP_NAME}. A take runs as an entry processor on the key's owner and is timed there, on the cluster's
 * clock, so a user whose requests reach many nodes draws on one bucket.
 *
 * <p>The map keeps no backup (conf/hazelcast.xml): a member's crash loses the buckets it owned, which only refills
 * them. Each entry expires when its bucket would be full again, so an idle user leaves nothing behind and an expired
 * entry means exactly what a missing one means.
 */
public final class ClusterBuckets {
  public static final String MAP_NAME = "gavel.user-limits";

  private final Vertx vertx;
  private final IMap<String, Bucket> buckets;

  public ClusterBuckets(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.buckets = hazelcast.getMap(MAP_NAME);
  }

  /**
   * Takes a token from {@code key}'s bucket, which holds at most {@code burst} and gains {@code perSecond}; succeeds
   * with 0 when one was taken, else with the milliseconds until there is one. Completes on the caller's context.
   */
  public Future<Long> take(String key, double perSecond, int burst) {
    return HazelcastFutures.on(vertx.getOrCreateContext(), buckets.submitToKey(key, new Take(perSecond, burst)));
  }

  /** A bucket's tokens at {@code at} (cluster time, ms). Immutable: the map stores it as an object. */
  record Bucket(double tokens, long at) {
  }

  static final class Take implements EntryProcessor<String, Bucket, Long>, HazelcastInstanceAware {
    final double perSecond;
    final int burst;
    private transient HazelcastInstance hazelcast;

    Take(double perSecond, int burst) {
      this.perSecond = perSecond;
      this.burst = burst;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
      this.hazelcast = hazelcast;
    }

    @Override
    public Long process(Map.Entry<String, Bucket> entry) {
      long now = hazelcast.getCluster().getClusterTime();
      Bucket bucket = entry.getValue();
      // The cluster's clock may step back when the master changes: no refill then, never a negative one.
      double tokens = bucket == null ? burst
          : Math.min(burst, bucket.tokens() + Math.max(0, now - bucket.at()) * perSecond / 1000);
      if (tokens < 1) {
        return Math.max(1, (long) Math.ceil((1 - tokens) * 1000 / perSecond));
      }
      tokens -= 1;
      // Hazelcast keeps a TTL in whole seconds, rounded down: round up, so no entry expires before it is full.
      long secondsUntilFull = Math.max(1, (long) Math.ceil((burst - tokens) / perSecond));
      ((ExtendedMapEntry<String, Bucket>) entry).setValue(new Bucket(tokens, now), secondsUntilFull, TimeUnit.SECONDS);
      return 0L;
    }

    /** No backup to keep: a lost bucket is a full one. */
    @Override
    public EntryProcessor<String, Bucket, Long> getBackupProcessor() {
      return null;
    }
  }
}
