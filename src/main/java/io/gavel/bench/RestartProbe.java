package io.gavel.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** BidBench's {@code --probe-ids}: how a restarted cluster serves its auctions again. */
final class RestartProbe {
  private final BidBenchOptions options;
  private final Vertx vertx;
  private final List<Node> nodes = new ArrayList<>();

  RestartProbe(BidBenchOptions options, Vertx vertx) {
    this.options = options;
    this.vertx = vertx;
  }

  /**
   * After a full restart: how long until each node answers {@code /health} UP, until the first of the given
   * auctions is served, and until every one is served at its committed seq (auctions come back from the store).
   */
  JsonObject probe() throws Exception {
    long since = options.sinceMillis() > 0 ? options.sinceMillis() : System.currentTimeMillis();
    List<String[]> expected = new ArrayList<>();
    for (String line : Files.readAllLines(options.probeIds())) {
      if (!line.isBlank()) {
        expected.add(line.trim().split("[\\s|]+"));
      }
    }
    for (String url : options.nodeUrls()) {
      nodes.add(new Node(url, 0));
    }
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(1_000),
        new PoolOptions().setHttp1MaxSize(BidBench.SETUP_CONCURRENCY));
    long deadline = System.nanoTime() + options.probeTimeoutSeconds() * 1_000_000_000L;
    List<Future<Long>> up = new ArrayList<>();
    for (Node node : nodes) {
      up.add(poll(http, node, "/health", body -> "UP".equals(body.getString("status")), deadline, since));
    }
    long[] served = new long[expected.size()];
    long[] servedSeq = new long[expected.size()];
    AtomicInteger next = new AtomicInteger();
    List<Future<Void>> workers = new ArrayList<>();
    for (int w = 0; w < Math.min(BidBench.SETUP_CONCURRENCY, expected.size()); w++) {
      workers.add(probeNext(http, expected, next, served, servedSeq, deadline, since));
    }
    for (Future<Void> worker : workers) {
      worker.await();
    }
    JsonArray healthUp = new JsonArray();
    for (Future<Long> f : up) {
      healthUp.add(f.await());
    }
    long first = Long.MAX_VALUE;
    long last = 0;
    int missing = 0;
    int wrongSeq = 0;
    for (int i = 0; i < served.length; i++) {
      if (served[i] < 0) {
        missing++;
        continue;
      }
      first = Math.min(first, served[i]);
      last = Math.max(last, served[i]);
      if (expected.get(i).length > 1 && servedSeq[i] != Long.parseLong(expected.get(i)[1])) {
        wrongSeq++;
      }
    }
    String label = options.label() != null ? options.label() : "restart " + nodes.size() + "n";
    JsonObject result = new JsonObject()
        .put("label", label)
        .put("date", LocalDate.now().toString())
        .put("nodes", nodes.size())
        .put("auctions", expected.size())
        .put("healthUpMs", healthUp)
        .put("firstServedMs", first == Long.MAX_VALUE ? null : first)
        .put("allServedMs", missing > 0 ? null : last)
        .put("notServed", missing)
        .put("servedAtAnotherSeq", wrongSeq)
        .put("complete", missing == 0 && wrongSeq == 0);
    Files.createDirectories(options.out());
    Files.writeString(options.out().resolve(BidBench.fileName(label)), result.encodePrettily());
    System.out.printf("%-28s %d auctions: nodes UP after %s ms; first auction served after %s ms, all after %s ms; "
            + "not served %d, served at another seq %d%n", label, expected.size(), healthUp.encode(),
        result.getValue("firstServedMs"), result.getValue("allServedMs"), missing, wrongSeq);
    return result;
  }

  /** Takes the next auction and polls it until it is served (its node round-robin by position), then the next. */
  private Future<Void> probeNext(HttpClient http, List<String[]> expected, AtomicInteger next, long[] served,
                                 long[] servedSeq, long deadline, long since) {
    int i = next.getAndIncrement();
    if (i >= expected.size()) {
      return Future.succeededFuture();
    }
    String id = expected.get(i)[0];
    return poll(http, nodes.get(i % nodes.size()), "/api/auctions/" + id, body -> {
      servedSeq[i] = body.getLong("seq", -1L);
      return true;
    }, deadline, since).compose(ms -> {
      served[i] = ms;
      return probeNext(http, expected, next, served, servedSeq, deadline, since);
    });
  }

  /** Milliseconds from {@code since} until GET path answers 200 with a body that {@code done} accepts; -1 if never. */
  private Future<Long> poll(HttpClient http, Node node, String path, java.util.function.Predicate<JsonObject> done,
                            long deadline, long since) {
    return http.request(new RequestOptions().setHost(node.host()).setPort(node.port()).setURI(path)
            .setIdleTimeout(5_000))
        .compose(r -> r.send().compose(response -> response.body().map(body ->
            response.statusCode() == 200 && done.test(body.toJsonObject()))))
        .recover(notYet -> Future.succeededFuture(false))
        .compose(ok -> {
          if (ok) {
            return Future.succeededFuture(System.currentTimeMillis() - since);
          }
          if (System.nanoTime() > deadline) {
            return Future.succeededFuture(-1L);
          }
          return vertx.timer(20).compose(t -> poll(http, node, path, done, deadline, since));
        });
  }
}
