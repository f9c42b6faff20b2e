package io.gavel.config;

import io.gavel.gateway.Limits;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A node's settings. Each comes from, in rising precedence: {@code <conf>/gavel.json}, an environment variable,
 * a command-line option. A bad value stops the node at start with a message that names the setting.
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

  private static final String POSTGRESQL_SCHEME = "postgresql://";

  /** Whether /metrics and /ops/* have a listener of their own (and are refused on the HTTP port). */
  public boolean hasManagementListener() {
    return managementPort != 0;
  }

  public boolean has(Role role) {
    return roles.contains(role);
  }

  /** {@code memory} or {@code postgresql}: what the node may say about its store without revealing where it is. */
  public String storeKind() {
    return store.startsWith(POSTGRESQL_SCHEME) ? "postgresql" : MEMORY_STORE;
  }

  public static NodeConfig load(String[] args, Map<String, String> env) {
    return load(CommandLineArgs.parse(args), env);
  }

  public static NodeConfig load(CommandLineArgs cli, Map<String, String> env) {
    String conf = cli.values().getOrDefault(Settings.CONF.option(), env.getOrDefault(Settings.CONF.env(), "conf"));
    Path confDir = Path.of(conf);
    JsonObject overrides = new JsonObject();
    for (Setting setting : Settings.ALL) {
      if (setting.key() == null || setting.form() == Setting.Form.REPEATABLE) {
        continue;
      }
      // The signing key has no option (command lines show up in process listings): it comes from env or file.
      String value = setting.option() != null && cli.values().containsKey(setting.option())
          ? cli.values().get(setting.option())
          : setting.env() == null ? null : env.get(setting.env());
      if (value != null) {
        overrides.put(setting.key(), value);
      }
    }
    JsonObject file = retrieve(confDir.resolve("gavel.json"), overrides);
    List<String> assignments = new ArrayList<>();
    if (env.get(Settings.SET.env()) != null) {
      assignments.addAll(Arrays.asList(env.get(Settings.SET.env()).split(";")));
    }
    for (String assignment : cli.sets()) {
      if (assignment.trim().startsWith("jwtSecret=")) {
        throw new ConfigException("--set jwtSecret: the signing key is never given on the command line (process "
            + "listings show it); use GAVEL_JWT_SECRET or jwtSecret in gavel.json");
      }
      assignments.add(assignment);
    }
    for (String override : assignments) {
      if (!override.isBlank()) {
        set(file, override.trim());
      }
    }
    return fromJson(confDir, file);
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

  /**
   * {@code --set path.to.key=value} (or {@code GAVEL_SET="a=1;b.c=x"}) sets any key of gavel.json, such as
   * {@code limits.bidsPerSecondPerUser=50}; the value is read as JSON when it parses, else as a string.
   */
  private static void set(JsonObject json, String assignment) {
    int eq = assignment.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException("--set needs path=value, got '" + assignment + "'");
    }
    String[] path = assignment.substring(0, eq).split("\\.");
    String raw = assignment.substring(eq + 1);
    Object value;
    try {
      value = io.vertx.core.json.Json.decodeValue(raw);
    } catch (DecodeException notJson) {
      value = raw;
    }
    JsonObject target = json;
    for (int i = 0; i < path.length - 1; i++) {
      Object next = target.getValue(path[i]);
      if (next == null) {
        next = new JsonObject();
        target.put(path[i], next);
      }
      if (!(next instanceof JsonObject object)) {
        throw new ConfigException("--set " + assignment + ": " + path[i] + " is not an object");
      }
      target = object;
    }
    target.put(path[path.length - 1], value);
  }

  /**
   * vertx-config reads the file and lays the environment and options over it (later stores win). It needs a Vert.x
   * instance; the node's clustered one cannot exist before its config does, so a plain one is used and closed.
   */
  private static JsonObject retrieve(Path file, JsonObject overrides) {
    if (!Files.isReadable(file)) {
      throw new ConfigException("cannot read " + file.toAbsolutePath()
          + " (run from the project folder, or point --conf / GAVEL_CONF at the config directory)");
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    try {
      ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
          .setIncludeDefaultStores(false)
          .addStore(new ConfigStoreOptions().setType("file").setFormat("json")
              .setConfig(new JsonObject().put("path", file.toString())))
          .addStore(new ConfigStoreOptions().setType("json").setConfig(overrides)));
      return retriever.getConfig().await();
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new ConfigException(file + " is not valid JSON: " + cause.getMessage());
    } finally {
      vertx.close().await();
    }
  }

  /**
   * Typed reads that accept both JSON values and the strings that come from options and the environment; messages
   * name the key with its path ({@code prefix}, e.g. {@code bridge.}).
   */
  private record TypedJson(JsonObject json, String prefix) {
    String string(String key, String fallback) {
      String value = optionalString(key);
      return value == null ? fallback : value;
    }

    String optionalString(String key) {
      Object value = json.getValue(key);
      if (value == null) {
        return null;
      }
      if (!(value instanceof String s) || s.isBlank()) {
        throw new ConfigException(prefix + key + " must be a non-empty string");
      }
      return s;
    }

    long longInRange(String key, long fallback, long min, long max) {
      Object value = json.getValue(key);
      long result;
      if (value == null) {
        return fallback;
      } else if (value instanceof Integer || value instanceof Long) {
        result = ((Number) value).longValue();
      } else if (value instanceof String s && s.matches("-?\\d{1,18}")) {
        result = Long.parseLong(s);
      } else {
        throw new ConfigException(prefix + key + " must be an integer, got " + value);
      }
      if (result < min || result > max) {
        throw new ConfigException(prefix + key + " must be from " + min + " to " + max + ", got " + result);
      }
      return result;
    }

    int port(String key, int fallback) {
      return (int) longInRange(key, fallback, 0, 65535);
    }

    boolean bool(String key, boolean fallback) {
      Object value = json.getValue(key);
      if (value == null) {
        return fallback;
      }
      if (value instanceof Boolean b) {
        return b;
      }
      if ("true".equals(value) || "false".equals(value)) {
        return Boolean.parseBoolean((String) value);
      }
      throw new ConfigException(prefix + key + " must be true or false, got " + value);
    }

    List<String> members(String key) {
      List<String> members = new ArrayList<>();
      for (String member : list(key)) {
        if (!member.matches("[A-Za-z0-9.\\-]+:\\d{1,5}")) {
          throw new ConfigException(prefix + key + " entries must be host:port, got '" + member + "'");
        }
        members.add(member);
      }
      if (members.isEmpty()) {
        throw new ConfigException(prefix + key + " must list at least one host:port");
      }
      return members;
    }

    /**
     * {@code memory} or {@code postgresql://[user[:password]@]host:port/database}. Messages name the missing part
     * and never repeat the URL: a mistyped one may still hold the password, in a place no parser can know.
     */
    String store(String key) {
      String value = string(key, MEMORY_STORE);
      if (value.equals(MEMORY_STORE)) {
        return value;
      }
      String shape = " (memory or postgresql://user:password@host:port/database)";
      int schemeEnd = value.indexOf("://");
      if (schemeEnd < 0) {
        throw new ConfigException(prefix + key + " must be memory or a postgresql:// URL" + shape);
      }
      if (!value.startsWith(POSTGRESQL_SCHEME)) {
        throw new ConfigException(prefix + key + " URL scheme must be postgresql, got '" + value.substring(0, schemeEnd)
            + "'" + shape);
      }
      // The password may hold any character, '@' and '/' too, so the user part ends at the last '@'.
      String rest = value.substring(POSTGRESQL_SCHEME.length());
      int at = rest.lastIndexOf('@');
      if (at >= 0 && (at == 0 || rest.charAt(0) == ':')) {
        throw new ConfigException(prefix + key + " URL has an empty user name" + shape);
      }
      String location = rest.substring(at + 1);
      int slash = location.indexOf('/');
      String authority = slash < 0 ? location : location.substring(0, slash);
      String database = slash < 0 ? "" : location.substring(slash + 1);
      int colon = authority.lastIndexOf(':');
      String host = colon < 0 ? authority : authority.substring(0, colon);
      String port = colon < 0 ? "" : authority.substring(colon + 1);
      if (!host.matches("[A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:.]+\\]")) {
        throw new ConfigException(prefix + key + " URL needs a host name or address before :port" + shape);
      }
      if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
        throw new ConfigException(prefix + key + " URL needs a port from 1 to 65535 after the host" + shape);
      }
      if (!database.matches("[A-Za-z0-9_$.\\-]+")) {
        throw new ConfigException(prefix + key + " URL needs a database name (letters, digits, _ $ . -) after host:port/"
            + shape);
      }
      return value;
    }

    /** A DNS name, or null when unset. */
    String hostName(String key) {
      String value = optionalString(key);
      if (value != null && !value.matches("[A-Za-z0-9]([A-Za-z0-9.\\-]*[A-Za-z0-9])?")) {
        throw new ConfigException(prefix + key + " must be a DNS name, got '" + value + "'");
      }
      return value;
    }

    String oneOf(String key, String fallback, String... allowed) {
      String value = string(key, fallback);
      if (!List.of(allowed).contains(value)) {
        throw new ConfigException(prefix + key + " must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
      }
      return value;
    }

    List<String> origins(String key) {
      List<String> origins = list(key);
      for (String origin : origins) {
        if (!origin.matches("https?://[A-Za-z0-9.\\-\\[\\]:]+")) {
          throw new ConfigException(prefix + key + " entries must be origins like https://auction.example.com, got '"
              + origin + "'");
        }
      }
      return origins;
    }

    Set<Role> roles(String key) {
      Set<Role> roles = new TreeSet<>();
      for (String role : list(key)) {
        try {
          roles.add(Role.valueOf(role.trim().toUpperCase()));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(prefix + key + " entries must be gateway or auction, got '" + role + "'");
        }
      }
      return roles.isEmpty() ? Set.of(Role.GATEWAY, Role.AUCTION) : roles;
    }

    JsonObject object(String key) {
      Object value = json.getValue(key);
      if (value == null) {
        return new JsonObject();
      }
      if (!(value instanceof JsonObject o)) {
        throw new ConfigException(prefix + key + " must be a JSON object");
      }
      return o;
    }

    List<String> list(String key) {
      Object value = json.getValue(key);
      if (value == null) {
        return List.of();
      }
      if (value instanceof String s) {
        return Arrays.stream(s.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
      }
      if (value instanceof JsonArray array) {
        List<String> out = new ArrayList<>();
        for (Object item : array) {
          if (!(item instanceof String s)) {
            throw new ConfigException(prefix + key + " must be a list of strings");
          }
          out.add(s);
        }
        return out;
      }
      throw new ConfigException(prefix + key + " must be a list or a comma-separated string");
    }
  }
}
