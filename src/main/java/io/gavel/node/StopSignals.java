package io.gavel.node;

import sun.misc.Signal;

/**
 * The JDK-internal signal API, in one place. A shutdown hook would run while the JVM is already exiting, racing
 * Hazelcast's own hook; a handler for TERM and INT lets the node leave the cluster and drain its connections first.
 * {@code StopSignalsTest} fails loudly if a JDK stops offering it.
 */
public final class StopSignals {
  private StopSignals() {
  }

  /** Runs {@code stop} (once per signal) when the process gets any of {@code signals}, e.g. "TERM", "INT". */
  public static void on(Runnable stop, String... signals) {
    for (String name : signals) {
      Signal.handle(new Signal(name), s -> stop.run());
    }
  }

  /** Sends {@code signal} to this process (for the test). */
  static void raise(String signal) {
    Signal.raise(new Signal(signal));
  }
}
