package io.gavel.fault;

import io.gavel.testing.BidLoad;
import io.gavel.testing.Checker;
import io.gavel.testing.HealthProber;
import io.gavel.testing.Http;
import io.gavel.testing.NetnsCluster;
import io.gavel.testing.Wait;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The network fault scenarios of the fault suite (issue 10), each under a bid storm through every node of a
 * {@link NetnsCluster} and checked with the {@link Checker}. Each scenario measures first and asserts last, so its
 * one-line summary is printed even when it fails; every failed expectation is reported, not just the first.
 */
final class NetworkScenarios {
  /** How long the sides may take to be one cluster again after a heal or a resume. */
  static final Duration MERGE = Duration.ofSeconds(30);
  /** A load balancer's patience with a health probe. */
  static final long PROBE_LIMIT_MILLIS = 2000;

  private final NetnsCluster net;
  private final Vertx vertx;
  private final Map<String, String> tokens;
  private final String store;

  NetworkScenarios(NetnsCluster net, Vertx vertx, String store) {
    this.net = net;
    this.vertx = vertx;
    this.store = store;
    this.tokens = Http.loginDemoUsers(net.baseUrl(0));
  }

  /** Failed expectations of one scenario, thrown together at the end. */
  static final class Failures {
    private final List<String> failures = new ArrayList<>();

    void expect(boolean condition, String failure) {
      if (!condition) {
        failures.add(failure);
      }
    }

    void add(Throwable t) {
      failures.add(t.getMessage());
    }

    void throwIfAny(String scenario) {
      if (!failures.isEmpty()) {
        throw new AssertionError(scenario + ":\n- " + String.join("\n- ", failures));
      }
    }
  }

  /** The precondition of every scenario: every node up and in one cluster of all of them. */
  void awaitWholeCluster(String before) {
    Wait.until("every node reports the whole cluster before " + before + " (the previous scenario may have left "
        + "it split)", Duration.ofSeconds(60), this::whole);
  }

  private boolean whole() {
    return whole(allNodes());
  }

  private List<Integer> allNodes() {
    return java.util.stream.IntStream.range(0, net.size()).boxed().toList();
  }

  private boolean whole(List<Integer> nodes) {
    for (int i : nodes) {
      try {
        Http.Response health = Http.get(net.baseUrl(i) + "/health");
        if (health.status() != 200 || health.json().getInteger("clusterSize") != nodes.size()) {
          return false;
        }
      } catch (RuntimeException unreachable) {
        return false;
      }
    }
    return true;
  }

  /** Waits up to {@link #MERGE} until the nodes form one cluster; the milliseconds it took, or -1. */
  private long awaitMerged(List<Integer> nodes, long since, Failures failures, String after) {
    try {
      Wait.until("every node reports a cluster of " + nodes.size() + " after " + after, MERGE, () -> whole(nodes));
      return (System.nanoTime() - since) / 1_000_000;
    } catch (AssertionError e) {
      failures.add(e);
      return -1;
    }
  }

  private BidLoad storm(String id, Duration max) {
    BidLoad load = BidLoad.start(vertx, net.baseUrls(), id, tokens, 3, 3, max);
    Wait.until("bids flow through every node", Duration.ofSeconds(30), () -> load.acks().size() >= 30
        && load.acks().stream().map(BidLoad.Ack::node).distinct().count() == net.size());
    return load;
  }

  /** Lets bids flow again after the fault (20 more acknowledged), within 30 s; false if they do not. */
  private boolean flowsAgain(BidLoad load, long since, Failures failures) {
    try {
      Wait.until("bids are acknowledged again after the fault", Duration.ofSeconds(30),
          () -> load.acks().stream().filter(a -> a.sentAt() > since).count() >= 20);
      return true;
    } catch (AssertionError e) {
      failures.add(e);
      return false;
    }
  }

  private String createAuction(int node, int seconds) {
    return Http.createAuction(net.baseUrl(node), tokens.get("alice"), seconds);
  }

  private Map<String, String> urls(List<Integer> nodes) {
    Map<String, String> urls = new LinkedHashMap<>();
    nodes.forEach(i -> urls.put(NetnsCluster.nodeName(i), net.baseUrl(i)));
    return urls;
  }

  private static long millis(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }

