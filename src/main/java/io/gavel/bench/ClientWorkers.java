package io.gavel.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The load-generator processes of an idle run, each a {@link ClientWorker} holding its share of the clients: one
 * process may open only as many sockets as its open-files limit allows. Every answer is awaited with a deadline;
 * {@link #close()} ends them all.
 */
final class ClientWorkers implements AutoCloseable {
  private static final long ANSWER_SECONDS = 30;

  private record Worker(Process process, PrintStream commands, BlockingQueue<String> answers, int clients) {
  }

  private final List<Worker> workers = new ArrayList<>();

  /** Starts {@code processes} workers sharing {@code options.clients()} clients, each registering on address. */
  static ClientWorkers start(FanoutBench.Options options, List<Node> nodes, String address, Path logs)
      throws IOException {
    ClientWorkers all = new ClientWorkers();
    try {
      int processes = options.clientProcesses();
      for (int p = 0; p < processes; p++) {
        int share = options.clients() / processes + (p < options.clients() % processes ? 1 : 0);
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"), ClientWorker.class.getName(),
            "--mode", "idle", "--nodes", String.join(",", nodes.stream().map(Node::url).toList()),
            "--clients", String.valueOf(share), "--source-addresses", String.valueOf(options.sourceAddresses()),
            "--offer-deflate", String.valueOf(options.offerDeflate()), "--address", address,
            "--transport", options.sockJs() ? "sockjs" : "raw"));
        Process process = new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(logs.resolve("client-worker-" + p + ".log").toFile()))
            .start();
        BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> readLines(process, answers), "client-worker-" + p);
        reader.setDaemon(true);
        reader.start();
        all.workers.add(new Worker(process, new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8),
            answers, share));
      }
      return all;
    } catch (IOException | RuntimeException failed) {
      all.close();
      throw failed;
    }
  }

  private static void readLines(Process process, BlockingQueue<String> answers) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        answers.add(line);
      }
    } catch (IOException ended) {
      // the worker is gone; whoever waits for its answer times out
    }
  }

  /** Clients each worker holds; worker p's client i connects to node i % nodes. */
  List<Integer> shares() {
    return workers.stream().map(Worker::clients).toList();
  }

  /** Waits (at most {@code seconds}) until every worker has connected its clients; {connected, failed}. */
  long[] awaitConnected(long seconds) throws InterruptedException {
    long[] total = new long[2];
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (Worker w : workers) {
      String[] answer = answer(w, "connected", deadline);
      total[0] += Long.parseLong(answer[1]);
      total[1] += Long.parseLong(answer[2]);
    }
    return total;
  }

  /** {events received by all clients, clients closed by the server} so far. */
  long[] status() throws InterruptedException {
    long[] total = new long[2];
    for (Worker w : workers) {
      w.commands().println("status");
    }
    for (Worker w : workers) {
      String[] answer = answer(w, "status", deadline());
      total[0] += Long.parseLong(answer[1]);
      total[1] += Long.parseLong(answer[2]);
    }
    return total;
  }

  /** From here on only events after {@code seq} count, and the received count starts from zero. */
  void measureAfter(long seq) throws InterruptedException {
    for (Worker w : workers) {
      w.commands().println("measure-after " + seq);
    }
    for (Worker w : workers) {
      answer(w, "ok", deadline());
    }
  }

  /** Every worker's latencies (ms) since the last call, merged. */
  Histogram histogram() throws Exception {
    Histogram merged = new Histogram(3);
    for (Worker w : workers) {
      w.commands().println("histogram");
    }
    for (Worker w : workers) {
      merged.add(ClientWorker.decode(answer(w, "histogram", deadline())[1]));
    }
    return merged;
  }

  private static long deadline() {
    return System.nanoTime() + TimeUnit.SECONDS.toNanos(ANSWER_SECONDS);
  }

  private static String[] answer(Worker w, String expected, long deadline) throws InterruptedException {
    String line = w.answers().poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    if (line == null || !line.startsWith(expected)) {
      throw new IllegalStateException("client worker " + w.process().pid() + " answered " + line + " instead of "
          + expected + (w.process().isAlive() ? "" : " (it exited " + w.process().exitValue() + "; see its log)"));
    }
    return line.split(" ");
  }

  @Override
  public void close() {
    for (Worker w : workers) {
      w.commands().println("exit");
    }
    for (Worker w : workers) {
      try {
        if (!w.process().waitFor(15, TimeUnit.SECONDS)) {
          w.process().destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        w.process().destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
