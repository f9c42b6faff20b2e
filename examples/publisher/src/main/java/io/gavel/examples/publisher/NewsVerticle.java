package io.gavel.examples.publisher;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.logging.Logger;

/**
 * Publishes a headline on {@code news.<topic>} every interval, as any service in the cluster may. Gavel's bridge
 * forwards it to the browsers that registered that address, because conf/gavel.json permits {@code news.*}.
 * Once, at start, it also publishes on {@value #AUDIT_ADDRESS}, which conf/gavel.json does not permit: consumers
 * inside the cluster get it, browsers never do.
 */
final class NewsVerticle extends VerticleBase {
  static final String AUDIT_ADDRESS = "internal.audit";
  private static final Logger LOG = Logger.getLogger(NewsVerticle.class.getName());
  private static final List<String> HEADLINES = List.of(
      "Auction house opens its spring sale",
      "Rare lamp draws a crowd of bidders",
      "Collectors gather for the evening session",
      "Record bid on a 1950s armchair",
      "Last call: lots closing within the hour");

  private final PublisherOptions options;
  private final Promise<Void> done = Promise.promise();
  private long sent;

  NewsVerticle(PublisherOptions options) {
    this.options = options;
  }

  /** Completes once {@code count} headlines are out; never with {@code count} 0. */
  Future<Void> done() {
    return done.future();
  }

  @Override
  public Future<?> start() {
    vertx.eventBus().publish(AUDIT_ADDRESS, new JsonObject()
        .put("type", "publisher.started")
        .put("publisher", "news-publisher@" + options.clusterHost() + ":" + options.clusterPort())
        .put("address", options.address())
        .put("at", System.currentTimeMillis()));
    vertx.setPeriodic(options.intervalMs(), options.intervalMs(), timer -> {
      publishNext();
      if (options.count() > 0 && sent >= options.count()) {
        vertx.cancelTimer(timer);
        done.complete();
      }
    });
    LOG.info("publishing on " + options.address() + "; once on " + AUDIT_ADDRESS);
    return Future.succeededFuture();
  }

  private void publishNext() {
    sent++;
    // Publish, not send: every node with a browser watching the address gets a copy and fans it out.
    vertx.eventBus().publish(options.address(), new JsonObject()
        .put("type", "news.headline")
        .put("topic", options.topic())
        .put("seq", sent)
        .put("headline", HEADLINES.get((int) ((sent - 1) % HEADLINES.size())))
        .put("at", System.currentTimeMillis()));
  }
}