  /** The longest time without any acknowledged bid between two instants (System.nanoTime), in ms. */
  private static long longestGap(List<BidLoad.Ack> acks, long from, long to) {
    List<Long> times = new ArrayList<>(acks.stream().map(BidLoad.Ack::at).filter(t -> t > from && t < to).sorted()
        .toList());
    times.add(0, from);
    times.add(to);
    long gap = 0;
    for (int i = 1; i < times.size(); i++) {
      gap = Math.max(gap, times.get(i) - times.get(i - 1));
    }
    return gap / 1_000_000;
  }

  /**
   * (a) Node {@code victim} cut off from the others for {@code cut}, then healed, while every node's /health is
   * probed 4×/s. With {@code memoryStore}, only the majority's acknowledged bids must be kept (and the loss is
   * measured); otherwise none may be lost.
   */
  void partition(int victim, Duration cut, boolean memoryStore) throws InterruptedException {
    awaitWholeCluster("the partition");
    Failures failures = new Failures();
    String id = createAuction(0, 600);
    HealthProber prober = HealthProber.start(net.baseUrls(), 4);
    BidLoad load = storm(id, Duration.ofSeconds(150));
    // The storm's clients leave a node that stops answering; this one stays on the minority, to see it refuse.
    BidLoad pinned = BidLoad.start(vertx, List.of(net.baseUrl(victim)), id, tokens, 1, 0, Duration.ofSeconds(150));
    boolean victimOwns = NetnsCluster.nodeName(victim).equals(
        Http.get(net.baseUrl(0) + "/ops/auctions/" + id + "/owner").json().getString("node"));
    long cutAt = System.nanoTime();
    net.cut(victim);
    // Readiness turns 503 on the cut-off side once the others' heartbeats stop (3 s tolerance), long before they
    // are declared dead (10 s): a load balancer stops sending clients there.
    long notReady = -1;
    try {
      Wait.until("the cut-off node reports itself not ready", Duration.ofSeconds(8),
          () -> Http.get(net.baseUrl(victim) + "/health/ready").status() == 503);
      notReady = millis(cutAt, System.nanoTime());
    } catch (AssertionError e) {
      failures.add(e);
    }
    Thread.sleep(Math.max(0, cut.toMillis() - millis(cutAt, System.nanoTime())));
    net.heal();
    long healedAt = System.nanoTime();
    long merged = awaitMerged(allNodes(), healedAt, failures, "the heal");
    flowsAgain(load, System.nanoTime(), failures);
    load.stop();
    pinned.stop();
    prober.close();

    List<BidLoad.Ack> acks = new ArrayList<>(load.acks());
    pinned.acks().forEach(a -> acks.add(new BidLoad.Ack(a.seq(), a.amount(), a.bidder(), a.sentAt(), a.at(), victim,
        a.sentAtMillis(), a.atMillis())));
    Predicate<BidLoad.Ack> minorityDuringCut = a -> a.node() == victim && a.at() > cutAt && a.sentAt() < healedAt;
    List<BidLoad.Ack> minorityAcks = acks.stream().filter(minorityDuringCut).toList();
    long window = minorityAcks.stream().mapToLong(a -> millis(cutAt, a.at())).max().orElse(0);
    BidLoad.Attempt firstRefusal = pinned.outcomes().stream()
        .filter(o -> o.status() == 503 && o.sentAt() > cutAt && o.sentAt() < healedAt)
        .min(Comparator.comparingLong(BidLoad.Attempt::at)).orElse(null);
    Checker.Report all = Checker.check(net.urlsByNode(), id, acks, false);
    HealthProber.Probe slowest = prober.slowest();
    long lateProbes = prober.probes().stream().filter(p -> p.millis() > PROBE_LIMIT_MILLIS).count();

    System.out.printf("NetworkFaults(a) partition [%s store]: node%d cut for %d s; acks %d (minority during the cut "
            + "%d, the last %d ms after the cut; its first refusal %s), attempts %d, refused too low %d, failed %d; "
            + "lost %d (missing %d, different %d), %d checker violation(s); probes %d, slowest %d ms (node%d, status "
            + "%d), over %d ms: %d; merged %s after the heal; no ack for %d ms at most during the cut; the cut-off "
            + "node not ready %d ms after the cut%n",
        store, victim + 1, cut.toSeconds(), acks.size(), minorityAcks.size(), window,
        firstRefusal == null ? "never" : millis(cutAt, firstRefusal.at()) + " ms after the cut",
        load.attempts() + pinned.attempts(), load.refused() + pinned.refused(), load.failed() + pinned.failed(), all.lost(), all.missing(), all.mismatched(), all.violations().size(),
        prober.probes().size(), slowest == null ? -1 : slowest.millis(), slowest == null ? 0 : slowest.node() + 1,
        slowest == null ? 0 : slowest.status(), PROBE_LIMIT_MILLIS, lateProbes,
        merged < 0 ? "NOT within " + MERGE.toSeconds() + " s" : merged + " ms", longestGap(acks, cutAt, healedAt),
        notReady);
    if (!all.valid()) {
      System.out.println("  checker: " + String.join("\n  checker: ",
          all.violations().subList(0, Math.min(15, all.violations().size()))));
    }

    failures.expect(lateProbes == 0, lateProbes + " /health probes took more than " + PROBE_LIMIT_MILLIS
        + " ms (slowest " + slowest + ")");
    if (memoryStore) {
      // The memory store promises every acknowledged bid except those the cut-off member decided before it noticed
      // the cut (their backups never arrived): whatever the minority acknowledged during the cut and, when it owns
      // the auction, bids sent before it turned not ready and answered after the cut began, through whichever node
      // relayed them. It promises a minority that refuses once it notices.
      long noticedAt = cutAt + (notReady < 0 ? cut.toMillis() : notReady) * 1_000_000;
      Predicate<BidLoad.Ack> atRisk = minorityDuringCut.or(a -> victimOwns && a.at() > cutAt && a.sentAt() < noticedAt);
      Checker.Report majority = Checker.check(net.urlsByNode(), id, acks.stream().filter(atRisk.negate()).toList(),
          false);
      System.out.printf("NetworkFaults(a) memory store: the cut-off node %s the auction; %d acknowledged bids at "
          + "risk, %d lost%n", victimOwns ? "owned" : "did not own", acks.stream().filter(atRisk).count(), all.lost());
      try {
        majority.assertValid();
      } catch (AssertionError e) {
        failures.add(e);
      }
      failures.expect(firstRefusal != null, "the minority never refused a bid during the " + cut.toSeconds()
          + " s cut");
      if (firstRefusal != null) {
        long afterNoticing = minorityAcks.stream().filter(a -> a.sentAt() > firstRefusal.at()).count();
        failures.expect(afterNoticing == 0, "the minority acknowledged " + afterNoticing
            + " bids after it first refused one");
      }
    } else {
      try {
        all.assertValid();
      } catch (AssertionError e) {
        failures.add(e);
      }
    }
    failures.throwIfAny("partition of node" + (victim + 1));
  }

