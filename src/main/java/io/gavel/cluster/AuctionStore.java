package io.gavel.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.gavel.domain.AuctionEvent;
import io.gavel.domain.AuctionTerms;
import io.gavel.domain.AuctionView;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The auctions, kept in a Hazelcast map partitioned across the cluster with a backup on another member. Every
 * change runs as an entry processor on the partition owner, so acceptance is linearizable per auction no matter
 * which node received the request.
 */
public final class AuctionStore {
  public static final String MAP_NAME = "gavel.auctions";
  private static final char[] ID_ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final IMap<String, io.gavel.domain.Auction> auctions;
  private final SecureRandom random = new SecureRandom();

  public AuctionStore(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.auctions = hazelcast.getMap(MAP_NAME);
  }

  public Future<CommandResult> create(AuctionTerms terms, String seller) {
    return create(newId(), terms, seller);
  }

  public Future<CommandResult> create(String id, AuctionTerms terms, String seller) {
    return run(id, new Commands.Create(id, terms, seller, System.currentTimeMillis()));
  }

  public Future<CommandResult> placeBid(String auctionId, String bidder, long amount) {
    // The request id makes the command idempotent: Hazelcast retries it on the backup if the owner dies mid-way.
    String requestId = UUID.randomUUID().toString();
    return run(auctionId, new Commands.PlaceBid(bidder, amount, System.currentTimeMillis(), requestId));
  }

  public Future<CommandResult> closeIfDue(String auctionId) {
    return run(auctionId, new Commands.CloseIfDue(System.currentTimeMillis()));
  }

  public Future<Optional<AuctionView>> view(String auctionId) {
    return fromHazelcast(auctions.submitToKey(auctionId, new Reads.View()).thenApply(Optional::ofNullable));
  }

  /** Empty when the auction does not exist. */
  public Future<Optional<List<AuctionEvent>>> eventsAfter(String auctionId, long after, int limit) {
    return fromHazelcast(auctions.submitToKey(auctionId, new Reads.EventsAfter(after, limit))
        .thenApply(Optional::ofNullable));
  }

  /** Every auction, newest end last. Scans all partitions, so it runs on a worker thread. */
  public Future<List<AuctionView>> list() {
    return vertx.executeBlocking(() -> {
      List<AuctionView> views = new ArrayList<>(auctions.executeOnEntries(new Reads.View()).values());
      views.sort(Comparator.comparingLong(AuctionView::endsAt).thenComparing(AuctionView::id));
      return views;
    }, false);
  }

  /** Ids of open auctions whose end has passed. Scans all partitions, so it runs on a worker thread. */
  public Future<List<String>> dueIds() {
    return vertx.executeBlocking(
        () -> List.copyOf(auctions.executeOnEntries(new Reads.View(), new Reads.Due()).keySet()), false);
  }

  /** The name of the node that owns the auction's partition (its primary copy), or null while unassigned. */
  public String ownerNode(String auctionId) {
    var owner = hazelcast.getPartitionService().getPartition(auctionId).getOwner();
    return owner == null ? null : owner.getAttribute(HazelcastSetup.NODE_ATTRIBUTE);
  }

  /** Entries for an address in Vert.x's cluster subscription map (vertx-hazelcast keeps it in "__vertx.subs"). */
  public Future<Integer> clusterRegistrations(String address) {
    return vertx.executeBlocking(() -> hazelcast.getMultiMap("__vertx.subs").valueCount(address), false);
  }

  private Future<CommandResult> run(String auctionId, AuctionCommand command) {
    return fromHazelcast(auctions.submitToKey(auctionId, command));
  }

  private <T> Future<T> fromHazelcast(java.util.concurrent.CompletionStage<T> stage) {
    Context context = vertx.getOrCreateContext();
    return Future.fromCompletionStage(stage, context);
  }

  private String newId() {
    char[] id = new char[12];
    for (int i = 0; i < id.length; i++) {
      id[i] = ID_ALPHABET[random.nextInt(ID_ALPHABET.length)];
    }
    return new String(id);
  }
}
