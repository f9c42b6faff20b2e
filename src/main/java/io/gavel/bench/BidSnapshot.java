package io.gavel.bench;

import io.vertx.core.http.HttpClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the processes of a bid run had spent at one moment (the nodes, PostgreSQL and its backends, the load
 * generator) and the nodes' store figures: taken at both ends of the measured window.
 */
record BidSnapshot(long nanos, List<ProcessStats> nodes, Map<Long, ProcessStats> postgres, ProcessStats self,
                   List<Map<String, Double>> metrics) {

  static BidSnapshot take(HttpClient http, List<Node> nodes, long pgPid) {
    List<ProcessStats> stats = nodes.stream().map(n -> ProcessStats.read(n.pid())).toList();
    Map<Long, ProcessStats> pg = new HashMap<>();
    if (pgPid > 0) {
      for (long pid : withChildren(pgPid)) {
        pg.put(pid, ProcessStats.read(pid));
      }
    }
    List<Map<String, Double>> metrics = new ArrayList<>();
    for (Node node : nodes) {
      metrics.add(storeMetrics(http, node));
    }
    return new BidSnapshot(System.nanoTime(), stats, pg, ProcessStats.read(ProcessHandle.current().pid()), metrics);
  }

  /** The pid and the processes whose parent it is (PostgreSQL's backends are the postmaster's children). */
  private static List<Long> withChildren(long parent) {
    List<Long> pids = new ArrayList<>(List.of(parent));
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String stat = Files.readString(proc.resolve("stat"));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          if (Long.parseLong(fields[1]) == parent) {
            pids.add(Long.parseLong(proc.getFileName().toString()));
          }
        } catch (IOException | RuntimeException gone) {
          // exited meanwhile
        }
      }
    } catch (IOException e) {
      // no /proc: no figures
    }
    return pids;
  }

  /** Store write count and total seconds, and conflicts, from the node's Prometheus scrape (absent: empty). */
  private static Map<String, Double> storeMetrics(HttpClient http, Node node) {
    Map<String, Double> found = new HashMap<>();
    try {
      String text = BenchHttp.text(http, node, "/metrics").toString();
      for (String line : text.split("\n")) {
        for (String name : List.of("gavel_store_write_latency_seconds_count", "gavel_store_write_latency_seconds_sum",
            "gavel_store_conflicts_total")) {
          if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
            found.merge(name, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
          }
        }
      }
    } catch (RuntimeException unavailable) {
      // a node without metrics: no store figures
    }
    return found;
  }
}
