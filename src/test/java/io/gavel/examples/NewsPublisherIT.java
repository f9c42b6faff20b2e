package io.gavel.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.Partition;
import io.gavel.testing.BridgeClient;
import io.gavel.testing.History;
import io.gavel.testing.Http;
import io.gavel.testing.ProcessCluster;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * examples/publisher, a separate program with none of Gavel's classes, joins a Gavel node's cluster as a Hazelcast
 * lite member and publishes: browsers on the node get {@code news.<topic>} (conf/gavel.json permits it) and never
 * {@code internal.audit} (it does not), which a member inside the cluster does get; the lite member holds no
 * partition, and auctions work while it is in the cluster and after it is killed.
 */
class NewsPublisherIT {
  /** Built by {@code mvn verify} before the integration tests (see pom.xml, execution example-publisher). */
  private static final Path PUBLISHER_JAR = Path.of("examples", "publisher", "target", "news-publisher.jar");
  private static final String TOPIC = "it-headlines";
  private static final String NEWS = "news." + TOPIC;
  private static final String AUDIT = "internal.audit";
  private static final Duration JOIN = Duration.ofSeconds(60);

  private Vertx clients;
  private final List<Process> publishers = new ArrayList<>();

  @BeforeEach
  void clients() {
    clients = Vertx.vertx();
  }

  @AfterEach
  void cleanUp() {
    publishers.forEach(Process::destroyForcibly);
    for (Process publisher : publishers) {
      try {
        publisher.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    clients.close().await();
  }

  @Test
  void aLiteMemberInAnotherProcessReachesBrowsersOnlyOnPermittedAddresses() throws Exception {
    try (ProcessCluster cluster = ProcessCluster.start("news-publisher", 1)) {
      String node = cluster.baseUrl(0);
      // A second service inside the cluster, listening where browsers may not.
      HazelcastClusterManager insiderManager = new HazelcastClusterManager(liteMember(cluster));
      Vertx insider = Vertx.builder()
          .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1")
              .setClusterPublicHost("127.0.0.1").setPort(0)))
          .withClusterManager(insiderManager).buildClustered().await();
      try {
        List<JsonObject> audits = new CopyOnWriteArrayList<>();
        MessageConsumer<JsonObject> auditConsumer = insider.eventBus().consumer(AUDIT, m -> audits.add(m.body()));
        auditConsumer.completion().await();
        awaitClusterSize(node, 2);

        BridgeClient browser = BridgeClient.connect(clients, node);
        // As the browser client does: the node closes a socket silent for bridge.pingTimeoutMillis (10 s).
        long keepalive = clients.setPeriodic(2_000, id -> browser.ping());
        browser.register(NEWS);
        browser.register(AUDIT);
        Wait.until("the browser's registration on " + AUDIT + " is refused", Duration.ofSeconds(10),
            () -> !browser.errors().isEmpty());
        assertThat(browser.errors()).extracting(e -> e.getString("body")).containsExactly("access_denied");
        Wait.until("the node's consumer of " + NEWS + " is in the cluster", Duration.ofSeconds(10),
            () -> registrations(node, NEWS) == 1);
        assertThat(registrations(node, AUDIT)).as("only the insider consumes " + AUDIT + ", not the node")
            .isEqualTo(1);

        // A bounded run: three headlines, then it leaves the cluster and exits by itself.
        Process bounded = startPublisher(cluster, "bounded", TestCluster.freePorts(1)[0], "--count", "3",
            "--interval-ms", "100");
        assertThat(bounded.waitFor(JOIN.toSeconds() + 30, TimeUnit.SECONDS)).as("the bounded run ends").isTrue();
        assertThat(bounded.exitValue()).as("exit code; see " + log("bounded")).isZero();
        Wait.until("the browser has the three headlines", Duration.ofSeconds(10),
            () -> browser.received(NEWS).size() >= 3);
        assertThat(browser.received(NEWS)).extracting(h -> h.getLong("seq")).containsExactly(1L, 2L, 3L);
        assertThat(browser.received(NEWS)).allSatisfy(h -> {
          assertThat(h.getString("type")).isEqualTo("news.headline");
          assertThat(h.getString("topic")).isEqualTo(TOPIC);
          assertThat(h.getString("headline")).isNotBlank();
        });
        // Published before the headlines: had the bridge let the browser register it, the node would have
        // subscribed, and the record would have come to it over the same connection ahead of them.
        Wait.until("the insider got the audit record", Duration.ofSeconds(10), () -> audits.size() == 1);
        assertThat(audits.get(0).getString("type")).isEqualTo("publisher.started");
        assertThat(audits.get(0).getString("address")).isEqualTo(NEWS);
        assertThat(browser.received(AUDIT)).as("nothing on " + AUDIT + " reached the browser").isEmpty();
        awaitClusterSize(node, 2);

        // An unbounded run, killed at the end, the way a crashing service leaves.
        int publisherPort = TestCluster.freePorts(1)[0];
        Process running = startPublisher(cluster, "unbounded", publisherPort, "--interval-ms", "200");
        Wait.until("the second run's headlines reach the browser", JOIN,
            () -> browser.received(NEWS).size() >= 3 + 5 || !running.isAlive());
        assertThat(running.isAlive()).as("the publisher runs; see " + log("unbounded")).isTrue();
        assertThat(browser.received(NEWS).subList(3, 8)).extracting(h -> h.getLong("seq"))
            .containsExactly(1L, 2L, 3L, 4L, 5L);
        Wait.until("the insider got the second audit record", Duration.ofSeconds(10), () -> audits.size() == 2);
        assertThat(browser.received(AUDIT)).isEmpty();

        // /health counts every member, lite ones too: the node, the insider and the publisher.
        assertThat(Http.get(node + "/health").json().getInteger("clusterSize")).isEqualTo(3);
        HazelcastInstance hazelcast = insiderManager.getHazelcastInstance();
        Member publisher = hazelcast.getCluster().getMembers().stream()
            .filter(m -> m.getAddress().getPort() == publisherPort).findFirst().orElseThrow();
        assertThat(publisher.isLiteMember()).as("the publisher joined as a lite member").isTrue();
        List<Member> owners = hazelcast.getPartitionService().getPartitions().stream().map(Partition::getOwner)
            .distinct().toList();
        assertThat(owners).as("the node owns every partition; the lite members none")
            .hasSize(1).allSatisfy(owner -> assertThat(owner.isLiteMember()).isFalse());

        Map<String, String> tokens = Http.loginDemoUsers(node);
        String auction = Http.createAuction(node, tokens.get("alice"), 600);
        assertThat(Http.post(node + "/api/auctions/" + auction + "/bids", "{\"amount\":150}", tokens.get("bob"))
            .status()).as("a bid while the publisher is in the cluster").isEqualTo(201);

        running.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        awaitClusterSize(node, 2);
        assertThat(Http.post(node + "/api/auctions/" + auction + "/bids", "{\"amount\":160}", tokens.get("carol"))
            .status()).as("a bid after the publisher was killed").isEqualTo(201);
        History history = History.read(node, auction).assertWellFormed();
        assertThat(history.bids()).extracting(b -> b.getLong("amount")).containsExactly(150L, 160L);
        assertThat(browser.isClosed()).as("the browser stayed connected throughout").isFalse();
        clients.cancelTimer(keepalive);
        browser.close();
      } finally {
        insider.close().await();
      }
    }
  }

