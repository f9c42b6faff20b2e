package io.gavel.cluster;

import com.hazelcast.map.MapLoader;
import io.gavel.domain.Auction;
import io.gavel.store.EventLog;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Rebuilds auctions from the durable log when the cluster's memory lacks them: after a full restart (the open ones
 * are loaded when the map is first used), or when a partition was lost with both of its copies.
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

  @Override
  public Iterable<String> loadAllKeys() {
    return log.openAuctionIds();
  }
}
