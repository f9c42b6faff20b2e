package io.gavel.node;

import com.hazelcast.core.HazelcastInstance;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether every partition has its backups, asked of Hazelcast on a thread of its own. {@code isClusterSafe()}
 * blocks (up to ~20 s seen) while a member is unreachable: asked on an event loop, health probes stalled every
 * request behind them. Here one daemon thread asks, one question at a time, a second after the previous answer;
 * readers get the last answer and how old it is, and never wait. An answer that grows old says by itself that the
 * cluster is in trouble.
 */
final class ClusterSafetyWatch {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterSafetyWatch.class);
  private static final long PAUSE_BETWEEN_CHECKS_MILLIS = 1_000;
  /** A check that takes this long is worth one log line: it means a member does not answer. */
  private static final long SLOW_CHECK_MILLIS = 2_000;

  /** One answer: {@code checkedAtNanos} is on {@link System#nanoTime()}'s clock, which no clock skew moves. */
  private record Answer(boolean safe, long checkedAtNanos) {
  }

  private final HazelcastInstance hazelcast;
  private final ScheduledExecutorService thread;
  private volatile Answer last;

  private ClusterSafetyWatch(HazelcastInstance hazelcast, String nodeName) {
    this.hazelcast = hazelcast;
    this.thread = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread daemon = new Thread(task, "gavel-cluster-safety-" + nodeName);
      daemon.setDaemon(true);
      return daemon;
    });
  }

  /** Starts watching; the thread ends by itself once the Hazelcast member has shut down. */
  static ClusterSafetyWatch start(HazelcastInstance hazelcast, String nodeName) {
    ClusterSafetyWatch watch = new ClusterSafetyWatch(hazelcast, nodeName);
    watch.thread.scheduleWithFixedDelay(watch::check, 0, PAUSE_BETWEEN_CHECKS_MILLIS, TimeUnit.MILLISECONDS);
    return watch;
  }

  /** The last answer; false before the first one. */
  boolean safe() {
    Answer answer = last;
    return answer != null && answer.safe();
  }

  /** Milliseconds since the last answer came; -1 before the first one. */
  long ageMillis() {
    Answer answer = last;
    return answer == null ? -1 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answer.checkedAtNanos());
  }

  private void check() {
    if (!hazelcast.getLifecycleService().isRunning()) {
      last = new Answer(false, System.nanoTime());
      thread.shutdown();
      return;
    }
    long begin = System.nanoTime();
    boolean safe;
    try {
      safe = hazelcast.getPartitionService().isClusterSafe();
    } catch (RuntimeException shuttingDownOrUnreachable) {
      safe = false;
    }
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
    if (took >= SLOW_CHECK_MILLIS) {
      LOG.warn("cluster safety check took {} ms (a member is not answering); answer: {}", took,
          safe ? "safe" : "not safe");
    }
    last = new Answer(safe, System.nanoTime());
  }
}
