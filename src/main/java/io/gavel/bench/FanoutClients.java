package io.gavel.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * The clients of a fan-out run, watching one auction: bridge WebSockets (healthy ones, and hung ones that stop
 * reading once paused) or long polls, spread round-robin over the nodes; what they received and how late.
 */
final class FanoutClients {
  private static final int CONNECT_CONCURRENCY = 256;
  private static final long PING_MILLIS = 5_000;
  private static final int PING_SLICES = 20;

  private final Vertx vertx;
  private final FanoutBench.Options options;
  private final List<Node> nodes;
  /** Latency (ms) of every measured delivery to a healthy client. */
  final Recorder latencies = new Recorder(3);
  final LongAdder received = new LongAdder();
  /** The newest seq each healthy WebSocket client has seen: a client skipped by conflation still converges on it. */
  private final List<AtomicLong> newestSeen =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<WebSocketClient> socketClients = new ArrayList<>();
  private final List<WebSocket> hungSockets = new ArrayList<>();
  final LongAdder hungReceived = new LongAdder();
  final LongAdder hungClosed = new LongAdder();
  final LongAdder healthyClosed = new LongAdder();
  final AtomicLong lastHungCloseNanos = new AtomicLong();
  private volatile long measureFromSeq = Long.MAX_VALUE;
  private volatile boolean running = true;

  FanoutClients(Vertx vertx, FanoutBench.Options options, List<Node> nodes) {
    this.vertx = vertx;
    this.options = options;
    this.nodes = nodes;
  }

  /** From here on only events after {@code seq} are measured. */
  void measureAfter(long seq) {
    measureFromSeq = seq;
  }

  /** From here on the hung clients read nothing: their sockets stop reading, and TCP pushes back on the node. */
  void stopHungReading() {
    hungSockets.forEach(WebSocket::pause);
  }

  /** The run is over: closes count no more, and long polls are not renewed. */
  void stop() {
    running = false;
  }

