package io.gavel.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Speaks the event-bus bridge protocol over the raw WebSocket endpoint {@code /eventbus/websocket}, as the
 * Vert.x event-bus JS client does: register, send with a reply address, receive.
 */
public final class BridgeClient implements AutoCloseable {
  // Held for as long as the socket lives: Vert.x 5 closes a client's sockets once the client is collected.
  private final WebSocketClient client;
  private final WebSocket socket;
  private final Map<String, List<JsonObject>> received = new ConcurrentHashMap<>();
  private final Map<String, Promise<JsonObject>> replies = new ConcurrentHashMap<>();
  private final List<JsonObject> errors = new CopyOnWriteArrayList<>();

  private BridgeClient(WebSocketClient client, WebSocket socket) {
    this.client = client;
    this.socket = socket;
    try {
      // Whole messages: a large one comes in several frames.
      socket.binaryMessageHandler(this::onFrame);
      socket.textMessageHandler(text -> onFrame(Buffer.buffer(text)));
      socket.closeHandler(v -> closeStatus = socket.closeStatusCode());
    } catch (IllegalStateException closedAlready) {
      // The server may close a socket right after the handshake (a refused connection).
      closeStatus = socket.closeStatusCode();
    }
  }

  private volatile Short closeStatus;

  /** The status code of the close frame the server sent, or null while open or when it sent none. */
  public Short closeStatus() {
    // The close may have happened before the close handler was set (a connection refused right away).
    return closeStatus != null || !socket.isClosed() ? closeStatus : socket.closeStatusCode();
  }

  public static BridgeClient connect(Vertx vertx, String baseUrl) {
    java.net.URI uri = java.net.URI.create(baseUrl);
    return connect(vertx, uri.getHost(), uri.getPort());
  }

  public static BridgeClient connect(Vertx vertx, int port) {
    return connect(vertx, "127.0.0.1", port);
  }

  public static BridgeClient connect(Vertx vertx, String host, int port) {
    return connectFrom(vertx, null, host, port);
  }

  /** From a chosen local address ({@code null}: any), e.g. 127.0.0.2, to play one of many clients. */
  public static BridgeClient connectFrom(Vertx vertx, String localAddress, String host, int port) {
    WebSocketClient client = vertx.createWebSocketClient(
        new io.vertx.core.http.WebSocketClientOptions().setLocalAddress(localAddress));
    WebSocket socket = client.connect(new WebSocketConnectOptions()
        .setHost(host).setPort(port).setURI("/eventbus/websocket")).await();
    return new BridgeClient(client, socket);
  }

  private void onFrame(Buffer frame) {
    JsonObject message = new JsonObject(frame);
    String address = message.getString("address");
    if (address != null && replies.containsKey(address)) {
      replies.remove(address).complete(message);
    } else if ("err".equals(message.getString("type")) && address == null) {
      errors.add(message);
    } else if (address != null) {
      received.computeIfAbsent(address, a -> new CopyOnWriteArrayList<>()).add(message.getJsonObject("body"));
    }
  }

  public void register(String address) {
    received.computeIfAbsent(address, a -> new CopyOnWriteArrayList<>());
    write(new JsonObject().put("type", "register").put("address", address));
  }

  /** Sends a request; completes with the reply envelope ({@code type} "rec" with a body, or "err"). */
  public Future<JsonObject> request(String address, Object body, JsonObject headers) {
    String replyAddress = UUID.randomUUID().toString();
    Promise<JsonObject> reply = Promise.promise();
    replies.put(replyAddress, reply);
    JsonObject frame = new JsonObject().put("type", "send").put("address", address).put("body", body)
        .put("replyAddress", replyAddress);
    if (headers != null) {
      frame.put("headers", headers);
    }
    write(frame);
    return reply.future();
  }

  public void write(JsonObject frame) {
    socket.writeTextMessage(frame.encode()).await();
  }

  /** Writes any bytes as one frame (binary or text), for fuzzing. */
  public void writeRaw(Buffer frame, boolean binary) {
    if (binary) {
      socket.writeBinaryMessage(frame).await();
    } else {
      socket.writeTextMessage(frame.toString(java.nio.charset.StandardCharsets.UTF_8)).await();
    }
  }

  /** The answer that will come to a reply address a hand-written frame carries. */
  public Future<JsonObject> replyTo(String replyAddress) {
    Promise<JsonObject> reply = Promise.promise();
    replies.put(replyAddress, reply);
    return reply.future();
  }

  /** Sends a ping frame without waiting (usable from a timer on an event loop). */
  public void ping() {
    socket.writeTextMessage("{\"type\":\"ping\"}");
  }

  /** A request that gives up after {@code seconds}: on a dying node the reply may never come. */
  public JsonObject request(String address, Object body, JsonObject headers, int seconds) throws Exception {
    return request(address, body, headers).toCompletionStage().toCompletableFuture()
        .get(seconds, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** Bodies received on an address, in arrival order (a live view). */
  public List<JsonObject> received(String address) {
    return received.computeIfAbsent(address, a -> new CopyOnWriteArrayList<>());
  }

  public List<JsonObject> errors() {
    return errors;
  }

  /** Stops reading from the socket, as a client that hangs would. */
  public void pause() {
    socket.pause();
  }

  public boolean isClosed() {
    return socket.isClosed();
  }

  @Override
  public void close() {
    if (!socket.isClosed()) {
      socket.close().await();
    }
    client.close().await();
  }
}