  private Process startPublisher(ProcessCluster cluster, String run, int clusterPort, String... options)
      throws IOException {
    if (!Files.exists(PUBLISHER_JAR)) {
      throw new IllegalStateException(PUBLISHER_JAR + " is missing: mvn verify builds it before the integration "
          + "tests, or run mvn -f examples/publisher/pom.xml package");
    }
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-jar", PUBLISHER_JAR.toAbsolutePath().toString(),
        "--cluster-name", cluster.clusterName(),
        "--members", String.join(",", cluster.clusterMembers()),
        "--cluster-port", String.valueOf(clusterPort),
        "--topic", TOPIC));
    command.addAll(List.of(options));
    Path log = log(run);
    Files.createDirectories(log.getParent());
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    publishers.add(process);
    return process;
  }

  private static Path log(String run) {
    return ProcessCluster.logFile("news-publisher-" + run);
  }

  /** The test's own member: lite, as the publisher, so that the node is the only one owning partitions. */
  private static Config liteMember(ProcessCluster cluster) {
    Config config = ConfigUtil.loadConfig();
    config.setLiteMember(true);
    config.setClusterName(cluster.clusterName());
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(TestCluster.freePorts(1)[0]).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).clear().addInterface("127.0.0.1");
    network.getJoin().getMulticastConfig().setEnabled(false);
    network.getJoin().getAutoDetectionConfig().setEnabled(false);
    network.getJoin().getTcpIpConfig().setEnabled(true).setMembers(cluster.clusterMembers());
    return config;
  }

  private static int registrations(String node, String address) {
    return Http.get(node + "/ops/subscriptions?address=" + address).json().getInteger("registrations");
  }

  private static void awaitClusterSize(String node, int size) {
    Wait.until("the node sees " + size + " members", JOIN,
        () -> Http.get(node + "/health").json().getInteger("clusterSize") == size);
  }
}
