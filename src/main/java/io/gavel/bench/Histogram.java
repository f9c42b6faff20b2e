package io.gavel.bench;

/**
 * Latencies as whole units, one bucket per unit from 0 to a maximum; the last bucket holds the rest (the maximum is
 * kept exactly). By default the unit is the millisecond and the range 0 to 60 s (events carry millisecond times);
 * {@link BidBench} records tenths of a millisecond.
 */
final class Histogram {
  private final long[] counts;
  private long total;
  private long max;

  Histogram() {
    this(60_000);
  }

  /** Buckets for 0 to {@code maxValue} units. */
  Histogram(int maxValue) {
    counts = new long[maxValue + 1];
  }

  void record(long millis) {
    long m = Math.max(0, millis);
    counts[(int) Math.min(m, counts.length - 1)]++;
    total++;
    max = Math.max(max, m);
  }

  void add(Histogram other) {
    if (other.counts.length != counts.length) {
      throw new IllegalArgumentException("histograms of different ranges");
    }
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
