package io.gavel.gateway;

import io.gavel.config.ConfigException;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Abuse limits, from {@code limits} in gavel.json. The defaults never limit a person: a user may place 20 bids per
 * second indefinitely (25/s with a burst of 50) and open 20 auctions at once (then one a minute), and a browser's
 * own traffic is a few frames per second. Bids and new auctions per user hold across the cluster.
 */
public record Limits(
    double bidsPerSecondPerUser,
    int bidBurstPerUser,
    double auctionsPerHourPerUser,
    int auctionBurstPerUser,
    double framesPerSecondPerConnection,
    int frameBurstPerConnection,
    double loginsPerMinutePerIp,
    int loginBurstPerIp,
    double loginsPerMinutePerUser,
    int loginBurstPerUser,
    int maxConnections,
    int maxConnectionsPerIp,
    int maxRegistrationsPerConnection,
    int slowConsumerMaxDrops,
    int outboundHighWaterBytes,
    long nodeOutboundHighWaterBytes,
    long slowConsumerMaxMillis,
    int maxFrameBytes,
    int maxInvalidFrames,
    int maxLongPolls,
    int sendBufferBytes,
    long fanoutMaxLagMillis,
    long fanoutBatchMillis) {

  /** One key of {@code limits}: its default, its allowed range and what it bounds (README.md's table shows it). */
  public record Limit(String name, double fallback, double min, double max, String meaning) {
  }

  /** Every key {@code limits} may hold; anything else in it is a mistake. */
  public static final List<Limit> DEFINITIONS = List.of(
      new Limit("bidsPerSecondPerUser", 25, 0.1, 100_000, "bids per second per user, across the cluster"),
      new Limit("bidBurstPerUser", 50, 1, 1_000_000, "bids a user may place at once before the rate applies"),
      new Limit("auctionsPerHourPerUser", 60, 1, 360_000_000, "new auctions per hour per user, across the cluster"),
      new Limit("auctionBurstPerUser", 20, 1, 1_000_000, "new auctions a user may open at once"),
      new Limit("framesPerSecondPerConnection", 50, 1, 1_000_000, "bridge frames per second per connection"),
      new Limit("frameBurstPerConnection", 100, 1, 1_000_000, "bridge frames a connection may send at once"),
      new Limit("loginsPerMinutePerIp", 30, 1, 1_000_000, "logins per minute per client address"),
      new Limit("loginBurstPerIp", 10, 1, 1_000_000, "logins a client address may try at once"),
      new Limit("loginsPerMinutePerUser", 10, 1, 1_000_000, "logins per minute per user name"),
      new Limit("loginBurstPerUser", 5, 1, 1_000_000, "logins a user name may try at once"),
      new Limit("maxConnections", 50_000, 1, 10_000_000, "bridge connections per node"),
      new Limit("maxConnectionsPerIp", 5_000, 1, 10_000_000, "bridge connections per client address"),
      new Limit("maxRegistrationsPerConnection", 100, 1, 100_000, "addresses one connection may register"),
      new Limit("slowConsumerMaxDrops", 256, 1, 1_000_000,
          "pushed messages skipped in a row before a slow connection is closed (once it has written nothing for "
              + "2 s)"),
      new Limit("outboundHighWaterBytes", 256 * 1024, 1024, 64 * 1024 * 1024,
          "unwritten bytes above which a connection is skipped for pushed messages"),
      new Limit("nodeOutboundHighWaterBytes", 64 * 1024 * 1024, 1024 * 1024, 64L * 1024 * 1024 * 1024,
          "bytes held for all bridged connections of a node; above it every connection's budget is an eighth"),
      new Limit("slowConsumerMaxMillis", 10_000, 100, 3_600_000,
          "milliseconds a connection may stay over its budget before it is closed"),
      new Limit("maxFrameBytes", 65_536, 256, 16 * 1024 * 1024, "largest bridge frame and REST body"),
      new Limit("maxInvalidFrames", 10, 1, 1_000_000, "malformed frames in a row before a connection is closed"),
      new Limit("maxLongPolls", 20_000, 1, 10_000_000, "long polls waiting at once per node"),
      new Limit("sendBufferBytes", 64 * 1024, 0, 16 * 1024 * 1024,
          "TCP send buffer of each accepted connection (0: the kernel's, autotuned up to tcp_wmem's maximum; else at "
              + "least 4096)"),
      new Limit("fanoutMaxLagMillis", 100, 1, 60_000,
          "how far a gateway instance may fall behind on pushed messages before it sends only the newest of each "
              + "address"),
      new Limit("fanoutBatchMillis", 5, 0, 1_000,
          "under load, the shortest time between two writes of a gateway instance to its sockets: the messages of that"
              + " time go out together, one system call per socket (0: every message at once; an idle instance writes"
              + " at once whatever this is)"));

  public static Limits from(JsonObject json) {
    Map<String, Double> v = new HashMap<>();
    for (Limit limit : DEFINITIONS) {
      v.put(limit.name(), number(json, limit));
    }
    return new Limits(
        v.get("bidsPerSecondPerUser"),
        v.get("bidBurstPerUser").intValue(),
        v.get("auctionsPerHourPerUser"),
        v.get("auctionBurstPerUser").intValue(),
        v.get("framesPerSecondPerConnection"),
        v.get("frameBurstPerConnection").intValue(),
        v.get("loginsPerMinutePerIp"),
        v.get("loginBurstPerIp").intValue(),
        v.get("loginsPerMinutePerUser"),
        v.get("loginBurstPerUser").intValue(),
        v.get("maxConnections").intValue(),
        v.get("maxConnectionsPerIp").intValue(),
        v.get("maxRegistrationsPerConnection").intValue(),
        v.get("slowConsumerMaxDrops").intValue(),
        v.get("outboundHighWaterBytes").intValue(),
        v.get("nodeOutboundHighWaterBytes").longValue(),
        v.get("slowConsumerMaxMillis").longValue(),
        v.get("maxFrameBytes").intValue(),
        v.get("maxInvalidFrames").intValue(),
        v.get("maxLongPolls").intValue(),
        sendBufferBytes(v.get("sendBufferBytes").intValue()),
        v.get("fanoutMaxLagMillis").longValue(),
        v.get("fanoutBatchMillis").longValue());
  }

  /**
   * The kernel send buffer of each accepted connection. Left to the kernel (0), it grows up to net.ipv4.tcp_wmem's
   * maximum (4 MiB on common Linux) for a client that does not read, all of it outside the JVM and counted as written
   * before the node's own budget ({@link #outboundHighWaterBytes}) sees anything: 5 % hung of 10,000 clients would
   * hold ~1.4 GB of kernel memory for minutes (BENCHMARKS.md, "Hung clients"). The default, 64 KiB, is ~50 ms of a
   * 10 Mbit/s link: far more than push events need.
   */
  private static int sendBufferBytes(int bytes) {
    if (bytes != 0 && bytes < 4096) {
      throw new ConfigException("limits.sendBufferBytes must be 0 (the kernel's) or from 4096 to 16777216, got "
          + bytes);
    }
    return bytes;
  }

  private static double number(JsonObject json, Limit limit) {
    Object value = json.getValue(limit.name());
    if (value == null) {
      return limit.fallback();
    }
    if (!(value instanceof Number n) || n.doubleValue() < limit.min() || n.doubleValue() > limit.max()) {
      throw new ConfigException("limits." + limit.name() + " must be a number from " + limit.min() + " to "
          + limit.max() + ", got " + value);
    }
    return n.doubleValue();
  }
}
