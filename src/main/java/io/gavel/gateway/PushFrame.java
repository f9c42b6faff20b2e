package io.gavel.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.handler.sockjs.impl.JsonCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One pushed message, encoded once for the whole node: the bridge's JSON, and the complete WebSocket frames that carry
 * it on a raw WebSocket (one binary message, as vertx-web's raw transport sends) and on a SockJS session's WebSocket
 * (one text message {@code a["<json>"]}, exactly as vertx-web's session encodes it). A server's frames are not masked,
 * so every client of a kind gets the same bytes: written straight below each connection's frame encoder
 * ({@link NettyChannels#belowWebSocketEncoder}), they skip the per-connection message framing and encoding of
 * vertx-web, Vert.x and Netty, which took a third of a saturated node's CPU.
 *
 * <p>The frames live in JDK-managed direct memory (freed by the garbage collector: no reference counts to get right
 * across event loops) and cannot be released; each write sends a duplicate, so writes share no indexes. Each kind is
 * built when a socket of that kind first needs it, by whichever gateway instance that is: a node whose clients are all
 * browsers builds no binary frames. Two instances may build the same frame at once; the bytes are equal, so either
 * one serves.
 */
final class PushFrame {
  private static final int TEXT = 0x1;
  private static final int BINARY = 0x2;
  private static final int FIN = 0x80;
  /**
   * Larger messages are split into frames of at most this payload, as Vert.x splits them: what Vert.x's WebSocket
   * clients accept by default.
   */
  static final int MAX_FRAME_PAYLOAD = 65_536;

  private final Buffer json;
  private final long at;
  private volatile ByteBuf rawWebSocketFrame;
  private volatile ByteBuf sockJsWebSocketFrame;

  private PushFrame(Buffer json, long at) {
    this.json = json;
    this.at = at;
  }

  /** {@code at}: when the event happened (its {@code at} field), for the delivery latency metric; -1 if unknown. */
  static PushFrame of(Buffer json, long at) {
    return new PushFrame(json, at);
  }

  /** The bridge's JSON, which SockJS sessions on other transports frame their own way. */
  Buffer json() {
    return json;
  }

  long at() {
    return at;
  }

  ByteBuf rawWebSocketFrame() {
    ByteBuf frame = rawWebSocketFrame;
    if (frame == null) {
      frame = binaryMessage(json);
      rawWebSocketFrame = frame;
    }
    return frame;
  }

  ByteBuf sockJsWebSocketFrame() {
    ByteBuf frame = sockJsWebSocketFrame;
    if (frame == null) {
      frame = sockJsMessage(json);
      sockJsWebSocketFrame = frame;
    }
    return frame;
  }

  /** {@code json} as vertx-web's raw WebSocket transport sends it: one binary message. */
  static ByteBuf binaryMessage(Buffer json) {
    return message(BINARY, json.getBytes());
  }

  /** {@code json} as vertx-web's SockJS session sends it over a WebSocket: one text message {@code a["<json>"]}. */
  static ByteBuf sockJsMessage(Buffer json) {
    return message(TEXT, ("a" + JsonCodec.encode(new String[] {json.toString()})).getBytes(StandardCharsets.UTF_8));
  }

  /** One WebSocket message: a single frame, or a first frame and continuations (opcode 0), the last one final. */
  private static ByteBuf message(int opcode, byte[] payload) {
    int frames = Math.max(1, (payload.length + MAX_FRAME_PAYLOAD - 1) / MAX_FRAME_PAYLOAD);
    ByteBuffer message = ByteBuffer.allocateDirect(frames * 10 + payload.length);
    for (int i = 0; i < frames; i++) {
      int from = i * MAX_FRAME_PAYLOAD;
      int n = Math.min(MAX_FRAME_PAYLOAD, payload.length - from);
      message.put((byte) ((i == frames - 1 ? FIN : 0) | (i == 0 ? opcode : 0)));
      if (n < 126) {
        message.put((byte) n);
      } else if (n < 65_536) {
        message.put((byte) 126).putShort((short) n);
      } else {
        message.put((byte) 127).putLong(n);
      }
      message.put(payload, from, n);
    }
    return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(message.flip()));
  }
}
