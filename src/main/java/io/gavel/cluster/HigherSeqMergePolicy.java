package io.gavel.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import io.gavel.domain.Auction;

/**
 * When split sides merge, each auction keeps the copy with more events. With the durable store both copies are
 * prefixes of the one committed log, so the longer one is the more recent truth (and any command that still finds a
 * stale copy catches up from the log). In memory only, the other side's events are lost: the README says so.
 */
public final class HigherSeqMergePolicy implements SplitBrainMergePolicy<Auction, MergingValue<Auction>, Object> {

  @Override
  public Object merge(MergingValue<Auction> merging, MergingValue<Auction> existing) {
    if (existing == null) {
      return merging.getRawValue();
    }
    Auction incoming = merging.getValue();
    Auction kept = existing.getValue();
    if (kept == null) {
      return merging.getRawValue();
    }
    return incoming != null && incoming.seq() > kept.seq() ? merging.getRawValue() : existing.getRawValue();
  }

  @Override
  public void writeData(ObjectDataOutput out) {
    // stateless
  }

  @Override
  public void readData(ObjectDataInput in) {
    // stateless
  }
}
