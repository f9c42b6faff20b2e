package io.gavel.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checker must catch each kind of violation it claims to check: a checker that cannot fail is a defect. */
class CheckerTest {
  private static final long ENDS_AT = 10_000;

  private static JsonObject created(long seq) {
    return new JsonObject().put("type", "auction.created").put("auctionId", "a").put("seq", seq).put("at", 1000L)
        .put("endsAt", ENDS_AT);
  }

  private static JsonObject bid(long seq, long at, String bidder, long amount) {
    return new JsonObject().put("type", "bid.accepted").put("auctionId", "a").put("seq", seq).put("at", at)
        .put("bidder", bidder).put("amount", amount).put("endsAt", ENDS_AT);
  }

  private static JsonObject closed(long seq, long at, String winner, long amount) {
    return new JsonObject().put("type", "auction.closed").put("auctionId", "a").put("seq", seq).put("at", at)
        .put("winner", winner).put("amount", amount);
  }

  private static BidLoad.Ack ack(long seq, String bidder, long amount) {
    return new BidLoad.Ack(seq, amount, bidder, 0, 0, 0, 0, 0);
  }

  /** created, bob 100, carol 110, bob 120, closed (bob 120). */
  private static List<JsonObject> good() {
    return new ArrayList<>(List.of(created(1), bid(2, 2000, "bob", 100), bid(3, 3000, "carol", 110),
        bid(4, 4000, "bob", 120), closed(5, ENDS_AT + 100, "bob", 120)));
  }

  private static final List<BidLoad.Ack> ACKS = List.of(ack(2, "bob", 100), ack(3, "carol", 110), ack(4, "bob", 120));

  private static Checker.Report check(List<JsonObject> events, List<BidLoad.Ack> acks, boolean requireClose) {
    return Checker.check(Map.of("node1", History.of(events)), acks, requireClose);
  }

  private static void assertCaught(Checker.Report report, String violation) {
    assertThat(report.valid()).as("the checker finds the violation").isFalse();
    assertThat(report.violations()).anySatisfy(v -> assertThat(v).contains(violation));
    assertThatThrownBy(report::assertValid).isInstanceOf(AssertionError.class).hasMessageContaining(violation);
  }

  @Test
  void aGoodHistoryPasses() {
    Checker.Report report = check(good(), ACKS, true).assertValid();
    assertThat(report.lost()).isZero();
    assertThat(report.acks()).isEqualTo(3);
    // Open and not required to close: also fine.
    check(good().subList(0, 4), ACKS, false).assertValid();
  }

  @Test
  void countsAcknowledgedBidsBeyondTheEndAsMissing() {
    List<BidLoad.Ack> acks = new ArrayList<>(ACKS);
    acks.add(ack(6, "carol", 130));
    acks.add(ack(7, "bob", 140));
    Checker.Report report = check(good(), acks, true);
    assertCaught(report, "is missing: the history ends at seq 5");
    assertThat(report.missing()).isEqualTo(2);
    assertThat(report.lost()).isEqualTo(2);
  }

  @Test
  void countsAnAcknowledgedBidWhoseSeqHoldsSomethingElseAsLost() {
    Checker.Report amount = check(good(), List.of(ack(2, "bob", 100), ack(3, "carol", 115)), true);
    assertCaught(amount, "differs: seq 3 holds carol 110");
    assertThat(amount.mismatched()).isEqualTo(1);
    Checker.Report bidder = check(good(), List.of(ack(3, "bob", 110)), true);
    assertThat(bidder.mismatched()).isEqualTo(1);
    Checker.Report notABid = check(good(), List.of(ack(5, "bob", 130)), true);
    assertCaught(notABid, "is missing: seq 5 holds");
    assertThat(notABid.missing()).isEqualTo(1);
  }

  @Test
  void catchesOneSeqAcknowledgedTwice() {
    Checker.Report report = check(good(), List.of(ack(3, "carol", 110), ack(3, "bob", 111)), true);
    assertCaught(report, "seq 3 acknowledged twice");
    assertThat(report.lost()).isEqualTo(1);
  }

  @Test
  void catchesHolesAndDuplicateSeqs() {
    List<JsonObject> hole = good();
    hole.remove(2);
    assertCaught(check(hole, List.of(), true), "holds seq 4 (seq must run 1..N without holes)");
    List<JsonObject> duplicate = good();
    duplicate.set(2, bid(2, 3000, "carol", 110));
    assertCaught(check(duplicate, List.of(), true), "position 3 holds seq 2");
  }

  @Test
  void catchesAmountsThatDoNotIncrease() {
    List<JsonObject> events = good();
    events.set(3, bid(4, 4000, "bob", 110));
    events.set(4, closed(5, ENDS_AT + 100, "bob", 110));
    assertCaught(check(events, List.of(), true), "accepted amounts must strictly increase: 110 after 110");
  }

  @Test
  void catchesMissingAndDoubleCloses() {
    assertCaught(check(good().subList(0, 4), List.of(), true), "never closed");
    List<JsonObject> twice = good();
    twice.add(closed(6, ENDS_AT + 200, "bob", 120));
    assertCaught(check(twice, List.of(), false), "closed 2 times");
  }

  @Test
  void catchesBidsAfterTheClose() {
    List<JsonObject> bySeq = good();
    bySeq.add(bid(6, ENDS_AT - 1, "carol", 130));
    assertCaught(check(bySeq, List.of(), true), "bid accepted after the close (seq 5)");

    List<JsonObject> byStamp = good();
    byStamp.set(4, closed(5, 3500, "bob", 120));
    assertCaught(check(byStamp, List.of(), true), "after the close stamped 3500");

    List<JsonObject> afterEnd = good();
    afterEnd.set(3, bid(4, ENDS_AT, "bob", 120));
    assertCaught(check(afterEnd, List.of(), true), "not before endsAt " + ENDS_AT);
  }

  @Test
  void catchesAnEarlyClose() {
    List<JsonObject> events = good();
    events.set(4, closed(5, ENDS_AT - 1, "bob", 120));
    assertCaught(check(events, List.of(), true), "before endsAt");
  }

  @Test
  void catchesTheWrongWinnerOrAmount() {
    List<JsonObject> winner = good();
    winner.set(4, closed(5, ENDS_AT + 100, "carol", 120));
    assertCaught(check(winner, List.of(), true), "winner carol does not hold the highest bid (bob 120)");
    List<JsonObject> amount = good();
    amount.set(4, closed(5, ENDS_AT + 100, "bob", 110));
    assertCaught(check(amount, List.of(), true), "closing amount 110 is not the highest bid 120");
  }

  @Test
  void catchesNodesThatDisagree() {
    Map<String, History> histories = new LinkedHashMap<>();
    histories.put("node1", History.of(good()));
    List<JsonObject> other = good();
    other.set(3, bid(4, 4000, "carol", 120));
    histories.put("node2", History.of(other));
    histories.put("node3", History.of(good().subList(0, 4)));
    Checker.Report report = Checker.check(histories, ACKS, true);
    assertCaught(report, "node2 and node1 disagree from position 4");
    assertCaught(report, "node3 returns 4 events, node1 5");
  }
}
