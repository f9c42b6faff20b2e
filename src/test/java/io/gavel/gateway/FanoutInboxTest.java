package io.gavel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FanoutInboxTest {
  private static final long MS = 1_000_000;

  @Test
  void inTimeEverythingIsDeliveredInOrderAndOneDrainIsScheduledAtATime() {
    FanoutInbox<Integer> inbox = new FanoutInbox<>(100);
    assertThat(inbox.offer("auction.a", 1, 0)).isTrue();
    assertThat(inbox.offer("auction.a", 2, 1 * MS)).as("a drain is already scheduled").isFalse();
    assertThat(inbox.offer("auction.b", 3, 2 * MS)).isFalse();
    AtomicInteger skipped = new AtomicInteger();
    assertThat(inbox.take(50 * MS, skipped::addAndGet)).extracting(FanoutInbox.Item::message).containsExactly(1, 2, 3);
    assertThat(skipped).hasValue(0);
    assertThat(inbox.take(60 * MS, skipped::addAndGet)).as("nothing left: the drain ends").isEmpty();
    assertThat(inbox.offer("auction.a", 4, 70 * MS)).as("the next message schedules a new drain").isTrue();
  }

  @Test
  void behindTheAllowedLagOnlyTheNewestOfEachAddressIsDelivered() {
    FanoutInbox<Integer> inbox = new FanoutInbox<>(100);
    for (int i = 0; i < 1_000; i++) {
      inbox.offer(i % 3 == 0 ? "auction.b" : "auction.a", i, i * MS / 10);
    }
    AtomicInteger skipped = new AtomicInteger();
    List<FanoutInbox.Item<Integer>> batch = inbox.take(150 * MS, skipped::addAndGet);
    assertThat(batch).extracting(FanoutInbox.Item::address).containsExactly("auction.a", "auction.b");
    assertThat(batch).extracting(FanoutInbox.Item::message).containsExactly(998, 999);
    assertThat(skipped).hasValue(998);
  }
}
