package io.gavel.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import io.gavel.domain.Auction;
import io.gavel.domain.AuctionEvent;
import io.gavel.domain.AuctionException;
import io.gavel.domain.AuctionView;
import java.util.List;
import java.util.Map;

/**
 * A change to one auction, run atomically on the member that owns the auction's partition.
 *
 * <p>The command carries the time it was issued, so the decision is deterministic: the backup replica replays the
 * same command (without publishing) and reaches the same state. Only the primary run publishes the events, through
 * the owner's {@link EventSink}, in the order the partition thread decided them.
 */
public abstract class AuctionCommand
    implements EntryProcessor<String, Auction, CommandResult>, HazelcastInstanceAware {
  private static final long serialVersionUID = 1L;

  protected final long now;
  private transient EventSink sink;

  protected AuctionCommand(long now) {
    this.now = now;
  }

  /** The events this command produces on the current state (null when the auction does not exist). */
  protected abstract List<AuctionEvent> decide(Auction current);

  /** The events this very command produced on an earlier run, if it ran before; by default commands don't know. */
  protected List<AuctionEvent> earlierRun(Auction current) {
    return List.of();
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance hazelcast) {
    this.sink = EventSink.of(hazelcast);
  }

  @Override
  public CommandResult process(Map.Entry<String, Auction> entry) {
    return run(entry, true);
  }

  @Override
  public EntryProcessor<String, Auction, CommandResult> getBackupProcessor() {
    return new Replay(this);
  }

  CommandResult run(Map.Entry<String, Auction> entry, boolean primary) {
    Auction auction = entry.getValue();
    List<AuctionEvent> earlier = auction == null ? List.of() : earlierRun(auction);
    if (!earlier.isEmpty()) {
      return CommandResult.done(earlier, AuctionView.of(auction));
    }
    List<AuctionEvent> events;
    try {
      events = decide(auction);
    } catch (AuctionException refused) {
      return CommandResult.refused(refused.code(), refused.getMessage());
    }
    if (events.isEmpty()) {
      return CommandResult.done(events, auction == null ? null : AuctionView.of(auction));
    }
    for (AuctionEvent event : events) {
      if (auction == null) {
        auction = Auction.from((AuctionEvent.Created) event);
      } else {
        auction.apply(event);
      }
    }
    entry.setValue(auction);
    if (primary && sink != null) {
      sink.publish(events);
    }
    return CommandResult.done(events, AuctionView.of(auction));
  }

  /** The backup replica's copy of a command: same decision, no publishing. */
  static final class Replay implements EntryProcessor<String, Auction, CommandResult> {
    private static final long serialVersionUID = 1L;
    private final AuctionCommand command;

    Replay(AuctionCommand command) {
      this.command = command;
    }

    @Override
    public CommandResult process(Map.Entry<String, Auction> entry) {
      return command.run(entry, false);
    }

    @Override
    public EntryProcessor<String, Auction, CommandResult> getBackupProcessor() {
      return null;
    }
  }
}
