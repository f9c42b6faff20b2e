package io.gavel.examples.publisher;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the publisher is told: where the Gavel cluster is and what to publish. Each option is a command-line
 * {@code --name value}, else the environment variable {@code PUBLISHER_NAME}, else its default.
 */
record PublisherOptions(String clusterName, List<String> members, String clusterHost, int clusterPort,
                        String topic, long intervalMs, long count) {

  /** Gavel's own defaults: conf/hazelcast.xml's cluster name, conf/gavel.json's member list. */
  static final String DEFAULT_MEMBERS = String.join(",", java.util.stream.IntStream.rangeClosed(5701, 5710)
      .mapToObj(port -> "127.0.0.1:" + port).toList());
  /** The part of a topic conf/gavel.json's rule {@code news\.[A-Za-z0-9_-]{1,64}} lets through to browsers. */
  private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern MEMBER = Pattern.compile("[^\\s:,]+:\\d{1,5}");
  private static final List<String> NAMES =
      List.of("cluster-name", "members", "cluster-host", "cluster-port", "topic", "interval-ms", "count");

  static final String USAGE = """
      usage: java -jar news-publisher.jar [--members HOST:PORT,...] [--cluster-port PORT] [--cluster-host HOST]
                                          [--cluster-name NAME] [--topic TOPIC] [--interval-ms MS] [--count N]
        --members       Gavel members to join through (PUBLISHER_MEMBERS; default %s … :5710)
        --cluster-port  this process's own Hazelcast port, not one of Gavel's (PUBLISHER_CLUSTER_PORT; 5720)
        --cluster-host  the address to bind and announce (PUBLISHER_CLUSTER_HOST; 127.0.0.1)
        --cluster-name  Gavel's cluster name (PUBLISHER_CLUSTER_NAME; gavel)
        --topic         publishes on news.<topic> (PUBLISHER_TOPIC; headlines)
        --interval-ms   between two headlines (PUBLISHER_INTERVAL_MS; 1000)
        --count         headlines to publish, then leave the cluster and exit; 0: until stopped (PUBLISHER_COUNT; 0)
      """.formatted("127.0.0.1:5701");

  static PublisherOptions parse(String[] args, Map<String, String> env) {
    Map<String, String> given = new HashMap<>();
    for (String name : NAMES) {
      String fromEnv = env.get("PUBLISHER_" + name.toUpperCase().replace('-', '_'));
      if (fromEnv != null) {
        given.put(name, fromEnv);
      }
    }
    for (int i = 0; i < args.length; i += 2) {
      String name = args[i].startsWith("--") ? args[i].substring(2) : "";
      if (!NAMES.contains(name)) {
        throw new IllegalArgumentException("unknown option " + args[i]);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      given.put(name, args[i + 1]);
    }
    List<String> members = new ArrayList<>();
    for (String member : given.getOrDefault("members", DEFAULT_MEMBERS).split(",")) {
      String trimmed = member.trim();
      if (!MEMBER.matcher(trimmed).matches()) {
        // One entry per member: Hazelcast 5.3 refuses port ranges in a member entry when interfaces are set.
        throw new IllegalArgumentException("--members: '" + trimmed + "' is not HOST:PORT");
      }
      members.add(trimmed);
    }
    String topic = given.getOrDefault("topic", "headlines");
    if (!TOPIC.matcher(topic).matches()) {
      throw new IllegalArgumentException("--topic must be 1-64 of [A-Za-z0-9_-]: Gavel forwards news.<topic> to "
          + "browsers only then");
    }
    return new PublisherOptions(given.getOrDefault("cluster-name", "gavel"), List.copyOf(members),
        given.getOrDefault("cluster-host", "127.0.0.1"),
        (int) number(given, "cluster-port", 5720, 1, 65_535),
        topic, number(given, "interval-ms", 1_000, 10, 3_600_000), number(given, "count", 0, 0, 1_000_000_000));
  }

  String address() {
    return "news." + topic;
  }

  private static long number(Map<String, String> given, String name, long fallback, long min, long max) {
    String value = given.get(name);
    if (value == null) {
      return fallback;
    }
    try {
      long parsed = Long.parseLong(value.trim());
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new IllegalArgumentException("--" + name + " must be an integer from " + min + " to " + max
        + ", not '" + value + "'");
  }

  @Override
  public String toString() {
    return "cluster " + clusterName + " via " + members + ", member port " + clusterHost + ":" + clusterPort
        + ", publishing on " + address() + " every " + intervalMs + " ms"
        + (count == 0 ? " until stopped" : ", " + count + " times");
  }
}
