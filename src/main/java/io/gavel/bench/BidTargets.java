package io.gavel.bench;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * What a bid run aims at, prepared before it starts: the nodes (with their pids and the store they report), each
 * user logged in on each node, and the run's own auctions.
 */
final class BidTargets {
  private static final long AUCTION_SECONDS = 24 * 3600;

  final List<Node> nodes = new ArrayList<>();
  final List<String> auctionIds = new ArrayList<>();
  String store = "?";
  // Per node, per user: "Bearer <token>" (each node logs each user in: no shared secret assumed).
  String[][] authorizations;
  String[] bidPaths;

  private BidTargets() {
  }

  static BidTargets prepare(HttpClient http, BidBenchOptions options) {
    BidTargets targets = new BidTargets();
    targets.findNodes(http, options);
    targets.logIn(http, options);
    targets.createAuctions(http, options.auctions());
    return targets;
  }

  private void findNodes(HttpClient http, BidBenchOptions options) {
    for (int i = 0; i < options.nodeUrls().size(); i++) {
      Node probe = new Node(options.nodeUrls().get(i), 0);
      long pid = !options.pids().isEmpty() ? options.pids().get(i)
          : BenchHttp.get(http, probe, "/ops/process").getLong("pid");
      nodes.add(new Node(probe.url(), pid));
    }
    JsonObject health = BenchHttp.get(http, nodes.get(0), "/health");
    store = health.getString("store", "?");
  }

  private void logIn(HttpClient http, BidBenchOptions options) {
    authorizations = new String[nodes.size()][options.users().size()];
    for (int n = 0; n < nodes.size(); n++) {
      for (int u = 0; u < options.users().size(); u++) {
        JsonObject reply = BenchHttp.post(http, nodes.get(n), "/api/login", new JsonObject()
            .put("user", options.users().get(u)).put("password", options.password()), null);
        if (reply.getString("token") == null) {
          throw new IllegalStateException("login of " + options.users().get(u) + " on " + nodes.get(n).url()
              + " refused: " + reply.encode());
        }
        authorizations[n][u] = "Bearer " + reply.getString("token");
      }
    }
  }

  /** The run's own auctions, created round-robin over the nodes, long enough never to end during the run. */
  private void createAuctions(HttpClient http, int count) {
    for (int from = 0; from < count; from += BidBench.SETUP_CONCURRENCY) {
      List<Future<JsonObject>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(count, from + BidBench.SETUP_CONCURRENCY); i++) {
        Node node = nodes.get(i % nodes.size());
        JsonObject terms = new JsonObject().put("title", "BidBench lot " + (i + 1)).put("currency", "EUR")
            .put("startingPrice", 1).put("minIncrement", 1).put("antiSnipingSeconds", 0)
            .put("durationSeconds", AUCTION_SECONDS);
        batch.add(http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(node.host())
                .setPort(node.port()).setURI("/api/auctions").putHeader("Content-Type", "application/json")
                .putHeader("Authorization", authorizations[i % nodes.size()][0]))
            .compose(r -> r.send(terms.encode()).compose(response -> response.body().map(body -> {
              if (response.statusCode() != 201) {
                throw new IllegalStateException("creating an auction on " + node.url() + ": HTTP "
                    + response.statusCode() + " " + body);
              }
              return body.toJsonObject();
            }))));
      }
      for (Future<JsonObject> created : batch) {
        auctionIds.add(created.await().getString("id"));
      }
    }
    bidPaths = auctionIds.stream().map(id -> "/api/auctions/" + id + "/bids").toArray(String[]::new);
  }
}
