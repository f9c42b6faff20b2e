package io.gavel.gateway;

import io.gavel.metrics.GavelMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One browser's bridged socket, whatever its transport, and what the node may hold for it: the bytes handed to it
 * whose write has not completed, within {@link Limits#outboundHighWaterBytes()}. Over that budget pushed messages
 * skip it; one that stays over it for {@link Limits#slowConsumerMaxDrops()} messages (and at least
 * {@link #MIN_STALL_MILLIS}) or {@link Limits#slowConsumerMaxMillis()} is closed and its TCP connection released.
 * Lives on its bridge's event loop.
 */
final class BridgedSocket {
  private static final long HARD_CLOSE_MILLIS = 1_000;
  /**
   * How long a socket must have been over its budget, with no write completing, before the number of messages it
   * skipped may close it: a streaming transport's routine reconnect (vertx-web ends a stream every 128 KiB) or a
   * browser's pause must not count as hung just because a storm of messages came meanwhile (CI: a healthy
   * eventsource reader was closed during a reconnect under HungClientsIT's storm).
   */
  static final long MIN_STALL_MILLIS = 2_000;
  /**
   * What one queued write costs the node besides its bytes: the frame, promise, listener and queue entry objects of
   * Vert.x and Netty. Measured with 200 raw WebSocket clients that never read, each holding its budget in ~0.3 KB
   * events (HungClientsIT): heap and direct memory grew by ~770 bytes per queued event.
   */
  static final int WRITE_OVERHEAD_BYTES = 512;
  /** Most of a batch left out of the budget and held back for one flush: well below Netty's 64 KiB high-water mark. */
  private static final int MAX_BATCH_BYTES = 16 * 1024;
  /** vertx-web's raw WebSocket endpoint. */
  private static final Pattern RAW_WEBSOCKET = Pattern.compile("^/eventbus/websocket/?$");
  /** A SockJS session over a WebSocket. */
  private static final Pattern SOCKJS_WEBSOCKET = Pattern.compile("^/eventbus/[^/.]+/[^/.]+/websocket$");

  private final Vertx vertx;
  /** The connection's context, on its event loop: where every field here is touched, write completions included. */
  private final Context context;
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
  /**
   * On a WebSocket (raw, or a SockJS session's), where pushed messages enter the pipeline as ready frames
   * ({@link PushFrame}), flushed once per drain batch; null on other transports, which go through their session.
   */
  private final ChannelHandlerContext frames;
  private final boolean sockJsFraming;
  /**
   * Bytes of the pushed messages written in the current drain batch (up to {@link #MAX_BATCH_BYTES}): left out of the
   * budget until the batch ends ({@link #endBatch}), so that a batch never makes a client that keeps up look behind.
   * No write of a batch has completed before the batch ends: raw frames are flushed then, and a session's write
   * completions are tasks that run after the drain.
   */
  private long batchBytes;
  private boolean unflushedFrames;
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
  private final Map<String, PushFrame> skippedNewest = new HashMap<>();
  private long overBudgetSinceMillis = -1;
  private boolean catchUpScheduled;
  int invalidFrames;
  boolean closed;

  BridgedSocket(Vertx vertx, SockJSSocket socket, String ip, String id, Limits limits, GavelMetrics metrics,
                GatewayHub hub) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.socket = socket;
    this.ip = ip;
    this.id = id;
    this.limits = limits;
    this.metrics = metrics;
    this.hub = hub;
    this.transport = socket.routingContext() != null
        && ReleaseWhenBehind.STREAMING_TRANSPORT.matcher(socket.routingContext().request().path()).find()
        ? NettyChannels.of(socket.routingContext().request().connection()) : null;
    String path = transport == null ? "" : socket.routingContext().request().path();
    this.sockJsFraming = SOCKJS_WEBSOCKET.matcher(path).find();
    this.frames = sockJsFraming || RAW_WEBSOCKET.matcher(path).find()
        ? NettyChannels.belowWebSocketEncoder(transport) : null;
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
    return unflushedBytes - batchBytes > budget || socket.writeQueueFull();
  }

  /**
   * Replies and errors: never skipped, but counted against the budget like everything else. On a WebSocket they take
   * the pushes' way (a ready frame below the encoder) so that they stay in order with them: through Vert.x they would
   * wait in its own queue while Netty's is over its high-water mark, which the pushes do not respect, and a long one
   * split into fragments could have a push land between two of them.
   */
  void write(JsonObject message) {
    if (closed) {
      return;
    }
    if (frames == null) {
      send(message.toBuffer());
    } else {
      Buffer json = message.toBuffer();
      writeFrame(sockJsFraming ? PushFrame.sockJsMessage(json) : PushFrame.binaryMessage(json));
      frames.flush();
    }
  }

  private void send(Buffer frame) {
    int size = frame.length() + WRITE_OVERHEAD_BYTES;
    held(size);
    socket.write(frame).onComplete(done -> released(size));
  }

  /**
   * A pushed message: as a ready frame on a WebSocket (raw, or a SockJS session's), else through the session. True
   * when it is the socket's first of this drain batch: the batch's end must then be told ({@link #endBatch}).
   */
  private boolean send(PushFrame push) {
    boolean first = batchBytes == 0;
    if (frames == null) {
      send(push.json());
      batchBytes += push.json().length() + WRITE_OVERHEAD_BYTES;
    } else {
      batchBytes += writeFrame((sockJsFraming ? push.sockJsWebSocketFrame() : push.rawWebSocketFrame()).duplicate());
      unflushedFrames = true;
    }
    if (batchBytes >= MAX_BATCH_BYTES) {
      // A large batch counts, and goes out, in parts: held back whole it would only leave once the whole batch was
      // written, and the budget would not see it meanwhile.
      endBatch();
      return false;
    }
    return first;
  }

  /** Writes complete frames below the encoder, unflushed; returns what they count against the budget. */
  private int writeFrame(ByteBuf frame) {
    int size = frame.readableBytes() + WRITE_OVERHEAD_BYTES;
    held(size);
    // Netty's promise, not Vert.x's future: its listener runs as the write completes, where a Vert.x listener
    // would be one more task on the event loop for every message and socket.
    ChannelPromise written = frames.newPromise();
    written.addListener(done -> released(size));
    frames.write(frame, written);
    return size;
  }

  /** The drain batch is over: its bytes count, and the frames written since the last flush go out in one call. */
  void endBatch() {
    batchBytes = 0;
    if (unflushedFrames) {
      unflushedFrames = false;
      frames.flush();
    }
  }

  private void held(int size) {
    unflushedBytes += size;
    hub.queuedBytes.add(size);
  }

  private void released(int size) {
    unflushedBytes -= size;
    hub.queuedBytes.add(-size);
    if (!skippedNewest.isEmpty() && !closed && !catchUpScheduled
        && unflushedBytes <= limits.outboundHighWaterBytes() / 2) {
      // Not from inside this completion: it may run within a flush, which would not send what is written now.
      catchUpScheduled = true;
      context.runOnContext(v -> catchUpSkipped());
    }
  }

  /**
   * A socket that had to skip messages gets the newest of each address as soon as it has room, so a client that was
   * slow for a while ends on the current state (and fetches what it skipped from the history) instead of waiting
   * for the next message, which may never come.
   */
  private void catchUpSkipped() {
    catchUpScheduled = false;
    if (skippedNewest.isEmpty() || closed) {
      return;
    }
    List<PushFrame> newest = skippedNewest.entrySet().stream().filter(e -> addresses.contains(e.getKey()))
        .map(Map.Entry::getValue).toList();
    skippedNewest.clear();
    caughtUp();
    newest.forEach(this::send);
    endBatch();
  }

  /**
   * Pushed messages skip a connection over its outbound budget (the client sees the seq gap and fetches it when
   * it catches up); one that stays over it for too many messages or too long is closed and its TCP connection
   * released. True when it is the socket's first message of this drain batch ({@link #endBatch}).
   */
  boolean deliver(String address, PushFrame push, boolean nodeUnderPressure) {
    if (closed) {
      return false;
    }
    if (overBudget(nodeUnderPressure)) {
      skippedNewest.put(address, push);
      long now = System.currentTimeMillis();
      if (overBudgetSinceMillis < 0) {
        overBudgetSinceMillis = now;
        hub.slowSockets.incrementAndGet();
        // The messages may stop coming before the stall is long enough: look again then.
        long since = overBudgetSinceMillis;
        vertx.setTimer(MIN_STALL_MILLIS, id -> {
          if (overBudgetSinceMillis == since) {
            cutOffIfHung(System.currentTimeMillis());
          }
        });
      }
      metrics.dropped();
      drops++;
      cutOffIfHung(now);
      return false;
    }
    caughtUp();
    skippedNewest.remove(address); // older than this one
    return send(push);
  }

  /** Called when the socket reads again, or is gone: it no longer counts as a slow consumer. */
  void caughtUp() {
    drops = 0;
    if (overBudgetSinceMillis >= 0) {
      overBudgetSinceMillis = -1;
      hub.slowSockets.decrementAndGet();
    }
  }

  /**
   * Over budget with nothing written since: closed after {@link Limits#slowConsumerMaxDrops()} skipped messages once
   * it has been so for {@link #MIN_STALL_MILLIS}, and in any case after {@link Limits#slowConsumerMaxMillis()}.
   */
  private void cutOffIfHung(long now) {
    if (closed) {
      return;
    }
    long stalledMillis = now - overBudgetSinceMillis;
    if (stalledMillis >= limits.slowConsumerMaxMillis()) {
      cutOff("stalled");
    } else if (drops >= limits.slowConsumerMaxDrops() && stalledMillis >= MIN_STALL_MILLIS) {
      cutOff("skipped");
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
    closed = true; // nothing may follow the close frame
    socket.close(code, reason);
    vertx.setTimer(HARD_CLOSE_MILLIS, id -> abort());
  }
}
