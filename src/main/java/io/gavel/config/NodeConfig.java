package io.gavel.config;

import io.gavel.gateway.Limits;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node's settings. Each comes from, in rising precedence: {@code <conf>/gavel.json}, an environment variable,
 * a command-line option ({@link ConfigLoader} lays them over each other). A bad value stops the node at start with a
 * message that names the setting.
 */
public record NodeConfig(
    Path confDir,
    String nodeName,
    String clusterName,
    String httpHost,
    int httpPort,
    String clusterHost,
    int clusterPort,
    List<String> clusterMembers,
    String kubernetesServiceDns,
    int minClusterSize,
    Set<Role> roles,
    boolean demo,
    boolean demoBidders,
    Path usersFile,
    Path hazelcastConfig,
    String jwtSecret,
    long tokenTtlSeconds,
    long closeSweepMillis,
    List<String> allowedOrigins,
    String logFormat,
    int gatewayInstances,
    JsonObject limits,
    JsonObject bridge,
    JsonObject publish,
    String store,
    long clockOffsetMs,
    TrustedProxies trustedProxies,
    String managementHost,
    int managementPort) {

  public enum Role { GATEWAY, AUCTION }

  /** The store used when none is configured: auctions live in the cluster's memory only. */
  public static final String MEMORY_STORE = "memory";

  /** How far a fault test may skew a node's clock, either way. */
  public static final long MAX_CLOCK_OFFSET_MILLIS = 24L * 3600 * 1000;


  /** Whether /metrics and /ops/* have a listener of their own (and are refused on the HTTP port). */
  public boolean hasManagementListener() {
    return managementPort != 0;
  }

  public boolean has(Role role) {
    return roles.contains(role);
  }

  /** {@code memory} or {@code postgresql}: what the node may say about its store without revealing where it is. */
  public String storeKind() {
    return store.startsWith(StoreSetting.POSTGRESQL_SCHEME) ? "postgresql" : MEMORY_STORE;
  }

  public static NodeConfig load(String[] args, Map<String, String> env) {
    return load(CommandLineArgs.parse(args), env);
  }

  public static NodeConfig load(CommandLineArgs cli, Map<String, String> env) {
    return ConfigLoader.load(cli, env);
  }

  static NodeConfig fromJson(Path confDir, JsonObject json) {
    Settings.checkKnownKeys(json);
    TypedJson s = new TypedJson(json, "");
    JsonObject bridge = s.object("bridge");
    TypedJson bridgeSettings = new TypedJson(bridge, "bridge.");
    // Stored back as numbers: the gateway reads them with getLong.
    bridge.put("pingTimeoutMillis", bridgeSettings.longInRange("pingTimeoutMillis", 10_000, 100, 3_600_000));
    bridge.put("replyTimeoutMillis", bridgeSettings.longInRange("replyTimeoutMillis", 10_000, 100, 3_600_000));
    JsonObject limits = s.object("limits");
    Limits.from(limits);
    int httpPort = s.port("httpPort", 8080);
    int clusterPort = s.port("clusterPort", 5701);
    String name = s.string("nodeName", "gavel-" + httpPort);
    // 0 (or unset): no management listener.
    int managementPort = s.port("managementPort", 0);
    if (managementPort != 0 && managementPort == httpPort) {
      throw new ConfigException("managementPort must differ from httpPort (" + httpPort + ")");
    }
    return new NodeConfig(
        confDir,
        name,
        s.optionalString("clusterName"),
        s.string("httpHost", "127.0.0.1"),
        httpPort,
        s.string("clusterHost", "127.0.0.1"),
        clusterPort,
        s.members("clusterMembers"),
        s.hostName("kubernetesServiceDns"),
        (int) s.longInRange("minClusterSize", 1, 1, 1000),
        s.roles("roles"),
        s.bool("demo", true),
        s.bool("demoBidders", false),
        confDir.resolve(s.string("usersFile", "users.json")),
        confDir.resolve(s.string("hazelcastConfig", "hazelcast.xml")),
        s.optionalString("jwtSecret"),
        s.longInRange("tokenTtlSeconds", 3600, 1, 30L * 24 * 3600),
        s.longInRange("closeSweepMillis", 250, 10, 60_000),
        s.origins("allowedOrigins"),
        s.oneOf("logFormat", "text", "text", "json"),
        (int) s.longInRange("gatewayInstances", Runtime.getRuntime().availableProcessors(), 1, 256),
        limits,
        bridge,
        s.object("publish"),
        s.store("store"),
        s.longInRange("clockOffsetMs", 0, -MAX_CLOCK_OFFSET_MILLIS, MAX_CLOCK_OFFSET_MILLIS),
        TrustedProxies.parse("trustedProxies", s.list("trustedProxies")),
        s.string("managementHost", "127.0.0.1"),
        managementPort);
  }
}
