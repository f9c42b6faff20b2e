package io.gavel.node;

import com.hazelcast.core.HazelcastInstance;
import io.gavel.auction.AuctionVerticle;
import io.gavel.auction.DemoBidders;
import io.gavel.auth.Tokens;
import io.gavel.auth.UserDirectory;
import io.gavel.cluster.AuctionStore;
import io.gavel.cluster.BusPublisher;
import io.gavel.cluster.ClusterBuckets;
import io.gavel.cluster.HazelcastSetup;
import io.gavel.config.NodeConfig.Role;
import io.gavel.config.ConfigException;
import io.gavel.config.NodeConfig;
import io.gavel.gateway.AddressPolicy;
import io.gavel.gateway.GatewayHub;
import io.gavel.gateway.Presence;
import io.gavel.gateway.PublishApi;
import io.gavel.gateway.GatewayVerticle;
import io.gavel.gateway.Limits;
import io.gavel.gateway.ManagementVerticle;
import io.gavel.gateway.NodeStatus;
import io.gavel.gateway.ProxyGate;
import io.gavel.metrics.GavelMetrics;
import io.gavel.store.AuctionIndex;
import io.gavel.store.PostgresEventLog;
import io.gavel.store.StoreUrl;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One Gavel node: a clustered Vert.x on Hazelcast, running the roles its config names. */
public final class GavelNode {
  private static final Logger LOG = LoggerFactory.getLogger(GavelNode.class);

  private final NodeConfig config;
  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final AuctionStore store;
  private final GavelMetrics metrics;
  private final PostgresEventLog eventLog;
  private volatile boolean ready;

  private GavelNode(NodeConfig config, Vertx vertx, HazelcastInstance hazelcast, GavelMetrics metrics,
                    PostgresEventLog eventLog) {
    this.config = config;
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.metrics = metrics;
    this.eventLog = eventLog;
    this.store = new AuctionStore(vertx, hazelcast,
        eventLog == null ? null : AuctionIndex.create(vertx, eventLog.url()));
  }

  public static Future<GavelNode> start(NodeConfig config) {
    try {
      return startChecked(config);
    } catch (RuntimeException badConfigOrFiles) {
      return Future.failedFuture(badConfigOrFiles);
    }
  }

