package io.gavel.testing;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fault tests' checker (Jepsen-style): compares what clients were told (acknowledged bids) with the auction's
 * final history as every node returns it. It finds every violation instead of stopping at the first, and counts the
 * acknowledged bids that are missing or different, so a test of a store that may lose bids can report how many it
 * lost as well as assert.
 *
 * <p>Checks: every acknowledged bid is in the history at its acknowledged seq with its amount and bidder; no seq
 * was acknowledged twice; seq runs 1..N without holes or duplicates; accepted amounts strictly increase; at most one
 * close (exactly one when required); no bid after the close (by seq, by its {@code at} against the close's
 * {@code at}, and against the {@code endsAt} in force when it was accepted); the close is not before
 * {@code endsAt}; the winner and the closing amount are the highest bid's; every node returns the same history.
 */
public final class Checker {
  /** What the checker found. {@link #lost()} acknowledged bids are not in the history as acknowledged. */
  public record Report(int acks, int missing, int mismatched, List<String> violations, History history) {
    public int lost() {
      return missing + mismatched;
    }

    public boolean valid() {
      return violations.isEmpty();
    }

    /** Throws an AssertionError listing every violation. */
    public Report assertValid() {
      if (!violations.isEmpty()) {
        throw new AssertionError("the checker found " + violations.size() + " violation(s) ("
            + lost() + " of " + acks + " acknowledged bids lost: " + missing + " missing, " + mismatched
            + " different):\n  " + String.join("\n  ", violations.subList(0, Math.min(40, violations.size())))
            + (violations.size() > 40 ? "\n  ..." : ""));
      }
      return this;
    }

    @Override
    public String toString() {
      return "acks " + acks + ", lost " + lost() + " (missing " + missing + ", different " + mismatched + "), "
          + violations.size() + " violation(s)";
    }
  }

  private Checker() {
  }

  /** Reads the auction's history from every node and checks it against the acknowledged bids. */
  public static Report check(Map<String, String> nodeUrls, String auctionId, List<BidLoad.Ack> acks,
                             boolean requireClose) {
    Map<String, History> histories = new LinkedHashMap<>();
    List<String> unreadable = new ArrayList<>();
    nodeUrls.forEach((node, url) -> {
      try {
        histories.put(node, History.read(url, auctionId));
      } catch (AssertionError | RuntimeException e) {
        unreadable.add(node + " does not return the history: " + String.valueOf(e.getMessage()).strip()
            .replaceAll("\\s+", " "));
      }
    });
    if (histories.isEmpty()) {
      throw new AssertionError("no node returns the history of " + auctionId + ": " + unreadable);
    }
    Report report = check(histories, acks, requireClose);
    unreadable.addAll(report.violations());
    return new Report(report.acks(), report.missing(), report.mismatched(), unreadable, report.history());
  }

  /** Checks the histories read from each node (keyed by node name; the first one is the reference). */
  public static Report check(Map<String, History> histories, List<BidLoad.Ack> acks, boolean requireClose) {
    if (histories.isEmpty()) {
      throw new IllegalArgumentException("no history to check");
    }
    List<String> violations = new ArrayList<>();
    var first = histories.entrySet().iterator().next();
    History reference = first.getValue();
    histories.forEach((node, history) -> {
      if (history != reference) {
        compare(first.getKey(), reference, node, history, violations);
      }
    });
    List<JsonObject> events = reference.events();
    checkShape(events, violations, requireClose);

    int missing = 0;
    int mismatched = 0;
    Map<Long, BidLoad.Ack> bySeq = new HashMap<>();
    for (BidLoad.Ack ack : acks) {
      BidLoad.Ack earlier = bySeq.putIfAbsent(ack.seq(), ack);
      if (earlier != null) {
        violations.add("seq " + ack.seq() + " acknowledged twice: " + describe(earlier) + " and " + describe(ack));
      }
      if (ack.seq() < 1 || ack.seq() > events.size()) {
        missing++;
        violations.add("acknowledged " + describe(ack) + " is missing: the history ends at seq " + events.size());
        continue;
      }
      JsonObject stored = events.get((int) ack.seq() - 1);
      if (!"bid.accepted".equals(stored.getString("type"))) {
        missing++;
        violations.add("acknowledged " + describe(ack) + " is missing: seq " + ack.seq() + " holds " + stored);
      } else if (stored.getLong("amount") != ack.amount() || !stored.getString("bidder").equals(ack.bidder())) {
        mismatched++;
        violations.add("acknowledged " + describe(ack) + " differs: seq " + ack.seq() + " holds "
            + stored.getString("bidder") + " " + stored.getLong("amount"));
      }
    }
    return new Report(acks.size(), missing, mismatched, violations, reference);
  }

