package io.gavel.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/** A bid run's result: the JSON written per run, and its one summary line. */
final class BidReport {
  private BidReport() {
  }

  static JsonObject result(BidBenchOptions options, BidTargets targets, BidDriver load, String label, BidSnapshot a,
                           BidSnapshot b, long unanswered) {
    List<Node> nodes = targets.nodes;
    double seconds = (b.nanos() - a.nanos()) / 1e9;
    double window = options.durationSeconds();
    Histogram all = load.latencies.getIntervalHistogram();
    long others = load.otherOutcomes.values().stream().mapToLong(LongAdder::sum).sum();
    long failed = load.otherOutcomes.entrySet().stream().filter(e -> e.getKey().startsWith("failed")
        || e.getKey().startsWith("HTTP 5") || e.getKey().endsWith("UNAVAILABLE") || e.getKey().equals("INTERNAL_ERROR"))
        .mapToLong(e -> e.getValue().sum()).sum() + unanswered;
    JsonObject outcomes = new JsonObject();
    load.otherOutcomes.forEach((k, v) -> outcomes.put(k, v.sum()));
    JsonArray perNode = new JsonArray();
    double writes = 0;
    double writeSeconds = 0;
    double conflicts = 0;
    for (int i = 0; i < nodes.size(); i++) {
      Map<String, Double> m0 = a.metrics().get(i);
      Map<String, Double> m1 = b.metrics().get(i);
      double w = m1.getOrDefault("gavel_store_write_latency_seconds_count", 0.0)
          - m0.getOrDefault("gavel_store_write_latency_seconds_count", 0.0);
      double ws = m1.getOrDefault("gavel_store_write_latency_seconds_sum", 0.0)
          - m0.getOrDefault("gavel_store_write_latency_seconds_sum", 0.0);
      writes += w;
      writeSeconds += ws;
      conflicts += m1.getOrDefault("gavel_store_conflicts_total", 0.0)
          - m0.getOrDefault("gavel_store_conflicts_total", 0.0);
      perNode.add(new JsonObject()
          .put("url", nodes.get(i).url())
          .put("pid", nodes.get(i).pid())
          .put("cpus", ProcessStats.cpusAllowed(nodes.get(i).pid()))
          .put("cpuPercent", FanoutBench.round(b.nodes().get(i).cpuPercentSince(a.nodes().get(i), seconds)))
          .put("rssMb", b.nodes().get(i).rssKb() / 1024)
          .put("storeWrites", (long) w)
          .put("storeWriteMeanMs", w == 0 ? null : Math.round(ws * 1000 / w * 100) / 100.0));
    }
    Double pgCpu = null;
    if (!b.postgres().isEmpty()) {
      long ticks = 0;
      for (Map.Entry<Long, ProcessStats> end : b.postgres().entrySet()) {
        ProcessStats start = a.postgres().get(end.getKey());
        ticks += end.getValue().cpuTicks() - (start == null ? 0 : start.cpuTicks());
      }
      pgCpu = FanoutBench.round(100.0 * ticks / ProcessStats.TICKS_PER_SECOND / seconds);
    }
    long acceptedCount = load.accepted.sum();
    return new JsonObject()
        .put("label", label)
        .put("workload", options.workload())
        .put("mode", options.closedLoop() ? "max" : "rate")
        .put("nodes", nodes.size())
        .put("store", targets.store)
        .put("auctions", targets.auctionIds.size())
        .put("concurrency", options.closedLoop() ? options.concurrency() : null)
        .put("offeredRate", options.closedLoop() ? null : options.rate())
        .put("warmupSeconds", options.warmupSeconds())
        .put("durationSeconds", options.durationSeconds())
        .put("date", LocalDate.now().toString())
        .put("machine", Runtime.getRuntime().availableProcessors() + " cores usable by the load generator (cpus "
            + ProcessStats.cpusAllowed(ProcessHandle.current().pid()) + ")")
        .put("latencyFrom", options.closedLoop() ? "send" : "scheduled send")
        .put("accepted", acceptedCount)
        .put("bidTooLow", load.tooLow.sum())
        .put("otherOutcomes", outcomes)
        .put("failed", failed)
        .put("measuredBids", acceptedCount + load.tooLow.sum() + others)
        .put("sentInAll", load.sentTotal.sum())
        .put("unanswered", unanswered)
        .put("acceptedPerSecond", FanoutBench.round(acceptedCount / window))
        .put("acceptedPerSecondPerNode", FanoutBench.round(acceptedCount / window / nodes.size()))
        .put("bidTooLowPerSecond", FanoutBench.round(load.tooLow.sum() / window))
        .put("p50Ms", millis(all.getValueAtPercentile(50)))
        .put("p99Ms", millis(all.getValueAtPercentile(99)))
        .put("p999Ms", millis(all.getValueAtPercentile(99.9)))
        .put("maxMs", millis(all.getMaxValue()))
        .put("storeWrites", (long) writes)
        .put("storeWriteMeanMs", writes == 0 ? null : Math.round(writeSeconds * 1000 / writes * 100) / 100.0)
        .put("storeConflicts", (long) conflicts)
        .put("postgresCpuPercent", pgCpu)
        .put("loadGeneratorCpuPercent", FanoutBench.round(b.self().cpuPercentSince(a.self(), seconds)))
        .put("perNode", perNode);
  }

  private static double millis(long units) {
    return units / (double) BidDriver.UNITS_PER_MILLI;
  }

  static void printSummary(JsonObject r) {
    StringBuilder cpu = new StringBuilder();
    StringBuilder rss = new StringBuilder();
    for (Object o : r.getJsonArray("perNode")) {
      JsonObject n = (JsonObject) o;
      cpu.append(cpu.length() == 0 ? "" : "/").append(Math.round(n.getDouble("cpuPercent")));
      rss.append(rss.length() == 0 ? "" : "/").append(n.getLong("rssMb"));
    }
    System.out.printf("%-28s accepted %6.0f/s (%5.0f/node) too-low %6.0f/s other %s failed %d (unanswered %d) | "
            + "%s p50 %.1f p99 %.1f "
            + "p99.9 %.1f max %.1f ms | node CPU %s%% RSS %s MB | pg CPU %s%% | store write %s ms | loadgen CPU %.0f%%%n",
        r.getString("label"), r.getDouble("acceptedPerSecond"), r.getDouble("acceptedPerSecondPerNode"),
        r.getDouble("bidTooLowPerSecond"), r.getJsonObject("otherOutcomes").encode(), r.getLong("failed"),
        r.getLong("unanswered"),
        r.getString("mode").equals("max") ? "" : "offered " + r.getDouble("offeredRate").longValue() + "/s,",
        r.getDouble("p50Ms"), r.getDouble("p99Ms"), r.getDouble("p999Ms"), r.getDouble("maxMs"), cpu, rss,
        r.getValue("postgresCpuPercent") == null ? "-" : Math.round(r.getDouble("postgresCpuPercent")),
        r.getValue("storeWriteMeanMs") == null ? "-" : r.getDouble("storeWriteMeanMs"),
        r.getDouble("loadGeneratorCpuPercent"));
  }
}
