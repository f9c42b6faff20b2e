package io.gavel.bench;

/** Latencies in whole milliseconds (events carry millisecond times), 0 to 60 s; the last bucket holds the rest. */
final class Histogram {
  private final long[] counts = new long[60_001];
  private long total;
  private long max;

  void record(long millis) {
    long m = Math.max(0, millis);
    counts[(int) Math.min(m, counts.length - 1)]++;
    total++;
    max = Math.max(max, m);
  }

  void add(Histogram other) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
    max = Math.max(max, other.max);
  }

  long total() {
    return total;
  }

  long max() {
    return max;
  }

  /** The smallest latency that at least {@code fraction} of the samples do not exceed. */
  long percentile(double fraction) {
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(fraction * total);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return i;
      }
    }
    return max;
  }
}
