package io.gavel.config;

import static io.gavel.config.Setting.fileOnly;
import static io.gavel.config.Setting.flag;
import static io.gavel.config.Setting.option;

import io.gavel.config.Setting.Form;
import io.gavel.gateway.Limits;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Every setting a node has, in README.md's order; the command line and the known gavel.json keys come from it. */
public final class Settings {
  public static final Setting CONF = option("--conf", "DIR", "GAVEL_CONF", null, "`conf`",
      "the config directory (gavel.json, hazelcast.xml, users.json)");
  public static final Setting SET = new Setting("--set", "path=value", Form.REPEATABLE, "GAVEL_SET", null,
      "e.g. `limits.bidsPerSecondPerUser=50`; the value is read as JSON when it parses, else as a string; "
          + "`GAVEL_SET` takes several, separated by `;` (`a=1;b.c=2`)",
      "sets any gavel.json key (repeatable)");

  public static final List<Setting> ALL = all();

  private Settings() {
  }

  private static List<Setting> all() {
    List<Setting> all = new ArrayList<>(List.of(
        option("--http-host", "HOST", "GAVEL_HTTP_HOST", "httpHost", "127.0.0.1", "address the HTTP server binds"),
        option("--http-port", "PORT", "GAVEL_HTTP_PORT", "httpPort", "8080", "HTTP port"),
        option("--cluster-host", "HOST", "GAVEL_CLUSTER_HOST", "clusterHost", "127.0.0.1",
            "this member's cluster address (an IPv4 address to bind, or a host name others reach it by)"),
        option("--cluster-port", "PORT", "GAVEL_CLUSTER_PORT", "clusterPort", "5701", "Hazelcast member port"),
        option("--cluster-members", "HOST:PORT,...", "GAVEL_CLUSTER_MEMBERS", "clusterMembers",
            "127.0.0.1:5701 … :5710", "the TCP-IP join's member list"),
        option("--kubernetes-service-dns", "NAME", "GAVEL_KUBERNETES_SERVICE_DNS", "kubernetesServiceDns",
            "none: TCP-IP join with `clusterMembers`. The DNS name of a headless Service: members find each other "
                + "with Hazelcast's Kubernetes discovery in DNS lookup mode, on `clusterPort` (see Kubernetes)",
            "join by Hazelcast's Kubernetes DNS lookup of this headless Service instead of TCP-IP"),
        option("--cluster-name", "NAME", "GAVEL_CLUSTER_NAME", "clusterName",
            "`gavel` (from `conf/hazelcast.xml`)", "Hazelcast cluster name"),
        option("--node-name", "NAME", "GAVEL_NODE_NAME", "nodeName", "gavel-&lt;http port&gt;",
            "this node's name in logs, metrics and /health"),
        option("--roles", "ROLES", "GAVEL_ROLES", "roles", "gateway,auction",
            "gateway (HTTP, bridge), auction (bids, closing) or both"),
        flag("--demo", Form.NEGATABLE, "GAVEL_DEMO", "demo", "true", "seed demo auctions"),
        flag("--demo-bidders", Form.FLAG, "GAVEL_DEMO_BIDDERS", "demoBidders", "false",
            "deploy the demo bidding bots"),
        option("--log-format", "FORMAT", "GAVEL_LOG_FORMAT", "logFormat", "text (or json)", "text or json"),
        SET,
        option("--min-cluster-size", "N", "GAVEL_MIN_CLUSTER_SIZE", "minClusterSize",
            "1 (no split-brain protection)", "a side of a split with fewer members refuses auction reads and writes"),
        option("--allowed-origins", "ORIGINS", "GAVEL_ALLOWED_ORIGINS", "allowedOrigins",
            "loopback origins of ports 8080–8082", "origins (comma list) allowed to open the bridge and call the API"),
        option("--token-ttl", "SECONDS", "GAVEL_TOKEN_TTL_SECONDS", "tokenTtlSeconds",
            "3600 (expiry checked with 5 s leeway)", "lifetime of issued tokens"),
        option("--store", "STORE", "GAVEL_STORE", "store",
            "`memory`, or `postgresql://user:password@host:port/database`",
            "memory or postgresql://user:password@host:port/database (prefer the environment: command lines show "
                + "in process listings)"),
        option("--clock-offset-ms", "MS", "GAVEL_CLOCK_OFFSET_MS", "clockOffsetMs",
            "0; fault testing only: the node acts as if its clock were N ms ahead (±1 day)",
            "fault testing only: act as if the clock were this far ahead"),
        option("--trusted-proxies", "ADDRESSES", "GAVEL_TRUSTED_PROXIES", "trustedProxies",
            "none: PROXY protocol off. Addresses or CIDR blocks (`10.0.0.5,10.0.0.0/24,fd00::/8`) of load balancers "
                + "that send the PROXY protocol (see Behind a load balancer)",
            "load balancers (addresses, CIDR blocks) that send the PROXY protocol; then required on the HTTP port"),
        option("--management-port", "PORT", "GAVEL_MANAGEMENT_PORT", "managementPort",
            "0: off. A listener for `/metrics`, `/ops/*` and the health routes; `/metrics` and `/ops/*` then leave "
                + "the HTTP port",
            "a plain-HTTP listener for /metrics, /ops/* and health"),
        option("--management-host", "HOST", "GAVEL_MANAGEMENT_HOST", "managementHost", "127.0.0.1",
            "address the management listener binds"),
        CONF,
        fileOnly("GAVEL_JWT_SECRET", "jwtSecret", "random, shared through the cluster (with a warning)"),
        fileOnly(null, "usersFile", "`users.json` (PBKDF2 hashes)"),
        fileOnly(null, "hazelcastConfig", "`hazelcast.xml` (in the config directory)"),
        fileOnly(null, "closeSweepMillis", "250"),
        fileOnly(null, "gatewayInstances", "the number of cores: gateway verticle instances sharing the HTTP port"),
        fileOnly(null, "bridge.inboundPermitted",
            "`[{\"address\": \"auctions.bid\"}]`: addresses browsers may send to (`address` or `addressRegex`)"),
        fileOnly(null, "bridge.outboundPermitted",
            "`auctions`, `demo.activity`, `auction.<id>`, `news.<topic>`: addresses browsers may register"),
        fileOnly(null, "bridge.pingTimeoutMillis", "10000 (a socket silent this long is closed)"),
        fileOnly(null, "bridge.replyTimeoutMillis", "10000 (how long a bridged request waits for its reply)"),
        fileOnly(null, "publish.keys",
            "`[{\"name\",\"sha256\",\"addresses\": [regex…]}]`: API keys for `POST /api/publish` (demo key "
                + "`demo-newsroom-key` → `news.*`)"),
        fileOnly(null, "limits", "abuse limits (see Security), one row each below")));
    for (Limits.Limit limit : Limits.DEFINITIONS) {
      all.add(fileOnly(null, "limits." + limit.name(),
          number(limit.fallback()) + " (" + number(limit.min()) + "–" + number(limit.max()) + "): " + limit.meaning()));
    }
    return Collections.unmodifiableList(all);
  }

