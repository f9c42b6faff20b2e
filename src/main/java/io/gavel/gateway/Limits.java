package io.gavel.gateway;

import io.gavel.config.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * Abuse limits, from {@code limits} in gavel.json. The defaults never limit a person: a user may place 20 bids per
 * second indefinitely (25/s with a burst of 50), and a browser's own traffic is a few frames per second.
 */
public record Limits(
    double bidsPerSecondPerUser,
    int bidBurstPerUser,
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
    int sendBufferBytes) {

  public static Limits from(JsonObject json) {
    return new Limits(
        number(json, "bidsPerSecondPerUser", 25, 0.1, 100_000),
        (int) number(json, "bidBurstPerUser", 50, 1, 1_000_000),
        number(json, "framesPerSecondPerConnection", 50, 1, 1_000_000),
        (int) number(json, "frameBurstPerConnection", 100, 1, 1_000_000),
        number(json, "loginsPerMinutePerIp", 30, 1, 1_000_000),
        (int) number(json, "loginBurstPerIp", 10, 1, 1_000_000),
        number(json, "loginsPerMinutePerUser", 10, 1, 1_000_000),
        (int) number(json, "loginBurstPerUser", 5, 1, 1_000_000),
        (int) number(json, "maxConnections", 50_000, 1, 10_000_000),
        (int) number(json, "maxConnectionsPerIp", 5_000, 1, 10_000_000),
        (int) number(json, "maxRegistrationsPerConnection", 100, 1, 100_000),
        (int) number(json, "slowConsumerMaxDrops", 256, 1, 1_000_000),
        (int) number(json, "outboundHighWaterBytes", 256 * 1024, 1024, 64 * 1024 * 1024),
        (long) number(json, "nodeOutboundHighWaterBytes", 64 * 1024 * 1024, 1024 * 1024, 64L * 1024 * 1024 * 1024),
        (long) number(json, "slowConsumerMaxMillis", 10_000, 100, 3_600_000),
        (int) number(json, "maxFrameBytes", 65_536, 256, 16 * 1024 * 1024),
        (int) number(json, "maxInvalidFrames", 10, 1, 1_000_000),
        (int) number(json, "maxLongPolls", 20_000, 1, 10_000_000),
        sendBufferBytes(json));
  }

  /**
   * The kernel send buffer of each accepted connection: 0 (the default) leaves it to the kernel, which grows it up to
   * net.ipv4.tcp_wmem's maximum (4 MiB on common Linux) for a client that does not read. A fixed size bounds what
   * the kernel holds per hung client, and makes the node's own budget ({@link #outboundHighWaterBytes}) apply sooner.
   */
  private static int sendBufferBytes(JsonObject json) {
    int bytes = (int) number(json, "sendBufferBytes", 0, 0, 16 * 1024 * 1024);
    if (bytes != 0 && bytes < 4096) {
      throw new ConfigException("limits.sendBufferBytes must be 0 (the kernel's) or from 4096 to 16777216, got "
          + bytes);
    }
    return bytes;
  }

  private static double number(JsonObject json, String key, double fallback, double min, double max) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number n) || n.doubleValue() < min || n.doubleValue() > max) {
      throw new ConfigException("limits." + key + " must be a number from " + min + " to " + max + ", got " + value);
    }
    return n.doubleValue();
  }
}
