package io.gavel.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The JDK-internal signal API the node stops on still works on this JDK (HUP: harmless once handled). */
class StopSignalsTest {
  @Test
  void aHandledSignalRunsTheStop() throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    StopSignals.on(stopped::countDown, "HUP");
    StopSignals.raise("HUP");
    assertThat(stopped.await(5, TimeUnit.SECONDS)).isTrue();
  }
}
