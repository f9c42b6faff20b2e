package io.gavel.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.splitbrainprotection.HeartbeatAware;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionFunction;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Split-brain protection by recent heartbeats, as Hazelcast's "recently active" function, but with each heartbeat's
 * arrival timed on this member's own monotonic clock. Hazelcast's function keeps the timestamp the sender put in the
 * heartbeat (its cluster time) and compares it with this member's wall clock, so a member whose cluster time is ahead
 * of this one's wall clock stays "recently heard" for that much longer after a cut: the cluster clock's offset is an
 * estimate that is seconds off when a member is slow while joining, and a member's wall clock may be skewed. CI saw
 * a cut-off member go on accepting bids for 11 s with a 3 s tolerance.
 */
final class RecentHeartbeats implements SplitBrainProtectionFunction, HeartbeatAware, MembershipListener {
  private final int minimumClusterSize;
  private final long toleranceNanos;
  private final ConcurrentMap<Member, Long> heardAtNanos = new ConcurrentHashMap<>();

  RecentHeartbeats(int minimumClusterSize, long toleranceMillis) {
    this.minimumClusterSize = minimumClusterSize;
    this.toleranceNanos = toleranceMillis * 1_000_000;
  }

  /** This member, and every other one heard from within the tolerance, counts. */
  @Override
  public boolean apply(Collection<Member> members) {
    if (members.size() < minimumClusterSize) {
      return false;
    }
    long now = System.nanoTime();
    int heard = 0;
    for (Member member : members) {
      Long at = heardAtNanos.get(member);
      if (member.localMember() || (at != null && now - at < toleranceNanos)) {
        heard++;
      }
    }
    return heard >= minimumClusterSize;
  }

  /** {@code timestamp}, the sender's clock, is not to be trusted here: what counts is when it arrived. */
  @Override
  public void onHeartbeat(Member member, long timestamp) {
    heardAtNanos.put(member, System.nanoTime());
  }

  @Override
  public void memberAdded(MembershipEvent event) {
    // Counts from its first heartbeat.
  }

  @Override
  public void memberRemoved(MembershipEvent event) {
    heardAtNanos.remove(event.getMember());
  }
}
