package io.gavel.bench;

import static io.gavel.bench.FanoutBench.round;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * What a fan-out run measured besides its clients' counters: process figures before the clients connected, once
 * they had, and at both ends of the measured window; the events the clients had to get; how long the window was.
 * Turns them into the run's JSON result, and prints that as a table.
 */
record FanoutReport(List<ProcessStats> before, List<ProcessStats> afterConnect, List<ProcessStats> measureStart,
                    List<ProcessStats> end, ProcessStats loadgenStart, ProcessStats loadgenEnd, double connectSeconds,
                    long registrations, long ready, long hungSince, long expectedEvents, long expected, double window,
                    double seconds) {

  JsonObject result(FanoutBench.Options options, List<Node> nodes, FanoutClients clients, NodeSampler memory) {
    boolean raw = options.mode().equals("raw");
    Histogram all = clients.latencies.getIntervalHistogram();
    long got = clients.received.sum();
    JsonArray nodeFigures = new JsonArray();
    double cpuTotal = 0;
    for (int i = 0; i < nodes.size(); i++) {
      int clientsHere = options.clients() / nodes.size() + (i < options.clients() % nodes.size() ? 1 : 0);
      double cpu = end.get(i).cpuPercentSince(measureStart.get(i), seconds);
      cpuTotal += cpu;
      nodeFigures.add(new JsonObject()
          .put("url", nodes.get(i).url())
          .put("pid", nodes.get(i).pid())
          .put("cpus", ProcessStats.cpusAllowed(nodes.get(i).pid()))
          .put("cpuPercent", round(cpu))
          .put("rssMbBefore", before.get(i).rssKb() / 1024)
          .put("rssMbConnected", afterConnect.get(i).rssKb() / 1024)
          .put("rssMbEnd", end.get(i).rssKb() / 1024)
          .put("rssKbPerConnection", clientsHere == 0 ? 0
              : round((afterConnect.get(i).rssKb() - before.get(i).rssKb()) / (double) clientsHere))
          .put("memory", memory.figures(i)));
    }
    double serverCpuSeconds = cpuTotal / 100 * seconds;
    long lastHungClose = clients.lastHungCloseNanos.get();
    return new JsonObject()
        .put("label", options.label())
        .put("mode", options.mode())
        .put("transport", options.mode().equals("lp") ? "long-polling" : options.sockJs() ? "sockjs" : "raw")
        .put("nodes", nodes.size())
        .put("clients", options.clients())
        .put("rate", options.rate())
        .put("durationSeconds", options.durationSeconds())
        .put("warmupSeconds", options.warmupSeconds())
        .put("date", LocalDate.now().toString())
        .put("machine", Runtime.getRuntime().availableProcessors() + " cores usable by the load generator (cpus "
            + ProcessStats.cpusAllowed(ProcessHandle.current().pid()) + "); nodes on cpus "
            + ProcessStats.cpusAllowed(nodes.get(0).pid()) + "; one host, loopback")
        .put("clientsReady", ready)
        .put("connectSeconds", round(connectSeconds))
        .put("clusterRegistrations", registrations)
        .put("events", expectedEvents)
        .put("expected", expected)
        .put("received", got)
        .put("lost", Math.max(0, expected - got))
        .put("windowSeconds", round(window))
        .put("eventsPerSecond", round(expectedEvents / window))
        .put("deliveriesPerSecond", round(got / window))
        .put("p50Ms", all.getValueAtPercentile(50))
        .put("p99Ms", all.getValueAtPercentile(99))
        .put("p999Ms", all.getValueAtPercentile(99.9))
        .put("maxMs", all.getMaxValue())
        .put("serverCpuPercent", round(cpuTotal))
        .put("serverCpuMicrosPerDelivery", got == 0 ? 0 : round(serverCpuSeconds * 1e6 / got))
        .put("deliveriesPerServerCpuSecond", serverCpuSeconds == 0 ? 0 : Math.round(got / serverCpuSeconds))
        .put("loadGeneratorCpuPercent", round(loadgenEnd.cpuPercentSince(loadgenStart, seconds)))
        .put("healthyClients", options.healthyClients())
        .put("hungClients", options.hungClients())
        .put("hungClosedByServer", clients.hungClosed.sum())
        .put("hungClosedWithinSeconds", lastHungClose == 0 ? null : round((lastHungClose - hungSince) / 1e9))
        .put("healthyClosed", clients.healthyClosed.sum())
        .put("slowConsumersClosed", raw ? null : memory.slowConsumersClosed())
        .put("memorySamples", memory.samples())
        .put("perNode", nodeFigures);
  }

  static void printTable(JsonObject r) {
    System.out.printf("%n%-28s %7s %6s %8s %9s %9s %7s %7s %7s %7s %11s %8s%n", "scenario", "clients", "rate",
        "events/s", "expected", "lost", "p50 ms", "p99 ms", "p99.9", "max ms", "deliv/s", "connect");
    System.out.printf("%-28s %7d %6.0f %8.0f %9d %9d %7d %7d %7d %7d %11.0f %7.1fs%n", r.getString("label"),
        r.getInteger("clients"), r.getDouble("rate"), r.getDouble("eventsPerSecond"), r.getLong("expected"),
        r.getLong("lost"), r.getLong("p50Ms"), r.getLong("p99Ms"), r.getLong("p999Ms"), r.getLong("maxMs"),
        r.getDouble("deliveriesPerSecond"), r.getDouble("connectSeconds"));
    for (Object n : r.getJsonArray("perNode")) {
      JsonObject node = (JsonObject) n;
      System.out.printf("  node %-22s cpu %6.1f%%  rss %5d MB -> %5d MB connected -> %5d MB end  (%.1f KB/conn)%n",
          node.getString("url"), node.getDouble("cpuPercent"), node.getLong("rssMbBefore"),
          node.getLong("rssMbConnected"), node.getLong("rssMbEnd"), node.getDouble("rssKbPerConnection"));
    }
    System.out.printf("  server CPU per delivery %.1f us (%,d deliveries per server CPU-second); load generator CPU "
            + "%.0f%%; clients ready %d of %d; cluster registrations for the auction %d%n",
        r.getDouble("serverCpuMicrosPerDelivery"), r.getLong("deliveriesPerServerCpuSecond"),
        r.getDouble("loadGeneratorCpuPercent"), r.getLong("clientsReady"), r.getInteger("clients"),
        r.getLong("clusterRegistrations"));
    System.out.println("  " + r.getString("machine"));
    if (r.getInteger("hungClients") > 0) {
      System.out.printf("  hung clients %d: closed by the server %d (client close events; last %s s after they "
              + "stopped reading), node's slow-consumer closes %d; healthy clients closed %d%n",
          r.getInteger("hungClients"), r.getLong("hungClosedByServer"), r.getValue("hungClosedWithinSeconds"),
          r.getLong("slowConsumersClosed"), r.getLong("healthyClosed"));
    }
    if (r.getInteger("convergedClients", -1) >= 0) {
      System.out.printf("  converged (newest event = the auction's last): %d healthy clients, all within %s ms of "
          + "the last bid's answer (-1: not all); lost counts what conflation skipped%n",
          r.getInteger("convergedClients"), r.getValue("convergedWithinMs"));
    }
    for (Object n : r.getJsonArray("perNode")) {
      System.out.println("  memory (MB, first / peak / last sample): " + ((JsonObject) n).getJsonObject("memory"));
    }
  }
}
