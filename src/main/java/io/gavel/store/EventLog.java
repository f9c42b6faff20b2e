package io.gavel.store;

import com.hazelcast.core.HazelcastInstance;
import io.gavel.domain.AuctionEvent;
import io.gavel.domain.AuctionView;
import java.util.List;

/**
 * The durable log of every auction's events, which also decides races: an event can be written at a seq only once.
 * Calls block (JDBC): they are made on Hazelcast partition threads, never on an event loop.
 */
public interface EventLog {
  String USER_CONTEXT_KEY = "gavel.eventLog";

  /**
   * Commits one decision's events atomically, with the auction's summary after them.
   *
   * @throws SeqTakenException when another writer committed an event at one of these seqs first
   * @throws StoreUnavailableException when the store cannot be reached; the events may or may not be committed
   */
  void append(List<AuctionEvent> events, AuctionView after);

  /** The auction's committed events with {@code seq > after}, oldest first. */
  List<AuctionEvent> eventsAfter(String auctionId, long after);

  /** The node's event log, or null when auctions live in memory only. */
  static EventLog of(HazelcastInstance hazelcast) {
    return (EventLog) hazelcast.getUserContext().get(USER_CONTEXT_KEY);
  }
}
