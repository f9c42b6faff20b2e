package io.gavel.gateway;

/** What the gateway reports about its node on /health and /health/ready. Every method answers at once. */
public interface NodeStatus {
  /** Started and not stopping. */
  boolean ready();

  int clusterSize();

  /** The split-brain protection minimum (1: none). */
  int minClusterSize();

  /**
   * At least {@link #minClusterSize()} members, this one included, were heard from (heartbeats) in the last few
   * seconds: false on a side of a split long before the others are declared dead.
   */
  boolean majorityHeard();

  /**
   * Every partition had its backups (losing one more member would lose no data) when last checked, which a
   * background thread does about once a second: the check itself can block for many seconds. False before the
   * first check.
   */
  boolean clusterSafe();

  /** How long ago {@link #clusterSafe()} was checked, in milliseconds; -1 before the first check. */
  long clusterSafeAgeMillis();

  /** {@code memory} or {@code postgresql}: the kind of store only, never where it is or its credentials. */
  String storeKind();

  /** Now on the cluster's clock (Hazelcast's cluster time), in epoch milliseconds; a local read. */
  long clusterTime();
}