  /**
   * Connects every client, {@link #CONNECT_CONCURRENCY} at a time, each bound to its source address, and registers
   * it on {@code address}; returns how many connected.
   */
  int connectSockets(String address) throws Exception {
    String register = frame(new JsonObject().put("type", "register").put("address", address).encode());
    String ping = frame("{\"type\":\"ping\"}");
    // One client object per source address (at least two, as before: they spread over the client's event loops).
    int clientObjects = Math.max(2, options.sourceAddresses());
    for (int e = 0; e < clientObjects; e++) {
      WebSocketClientOptions clientOptions = new WebSocketClientOptions()
          .setMaxConnections(options.clients() + 10).setConnectTimeout(30_000)
          // Browsers offer permessage-deflate on every WebSocket; the node decides whether to take it.
          .setTryUsePerMessageCompression(options.offerDeflate());
      if (options.sourceAddress(e) != null) {
        clientOptions.setLocalAddress(options.sourceAddress(e));
      }
      socketClients.add(vertx.createWebSocketClient(clientOptions));
    }
    // A hung tab's socket: once paused, its small receive buffer fills at once and TCP pushes back on the node.
    WebSocketClient hungClient = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxConnections(options.hungClients() + 10).setConnectTimeout(30_000).setReceiveBufferSize(4096));
    socketClients.add(hungClient);
    AtomicLong failures = new AtomicLong();
    // Ping every socket every 5 s from the start, as the JS client does: the bridge closes silent sockets. Hung
    // clients ping too (a hung tab's timers may still run), so only the slow-consumer policy can release them.
    // Spread over the 5 s like browsers' timers, a twentieth of the sockets every 250 ms, not all at once.
    List<WebSocket> open = Collections.synchronizedList(new ArrayList<>());
    long[] tick = {0};
    vertx.setPeriodic(PING_MILLIS / PING_SLICES, id -> {
      if (running) {
        int slice = (int) (tick[0]++ % PING_SLICES);
        synchronized (open) {
          for (int i = slice; i < open.size(); i += PING_SLICES) {
            open.get(i).writeTextMessage(ping);
          }
        }
      }
    });
    int healthy = options.healthyClients();
    int connected = 0;
    for (int from = 0; from < options.clients(); from += CONNECT_CONCURRENCY) {
      List<Future<WebSocket>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(options.clients(), from + CONNECT_CONCURRENCY); i++) {
        Node node = nodes.get(i % nodes.size());
        boolean hung = i >= healthy;
        WebSocketClient client = hung ? hungClient : socketClients.get(i % clientObjects);
        batch.add(client.connect(new WebSocketConnectOptions().setHost(node.host()).setPort(node.port())
                .setURI(options.sockJs() ? "/eventbus/" + i % 1000 + "/" + UUID.randomUUID() + "/websocket"
                    : "/eventbus/websocket"))
            .onSuccess(ws -> {
              if (hung) {
                ws.handler(frame -> {
                  if (frame.toString().contains("\"bid.accepted\"")) {
                    hungReceived.increment();
                  }
                });
                ws.closeHandler(v -> {
                  hungClosed.increment();
                  lastHungCloseNanos.set(System.nanoTime());
                });
              } else {
                AtomicLong newest = new AtomicLong();
                newestSeen.add(newest);
                ws.handler(frame -> onMessage(frame, newest));
                ws.closeHandler(v -> {
                  if (running) {
                    healthyClosed.increment();
                  }
                });
              }
              ws.writeTextMessage(register);
              open.add(ws);
            })
            .onFailure(x -> failures.incrementAndGet()));
      }
      for (int i = 0; i < batch.size(); i++) {
        try {
          WebSocket ws = batch.get(i).await();
          connected++;
          if (from + i >= healthy) {
            hungSockets.add(ws);
          }
        } catch (Exception failed) {
          // counted above; a client that cannot connect shows up as lost deliveries
        }
      }
    }
    if (failures.get() > 0) {
      System.err.println(failures.get() + " clients failed to connect");
    }
    return connected;
  }

  /** A bridge frame as the transport carries it: as it is, or (SockJS) in a JSON array of strings. */
  private String frame(String bridgeFrame) {
    return options.sockJs() ? new JsonArray().add(bridgeFrame).encode() : bridgeFrame;
  }

  private void onMessage(Buffer frame, AtomicLong newest) {
    String text = frame.toString();
    if (options.sockJs() && text.startsWith("a[")) {
      // SockJS: "o" opens, "h" is a heartbeat, "a[...]" carries bridge frames as JSON strings.
      for (Object message : new JsonArray(text.substring(1))) {
        onBridgeFrame((String) message, newest);
      }
    } else if (!options.sockJs()) {
      onBridgeFrame(text, newest);
    }
  }

  private void onBridgeFrame(String text, AtomicLong newest) {
    if (!text.contains("\"bid.accepted\"")) {
      return;
    }
    long seq = number(text, "\"seq\":");
    newest.accumulateAndGet(seq, Math::max);
    record(seq, number(text, "\"at\":"));
  }

  /** Healthy WebSocket clients whose newest event is {@code finalSeq}: their last state is the auction's. */
  int convergedOn(long finalSeq) {
    int converged = 0;
    for (AtomicLong newest : newestSeen) {
      if (newest.get() >= finalSeq) {
        converged++;
      }
    }
    return converged;
  }

  private void record(long seq, long at) {
    if (seq > measureFromSeq) {
      latencies.recordValue(Math.max(0, System.currentTimeMillis() - at));
    }
    // Before the measured window this counts the warm-up event's arrivals; in it, the measured deliveries.
    if (seq > measureFromSeq || measureFromSeq == Long.MAX_VALUE) {
      received.increment();
    }
  }

  void startLongPolls(String auctionId) {
    for (int n = 0; n < nodes.size(); n++) {
      Node node = nodes.get(n);
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
          .setDefaultHost(node.host()).setDefaultPort(node.port()),
          new PoolOptions().setHttp1MaxSize(options.clients() / nodes.size() + 10));
      for (int i = n; i < options.clients(); i += nodes.size()) {
        poll(client, auctionId, 0);
      }
    }
  }

  private void poll(HttpClient client, String auctionId, long after) {
    if (!running) {
      return;
    }
    client.request(new RequestOptions().setMethod(HttpMethod.GET)
            .setURI("/api/auctions/" + auctionId + "/poll?after=" + after + "&timeoutMs=25000"))
        .compose(request -> request.send().compose(response -> response.body()
            .map(body -> response.statusCode() == 200 ? body : null)))
        .onComplete(done -> {
          long next = after;
          if (done.succeeded() && done.result() != null) {
            for (Object e : new JsonArray(done.result())) {
              JsonObject event = (JsonObject) e;
              next = Math.max(next, event.getLong("seq"));
              if ("bid.accepted".equals(event.getString("type"))) {
                record(event.getLong("seq"), event.getLong("at"));
              }
            }
          }
          long from = next;
          if (done.failed()) {
            vertx.setTimer(100, t -> poll(client, auctionId, from));
          } else {
            poll(client, auctionId, from);
          }
        });
  }

  private static long number(String text, String key) {
    int i = text.indexOf(key) + key.length();
    long value = 0;
    while (i < text.length() && Character.isDigit(text.charAt(i))) {
      value = value * 10 + (text.charAt(i++) - '0');
    }
    return value;
  }
}
