package io.gavel.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.BridgeClient;
import io.gavel.testing.Metrics;
import io.gavel.testing.ServerSockets;
import io.gavel.testing.StalledClient;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Connection limits, the idle timeout and the slow-consumer policy, each on a node of its own with small limits
 * so that they show quickly.
 */
class BridgeLimitsTest {
  private TestCluster cluster;
  private Vertx clients;
  private int port;

  private void start(String... args) {
    cluster = TestCluster.start(new String[][] {args});
    clients = Vertx.vertx();
    port = cluster.node(0).config().httpPort();
  }

  @AfterEach
  void stop() {
    if (clients != null) {
      clients.close().await();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void connectionsPerAddressAreCappedAndIdleOnesAreClosed() {
    // 3 s: opening four connections on a loaded machine must not outlast it, or a silent one is closed (4000) and
    // frees its slot before the fourth is refused.
    start("--set", "limits.maxConnectionsPerIp=3", "--set", "bridge.pingTimeoutMillis=3000");
    List<BridgeClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        open.add(BridgeClient.connect(clients, port));
      }
      BridgeClient fourth = BridgeClient.connect(clients, port);
      Wait.until("the fourth connection from one address is closed", Duration.ofSeconds(5), fourth::isClosed);
      assertThat(fourth.closeStatus()).isEqualTo((short) 4003);

      // open[0] keeps pinging (each poll of the wait sends one); the others say nothing and are closed once the
      // ping timeout (3 s) has passed.
      Wait.until("silent connections are closed", Duration.ofSeconds(10), () -> {
        open.get(0).ping();
        return open.get(1).isClosed() && open.get(2).isClosed();
      });
      assertThat(open.get(1).closeStatus()).isEqualTo((short) 4000);
      assertThat(open.get(0).isClosed()).as("a pinging connection stays open").isFalse();
    } finally {
      open.forEach(c -> {
        if (!c.isClosed()) {
          c.close();
        }
      });
    }
  }

  /**
   * Browsers offer permessage-deflate on every WebSocket; a node that took it would keep a zlib deflater and inflater
   * for each connection's whole life (~106 KB each, BENCHMARKS.md "Idle connections"). Declined on the raw endpoint
   * and on SockJS over WebSocket alike, and the bridge still answers.
   */
  @Test
  void aWebSocketThatOffersCompressionIsServedUncompressed() {
    start();
    WebSocketClient browserLike = clients.createWebSocketClient(
        new WebSocketClientOptions().setTryUsePerMessageCompression(true)
            .setTryUsePerFrameCompression(true));
    for (String uri : List.of("/eventbus/websocket", "/eventbus/123/deflate1/websocket")) {
      WebSocket ws = browserLike.connect(new WebSocketConnectOptions()
          .setHost("127.0.0.1").setPort(port).setURI(uri)).await();
      assertThat(ws.headers().get("Sec-WebSocket-Extensions")).as(uri).isNull();
      List<String> frames = new CopyOnWriteArrayList<>();
      ws.handler(frame -> frames.add(frame.toString()));
      String register = new JsonObject().put("type", "register").put("address", "internal.secret").encode();
      // SockJS carries bridge frames in a JSON array of strings; the raw endpoint takes them as they are.
      ws.writeTextMessage(uri.equals("/eventbus/websocket") ? register
          : new JsonArray().add(register).encode()).await();
      Wait.until("the bridge refuses the registration over " + uri, Duration.ofSeconds(5),
          () -> frames.stream().anyMatch(f -> f.contains("access_denied")));
      ws.close().await();
    }
    browserLike.close().await();
  }

