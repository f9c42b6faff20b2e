package io.gavel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.BridgeClient;
import io.gavel.testing.Http;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A gateway-only node and an auction-only node split the work and still make one working Gavel. */
class RolesTest {

  @Test
  void aGatewayOnlyNodeServesBidsThatAnAuctionOnlyNodeHandles() {
    Vertx clients = Vertx.vertx();
    try (TestCluster cluster = TestCluster.start(new String[][] {{"--roles", "gateway"}, {"--roles", "auction"}})) {
      String gateway = cluster.baseUrl(0);
      assertThat(Http.get(gateway + "/health").json().getInteger("clusterSize")).isEqualTo(2);
      Http.Response auctionNodeHttp = tryGet(cluster.baseUrl(1) + "/health");
      assertThat(auctionNodeHttp).as("an auction-only node serves no HTTP").isNull();

      String alice = Http.login(gateway, "alice");
      String id = Http.post(gateway + "/api/auctions", new JsonObject().put("title", "Split").put("currency", "EUR")
          .put("startingPrice", 100).put("minIncrement", 10).put("durationSeconds", 2).encode(), alice)
          .json().getString("id");

      try (BridgeClient client = BridgeClient.connect(clients, cluster.node(0).config().httpPort())) {
        JsonObject reply = client.request("auctions.bid", new JsonObject().put("auctionId", id).put("amount", 100),
            new JsonObject().put("authorization", "Bearer " + alice)).await();
        assertThat(reply.getString("type")).as(reply.encode()).isEqualTo("rec");
        assertThat(reply.getJsonObject("body").getString("bidder")).isEqualTo("alice");
      }
      // Only the auction node runs the close sweep.
      Wait.until("the auction node closes the auction", Duration.ofSeconds(10),
          () -> "CLOSED".equals(Http.get(gateway + "/api/auctions/" + id).json().getString("status")));
      assertThat(Http.get(gateway + "/api/auctions/" + id).json().getString("winner")).isEqualTo("alice");
    } finally {
      clients.close().await();
    }
  }

  private static Http.Response tryGet(String url) {
    try {
      return Http.get(url);
    } catch (IllegalStateException refused) {
      return null;
    }
  }
}
