package io.gavel.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A SockJS session as sockjs-client opens one, over WebSocket ({@code /eventbus/<server>/<session>/websocket}) or
 * over xhr polling ({@code xhr} to receive, {@code xhr_send} to send), speaking SockJS framing: {@code o} opens,
 * {@code h} is a heartbeat, {@code a[...]} carries messages, {@code c[code,reason]} closes. For fuzzing: it sends
 * anything, and records every bridge message and the close.
 */
public final class SockJsClient implements AutoCloseable {
  // Polls and sends on separate clients: the server closes a poll's connection after answering it, and a send must
  // not pick that connection from a shared pool.
  private final HttpClient polls = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final HttpClient sends = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private final String sessionUrl;
  private final List<JsonObject> received = new CopyOnWriteArrayList<>();
  // Held for as long as the socket lives: Vert.x 5 closes a client's sockets once the client is collected.
  private final WebSocketClient wsClient;
  private final WebSocket ws;
  private final Thread poller;
  private volatile Integer closeCode;
  private volatile boolean opened;
  private volatile boolean stopped;

  private SockJsClient(String sessionUrl, WebSocketClient wsClient, WebSocket ws) {
    this.sessionUrl = sessionUrl;
    this.wsClient = wsClient;
    this.ws = ws;
    this.poller = ws == null ? new Thread(this::poll, "sockjs-poll") : null;
  }

  private static String newSession(int port) {
    return "http://127.0.0.1:" + port + "/eventbus/" + ThreadLocalRandom.current().nextInt(1000) + "/"
        + Long.toHexString(ThreadLocalRandom.current().nextLong());
  }

  public static SockJsClient websocket(Vertx vertx, int port) {
    String session = newSession(port);
    WebSocketClient client = vertx.createWebSocketClient();
    WebSocket ws = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI(URI.create(session).getPath() + "/websocket")).await();
    SockJsClient sockJs = new SockJsClient(session, client, ws);
    ws.textMessageHandler(sockJs::onFrame);
    ws.closeHandler(v -> sockJs.closed(ws.closeStatusCode() == null ? 1006 : ws.closeStatusCode()));
    // The open frame may come before the handler is set: the upgrade itself says the session is open.
    sockJs.opened = true;
    return sockJs;
  }

  public static SockJsClient xhrPolling(int port) {
    SockJsClient sockJs = new SockJsClient(newSession(port), null, null);
    sockJs.poller.setDaemon(true);
    sockJs.poller.start();
    return sockJs.awaitOpen();
  }

  private SockJsClient awaitOpen() {
    Wait.until("the SockJS session " + sessionUrl + " is open", Duration.ofSeconds(10), () -> opened);
    return this;
  }

  private void poll() {
    int failures = 0;
    while (!stopped && closeCode == null) {
      try {
        HttpResponse<String> response = polls.send(HttpRequest.newBuilder(URI.create(sessionUrl + "/xhr"))
            .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
        failures = 0;
        if (response.statusCode() != 200) {
          closed(1006);
        }
        for (String frame : response.body().split("\n")) {
          onFrame(frame);
        }
      } catch (IOException e) {
        // The server closes the connection after each poll: a pooled connection may be gone when reused.
        if (++failures >= 3) {
          closed(1006);
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void onFrame(String frame) {
    if (frame.equals("o")) {
      opened = true;
    } else if (frame.startsWith("a")) {
      for (Object message : new JsonArray(frame.substring(1))) {
        received.add(new JsonObject((String) message));
      }
    } else if (frame.startsWith("c")) {
      closed(new JsonArray(frame.substring(1)).getInteger(0));
    }
  }

  private void closed(int code) {
    if (closeCode == null) {
      closeCode = code;
    }
  }

  /** Sends each string as one SockJS message (one bridge frame each). Returns the xhr_send status (0 on WebSocket). */
  public int send(String... messages) {
    return sendRaw(new JsonArray(List.of((Object[]) messages)).encode());
  }

  /** Sends {@code payload} as is: the body of an xhr_send, or one WebSocket text frame. */
  public int sendRaw(String payload) {
    if (ws != null) {
      if (!ws.isClosed()) {
        ws.writeTextMessage(payload);
      }
      return 0;
    }
    HttpRequest request = HttpRequest.newBuilder(URI.create(sessionUrl + "/xhr_send")).timeout(Duration.ofSeconds(15))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(payload)).build();
    try {
      try {
        return sends.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (IOException connectionGone) {
        // A refused body (413) may end its connection before the client knows: once more on a fresh one.
        return sends.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Bridge messages received, in order (a live view). */
  public List<JsonObject> received() {
    return received;
  }

  /** The SockJS close code (or 1006 for a connection lost without one); null while open. */
  public Integer closeCode() {
    return closeCode;
  }

  public boolean isOpen() {
    return closeCode == null;
  }

  /** WebSocket: closes the connection. Polling: stops polling, as a page that goes away (the session times out). */
  @Override
  public void close() {
    stopped = true;
    if (ws != null) {
      if (!ws.isClosed()) {
        ws.close().await();
      }
      wsClient.close().await();
    }
  }
}
