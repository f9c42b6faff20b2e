package io.gavel.auction;

import io.gavel.domain.AuctionTerms;
import java.util.LinkedHashMap;
import java.util.Map;

/** A few auctions so that a fresh node has something to show. */
final class DemoAuctions {
  private DemoAuctions() {
  }

  static Map<String, AuctionTerms> all() {
    Map<String, AuctionTerms> demos = new LinkedHashMap<>();
    demos.put("demo-lamp", new AuctionTerms("Brass desk lamp, 1950s", "EUR", 2_500, 100, 20 * 60, 30));
    demos.put("demo-bike", new AuctionTerms("Steel road bike, 56 cm", "EUR", 15_000, 500, 2 * 3600, 60));
    demos.put("demo-print", new AuctionTerms("Signed art print, numbered 12/50", "EUR", 8_000, 250, 24 * 3600, 120));
    return demos;
  }
}
