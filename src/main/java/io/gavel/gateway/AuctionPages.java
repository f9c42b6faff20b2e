package io.gavel.gateway;

import io.gavel.cluster.AuctionStore;
import io.gavel.domain.Auction;
import io.gavel.domain.AuctionStatus;
import io.gavel.domain.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/**
 * {@code GET /api/auctions}. Without parameters: every auction, by end time, as it always was (clients that know
 * nothing of pages keep getting the whole list). With any of {@code status=open|closed|cancelled}, {@code limit=N} (1 to
 * {@value #MAX_LIMIT}, default {@value #DEFAULT_LIMIT}) or {@code after=<id>}: one page by id, and while there is
 * more a {@code Link: <...>; rel="next"} header with the URL of the next page. The body is a JSON array either way.
 */
final class AuctionPages implements Handler<RoutingContext> {
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  private final AuctionStore store;

  AuctionPages(AuctionStore store) {
    this.store = store;
  }

  @Override
  public void handle(RoutingContext ctx) {
    var params = ctx.queryParams();
    if (!params.contains("status") && !params.contains("limit") && !params.contains("after")) {
      store.list().onComplete(listed -> {
        if (listed.failed()) {
          Replies.clusterFailure(ctx, listed.cause());
        } else {
          Replies.json(ctx, 200, new JsonArray(listed.result()));
        }
      });
      return;
    }
    String statusParam = params.get("status");
    AuctionStatus status = null;
    if (statusParam != null) {
      status = switch (statusParam.toLowerCase(Locale.ROOT)) {
        case "open" -> AuctionStatus.OPEN;
        case "closed" -> AuctionStatus.CLOSED;
        case "cancelled" -> AuctionStatus.CANCELLED;
        default -> null;
      };
      if (status == null) {
        ApiError.send(ctx, ErrorCode.INVALID_REQUEST, "status must be open, closed or cancelled");
        return;
      }
    }
    String after = params.get("after");
    if (after != null && !Auction.isValidId(after)) {
      ApiError.send(ctx, ErrorCode.INVALID_REQUEST, "after must be an auction id ([A-Za-z0-9_-]{1,64})");
      return;
    }
    Long limit = Replies.queryLong(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    if (limit == null) {
      return;
    }
    String statusName = statusParam == null ? null : statusParam.toLowerCase(Locale.ROOT);
    store.page(status, after, limit.intValue()).onComplete(paged -> {
      if (paged.failed()) {
        Replies.clusterFailure(ctx, paged.cause());
        return;
      }
      String next = paged.result().next();
      if (next != null) {
        // Ids and the status are URL-safe as they stand.
        ctx.response().putHeader("Link", "</api/auctions?" + (statusName == null ? "" : "status=" + statusName + "&")
            + "limit=" + limit + "&after=" + next + ">; rel=\"next\"");
      }
      Replies.json(ctx, 200, new JsonArray(paged.result().auctions()));
    });
  }
}
