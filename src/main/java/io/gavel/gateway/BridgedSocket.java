package io.gavel.gateway;

import io.gavel.metrics.GavelMetrics;
import io.netty.channel.Channel;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One browser's bridged socket, whatever its transport, and what the node may hold for it: the bytes handed to it
 * whose write has not completed, within {@link Limits#outboundHighWaterBytes()}. Over that budget pushed messages
 * skip it; one that stays over it for {@link Limits#slowConsumerMaxDrops()} messages or
 * {@link Limits#slowConsumerMaxMillis()} is closed and its TCP connection released. Lives on its bridge's event loop.
 */
final class BridgedSocket {
  private static final long HARD_CLOSE_MILLIS = 1_000;
  /**
   * What one queued write costs the node besides its bytes: the frame, promise, listener and queue entry objects of
   * Vert.x and Netty. Measured with 200 raw WebSocket clients that never read, each holding its budget in ~0.3 KB
   * events (HungClientsIT): heap and direct memory grew by ~770 bytes per queued event.
   */
  static final int WRITE_OVERHEAD_BYTES = 512;

  private final Vertx vertx;
  private final Limits limits;
  private final GavelMetrics metrics;
  private final GatewayHub hub;
  final SockJSSocket socket;
  final String ip;
  final String id;
  final Set<String> addresses = new HashSet<>();
  /**
   * The TCP connection that carries this socket and nothing else (WebSocket and streaming transports), to release
   * it for sure; null for polling transports, whose queued data is the session's own and goes with it.
   */
  private final Channel transport;
  long lastSeen = System.currentTimeMillis();
  /**
   * Bytes handed to the socket whose write has not completed, each write counted with its overhead
   * ({@link #WRITE_OVERHEAD_BYTES}): on every transport (raw WebSocket, SockJS over
   * WebSocket, streaming or polling) a write completes once it reached the kernel or the client polled it, so this
   * is what the node holds for a client that does not read. The socket's own writeQueueFull() misses it for
   * SockJS sessions, which flush to their transport without looking at its queue.
   */
  private long unflushedBytes;
  private int drops;
  /** The newest pushed message of each address this socket skipped: written once it has room again. */
  private final Map<String, Buffer> skippedNewest = new HashMap<>();
  private long overBudgetSinceMillis = -1;
  int invalidFrames;
  boolean closed;

  BridgedSocket(Vertx vertx, SockJSSocket socket, String ip, String id, Limits limits, GavelMetrics metrics,
                GatewayHub hub) {
    this.vertx = vertx;
    this.socket = socket;
    this.ip = ip;
    this.id = id;
    this.limits = limits;
    this.metrics = metrics;
    this.hub = hub;
    this.transport = socket.routingContext() != null
        && ReleaseWhenBehind.STREAMING_TRANSPORT.matcher(socket.routingContext().request().path()).find()
        ? NettyChannels.of(socket.routingContext().request().connection()) : null;
  }

  /**
   * Drops the TCP connection at once, discarding what is queued (in Netty and in the kernel). Vert.x closes
   * connections gracefully only (its pipeline handler turns a close into "send a close frame, then wait"), and a
   * SockJS session reports itself closed before its transport is, so this closes the Netty channel directly; the
   * usual close events still fire. A connection that Vert.x closed meanwhile was reset then if its client was
   * behind ({@link ReleaseWhenBehind}).
   */
  void abort() {
    if (transport != null) {
      NettyChannels.reset(transport);
    }
  }

  void wellFormed() {
    lastSeen = System.currentTimeMillis();
    invalidFrames = 0;
  }

  /**
   * {@code nodeUnderPressure}: the node as a whole holds more than {@link Limits#nodeOutboundHighWaterBytes()} for its
   * sockets; every socket's budget is then an eighth of its usual size, so that many hung clients together cannot
   * hold more than the node can spare, while readers that keep up (with next to nothing queued) are not affected.
   */
  boolean overBudget(boolean nodeUnderPressure) {
    long budget = nodeUnderPressure ? limits.outboundHighWaterBytes() / 8 : limits.outboundHighWaterBytes();
    return unflushedBytes > budget || socket.writeQueueFull();
  }

  /** Replies: never skipped, but counted against the budget like everything else. */
  void write(JsonObject message) {
    if (!closed) {
      send(message.toBuffer());
    }
  }

  private void send(Buffer frame) {
    int size = frame.length() + WRITE_OVERHEAD_BYTES;
    unflushedBytes += size;
    hub.queuedBytes.add(size);
    socket.write(frame).onComplete(done -> {
      unflushedBytes -= size;
      hub.queuedBytes.add(-size);
      if (!skippedNewest.isEmpty() && !closed && unflushedBytes <= limits.outboundHighWaterBytes() / 2) {
        catchUpSkipped();
      }
    });
  }

  /**
   * A socket that had to skip messages gets the newest of each address as soon as it has room, so a client that was
   * slow for a while ends on the current state (and fetches what it skipped from the history) instead of waiting
   * for the next message, which may never come.
   */
  private void catchUpSkipped() {
    List<Buffer> newest = skippedNewest.entrySet().stream().filter(e -> addresses.contains(e.getKey()))
        .map(Map.Entry::getValue).toList();
    skippedNewest.clear();
    caughtUp();
    newest.forEach(this::send);
  }

  /**
   * Pushed messages skip a connection over its outbound budget (the client sees the seq gap and fetches it when
   * it catches up); one that stays over it for too many messages or too long is closed and its TCP connection
   * released.
   */
  void deliver(String address, Buffer frame, boolean nodeUnderPressure) {
    if (closed) {
      return;
    }
    if (overBudget(nodeUnderPressure)) {
      skippedNewest.put(address, frame);
      long now = System.currentTimeMillis();
      if (overBudgetSinceMillis < 0) {
        overBudgetSinceMillis = now;
        hub.slowSockets.incrementAndGet();
      }
      metrics.dropped();
      if (++drops >= limits.slowConsumerMaxDrops() || now - overBudgetSinceMillis >= limits.slowConsumerMaxMillis()) {
        cutOff(drops >= limits.slowConsumerMaxDrops() ? "skipped" : "stalled");
      }
      return;
    }
    caughtUp();
    skippedNewest.remove(address); // older than this one
    send(frame);
  }

  /** Called when the socket reads again, or is gone: it no longer counts as a slow consumer. */
  void caughtUp() {
    drops = 0;
    if (overBudgetSinceMillis >= 0) {
      overBudgetSinceMillis = -1;
      hub.slowSockets.decrementAndGet();
    }
  }

  private void cutOff(String reason) {
    closed = true;
    metrics.slowConsumerClosed(reason);
    close(4001, "slow consumer");
  }

  /**
   * Closes, then releases the TCP connection a moment later whatever the client does: the close frame waits
   * behind everything the client has not read, and a hung client never reads it.
   */
  void close(int code, String reason) {
    socket.close(code, reason);
    vertx.setTimer(HARD_CLOSE_MILLIS, id -> abort());
  }
}
