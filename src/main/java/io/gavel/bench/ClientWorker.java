package io.gavel.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.HdrHistogram.Histogram;

/**
 * A load-generator process of an idle run ({@link IdleFanout}): its share of the bridge clients, driven over stdin
 * and answering on stdout, one line each, so that a run can hold more sockets than one process may open. Takes the
 * FanoutBench options (its {@code --clients} is its share) plus {@code --address A}, the address to register on.
 *
 * <pre>
 * (started)          → connected OK FAILED
 * status             → status RECEIVED CLOSED
 * measure-after SEQ  → ok                        (from here on only events after SEQ count, from zero)
 * histogram          → histogram BASE64          (latencies in ms since the last one, HdrHistogram, compressed)
 * exit or end of input: closes everything and exits
 * </pre>
 */
public final class ClientWorker {
  private ClientWorker() {
  }

  public static void main(String[] args) throws Exception {
    int at = Arrays.asList(args).indexOf("--address");
    if (at < 0 || at + 1 >= args.length) {
      throw new IllegalArgumentException("--address A is required");
    }
    String address = args[at + 1];
    FanoutBench.Options options = FanoutBench.Options.parse(args);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    try {
      BenchNodes targets = BenchNodes.find(vertx, options.nodeUrls(), true);
      FanoutClients clients = new FanoutClients(vertx, options, targets.list());
      int connected = clients.connectSockets(address);
      out.println("connected " + connected + " " + (options.clients() - connected));
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line = in.readLine(); line != null && !line.equals("exit"); line = in.readLine()) {
        String[] command = line.trim().split(" ");
        switch (command[0]) {
          case "status" -> out.println("status " + clients.received.sum() + " " + clients.healthyClosed.sum());
          case "measure-after" -> {
            clients.measureAfter(Long.parseLong(command[1]));
            clients.received.reset();
            clients.latencies.reset();
            out.println("ok");
          }
          case "histogram" -> out.println("histogram " + encode(clients.latencies.getIntervalHistogram()));
          default -> out.println("error unknown command: " + command[0]);
        }
      }
      clients.stop();
    } finally {
      vertx.close().await();
    }
  }

  static String encode(Histogram histogram) {
    ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
    int length = histogram.encodeIntoCompressedByteBuffer(buffer);
    return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
  }

  static Histogram decode(String base64) throws Exception {
    return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
  }
}
