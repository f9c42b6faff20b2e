package io.gavel.cluster;

import com.hazelcast.map.MapLoader;
import io.gavel.domain.Auction;
import io.gavel.store.EventLog;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds an auction from the durable log when the cluster's memory lacks it: after a full restart, or when a
 * partition was lost with both of its copies. Only on demand, one auction at a time: nothing needs them all in memory
 * (the list and the close sweep read PostgreSQL's index), and Hazelcast's initial bulk load holds every operation on a
 * partition until that partition is loaded — with members still joining and partitions migrating, a CI run saw the
 * close of an overdue auction wait past 30 s.
 */
final class AuctionLoader implements MapLoader<String, Auction> {
  private final EventLog log;

  AuctionLoader(EventLog log) {
    this.log = log;
  }

  @Override
  public Auction load(String auctionId) {
    return Auction.replay(log.eventsAfter(auctionId, 0));
  }

  @Override
  public Map<String, Auction> loadAll(Collection<String> auctionIds) {
    Map<String, Auction> loaded = new HashMap<>();
    for (String id : auctionIds) {
      Auction auction = load(id);
      if (auction != null) {
        loaded.put(id, auction);
      }
    }
    return loaded;
  }

  /** No initial load (see above). */
  @Override
  public Iterable<String> loadAllKeys() {
    return List.of();
  }
}
