package io.gavel.auction;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.Http;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A demo node seeds auctions, and its bots bid on them over the event bus. */
class DemoBiddersTest {

  @Test
  void demoAuctionsAreSeededAndTheBotsBid() {
    try (TestCluster cluster = TestCluster.start(new String[][] {{"--demo", "--demo-bidders"}})) {
      String base = cluster.baseUrl(0);
      Wait.until("the demo auctions exist", Duration.ofSeconds(10),
          () -> ((JsonArray) Http.get(base + "/api/auctions").value()).size() == 3);
      Wait.until("a bot bids", Duration.ofSeconds(30), () -> ((JsonArray) Http.get(base + "/api/auctions").value())
          .stream().map(JsonObject.class::cast)
          .anyMatch(a -> a.getString("leader") != null && a.getString("leader").startsWith("bot-")));
      JsonArray auctions = (JsonArray) Http.get(base + "/api/auctions").value();
      assertThat(auctions.stream().map(a -> ((JsonObject) a).getString("id")))
          .containsExactlyInAnyOrder("demo-lamp", "demo-bike", "demo-print");
    }
  }
}
