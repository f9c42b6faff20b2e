package io.gavel.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** BidBench's command line: {@code --option value} pairs, checked against the ranges {@link #USAGE} lists. */
public record BidBenchOptions(String workload, String mode, int auctions, int concurrency, double rate,
                              int warmupSeconds, int durationSeconds, long timeoutMillis, int connections,
                              long maxBids, List<String> users, String password, List<String> nodeUrls,
                              List<Long> pids, long pgPid, String label, Path out, Path probeIds, long sinceMillis,
                              int probeTimeoutSeconds) {
  static final String USAGE = """
      BidBench: accepted bids per second and bid latency against running Gavel nodes.
        --nodes URL,URL,...   base URLs of running nodes; bids are spread over them round-robin (required)
        --workload many|hot   many: bids spread over --auctions auctions; hot: one auction, bids race (default many)
        --auctions N          auctions for "many" (default 200; 1..10000)
        --mode max|rate       max: closed loop, --concurrency bids always in flight, reports accepted bids/s;
                              rate: open loop at --rate bids/s, reports latency from each bid's scheduled send time
        --concurrency C       bids in flight for max (default 64; 1..4096)
        --rate R              offered bids per second for rate (1..100000)
        --warmup S            seconds of the same load first, not measured (default 5; 0..120)
        --duration S          measured seconds (default 15; 1..600)
        --timeout-ms T        a bid unanswered for T ms counts as failed (default 10000)
        --connections N       HTTP connections per node (default: C for max, 128 for rate)
        --max-bids N          never send more than N bids in one run (default 2000000)
        --users a,b,c         bidders, demo users by default (alice,bob,carol); --password P (gavel-demo)
        --pids P,P            node pids for CPU and RSS (default: each node's GET /ops/process)
        --pg-pid P            PostgreSQL's postmaster pid: CPU of it and of its backends
        --label L             run name (default: workload, nodes, store, mode)
        --out DIR             one JSON file per run, DIR/<label>.json (default target/bench)
      Restart probe (after every node was restarted):
        --probe-ids FILE --nodes URL,...  [--since-ms EPOCH_MS] [--probe-timeout S (120)] [--label L] [--out DIR]
                              FILE has one "id seq" per line; polls GET /api/auctions/{id} until each is served at
                              that seq and prints the time from --since-ms (default: now) to each node's /health
                              UP, to the first auction served and to the last.
      Nodes need limits raised for a few users bidding fast, e.g. --set limits.bidsPerSecondPerUser=100000
      --set limits.bidBurstPerUser=100000 --set limits.loginBurstPerIp=100000 --set limits.loginBurstPerUser=100000
      --set limits.auctionBurstPerUser=100000
      """;

  public static BidBenchOptions parse(String[] args) {
    Map<String, String> o = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --option value pairs, got " + args[i]);
      }
      o.put(args[i], args[++i]);
    }
    List<String> urls = o.containsKey("--nodes") ? List.of(o.get("--nodes").split(",")) : List.of();
    String workload = o.getOrDefault("--workload", "many");
    String mode = o.getOrDefault("--mode", "max");
    int auctions = workload.equals("hot") ? 1 : Integer.parseInt(o.getOrDefault("--auctions", "200"));
    int concurrency = Integer.parseInt(o.getOrDefault("--concurrency", "64"));
    double rate = Double.parseDouble(o.getOrDefault("--rate", "0"));
    int warmup = Integer.parseInt(o.getOrDefault("--warmup", "5"));
    int duration = Integer.parseInt(o.getOrDefault("--duration", "15"));
    long timeout = Long.parseLong(o.getOrDefault("--timeout-ms", "10000"));
    int connections = Integer.parseInt(o.getOrDefault("--connections", mode.equals("max")
        ? String.valueOf(concurrency) : "128"));
    long maxBids = Long.parseLong(o.getOrDefault("--max-bids", "2000000"));
    List<Long> pids = o.containsKey("--pids")
        ? Stream.of(o.get("--pids").split(",")).map(Long::parseLong).toList() : List.of();
    Path probeIds = o.containsKey("--probe-ids") ? Path.of(o.get("--probe-ids")) : null;
    boolean ok = !urls.isEmpty() && (probeIds != null || (List.of("many", "hot").contains(workload)
        && List.of("max", "rate").contains(mode) && auctions >= 1 && auctions <= 10_000
        && concurrency >= 1 && concurrency <= 4096 && (mode.equals("max") || (rate >= 1 && rate <= 100_000))
        && warmup >= 0 && warmup <= 120 && duration >= 1 && duration <= 600 && timeout >= 100
        && connections >= 1 && connections <= 4096 && maxBids >= 1 && (pids.isEmpty() || pids.size() == urls.size())));
    if (!ok) {
      throw new IllegalArgumentException("invalid options\n" + USAGE);
    }
    return new BidBenchOptions(workload, mode, auctions, concurrency, rate, warmup, duration, timeout, connections,
        maxBids, List.of(o.getOrDefault("--users", "alice,bob,carol").split(",")),
        o.getOrDefault("--password", "gavel-demo"), urls, pids, Long.parseLong(o.getOrDefault("--pg-pid", "0")),
        o.get("--label"), Path.of(o.getOrDefault("--out", "target/bench")), probeIds,
        Long.parseLong(o.getOrDefault("--since-ms", "0")),
        Integer.parseInt(o.getOrDefault("--probe-timeout", "120")));
  }

  boolean closedLoop() {
    return mode.equals("max");
  }
}