  /**
   * On every transport: the raw endpoint, SockJS over WebSocket as browsers connect (the session has a queue of its
   * own), the streaming fallbacks (xhr_streaming, eventsource, htmlfile), and xhr polling (a client that stops
   * polling: its messages queue in the session, not on a connection).
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.EnumSource(StalledClient.Transport.class)
  void aClientThatStopsReadingIsCutOffAndReleasedWhileOthersGetEverything(StalledClient.Transport transport)
      throws Exception {
    start("--set", "limits.slowConsumerMaxDrops=20");
    String address = "news.slow-consumer-test";
    String metricsUrl = cluster.baseUrl(0) + "/metrics";
    BridgeClient reader = BridgeClient.connect(clients, port);
    try (StalledClient stalled = StalledClient.register(port, address, transport)) {
      reader.register(address);
      long keepalive = clients.setPeriodic(200, id -> reader.ping());
      String payload = "x".repeat(2 * 1024);
      int sent = 0;
      long mostQueued = 0;
      try {
        Wait.until("the reader's and the stalled client's registrations are live", Duration.ofSeconds(5), () -> {
          cluster.node(0).vertx().eventBus().publish(address, new JsonObject().put("probe", true));
          return !reader.received(address).isEmpty() && Metrics.of(metricsUrl).value("gavel_bridge_sockets") == 2;
        });
        int before = reader.received(address).size();
        // Batches of 50 messages of 2 KiB (100 KiB: within what a reader that keeps up may have in flight, its kernel
        // buffer plus its budget); the next batch only after the reader has the previous one. The stalled client
        // never reads: once its queue is full it misses messages, and after 20 it is cut off.
        while (sent < 4_000) {
          for (int i = 0; i < 50; i++) {
            cluster.node(0).vertx().eventBus().publish(address, new JsonObject().put("n", sent++).put("pad", payload));
          }
          int expected = before + sent;
          Wait.until("the reader keeps up", Duration.ofSeconds(10), () -> reader.received(address).size() >= expected);
          mostQueued = Math.max(mostQueued, Metrics.of(metricsUrl).value("gavel_bridge_queued_bytes"));
        }
      } finally {
        clients.cancelTimer(keepalive);
      }
      Wait.until("the stalled client is cut off as a slow consumer", Duration.ofSeconds(10), () -> {
        Metrics metrics = Metrics.of(metricsUrl);
        return metrics.value("gavel_bridge_slow_consumers_closed_total", "reason", "skipped") == 1
            && metrics.value("gavel_bridge_sockets") == 1;
      });
      assertThat(mostQueued).as("bytes the node held for its sockets at most, next to the budget")
          .isLessThanOrEqualTo(256 * 1024 + 2 * 17 * 1024);
      if (transport.streams()) {
        int node = port;
        java.util.Set<Integer> stalledPort = java.util.Set.of(stalled.localPort());
        Wait.until("the node holds no socket for the stalled client", Duration.ofSeconds(10),
            () -> ServerSockets.held(node, StalledClient.SOURCE_ADDRESS, stalledPort).isEmpty());
        assertThat(stalled.releasedByServer(Duration.ofSeconds(10)))
            .as("the node released the TCP connection and what it had queued for it (%d bytes drained)",
                stalled.drained()).isTrue();
      }
      assertThat(reader.isClosed()).isFalse();
      assertThat(reader.received(address).stream().filter(m -> m.containsKey("n")).map(m -> m.getInteger("n")))
          .as("the reader got every message, in order").containsExactlyElementsOf(
              java.util.stream.IntStream.range(0, sent).boxed().toList());
      assertThat(Metrics.of(metricsUrl).value("gavel_bridge_dropped_messages_total")).isPositive();
    } finally {
      reader.close();
    }
  }

  @Test
  void aClientThatFellBehindGetsTheNewestMessageOfEachAddressOnceItReadsAgain() throws Exception {
    start("--set", "limits.sendBufferBytes=16384", "--set", "limits.slowConsumerMaxDrops=100000",
        "--set", "limits.slowConsumerMaxMillis=600000");
    String address = "news.catch-up-test";
    String metricsUrl = cluster.baseUrl(0) + "/metrics";
    try (StalledClient behind = StalledClient.register(port, address)) {
      Wait.until("the registration is live", Duration.ofSeconds(5),
          () -> Metrics.of(metricsUrl).value("gavel_bridge_subscriptions") == 1);
      String payload = "x".repeat(16 * 1024);
      for (int i = 0; i < 100; i++) {
        cluster.node(0).vertx().eventBus().publish(address, new JsonObject().put("n", i).put("pad", payload));
      }
      Wait.until("the client is over its budget and skipped", Duration.ofSeconds(10),
          () -> Metrics.of(metricsUrl).value("gavel_bridge_dropped_messages_total") > 0);
      String marker = "newest-" + System.nanoTime();
      cluster.node(0).vertx().eventBus().publish(address, new JsonObject().put("n", marker));
      Wait.until("the newest was skipped too", Duration.ofSeconds(10),
          () -> Metrics.of(metricsUrl).value("gavel_bridge_dropped_messages_total") > 0
              && Metrics.of(metricsUrl).value("gavel_bridge_slow_sockets") == 1);
      assertThat(behind.resumeUntil(marker, Duration.ofSeconds(20)))
          .as("once it reads again, the client gets the newest message it skipped").isTrue();
    }
  }

  /**
   * One burst that puts a client that never reads over its budget and past the skipped-message limit, then silence:
   * the node closes it once it has written nothing for long enough, without waiting for a next message that may
   * never come (nor for the idle check, set out of the way here).
   */
  @Test
  void aClientLeftBehindByOneBurstIsClosedWhenNoMoreMessagesCome() throws Exception {
    start("--set", "limits.sendBufferBytes=16384", "--set", "limits.slowConsumerMaxDrops=20",
        "--set", "limits.slowConsumerMaxMillis=600000", "--set", "bridge.pingTimeoutMillis=600000");
    String address = "news.one-burst-test";
    String metricsUrl = cluster.baseUrl(0) + "/metrics";
    try (StalledClient stalled = StalledClient.register(port, address)) {
      Wait.until("the registration is live", Duration.ofSeconds(5),
          () -> Metrics.of(metricsUrl).value("gavel_bridge_subscriptions") == 1);
      String payload = "x".repeat(16 * 1024);
      for (int i = 0; i < 200; i++) {
        cluster.node(0).vertx().eventBus().publish(address, new JsonObject().put("n", i).put("pad", payload));
      }
      Wait.until("the burst is over the client's budget and the skip limit", Duration.ofSeconds(10),
          () -> Metrics.of(metricsUrl).value("gavel_bridge_dropped_messages_total") >= 20);
      Wait.until("the client is cut off as a slow consumer", Duration.ofSeconds(15),
          () -> Metrics.of(metricsUrl).value("gavel_bridge_slow_consumers_closed_total", "reason", "skipped") == 1);
      assertThat(stalled.releasedByServer(Duration.ofSeconds(10))).as("its TCP connection released").isTrue();
    }
  }

  @Test
  void aClientThatSendsOnlyJunkAndNeverReadsIsClosedAndReleased() throws Exception {
    start();
    try (StalledClient junk = StalledClient.register(port, "auction.junk-test")) {
      int sent = 0;
      try {
        for (; sent < 200; sent++) {
          junk.send(sent % 2 == 0 ? "not json at all" : "{\"type\":42}");
        }
      } catch (java.io.IOException closedMidway) {
        // the node closed the connection while frames were still going out: that is the point
      }
      assertThat(junk.releasedByServer(Duration.ofSeconds(4)))
          .as("closed after %d malformed frames in a row, its TCP connection released", 10).isTrue();
      Wait.until("the node counts no bridged socket", Duration.ofSeconds(10),
          () -> io.gavel.testing.Http.get(cluster.baseUrl(0) + "/metrics").body().contains("gavel_bridge_sockets 0.0"));
    }
  }
}