  /** (b) The owner of a hot auction paused (SIGSTOP) for {@code pause}, then resumed: nothing lost. */
  void pauseOwner(Duration pause) throws InterruptedException {
    awaitWholeCluster("pausing the owner");
    Failures failures = new Failures();
    String id = createAuction(0, 600);
    String ownerName = Http.get(net.baseUrl(0) + "/ops/auctions/" + id + "/owner").json().getString("node");
    int owner = net.indexOf(ownerName);
    BidLoad load = storm(id, Duration.ofSeconds(150));
    long pausedAt = System.nanoTime();
    net.pause(owner);
    Thread.sleep(pause.toMillis());
    net.resume(owner);
    long resumedAt = System.nanoTime();
    long merged = awaitMerged(allNodes(), resumedAt, failures, "the resume");
    flowsAgain(load, System.nanoTime(), failures);
    load.stop();

    List<BidLoad.Ack> acks = load.acks();
    Checker.Report report = Checker.check(net.urlsByNode(), id, acks, false);
    long firstAckDuringPause = acks.stream().filter(a -> a.sentAt() > pausedAt && a.node() != owner)
        .mapToLong(a -> millis(pausedAt, a.at())).min().orElse(-1);
    System.out.printf("NetworkFaults(b) pause [%s store]: owner %s paused %d s; acks %d (%d sent during the pause), "
            + "attempts %d, refused too low %d, failed %d; lost %d (missing %d, different %d), %d checker "
            + "violation(s); first ack through another node %d ms after the pause; no ack for %d ms at most; "
            + "whole again %s after the resume%n",
        store, ownerName, pause.toSeconds(), acks.size(),
        acks.stream().filter(a -> a.sentAt() > pausedAt && a.sentAt() < resumedAt).count(), load.attempts(),
        load.refused(), load.failed(), report.lost(), report.missing(), report.mismatched(),
        report.violations().size(), firstAckDuringPause, longestGap(acks, pausedAt, resumedAt),
        merged < 0 ? "NOT within " + MERGE.toSeconds() + " s" : merged + " ms");
    try {
      report.assertValid();
    } catch (AssertionError e) {
      failures.add(e);
    }
    failures.throwIfAny("pause of the owner " + ownerName);
  }