  private static void compare(String referenceNode, History reference, String node, History history,
                              List<String> violations) {
    List<JsonObject> a = reference.events();
    List<JsonObject> b = history.events();
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      if (!a.get(i).equals(b.get(i))) {
        violations.add(node + " and " + referenceNode + " disagree from position " + (i + 1) + ": " + b.get(i)
            + " vs " + a.get(i));
        return;
      }
    }
    if (a.size() != b.size()) {
      violations.add(node + " returns " + b.size() + " events, " + referenceNode + " " + a.size());
    }
  }

  private static void checkShape(List<JsonObject> events, List<String> violations, boolean requireClose) {
    Long endsAt = null;
    Long lastAmount = null;
    String leader = null;
    JsonObject close = null;
    int closes = 0;
    for (int i = 0; i < events.size(); i++) {
      JsonObject event = events.get(i);
      Long seq = event.getLong("seq");
      if (seq == null || seq != i + 1) {
        violations.add("position " + (i + 1) + " holds seq " + seq + " (seq must run 1..N without holes): " + event);
      }
      String type = event.getString("type");
      long at = event.getLong("at", 0L);
      switch (type == null ? "" : type) {
        case "auction.created" -> endsAt = event.getLong("endsAt");
        case "auction.extended" -> endsAt = event.getLong("endsAt");
        case "bid.accepted" -> {
          if (close != null) {
            violations.add("bid accepted after the close (seq " + close.getLong("seq") + "): " + event);
          }
          if (endsAt != null && at >= endsAt) {
            violations.add("bid accepted at " + at + ", not before endsAt " + endsAt + ": " + event);
          }
          long amount = event.getLong("amount");
          if (lastAmount != null && amount <= lastAmount) {
            violations.add("accepted amounts must strictly increase: " + amount + " after " + lastAmount + ": "
                + event);
          }
          lastAmount = amount;
          leader = event.getString("bidder");
          if (event.getLong("endsAt") != null) {
            endsAt = event.getLong("endsAt");
          }
        }
        case "auction.closed" -> {
          closes++;
          if (close == null) {
            close = event;
          }
          if (endsAt != null && at < endsAt) {
            violations.add("closed at " + at + ", before endsAt " + endsAt + ": " + event);
          }
          boolean reserveMissed = Boolean.FALSE.equals(event.getBoolean("reserveMet"));
          if (!reserveMissed && !java.util.Objects.equals(event.getString("winner"), leader)) {
            violations.add("winner " + event.getString("winner") + " does not hold the highest bid (" + leader
                + " " + lastAmount + "): " + event);
          }
          if (!reserveMissed && lastAmount != null && !lastAmount.equals(event.getLong("amount"))) {
            violations.add("closing amount " + event.getLong("amount") + " is not the highest bid " + lastAmount
                + ": " + event);
          }
        }
        default -> {
          // auction.reserve-met, auction.cancelled: nothing to check here
        }
      }
    }
    if (close != null) {
      long closedAt = close.getLong("at");
      for (JsonObject event : events) {
        if ("bid.accepted".equals(event.getString("type")) && event.getLong("seq", 0L) < close.getLong("seq")
            && event.getLong("at", 0L) > closedAt) {
          violations.add("bid stamped " + event.getLong("at") + ", after the close stamped " + closedAt + ": "
              + event);
        }
      }
    }
    if (closes > 1) {
      violations.add("closed " + closes + " times");
    }
    if (requireClose && closes == 0) {
      violations.add("never closed");
    }
  }

  private static String describe(BidLoad.Ack ack) {
    return "bid of " + ack.bidder() + " " + ack.amount() + " at seq " + ack.seq() + " (via node" + (ack.node() + 1)
        + ")";
  }
}