  private static String number(double value) {
    return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
  }

  /**
   * Fails naming the first key of {@code json} that no setting has: at the top level, and inside the objects whose
   * keys are listed one by one ({@code limits}, {@code bridge}, {@code publish}). A misspelled key would otherwise
   * leave its setting at the default without a word.
   */
  static void checkKnownKeys(JsonObject json) {
    Map<String, Set<String>> known = new LinkedHashMap<>();
    for (Setting setting : ALL) {
      if (setting.key() != null) {
        int dot = setting.key().indexOf('.');
        String top = dot < 0 ? setting.key() : setting.key().substring(0, dot);
        Set<String> children = known.computeIfAbsent(top, k -> new LinkedHashSet<>());
        if (dot >= 0) {
          children.add(setting.key().substring(dot + 1));
        }
      }
    }
    for (String key : json.fieldNames()) {
      Set<String> children = known.get(key);
      if (children == null) {
        throw unknown(key, known.keySet());
      }
      if (!children.isEmpty() && json.getValue(key) instanceof JsonObject nested) {
        for (String child : nested.fieldNames()) {
          if (!children.contains(child)) {
            throw unknown(key + "." + child, children.stream().map(c -> key + "." + c).toList());
          }
        }
      }
    }
  }

  private static ConfigException unknown(String key, Iterable<String> candidates) {
    String closest = null;
    int best = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int distance = distance(key.toLowerCase(), candidate.toLowerCase());
      if (distance < best) {
        best = distance;
        closest = candidate;
      }
    }
    String hint = closest != null && best <= Math.max(2, key.length() / 4) ? "; did you mean " + closest + "?" : "";
    return new ConfigException("unknown setting " + key + " (in gavel.json, --set or GAVEL_SET)" + hint
        + " See README.md, Configuration, for every key.");
  }

  /** Edit distance, for the "did you mean" hint. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
