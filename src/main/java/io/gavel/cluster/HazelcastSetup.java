package io.gavel.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.gavel.config.ConfigException;
import io.gavel.config.NodeConfig;
import io.gavel.store.EventLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.regex.Pattern;

/**
 * Builds a member's Hazelcast config: {@code <conf>/hazelcast.xml} plus this node's address and how it finds the
 * others (the TCP-IP member list, or a Kubernetes headless Service's DNS name).
 */
public final class HazelcastSetup {
  /** Member attribute holding the Gavel node name. */
  public static final String NODE_ATTRIBUTE = "gavel.node";
  /** The split-brain protection of the auction map (with {@code --min-cluster-size} above 1). */
  public static final String MAJORITY = "gavel-majority";
  /** Three missed heartbeats (conf/hazelcast.xml sends one a second). */
  private static final int HEARTBEAT_TOLERANCE_MILLIS = 3_000;
  /** Partition threads run the commands; with a durable store each waits for its commit, so more of them overlap. */
  public static final int PARTITION_THREADS_WITH_STORE = 8;
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private HazelcastSetup() {
  }

  /** {@code log} is null when auctions live in memory only. */
  public static Config config(NodeConfig node, EventSink sink, EventLog log) {
    Config config;
    try (InputStream in = Files.newInputStream(node.hazelcastConfig())) {
      config = new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new ConfigException("hazelcastConfig: cannot read " + node.hazelcastConfig().toAbsolutePath());
    } catch (RuntimeException e) {
      throw new ConfigException("hazelcastConfig: " + node.hazelcastConfig() + " is invalid: " + e.getMessage());
    }
    config.setInstanceName(node.nodeName());
    if (node.clusterName() != null) {
      config.setClusterName(node.clusterName());
    }
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(node.clusterPort()).setPortAutoIncrement(false);
    if (IPV4.matcher(node.clusterHost()).matches()) {
      network.getInterfaces().setEnabled(true).clear().addInterface(node.clusterHost());
    } else {
      network.getInterfaces().setEnabled(false);
      network.setPublicAddress(node.clusterHost() + ":" + node.clusterPort());
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (node.kubernetesServiceDns() != null) {
      // Hazelcast's Kubernetes discovery in DNS lookup mode: the members are the addresses the headless Service's
      // name resolves to, all on this member's port. It needs no Kubernetes API access (no service account).
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true)
          .setProperty("service-dns", node.kubernetesServiceDns())
          .setProperty("service-port", String.valueOf(node.clusterPort()));
    } else {
      // One entry per member: a port range in a member entry fails in Hazelcast 5.3 when interfaces are enabled.
      join.getTcpIpConfig().setEnabled(true).setMembers(node.clusterMembers());
    }
    config.getMemberAttributeConfig().setAttribute(NODE_ATTRIBUTE, node.nodeName());
    MapConfig auctions = config.getMapConfig(AuctionStore.MAP_NAME);
    auctions.getMergePolicyConfig().setPolicy(HigherSeqMergePolicy.class.getName());
    if (node.minClusterSize() > 1) {
      // A side of a split smaller than this refuses auction reads and writes (503 CLUSTER_UNAVAILABLE) instead of
      // accepting bids that the other side never sees and a merge would have to throw away. Members count only
      // while their heartbeats arrive: a cut-off member refuses within the tolerance, not after the 10 s it takes
      // to declare the others dead.
      config.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(MAJORITY, true, node.minClusterSize())
          .setFunctionImplementation(new RecentHeartbeats(node.minClusterSize(), HEARTBEAT_TOLERANCE_MILLIS)));
      auctions.setSplitBrainProtectionName(MAJORITY);
    }
    GavelSerializers.register(config, GavelSerializers.all());
    config.getUserContext().put(EventSink.USER_CONTEXT_KEY, sink);
    if (log != null) {
      // The map becomes the store's cache: a missing auction is rebuilt from its log when it is first used.
      auctions.setMapStoreConfig(new MapStoreConfig().setEnabled(true).setImplementation(new AuctionLoader(log))
          .setInitialLoadMode(MapStoreConfig.InitialLoadMode.LAZY));
      config.setProperty("hazelcast.partition.operation.thread.count",
          String.valueOf(PARTITION_THREADS_WITH_STORE));
      config.getUserContext().put(EventLog.USER_CONTEXT_KEY, log);
    }
    return config;
  }
}
