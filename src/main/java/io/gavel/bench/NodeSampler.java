package io.gavel.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Each node's memory, sampled once a second while a run lasts: heap in use (every {@code area="heap"} pool of
 * {@code jvm_memory_used_bytes} summed) and direct buffers ({@code jvm_buffer_memory_used_bytes{id="direct"}}) from
 * its {@code /metrics}, RSS from {@code /proc}, the bytes the kernel holds unsent on the node's client connections
 * (the send queues of its HTTP port's established sockets, from {@code /proc/net/tcp*}: outside the JVM and its RSS),
 * and the bridge's count of sockets it closed as slow consumers. Keeps the first sample, the peak of each figure and
 * the last sample. A node without {@code /metrics} (the raw server) has RSS and send queues only (the others read -1).
 */
final class NodeSampler {
  /** One reading of one node; bytes, or -1 when the node does not say. */
  record Sample(long heapBytes, long directBytes, long rssBytes, long sendQueueBytes, long slowConsumersClosed) {
    Sample max(Sample other) {
      return new Sample(Math.max(heapBytes, other.heapBytes), Math.max(directBytes, other.directBytes),
          Math.max(rssBytes, other.rssBytes), Math.max(sendQueueBytes, other.sendQueueBytes),
          Math.max(slowConsumersClosed, other.slowConsumersClosed));
    }
  }

  private final Vertx vertx;
  private final HttpClient http;
  private final List<Node> nodes;
  private final Sample[] first;
  private final Sample[] peak;
  private final Sample[] last;
  private long timer = -1;
  private int samples;

  NodeSampler(Vertx vertx, List<Node> nodes) {
    this.vertx = vertx;
    this.http = vertx.createHttpClient();
    this.nodes = nodes;
    this.first = new Sample[nodes.size()];
    this.peak = new Sample[nodes.size()];
    this.last = new Sample[nodes.size()];
  }

  /** Takes the first sample now (waiting for it), then one a second until {@link #stop()}. */
  void start() {
    sampleAll().await();
    timer = vertx.setPeriodic(1_000, id -> sampleAll());
  }

  /** Takes the last sample (waiting for it) and stops sampling. */
  void stop() {
    vertx.cancelTimer(timer);
    sampleAll().await();
  }

  int samples() {
    return samples;
  }

  /** Per node: heap, direct and RSS in MB at the first sample, at their peaks and at the last sample. */
  JsonObject figures(int node) {
    JsonObject out = new JsonObject();
    put(out, "heapMb", first[node].heapBytes(), peak[node].heapBytes(), last[node].heapBytes());
    put(out, "directMb", first[node].directBytes(), peak[node].directBytes(), last[node].directBytes());
    put(out, "rssMb", first[node].rssBytes(), peak[node].rssBytes(), last[node].rssBytes());
    put(out, "kernelSendQueueMb", first[node].sendQueueBytes(), peak[node].sendQueueBytes(),
        last[node].sendQueueBytes());
    return out;
  }

  /** Sockets the nodes' bridges closed as slow consumers between the first and the last sample. */
  long slowConsumersClosed() {
    long closed = 0;
    for (int i = 0; i < nodes.size(); i++) {
      closed += Math.max(0, last[i].slowConsumersClosed() - first[i].slowConsumersClosed());
    }
    return closed;
  }

  private static void put(JsonObject out, String name, long before, long peak, long after) {
    if (before >= 0) {
      out.put(name + "Before", mb(before)).put(name + "Peak", mb(peak)).put(name + "After", mb(after));
    }
  }

  private static double mb(long bytes) {
    return FanoutBench.round(bytes / 1048576.0);
  }

  private Future<Void> sampleAll() {
    List<Future<Sample>> all = new ArrayList<>();
    for (Node node : nodes) {
      all.add(sample(node));
    }
    return Future.join(all).transform(done -> {
      synchronized (this) {
        for (int i = 0; i < nodes.size(); i++) {
          Node node = nodes.get(i);
          Sample s = all.get(i).succeeded() ? all.get(i).result()
              : new Sample(-1, -1, ProcessStats.read(node.pid()).rssKb() * 1024, sendQueueBytes(node.port()), -1);
          first[i] = first[i] == null ? s : first[i];
          peak[i] = peak[i] == null ? s : peak[i].max(s);
          last[i] = s;
        }
        samples++;
      }
      return Future.succeededFuture();
    });
  }

  private Future<Sample> sample(Node node) {
    return http.request(BenchHttp.options(node, "/metrics"))
        .compose(request -> request.send())
        .compose(response -> response.statusCode() == 200 ? response.body()
            : Future.failedFuture("no metrics: HTTP " + response.statusCode()))
        .map(body -> parse(body.toString(), ProcessStats.read(node.pid()).rssKb() * 1024,
            sendQueueBytes(node.port())));
  }

  /** The figures from a Prometheus text exposition. */
  static Sample parse(String metrics, long rssBytes, long sendQueueBytes) {
    double heap = 0;
    double direct = -1;
    double closed = 0;
    for (String line : metrics.split("\n")) {
      if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
        heap += value(line);
      } else if (line.startsWith("jvm_buffer_memory_used_bytes{") && line.contains("id=\"direct\"")) {
        direct = value(line);
      } else if (line.startsWith("gavel_bridge_slow_consumers_closed_total{")) {
        closed += value(line);
      }
    }
    return new Sample((long) heap, (long) direct, rssBytes, sendQueueBytes, (long) closed);
  }

  /** Unsent bytes in the kernel on the established TCP connections whose local port is {@code port}; -1: unknown. */
  static long sendQueueBytes(int port) {
    long total = 0;
    try {
      for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
        List<String> lines = Files.readAllLines(Path.of(table));
        for (String line : lines.subList(1, lines.size())) {
          // sl local_address rem_address st tx_queue:rx_queue ...; addresses as HEXIP:HEXPORT, state 01 established
          String[] f = line.trim().split("\\s+");
          String local = f[1];
          if (f[3].equals("01") && Integer.parseInt(local.substring(local.indexOf(':') + 1), 16) == port) {
            total += Long.parseLong(f[4].substring(0, f[4].indexOf(':')), 16);
          }
        }
      }
      return total;
    } catch (IOException | RuntimeException unreadable) {
      return -1;
    }
  }

  /**
   * The peers of the established IPv4 connections (also IPv4-mapped ones on IPv6 sockets, as Java opens them) whose
   * local port is {@code port}: how many from each address (e.g. {"127.0.0.1": 4750, "127.0.0.2": 4750}).
   */
  static Map<String, Integer> peerAddresses(int port) throws IOException {
    Map<String, Integer> peers = new TreeMap<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      List<String> lines = Files.readAllLines(Path.of(table));
      for (String line : lines.subList(1, lines.size())) {
        // local and remote as HEXIP:HEXPORT, each 32-bit word's bytes in host (little-endian) order; 01: established
        String[] f = line.trim().split("\\s+");
        String remote = f[2].substring(0, f[2].indexOf(':'));
        boolean ipv4 = remote.length() == 8 || remote.startsWith("0000000000000000FFFF0000");
        if (f[3].equals("01") && ipv4 && Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16) == port) {
          long ip = Long.parseLong(remote.substring(remote.length() - 8), 16);
          peers.merge((ip & 255) + "." + (ip >> 8 & 255) + "." + (ip >> 16 & 255) + "." + (ip >> 24 & 255), 1,
              Integer::sum);
        }
      }
    }
    return peers;
  }

  private static double value(String line) {
    String[] rest = line.substring(line.lastIndexOf('}') + 1).trim().split(" ");
    return Double.parseDouble(rest[0]);
  }
}
