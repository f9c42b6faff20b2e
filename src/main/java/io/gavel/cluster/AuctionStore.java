package io.gavel.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.gavel.domain.AuctionEvent;
import io.gavel.domain.AuctionStatus;
import io.gavel.domain.AuctionTerms;
import io.gavel.domain.AuctionView;
import io.gavel.protocol.Wire;
import io.gavel.store.AuctionIndex;
import io.gavel.store.AuctionPage;
import io.gavel.store.StoreUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The auctions, kept in a Hazelcast map partitioned across the cluster with a backup on another member. Every
 * change runs as an entry processor on the partition owner, so acceptance is linearizable per auction no matter
 * which node received the request. With a durable store the map is its cache: every change is committed to the
 * store first, and an auction the map lacks is loaded from it.
 */
public final class AuctionStore {
  public static final String MAP_NAME = "gavel.auctions";
  private static final char[] ID_ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final IMap<String, io.gavel.domain.Auction> auctions;
  private final SecureRandom random = new SecureRandom();
  private final AuctionIndex index;

  /** {@code index} is null when auctions live in memory only. */
  static final String ONCE_MAP_NAME = "gavel.once";
  /** Where vertx-hazelcast 5 keeps event-bus registrations. */
  private static final String VERTX_SUBSCRIPTIONS_MAP = "__vertx.subs";