  /** (d) Latency and loss between members for {@code duration}: nothing lost, one cluster afterwards. */
  void slowLossyNetwork(String netem, Duration duration) throws InterruptedException {
    awaitWholeCluster("slowing the network");
    Failures failures = new Failures();
    String id = createAuction(0, 600);
    BidLoad load = storm(id, Duration.ofSeconds(150));
    long from = System.nanoTime();
    net.netem(netem);
    Thread.sleep(duration.toMillis());
    net.clearNetem();
    long to = System.nanoTime();
    long whole = awaitMerged(allNodes(), to, failures, "the network is fast again");
    flowsAgain(load, System.nanoTime(), failures);
    load.stop();

    List<BidLoad.Ack> acks = load.acks();
    List<BidLoad.Ack> during = acks.stream().filter(a -> a.sentAt() > from && a.sentAt() < to).toList();
    long slowestAck = during.stream().mapToLong(a -> millis(a.sentAt(), a.at())).max().orElse(-1);
    Checker.Report report = Checker.check(net.urlsByNode(), id, acks, false);
    System.out.printf("NetworkFaults(d) %s [%s store] for %d s: acks %d (%d sent meanwhile, slowest answered in %d "
            + "ms), attempts %d, refused too low %d, failed %d; lost %d (missing %d, different %d), %d checker "
            + "violation(s); whole cluster %s afterwards%n",
        netem, store, duration.toSeconds(), acks.size(), during.size(), slowestAck, load.attempts(), load.refused(),
        load.failed(), report.lost(), report.missing(), report.mismatched(), report.violations().size(),
        whole < 0 ? "NOT within " + MERGE.toSeconds() + " s" : whole + " ms");
    failures.expect(!during.isEmpty(), "no bid was acknowledged while the network was slow");
    try {
      report.assertValid();
    } catch (AssertionError e) {
      failures.add(e);
    }
    failures.throwIfAny(netem);
  }

  /** (e) The master (oldest member) killed with SIGKILL: the survivors serve every acknowledged bid. */
  void killMaster() throws InterruptedException {
    awaitWholeCluster("killing the master");
    Failures failures = new Failures();
    int master = net.master();
    List<Integer> survivors = allNodes().stream().filter(i -> i != master).toList();
    String id = createAuction(survivors.get(0), 600);
    BidLoad load = storm(id, Duration.ofSeconds(150));
    long killedAt = System.nanoTime();
    net.kill(master);
    long whole = awaitMerged(survivors, killedAt, failures, "the master died");
    flowsAgain(load, killedAt, failures);
    load.stop();

    List<BidLoad.Ack> acks = load.acks();
    long firstAck = acks.stream().filter(a -> a.sentAt() > killedAt).mapToLong(a -> millis(killedAt, a.at())).min()
        .orElse(-1);
    Checker.Report report = Checker.check(urls(survivors), id, acks, false);
    System.out.printf("NetworkFaults(e) kill master [%s store]: killed node%d; acks %d, attempts %d, refused too low "
            + "%d, failed %d; lost %d (missing %d, different %d), %d checker violation(s); first ack sent after the "
            + "kill %d ms after it; survivors a cluster of %d %s after the kill%n",
        store, master + 1, acks.size(), load.attempts(), load.refused(), load.failed(), report.lost(),
        report.missing(), report.mismatched(), report.violations().size(), firstAck, survivors.size(),
        whole < 0 ? "NOT within " + MERGE.toSeconds() + " s" : whole + " ms");
    try {
      report.assertValid();
    } catch (AssertionError e) {
      failures.add(e);
    }
    failures.throwIfAny("kill of the master node" + (master + 1));
  }
}
