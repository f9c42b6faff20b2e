package io.gavel.gateway;

import io.gavel.cluster.ClusterBuckets;
import io.gavel.metrics.GavelMetrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the gateway verticle instances of one node share: one event-bus subscription per address for all of them
 * (so the cluster holds one registration per node, however many browsers and instances), each message encoded
 * once for the node, node-wide connection counts, and the per-user limits (cluster-wide for bids and new auctions).
 *
 * <p>Subscriptions live on the hub's own event loop; each instance writes to its own sockets on its own event loop,
 * so fan-out uses every core.
 */
public final class GatewayHub {
  private final Vertx vertx;
  private final Context context;
  private final GavelMetrics metrics;
  private final Map<String, MessageConsumer<Object>> consumers = new HashMap<>();
  private final Map<String, Set<BridgeSubscriptions>> watchers = new HashMap<>();
  private final AtomicInteger subscriptions = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final Map<String, Integer> connectionsPerIp = new ConcurrentHashMap<>();
  final AtomicInteger parkedPolls = new AtomicInteger();
  /** Gateway instances whose HTTP server is bound: readiness's "http" check, on whichever listener it is asked. */
  final AtomicInteger boundHttpServers = new AtomicInteger();
  final UserLimit bidsPerUser;
  final UserLimit auctionsPerUser;
  /** Bytes handed to bridged sockets whose write has not completed, over every socket of the node. */
  final LongAdder queuedBytes = new LongAdder();
  /** Bridged sockets currently over their outbound budget, skipped for pushed messages. */
  final AtomicInteger slowSockets = new AtomicInteger();
  final RateLimiter loginsPerIp;
  final RateLimiter loginsPerUser;
  final Presence presence;

  public GatewayHub(Vertx vertx, Limits limits, GavelMetrics metrics, ClusterBuckets buckets, Presence presence) {
    this.vertx = vertx;
    this.presence = presence;
    this.context = vertx.getOrCreateContext();
    this.metrics = metrics;
    this.bidsPerUser = new UserLimit("bid", limits.bidsPerSecondPerUser(), limits.bidBurstPerUser(), buckets);
    this.auctionsPerUser = new UserLimit("auction", limits.auctionsPerHourPerUser() / 3600,
        limits.auctionBurstPerUser(), buckets);
    this.loginsPerIp = new RateLimiter(limits.loginsPerMinutePerIp() / 60, limits.loginBurstPerIp());
    this.loginsPerUser = new RateLimiter(limits.loginsPerMinutePerUser() / 60, limits.loginBurstPerUser());
    metrics.gauge("gavel_bridge_sockets", "Open bridged SockJS/WebSocket sockets on this node", connections::get);
    metrics.gauge("gavel_bridge_subscriptions", "Event-bus addresses this node subscribes to for its browsers",
        subscriptions::get);
    metrics.gauge("gavel_bridge_queued_bytes", "What the node holds for writes to bridged sockets that have not"
        + " reached the kernel (or a polling client) yet: their bytes plus ~0.5 KB each for bookkeeping",
        queuedBytes::sum);
    metrics.gauge("gavel_bridge_slow_sockets", "Bridged sockets over their outbound budget right now, skipped for"
        + " pushed messages until they catch up or are cut off", slowSockets::get);
    metrics.gauge("gavel_long_polls", "Long-poll requests waiting on this node", parkedPolls::get);
  }

  /** Counts a new connection against the node and per-address limits; false (and nothing counted) if over. */
  boolean open(String ip, Limits limits) {
    if (connections.incrementAndGet() > limits.maxConnections()) {
      connections.decrementAndGet();
      return false;
    }
    // Counted inside compute: a counter read outside it could be dropped from the map by a concurrent close on
    // another event loop and the increment lost with it.
    boolean[] admitted = {false};
    connectionsPerIp.compute(ip, (k, n) -> {
      int now = n == null ? 0 : n;
      if (now >= limits.maxConnectionsPerIp()) {
        return n;
      }
      admitted[0] = true;
      return now + 1;
    });
    if (!admitted[0]) {
      connections.decrementAndGet();
    }
    return admitted[0];
  }

  void closed(String ip) {
    connections.decrementAndGet();
    connectionsPerIp.computeIfPresent(ip, (k, n) -> n == 1 ? null : n - 1);
  }

  /** {@code bridge} has a first browser watching {@code address}. */
  void watch(String address, BridgeSubscriptions bridge) {
    context.runOnContext(v -> {
      Set<BridgeSubscriptions> set = watchers.computeIfAbsent(address, a -> {
        consumers.put(a, vertx.eventBus().consumer(a, message -> fanOut(a, message)));
        subscriptions.incrementAndGet();
        return new LinkedHashSet<>();
      });
      set.add(bridge);
    });
  }

  /** {@code bridge} has no browser watching {@code address} any more. */
  void unwatch(String address, BridgeSubscriptions bridge) {
    context.runOnContext(v -> {
      Set<BridgeSubscriptions> set = watchers.get(address);
      if (set != null && set.remove(bridge) && set.isEmpty()) {
        watchers.remove(address);
        consumers.remove(address).unregister();
        subscriptions.decrementAndGet();
      }
    });
  }

  private void fanOut(String address, Message<Object> message) {
    Set<BridgeSubscriptions> set = watchers.get(address);
    if (set == null) {
      return;
    }
    Buffer json = new JsonObject().put("type", "rec").put("address", address).put("body", message.body())
        .toBuffer();
    long at = message.body() instanceof JsonObject body && body.getValue("at") instanceof Long t ? t : -1;
    PushFrame push = PushFrame.of(json, at);
    for (BridgeSubscriptions bridge : List.copyOf(set)) {
      bridge.deliver(address, push);
    }
  }

  /** Whether the node holds more for its bridged sockets than {@link Limits#nodeOutboundHighWaterBytes()}. */
  boolean underMemoryPressure(Limits limits) {
    return queuedBytes.sum() > limits.nodeOutboundHighWaterBytes();
  }

  void delivered(long at) {
    if (at >= 0) {
      metrics.delivered(at);
    }
  }
}