  private static Future<GavelNode> startChecked(NodeConfig config) {
    long started = System.nanoTime();
    // Read every file the roles need before joining the cluster, so a bad one fails the start at once.
    UserDirectory users = config.has(Role.GATEWAY) ? UserDirectory.load(config.usersFile()) : null;
    AddressPolicy addresses = config.has(Role.GATEWAY) ? AddressPolicy.from(config.bridge()) : null;
    Limits limits = Limits.from(config.limits());
    PostgresEventLog eventLog = openEventLog(config);
    BusPublisher publisher = new BusPublisher();
    HazelcastClusterManager clusterManager =
        new HazelcastClusterManager(HazelcastSetup.config(config, publisher, eventLog));
    VertxOptions options = new VertxOptions()
        .setMetricsOptions(GavelMetrics.options(config.nodeName(), config.trustedProxies().any()))
        .setEventBusOptions(new EventBusOptions()
            .setHost(config.clusterHost())
            .setClusterPublicHost(config.clusterHost())
            .setPort(0));
    return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory())
        .withClusterManager(clusterManager).buildClustered()
        .compose(vertx -> {
          GavelMetrics metrics = GavelMetrics.of(config.nodeName());
          publisher.attach(vertx, metrics);
          if (eventLog != null) {
            eventLog.attach(metrics);
          }
          GavelNode node = new GavelNode(config, vertx, clusterManager.getHazelcastInstance(), metrics, eventLog);
          metrics.useClock(node.store::clusterTime);
          metrics.gauge("gavel_cluster_size", "Members of the cluster this node sees", node::clusterSize);
          // Closing is started, not awaited: callbacks chained on a closed Vert.x would never run.
          return node.deploy(users, addresses, limits).map(node).onFailure(e -> node.stop());
        })
        .onFailure(e -> {
          if (eventLog != null) {
            eventLog.close();
          }
        })
        .onSuccess(node -> {
          node.ready = true;
          LOG.info("{} ready in {} ms: roles {}, cluster of {}", config.nodeName(),
              (System.nanoTime() - started) / 1_000_000, config.roles(), node.clusterSize());
        });
  }

  /** Connects to the durable store and migrates its schema before the node joins; null for the memory store. */
  private static PostgresEventLog openEventLog(NodeConfig config) {
    if (config.storeKind().equals(NodeConfig.MEMORY_STORE)) {
      LOG.warn("auctions live in the cluster's memory only (--store memory): they survive one member's crash, "
          + "not a full-cluster restart or the loss of two members at once");
      return null;
    }
    StoreUrl url;
    try {
      url = StoreUrl.parse(config.store());
    } catch (RuntimeException e) {
      // The parser's message quotes its input, password included.
      throw new ConfigException("store: not a valid postgresql://user:password@host:port/database URL");
    }
    try {
      // Partition threads commit; Hazelcast's map-store threads load missing auctions: room for both.
      PostgresEventLog log = PostgresEventLog.open(url, HazelcastSetup.PARTITION_THREADS_WITH_STORE + 4);
      LOG.info("auctions are stored in {}: every event is committed there before it is acknowledged", url);
      return log;
    } catch (RuntimeException e) {
      throw new ConfigException("store: cannot open the event store " + url + ": " + rootMessage(e));
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }

  private Future<?> deploy(UserDirectory users, AddressPolicy addresses, Limits limits) {
    Future<?> auctions = Future.succeededFuture();
    if (config.has(Role.AUCTION)) {
      auctions = vertx.deployVerticle(new AuctionVerticle(store, metrics, config.closeSweepMillis(), config.demo()));
      if (config.demoBidders()) {
        auctions = auctions.compose(id -> vertx.deployVerticle(new DemoBidders()));
      }
    }
    if (!config.has(Role.GATEWAY)) {
      return auctions;
    }
    Presence presence = new Presence(vertx, config.nodeName(), store::ownerNode);
    presence.start();
    GatewayHub hub = new GatewayHub(vertx, limits, metrics, new ClusterBuckets(vertx, hazelcast), presence);
    ClusterSafetyWatch clusterSafety = ClusterSafetyWatch.start(hazelcast, config.nodeName());
    NodeStatus status = new NodeStatus() {
      @Override
      public boolean ready() {
        return ready;
      }

      @Override
      public int clusterSize() {
        return GavelNode.this.clusterSize();
      }

      @Override
      public int minClusterSize() {
        return config.minClusterSize();
      }

      @Override
      public boolean majorityHeard() {
        return config.minClusterSize() <= 1 || hazelcast.getSplitBrainProtectionService()
            .getSplitBrainProtection(HazelcastSetup.MAJORITY).hasMinimumSize();
      }

      @Override
      public boolean clusterSafe() {
        return clusterSafety.safe();
      }

      @Override
      public long clusterSafeAgeMillis() {
        return clusterSafety.ageMillis();
      }

      @Override
      public String storeKind() {
        return config.storeKind();
      }

      @Override
      public long clusterTime() {
        return hazelcast.getCluster().getClusterTime();
      }
    };
    GatewayVerticle.Settings settings = new GatewayVerticle.Settings(config.httpHost(), config.httpPort(),
        config.nodeName(), config.bridge(), addresses, config.allowedOrigins(), limits,
        new ProxyGate(config.trustedProxies()), config.hasManagementListener(), PublishApi.parse(config.publish()));
    // One instance per core: they share the HTTP port, and each writes to its own sockets on its own event loop.
    Future<?> gateway = auctions
        .compose(v -> Tokens.create(vertx, config.jwtSecret(), config.tokenTtlSeconds()))
        .compose(tokens -> vertx.deployVerticle(
            () -> new GatewayVerticle(settings, store, users, tokens, metrics, status, hub),
            new DeploymentOptions().setInstances(config.gatewayInstances())));
    if (!config.hasManagementListener()) {
      return gateway;
    }
    return gateway.compose(v -> vertx.deployVerticle(new ManagementVerticle(config.managementHost(),
        config.managementPort(), config.nodeName(), store, status, hub)));
  }

  public int clusterSize() {
    return hazelcast.getLifecycleService().isRunning() ? hazelcast.getCluster().getMembers().size() : 0;
  }

  /**
   * Graceful stop: readiness turns 503 at once (load balancers drain the node), verticles finish what they are
   * doing (see GatewayVerticle#stop), then the member hands its partitions over and leaves the cluster.
   */
  public Future<Void> stop() {
    ready = false;
    // Closing Vert.x closes the index's pool too. The JDBC pool outlives it: partition threads may still be
    // committing while the member hands its partitions over.
    Promise<Void> stopped = Promise.promise();
    vertx.close().onComplete(closed -> {
      if (eventLog != null) {
        eventLog.close();
      }
      stopped.handle(closed);
    });
    return stopped.future();
  }


  public Vertx vertx() {
    return vertx;
  }

  public HazelcastInstance hazelcast() {
    return hazelcast;
  }

  public NodeConfig config() {
    return config;
  }
}
