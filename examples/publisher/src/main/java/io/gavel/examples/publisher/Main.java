package io.gavel.examples.publisher;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code java -jar news-publisher.jar [options]}: joins a running Gavel cluster as a Hazelcast lite member and
 * deploys {@link NewsVerticle}. SIGTERM or Ctrl-C leaves the cluster; so does the end of {@code --count}.
 */
public final class Main {
  private static final long JOIN_SECONDS = 60;
  private static final long LEAVE_SECONDS = 20;
  // java.util.logging holds loggers weakly: a level set on one nobody references is forgotten.
  private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");
  // Vert.x's cluster-wide locks make Hazelcast warn that its CP subsystem is off; this process uses no locks.
  private static final Logger CP_SUBSYSTEM_LOG = Logger.getLogger("com.hazelcast.cp.CPSubsystem");
  private static final Logger LOG = Logger.getLogger(Main.class.getName());

  private Main() {
  }

  public static void main(String[] args) throws Exception {
    // One line per record (before the first log line: the formatter reads this once).
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT.%1$tL %4$s %3$s - %5$s%6$s%n");
    HAZELCAST_LOG.setLevel(Level.WARNING);
    CP_SUBSYSTEM_LOG.setLevel(Level.SEVERE);
    PublisherOptions options;
    try {
      options = PublisherOptions.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("news-publisher: " + e.getMessage() + "\n" + PublisherOptions.USAGE);
      System.exit(2);
      return;
    }
    LOG.info("joining " + options);
    Vertx vertx;
    try {
      vertx = Vertx.builder()
          .with(new VertxOptions().setEventBusOptions(new EventBusOptions()
              .setHost(options.clusterHost()).setClusterPublicHost(options.clusterHost()).setPort(0)))
          .withClusterManager(new HazelcastClusterManager(liteMember(options)))
          .buildClustered()
          .await(JOIN_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("news-publisher: could not join cluster '" + options.clusterName() + "' through "
          + options.members() + ": " + rootMessage(e) + "\nA Gavel node must be running there first: a lite member "
          + "holds no data, so a cluster of lite members alone cannot work.");
      Runtime.getRuntime().halt(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> leave(vertx), "news-publisher-leave"));
    NewsVerticle news = new NewsVerticle(options);
    vertx.deployVerticle(news).await();
    news.done().await();
    LOG.info("published " + options.count() + " headlines; leaving the cluster");
    System.exit(0);
  }

  /**
   * Gavel's cluster name and join settings, as a <b>lite member</b>: it is a full member of the event bus but owns
   * no partitions, so none of Gavel's data (the auction map, whose classes this process does not even have) is
   * ever stored here, and its coming and going moves no data between Gavel's nodes.
   */
  static Config liteMember(PublisherOptions options) {
    // Vert.x's own default: it defines the maps the Vert.x cluster manager uses (__vertx.subs and friends).
    Config config = ConfigUtil.loadConfig();
    config.setLiteMember(true);
    config.setClusterName(options.clusterName());
    config.setProperty("hazelcast.logging.type", "jdk");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    // As in Gavel's conf/hazelcast.xml: join at once, and heartbeats on Gavel's rhythm.
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(options.clusterPort()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).clear().addInterface(options.clusterHost());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(options.members());
    return config;
  }

  private static void leave(Vertx vertx) {
    try {
      vertx.close().await(LEAVE_SECONDS, TimeUnit.SECONDS);
      // Not through java.util.logging: its own shutdown hook may have closed its handlers already.
      System.out.println("news-publisher: left the cluster");
    } catch (Exception e) {
      System.err.println("news-publisher: did not leave the cluster cleanly: " + rootMessage(e));
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }
}
