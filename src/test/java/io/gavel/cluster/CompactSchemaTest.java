package io.gavel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.impl.SerializationConstants;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import io.gavel.config.NodeConfig;
import io.gavel.domain.Auction;
import io.gavel.domain.AuctionEvent;
import io.gavel.domain.AuctionTerms;
import io.gavel.store.EventJson;
import io.gavel.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A rolling upgrade: a member of the version before proxy bidding (its bids have no {@code maxAmount}, its stored
 * events none of the later fields) shares the cluster with a current one, which reads what the old one wrote.
 */
class CompactSchemaTest {
  private final List<HazelcastInstance> members = new ArrayList<>();

  @AfterEach
  void stop() {
    members.forEach(HazelcastInstance::shutdown);
  }

  /** What a member before proxy bidding sent for a bid: no maxAmount field in the schema. */
  static final class PlaceBidV1 implements EntryProcessor<String, Auction, CommandResult> {
    final String bidder;
    final long amount;
    final String requestId;

    PlaceBidV1(String bidder, long amount, String requestId) {
      this.bidder = bidder;
      this.amount = amount;
      this.requestId = requestId;
    }

    @Override
    public CommandResult process(Map.Entry<String, Auction> entry) {
      throw new AssertionError("the old member must not run this: the key is owned by the current one");
    }
  }

  private static List<CompactSerializer<?>> previousVersion() {
    List<CompactSerializer<?>> serializers = new ArrayList<>(GavelSerializers.all());
    serializers.removeIf(s -> s.getTypeName().equals("gavel.cmd.PlaceBid") || s.getTypeName().equals("gavel.Auction"));
    serializers.add(GavelSerializers.of("gavel.cmd.PlaceBid", PlaceBidV1.class, (w, b) -> {
      w.writeString("bidder", b.bidder);
      w.writeInt64("amount", b.amount);
      w.writeString("requestId", b.requestId);
    }, r -> new PlaceBidV1(r.readString("bidder"), r.readInt64("amount"), r.readString("requestId"))));
    // Stored events as that version wrote them: none of the fields proxy bidding, reserves and increments added.
    serializers.add(GavelSerializers.of("gavel.Auction", Auction.class, (w, a) -> w.writeArrayOfString("events",
        a.history().stream().map(e -> {
          JsonObject json = EventJson.encode(e);
          json.remove("proxy");
          json.remove("maxAmount");
          if (json.getJsonObject("terms") != null) {
            json.getJsonObject("terms").remove("increments");
            json.getJsonObject("terms").remove("reservePrice");
            json.getJsonObject("terms").remove("buyNowPrice");
          }
          return json.encode();
        }).toArray(String[]::new)),
        r -> Auction.replay(GavelSerializers.decode(r.readArrayOfString("events")))));
    return serializers;
  }

  private HazelcastInstance member(String cluster, int port, int[] ports, List<CompactSerializer<?>> serializers,
                                   List<AuctionEvent> published) {
    NodeConfig node = NodeConfig.load(new String[] {"--cluster-name", cluster, "--cluster-port", String.valueOf(port),
        "--cluster-members", "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1], "--node-name", "m" + port},
        Map.of());
    var config = HazelcastSetup.config(node, published::addAll, null);
    config.getSerializationConfig().getCompactSerializationConfig().setSerializers();
    GavelSerializers.register(config, serializers);
    HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
    members.add(member);
    return member;
  }

  @Test
  void aCurrentMemberRunsBidsAndReadsEntriesFromTheVersionBeforeIt() {
    int[] ports = TestCluster.freePorts(2);
    String cluster = "schema-test-" + System.nanoTime();
    List<AuctionEvent> published = new CopyOnWriteArrayList<>();
    HazelcastInstance current = member(cluster, ports[0], ports, GavelSerializers.all(), published);
    HazelcastInstance previous = member(cluster, ports[1], ports, previousVersion(), published);
    assertThat(current.getCluster().getMembers()).hasSize(2);

    String id = null;
    for (int i = 0; id == null; i++) {
      String candidate = "lot-" + i;
      if (current.getPartitionService().getPartition(candidate).getOwner().localMember()) {
        id = candidate;
      }
    }
    Auction written = Auction.from(Auction.decideCreate(id, new AuctionTerms("Lamp", "EUR", 100, 10, 600, 0),
        "seller", current.getCluster().getClusterTime()));
    written.decideBid("ann", 100, current.getCluster().getClusterTime(), "ann/1").forEach(written::apply);
    previous.getMap(AuctionStore.MAP_NAME).set(id, written);

    CommandResult result = previous.<String, Auction>getMap(AuctionStore.MAP_NAME)
        .executeOnKey(id, new PlaceBidV1("bob", 120, "bob/1"));
    assertThat(result.refused()).as(String.valueOf(result.message())).isFalse();
    assertThat(result.events()).singleElement().isInstanceOfSatisfying(AuctionEvent.BidAccepted.class, bid -> {
      assertThat(bid.seq()).isEqualTo(3);
      assertThat(bid.maxAmount()).isNull();
      assertThat(bid.outbid()).isEqualTo("ann");
    });
    Auction read = current.<String, Auction>getMap(AuctionStore.MAP_NAME).get(id);
    assertThat(read.seq()).isEqualTo(3);
    assertThat(read.leader()).isEqualTo("bob");
    assertThat(read.terms().increments()).containsExactly(new AuctionTerms.Increment(0, 10));
    assertThat(read.earlierBid("ann/1", 100L, null)).as("request ids survive the old form").hasSize(1);

    var serialization = ((SerializationServiceSupport) current).getSerializationService();
    for (Object sent : List.of(new Commands.PlaceBid("bob", 1L, null, "r"), read, read.view(), result)) {
      assertThat(serialization.toData(sent).getType()).as(sent.getClass().getSimpleName() + " travels as Compact")
          .isEqualTo(SerializationConstants.TYPE_COMPACT);
    }
  }
}
