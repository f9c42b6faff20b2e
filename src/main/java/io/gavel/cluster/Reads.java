package io.gavel.cluster;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.query.Predicate;
import io.gavel.domain.Auction;
import io.gavel.domain.AuctionEvent;
import io.gavel.domain.AuctionStatus;
import io.gavel.domain.AuctionView;
import java.util.List;
import java.util.Map;

/**
 * Reads run as read-only entry processors so they execute on the partition thread, like the commands: the stored
 * auctions are mutable objects (OBJECT in-memory format) and must never be read concurrently with a change.
 */
final class Reads {
  private Reads() {
  }

  static final class View implements EntryProcessor<String, Auction, AuctionView>, ReadOnly {

    @Override
    public AuctionView process(Map.Entry<String, Auction> entry) {
      return entry.getValue() == null ? null : entry.getValue().view();
    }

    @Override
    public EntryProcessor<String, Auction, AuctionView> getBackupProcessor() {
      return null;
    }
  }

  /** A batch of events as a result (a bare list would fall back to Java serialization). */
  record Events(List<AuctionEvent> list) {
  }

  static final class EventsAfter implements EntryProcessor<String, Auction, Events>, ReadOnly {
    final long after;
    final int limit;

    EventsAfter(long after, int limit) {
      this.after = after;
      this.limit = limit;
    }

    @Override
    public Events process(Map.Entry<String, Auction> entry) {
      return entry.getValue() == null ? null : new Events(entry.getValue().eventsAfter(after, limit));
    }

    @Override
    public EntryProcessor<String, Auction, Events> getBackupProcessor() {
      return null;
    }
  }

  /** Answers only that the entry is there: the list's first pass wants the keys, not the auctions. */
  static final class Present implements EntryProcessor<String, Auction, Boolean>, ReadOnly {

    @Override
    public Boolean process(Map.Entry<String, Auction> entry) {
      return entry.getValue() == null ? null : Boolean.TRUE;
    }

    @Override
    public EntryProcessor<String, Auction, Boolean> getBackupProcessor() {
      return null;
    }
  }

  /** Matches auctions of {@code status} (null: any) whose id comes after {@code after} (null: any). */
  static final class Listed implements Predicate<String, Auction> {
    final AuctionStatus status;
    final String after;

    Listed(AuctionStatus status, String after) {
      this.status = status;
      this.after = after;
    }

    @Override
    public boolean apply(Map.Entry<String, Auction> entry) {
      return entry.getValue() != null && (status == null || entry.getValue().status() == status)
          && (after == null || entry.getKey().compareTo(after) > 0);
    }
  }

  /** Matches open auctions whose end is at or before {@code now} (the cluster's clock, read by the sweep). */
  static final class Due implements Predicate<String, Auction> {
    final long now;

    Due(long now) {
      this.now = now;
    }

    @Override
    public boolean apply(Map.Entry<String, Auction> entry) {
      return entry.getValue() != null && entry.getValue().isDue(now);
    }
  }
}
