package io.gavel.gateway;

import io.gavel.protocol.Wire;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Who is watching each auction, across the cluster, with no per-browser state outside the node that holds the
 * browser: each node counts its own watchers per auction (bridged connections registered on {@code auction.<id>}
 * and parked long polls) and once a second publishes the whole non-zero table to the other nodes on an internal
 * address no browser may register. A node's table replaces its previous one and expires after a few silent seconds,
 * so a node that leaves stops counting without any membership bookkeeping. Totals are at most about two seconds old.
 *
 * <p>The auction's owner pushes {@code auction.watchers} when its total changed since it last pushed, at most once
 * a second; the message has no {@code seq} and is not part of the history.
 */
public final class Presence {
  static final String ADDRESS = "gavel.presence";
  private static final long PERIOD_MILLIS = 1_000;
  private static final long EXPIRY_MILLIS = 3_500;
  private static final String AUCTION_PREFIX = "auction.";

  private final Vertx vertx;
  private final String node;
  private final Function<String, String> ownerOf;
  private final Map<String, AtomicInteger> local = new ConcurrentHashMap<>();
  /** The other nodes' latest tables; touched on the presence context only. */
  private final Map<String, Remote> remote = new HashMap<>();
  private final Map<String, Integer> pushed = new HashMap<>();
  /** Cluster totals as of the last tick, and this node's own share of them then. */
  private volatile Map<String, Integer> totals = Map.of();
  private volatile Map<String, Integer> localAtTick = Map.of();

  private record Remote(Map<String, Integer> counts, long receivedAt) {
  }

  /** {@code ownerOf} names the node that holds an auction's primary copy (null while unknown). */
  public Presence(Vertx vertx, String node, Function<String, String> ownerOf) {
    this.vertx = vertx;
    this.node = node;
    this.ownerOf = ownerOf;
  }

  public void start() {
    vertx.runOnContext(v -> {
      vertx.eventBus().<JsonObject>consumer(ADDRESS, m -> receive(m.body()));
      vertx.setPeriodic(PERIOD_MILLIS, t -> tick());
    });
  }

  /** A browser or poll started ({@code +1}) or stopped ({@code -1}) following {@code address} on this node. */
  void watching(String address, int delta) {
    if (address.startsWith(AUCTION_PREFIX)) {
      count(address.substring(AUCTION_PREFIX.length()), delta);
    }
  }

  void count(String auctionId, int delta) {
    local.compute(auctionId, (id, n) -> {
      int now = (n == null ? 0 : n.get()) + delta;
      return now <= 0 ? null : new AtomicInteger(now);
    });
  }

  /** Watchers of an auction across the cluster, as of the last exchange (this node's own count is current). */
  public int watchers(String auctionId) {
    int total = totals.getOrDefault(auctionId, 0) - localAtTick.getOrDefault(auctionId, 0);
    AtomicInteger here = local.get(auctionId);
    return Math.max(0, total + (here == null ? 0 : here.get()));
  }

  private void receive(JsonObject table) {
    String from = table.getString("node");
    if (from == null || from.equals(node) || !(table.getValue("counts") instanceof JsonObject counts)) {
      return;
    }
    Map<String, Integer> parsed = new HashMap<>();
    counts.forEach(e -> {
      if (e.getValue() instanceof Number n && n.intValue() > 0) {
        parsed.put(e.getKey(), n.intValue());
      }
    });
    remote.put(from, new Remote(parsed, System.currentTimeMillis()));
  }

  private void tick() {
    Map<String, Integer> mine = new HashMap<>();
    local.forEach((id, n) -> mine.put(id, n.get()));
    JsonObject counts = new JsonObject();
    mine.forEach(counts::put);
    vertx.eventBus().publish(ADDRESS, new JsonObject().put("node", node).put("counts", counts));

    long now = System.currentTimeMillis();
    remote.values().removeIf(r -> now - r.receivedAt() > EXPIRY_MILLIS);
    Map<String, Integer> sum = new HashMap<>(mine);
    remote.values().forEach(r -> r.counts().forEach((id, n) -> sum.merge(id, n, Integer::sum)));
    localAtTick = mine;
    totals = sum;

    Set<String> changed = new HashSet<>(pushed.keySet());
    changed.addAll(sum.keySet());
    for (String id : changed) {
      int total = sum.getOrDefault(id, 0);
      if (pushed.getOrDefault(id, 0) == total || !node.equals(ownerOf.apply(id))) {
        continue;
      }
      vertx.eventBus().publish(Wire.auctionAddress(id), Wire.watchers(id, total));
      if (total == 0) {
        pushed.remove(id);
      } else {
        pushed.put(id, total);
      }
    }
  }
}
