package io.gavel.gateway;

/** What the gateway reports about its node on /health and /health/ready. */
public interface NodeStatus {
  /** Started and not stopping. */
  boolean ready();

  int clusterSize();

  /** The split-brain protection minimum (1: none). */
  int minClusterSize();

  /** Every partition has its backups: losing one more member now loses no data. */
  boolean clusterSafe();
}
