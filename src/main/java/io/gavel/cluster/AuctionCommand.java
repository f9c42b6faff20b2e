package io.gavel.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import io.gavel.domain.Auction;
import io.gavel.domain.AuctionEvent;
import io.gavel.domain.AuctionException;
import io.gavel.domain.ErrorCode;
import io.gavel.store.EventLog;
import io.gavel.store.SeqTakenException;
import io.gavel.store.StoreUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A change to one auction, run atomically on the member that owns the auction's partition.
 *
 * <p>The decision reads the cluster's clock here, on the owner, so whether a bid came in time never depends on which
 * node received it. With a durable store the decided events are committed before anything else happens; when another
 * writer took the seq first (a second owner during a split brain, or a decision made on a stale cache), the owner
 * catches up from the log and decides again. Only committed events change the entry, reach the backup replica (which
 * applies them, never decides again) and are published, through the owner's {@link EventSink}, in seq order.
 */
public abstract class AuctionCommand
    implements EntryProcessor<String, Auction, CommandResult>, HazelcastInstanceAware {
  /** A command that keeps losing races is refused (the client retries) rather than spinning on a partition thread. */
  private static final int MAX_RACES = 8;

  private transient HazelcastInstance hazelcast;
  /** The events this run added to the entry: what the backup applies. */
  private transient List<AuctionEvent> applied;

  /** The events this command produces on the current state (null when the auction does not exist) at {@code now}. */
  protected abstract List<AuctionEvent> decide(Auction current, long now);

  /** The events this very command produced on an earlier run, if it ran before; by default commands don't know. */
  protected List<AuctionEvent> earlierRun(Auction current) {
    return List.of();
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
  }

  @Override
  public CommandResult process(Map.Entry<String, Auction> entry) {
    EventSink sink = EventSink.of(hazelcast);
    EventLog log = EventLog.of(hazelcast);
    applied = new ArrayList<>();
    Auction auction = entry.getValue();
    boolean checkedWithLog = false;
    try {
      for (int races = 0; ; races++) {
        List<AuctionEvent> earlier = auction == null ? List.of() : earlierRun(auction);
        if (!earlier.isEmpty()) {
          // The first run may have died between commit and publish: publish again; clients drop duplicate seqs.
          sink.publish(earlier);
          return CommandResult.done(earlier, auction.view());
        }
        List<AuctionEvent> events;
        try {
          events = decide(auction, hazelcast.getCluster().getClusterTime());
        } catch (AuctionException refused) {
          // A refusal is only as good as the copy it was decided on. The cache can miss committed events (an owner
          // that died after its commit, a backup that never got them): before refusing, ask the log once.
          if (log == null || auction == null || checkedWithLog) {
            throw refused;
          }
          checkedWithLog = true;
          int before = applied.size();
          auction = catchUp(log, sink, entry.getKey(), auction);
          if (applied.size() == before) {
            throw refused;
          }
          continue;
        }
        if (events.isEmpty()) {
          return CommandResult.done(events, auction == null ? null : auction.view());
        }
        if (log != null) {
          try {
            log.append(events, auction == null ? Auction.replay(events).view() : auction.viewAfter(events));
          } catch (SeqTakenException raced) {
            if (races >= MAX_RACES) {
              throw new StoreUnavailableException("auction " + entry.getKey() + " lost " + races + " races", raced);
            }
            auction = catchUp(log, sink, entry.getKey(), auction);
            continue;
          }
        }
        auction = apply(auction, events);
        sink.publish(events);
        return CommandResult.done(events, auction.view());
      }
    } catch (AuctionException refused) {
      return CommandResult.refused(refused.code(), refused.getMessage());
    } catch (StoreUnavailableException down) {
      if (down.outcomeUnknown()) {
        // The commit may have happened, so this copy may be behind. It is kept (reads of it go on while the database
        // is away): the next command that needs what it lacks finds the seq taken, or checks its refusal, and
        // catches up from the log; the retry with the same key then gets the first answer.
        return CommandResult.refused(ErrorCode.STORE_UNAVAILABLE,
            "the auction store did not confirm the outcome: retry with the same Idempotency-Key");
      }
      return CommandResult.refused(ErrorCode.STORE_UNAVAILABLE,
          "the auction store is unavailable; nothing was decided: retry (with the same Idempotency-Key)");
    } finally {
      if (!applied.isEmpty()) {
        entry.setValue(auction);
      }
    }
  }

  /** Applies and publishes what the log has after this copy (publishing: its writer may not have lived to). */
  private Auction catchUp(EventLog log, EventSink sink, String auctionId, Auction auction) {
    List<AuctionEvent> missed = log.eventsAfter(auctionId, auction == null ? 0 : auction.seq());
    sink.publish(missed);
    return apply(auction, missed);
  }

  private Auction apply(Auction auction, List<AuctionEvent> events) {
    if (events.isEmpty()) {
      return auction;
    }
    if (auction == null) {
      auction = Auction.replay(events);
    } else {
      events.forEach(auction::apply);
    }
    applied.addAll(events);
    return auction;
  }

  /** Called after {@link #process} on the primary: the backup gets the committed events, not the command. */
  @Override
  public EntryProcessor<String, Auction, CommandResult> getBackupProcessor() {
    return applied == null || applied.isEmpty() ? null : new ApplyEvents(List.copyOf(applied));
  }

  /** The backup replica's part: apply what the primary decided and committed, in seq order. */
  static final class ApplyEvents implements EntryProcessor<String, Auction, CommandResult>, HazelcastInstanceAware {
    final List<AuctionEvent> events;
    private transient HazelcastInstance hazelcast;

    ApplyEvents(List<AuctionEvent> events) {
      this.events = events;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
      this.hazelcast = hazelcast;
    }

    @Override
    public CommandResult process(Map.Entry<String, Auction> entry) {
      Auction auction = entry.getValue();
      for (AuctionEvent event : events) {
        if (auction == null && event instanceof AuctionEvent.Created created) {
          auction = Auction.from(created);
        } else if (auction != null && event.seq() == auction.seq() + 1) {
          auction.apply(event);
        } else if (auction == null || event.seq() > auction.seq() + 1) {
          // This replica missed events (the primary loaded the auction from the store). With a store, a missing
          // entry is loaded again on a miss, so drop the stale copy. In memory this does not happen (backups of a
          // partition apply in order); were it to, this copy would stay behind until the next migration.
          if (hazelcast != null && EventLog.of(hazelcast) != null && auction != null) {
            entry.setValue(null);
          }
          return null;
        }
      }
      entry.setValue(auction);
      return null;
    }

    @Override
    public EntryProcessor<String, Auction, CommandResult> getBackupProcessor() {
      return null;
    }
  }
}
