package io.gavel.gateway;

import io.gavel.cluster.ClusterBuckets;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A per-user limit that holds across the cluster: the user's bucket in {@link ClusterBuckets} decides, so a user
 * whose requests reach N nodes gets the configured rate, not N times it.
 *
 * <p>This node's own bucket, of the same rate and burst, stands in front, so that a flood from one user is refused
 * here without a cluster call per request. It does not refuse what the cluster's bucket would accept: it keeps only
 * the requests the cluster accepted (a token the cluster refused is given back), which the cluster's bucket counts
 * too, and refills at the same rate. Only requests of the same user still waiting for the cluster's answer, and the
 * few milliseconds between the two checks, can make it stricter.
 *
 * <p>If the cluster's bucket does not answer within {@link #CLUSTER_TIMEOUT_MILLIS} (its owner crashed or is cut off),
 * this node's bucket decides alone for {@link #ALONE_MILLIS}: the limit is then per node, as it once was, rather than
 * every request waiting on a member that may not come back.
 */
final class UserLimit {
  private static final Logger LOG = LoggerFactory.getLogger(UserLimit.class);
  static final long CLUSTER_TIMEOUT_MILLIS = 1_000;
  static final long ALONE_MILLIS = 5_000;

  private final String action;
  private final double perSecond;
  private final int burst;
  private final RateLimiter local;
  private final ClusterBuckets cluster;
  /** System.nanoTime() until which this node decides alone. */
  private volatile long aloneUntil = System.nanoTime();

  /** {@code action} names the key space in the cluster's map ("bid", "auction"): one bucket per user and action. */
  UserLimit(String action, double perSecond, int burst, ClusterBuckets cluster) {
    this.action = action;
    this.perSecond = perSecond;
    this.burst = burst;
    this.local = new RateLimiter(perSecond, burst);
    this.cluster = cluster;
  }

  /** Succeeds with 0 when {@code user} may go ahead, else with the seconds to wait (for Retry-After, at least 1). */
  Future<Long> acquire(String user) {
    if (!local.tryAcquire(user)) {
      return Future.succeededFuture(Math.max(1, local.secondsUntilNext(user)));
    }
    if (System.nanoTime() - aloneUntil < 0) {
      return Future.succeededFuture(0L);
    }
    return cluster.take(action + ":" + user, perSecond, burst)
        .timeout(CLUSTER_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .map(waitMillis -> {
          if (waitMillis == 0) {
            return 0L;
          }
          local.refund(user);
          return Math.max(1, (waitMillis + 999) / 1000);
        })
        .otherwise(failure -> {
          aloneUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ALONE_MILLIS);
          LOG.warn("the cluster-wide {} limit did not answer ({}): this node limits users on its own for {} s",
              action, failure.toString(), ALONE_MILLIS / 1000);
          return 0L;
        });
  }
}
