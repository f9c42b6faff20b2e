package io.gavel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.Http;
import io.gavel.testing.PgServer;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/auctions} pages, by status, on both stores, each with two real nodes: walking every page (through
 * both nodes in turn) yields every auction of the filter exactly once, in id order, and a bare GET still returns the
 * whole list.
 */
class AuctionPagesTest {
  private static final Pattern NEXT = Pattern.compile("<(/api/auctions\\?[^>]+)>; rel=\"next\"");
  private static final int OPEN = 17;
  private static final int CLOSING = 6;

  @Test
  void pagesOfTheMemoryStore() {
    try (TestCluster cluster = TestCluster.start(2)) {
      checkPages(cluster);
    }
  }

  @Test
  void pagesOfThePostgresStore() {
    try (PgServer pg = PgServer.start("pages-test");
         TestCluster cluster = TestCluster.start(new String[][] {{"--store", pg.url()}, {"--store", pg.url()}})) {
      checkPages(cluster);
    }
  }

  private static void checkPages(TestCluster cluster) {
    Map<String, String> tokens = Http.loginDemoUsers(cluster.baseUrl(0));
    Set<String> open = new HashSet<>();
    Set<String> closed = new HashSet<>();
    for (int i = 0; i < OPEN + CLOSING; i++) {
      boolean closing = i % 4 == 1 && closed.size() < CLOSING;
      String id = Http.createAuction(cluster.baseUrl(i % 2), tokens.get("alice"), closing ? 1 : 600);
      (closing ? closed : open).add(id);
    }
    while (closed.size() < CLOSING) {
      closed.add(Http.createAuction(cluster.baseUrl(0), tokens.get("alice"), 1));
    }
    Wait.until("the one-second auctions are closed", Duration.ofSeconds(30), () -> closed.stream().allMatch(
        id -> "CLOSED".equals(Http.get(cluster.baseUrl(1) + "/api/auctions/" + id).json().getString("status"))));
    Set<String> all = new HashSet<>(open);
    all.addAll(closed);

    JsonArray bare = (JsonArray) Http.get(cluster.baseUrl(1) + "/api/auctions").value();
    assertThat(bare.stream().map(a -> ((JsonObject) a).getString("id")).toList())
        .as("a bare GET is the whole list, as before").containsExactlyInAnyOrderElementsOf(all);
    List<Long> ends = bare.stream().map(a -> ((JsonObject) a).getLong("endsAt")).toList();
    assertThat(ends).as("by end time, as before").isSorted();

    assertThat(walk(cluster, "/api/auctions?status=open&limit=5", "OPEN")).containsExactlyElementsOf(sorted(open));
    assertThat(walk(cluster, "/api/auctions?status=closed&limit=4", "CLOSED"))
        .containsExactlyElementsOf(sorted(closed));
    assertThat(walk(cluster, "/api/auctions?status=closed&limit=" + CLOSING / 2, "CLOSED"))
        .as("pages that fit exactly").containsExactlyElementsOf(sorted(closed));
    assertThat(walk(cluster, "/api/auctions?limit=7", null)).containsExactlyElementsOf(sorted(all));
    assertThat(walk(cluster, "/api/auctions?status=OPEN&limit=1000", "OPEN"))
        .as("one page holds them all").containsExactlyElementsOf(sorted(open));
    List<String> byId = sorted(all);
    assertThat(walk(cluster, "/api/auctions?limit=3&after=" + byId.get(9), null))
        .as("after an id: the ones that follow it").containsExactlyElementsOf(byId.subList(10, byId.size()));

    for (String bad : List.of("status=gone", "status=", "limit=0", "limit=1001", "limit=ten", "limit=-1",
        "after=no%20such", "after=" + "x".repeat(65))) {
      Http.Response refused = Http.get(cluster.baseUrl(0) + "/api/auctions?" + bad);
      assertThat(refused.status()).as(bad + ": " + refused.body()).isEqualTo(400);
      assertThat(refused.json().getString("error")).isEqualTo("INVALID_REQUEST");
      assertThat(refused.json().getString("message")).isNotBlank();
    }
  }

  /** Follows every page from {@code first}, asking the nodes in turn; checks each page and returns the ids in order. */
  private static List<String> walk(TestCluster cluster, String first, String status) {
    int limit = Integer.parseInt(first.replaceAll(".*limit=(\\d+).*", "$1"));
    List<String> ids = new ArrayList<>();
    String path = first;
    for (int page = 0; path != null; page++) {
      assertThat(page).as("pages end").isLessThan(100);
      Http.Response response = Http.get(cluster.baseUrl(page % 2) + path);
      assertThat(response.status()).as(response.body()).isEqualTo(200);
      JsonArray auctions = (JsonArray) response.value();
      assertThat(auctions.size()).isLessThanOrEqualTo(limit);
      if (page > 0) {
        assertThat(auctions).as("a next page is offered only when there is more").isNotEmpty();
      }
      for (Object a : auctions) {
        JsonObject auction = (JsonObject) a;
        if (status != null) {
          assertThat(auction.getString("status")).isEqualTo(status);
        }
        ids.add(auction.getString("id"));
      }
      String link = response.header("Link");
      if (link == null) {
        path = null;
      } else {
        Matcher next = NEXT.matcher(link);
        assertThat(next.matches()).as(link).isTrue();
        assertThat(auctions.size()).as("a page with a next one is full here").isEqualTo(limit);
        path = next.group(1);
      }
    }
    assertThat(ids).as("each auction once, in id order").doesNotHaveDuplicates().isSortedAccordingTo(String::compareTo);
    return ids;
  }

  private static List<String> sorted(Set<String> ids) {
    return ids.stream().sorted().toList();
  }
}
