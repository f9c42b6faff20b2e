package io.gavel.store;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One page of {@code GET /api/auctions}: auctions as the API shows them, by id; {@code next} is the id to continue
 * after, or null on the last page.
 */
public record AuctionPage(List<JsonObject> auctions, String next) {
}