  public AuctionStore(Vertx vertx, HazelcastInstance hazelcast, AuctionIndex index) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.auctions = hazelcast.getMap(MAP_NAME);
    this.index = index;
  }

  public Future<CommandResult> create(AuctionTerms terms, String seller) {
    return create(newId(), terms, seller);
  }

  public Future<CommandResult> create(String id, AuctionTerms terms, String seller) {
    return run(id, new Commands.Create(id, terms, seller));
  }

  /**
   * {@code idempotencyKey} (null: none) is the client's: its retries get the first answer. Without one the bid
   * still gets a request id of its own, so Hazelcast's retry of it on the backup after an owner crash is answered,
   * not run twice. Keys are the user's own: another user's identical key names another request.
   */
  public Future<CommandResult> placeBid(String auctionId, String bidder, long amount, String idempotencyKey) {
    return placeBid(auctionId, bidder, amount, null, idempotencyKey);
  }

  /** A bid with an {@code amount}, a proxy {@code maxAmount}, or both (null: not given). */
  public Future<CommandResult> placeBid(String auctionId, String bidder, Long amount, Long maxAmount,
                                        String idempotencyKey) {
    String requestId = idempotencyKey == null ? UUID.randomUUID().toString() : bidder + "/" + idempotencyKey;
    return run(auctionId, new Commands.PlaceBid(bidder, amount, maxAmount, requestId));
  }

  public Future<CommandResult> buyNow(String auctionId, String buyer) {
    return run(auctionId, new Commands.BuyNow(buyer));
  }

  public Future<CommandResult> cancel(String auctionId, String seller) {
    return run(auctionId, new Commands.Cancel(seller));
  }

  /**
   * True the first time {@code key} is seen in the cluster within {@code ttlSeconds}, false afterwards: the
   * idempotency record of requests that are not auction commands.
   */
  public Future<Boolean> firstTime(String key, long ttlSeconds) {
    IMap<String, Boolean> seen = hazelcast.getMap(ONCE_MAP_NAME);
    // IMap has no asynchronous putIfAbsent; this path is rare (API retries), so a worker thread may wait for it.
    return vertx.executeBlocking(() -> seen.putIfAbsent(key, Boolean.TRUE, ttlSeconds,
        java.util.concurrent.TimeUnit.SECONDS) == null, false);
  }

  public Future<CommandResult> closeIfDue(String auctionId) {
    return run(auctionId, new Commands.CloseIfDue());
  }

  /** The cluster's clock (the master's, corrected for each member's offset): one time for every decision. */
  public long clusterTime() {
    return hazelcast.getCluster().getClusterTime();
  }

  /** Succeeds when the durable store answers (at once for the memory store). */
  public Future<Void> storeReachable() {
    return index == null ? Future.succeededFuture() : index.ping();
  }

  /** Whether a failure means the durable store was unreachable (503 STORE_UNAVAILABLE: retry with the same key). */
  public static boolean isStoreFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof StoreUnavailableException) {
        return true;
      }
    }
    return false;
  }

  public Future<Optional<AuctionView>> view(String auctionId) {
    return fromHazelcast(auctions.submitToKey(auctionId, new Reads.View())).map(Optional::ofNullable);
  }

  /** Empty when the auction does not exist. */
  public Future<Optional<List<AuctionEvent>>> eventsAfter(String auctionId, long after, int limit) {
    return fromHazelcast(auctions.submitToKey(auctionId, new Reads.EventsAfter(after, limit)))
        .map(events -> Optional.ofNullable(events).map(Reads.Events::list));
  }

  /**
   * Every auction as the API shows it, newest end last: from the store's index when there is one (it has every
   * auction, also those not in memory), else by scanning all partitions on a worker thread.
   */
  public Future<List<JsonObject>> list() {
    if (index != null) {
      return index.list();
    }
    return vertx.executeBlocking(() -> {
      List<AuctionView> views = new ArrayList<>(auctions.executeOnEntries(new Reads.View()).values());
      views.sort(Comparator.comparingLong(AuctionView::endsAt).thenComparing(AuctionView::id));
      return views.stream().map(Wire::auction).toList();
    }, false);
  }

  /**
   * At most {@code limit} auctions by id, of {@code status} (null: any), after the id {@code after} (null: from the
   * first). The durable store's index answers with SQL. In memory, a first pass picks the page's keys on every
   * partition thread, by a predicate that sends back only keys, and a second reads just those auctions. (No Hazelcast
   * index or query: on a map of mutable OBJECT values an index makes every command copy its auction first, and
   * queries read values outside the partition thread that changes them.) An auction whose status changed between
   * the passes is left out, so a page may be shorter than {@code limit} and still have a next one.
   */
  public Future<AuctionPage> page(AuctionStatus status, String after, int limit) {
    if (index != null) {
      return index.page(status == null ? null : status.name(), after, limit);
    }
    return vertx.executeBlocking(() -> {
      List<String> keys = auctions.executeOnEntries(new Reads.Present(), new Reads.Listed(status, after)).keySet()
          .stream().sorted().limit(limit + 1L).toList();
      List<String> page = keys.subList(0, Math.min(limit, keys.size()));
      Map<String, AuctionView> views = auctions.executeOnKeys(Set.copyOf(page), new Reads.View());
      List<JsonObject> listed = page.stream().map(views::get)
          .filter(v -> v != null && (status == null || v.status() == status)).map(Wire::auction).toList();
      return new AuctionPage(listed, keys.size() > limit ? page.get(limit - 1) : null);
    }, false);
  }

  /** Ids of open auctions whose end has passed on the cluster's clock; each close decides again on the owner. */
  public Future<List<String>> dueIds() {
    long now = clusterTime();
    if (index != null) {
      return index.dueIds(now);
    }
    return vertx.executeBlocking(
        () -> List.copyOf(auctions.executeOnEntries(new Reads.View(), new Reads.Due(now)).keySet()), false);
  }

  /** The name of the node that owns the auction's partition (its primary copy), or null while unassigned. */
  public String ownerNode(String auctionId) {
    var owner = hazelcast.getPartitionService().getPartition(auctionId).getOwner();
    return owner == null ? null : owner.getAttribute(HazelcastSetup.NODE_ATTRIBUTE);
  }

  /**
   * Entries for an address in Vert.x's cluster subscription map: an internal of vertx-hazelcast, read here only
   * (ClusterTest asserts a live registration is counted, so an upgrade that moves it fails there, not silently).
   */
  public Future<Integer> clusterRegistrations(String address) {
    return vertx.executeBlocking(() -> hazelcast.getMultiMap(VERTX_SUBSCRIPTIONS_MAP).valueCount(address), false);
  }

  private Future<CommandResult> run(String auctionId, AuctionCommand command) {
    return fromHazelcast(auctions.submitToKey(auctionId, command));
  }

  private <T> Future<T> fromHazelcast(java.util.concurrent.CompletionStage<T> stage) {
    return HazelcastFutures.on(vertx.getOrCreateContext(), stage);
  }

  private String newId() {
    char[] id = new char[12];
    for (int i = 0; i < id.length; i++) {
      id[i] = ID_ALPHABET[random.nextInt(ID_ALPHABET.length)];
    }
    return new String(id);
  }
}
