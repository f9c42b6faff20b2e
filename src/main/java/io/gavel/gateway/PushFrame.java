package io.gavel.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;

/**
 * One pushed message, encoded once for the whole node: the bridge's JSON, which SockJS sessions send in their own
 * framing, and the complete WebSocket frame around it for raw WebSocket connections. A server's frames are not
 * masked, so every raw WebSocket client gets the same bytes; written straight below each connection's frame encoder
 * ({@link NettyChannels#belowWebSocketEncoder}) they skip the per-connection frame building and encoding of Vert.x
 * and Netty, which took a third of a saturated node's CPU.
 *
 * <p>The frame lives in JDK-managed direct memory (freed by the garbage collector, no reference counting to get
 * right across event loops) and cannot be released: each write sends a duplicate, so writes do not share indexes.
 */
record PushFrame(Buffer json, ByteBuf webSocketFrame, long at) {
  private static final int FIN_BINARY = 0x82;

  /** {@code at}: when the event happened (its {@code at} field), for the delivery latency metric; -1 if unknown. */
  static PushFrame of(Buffer json, long at) {
    byte[] payload = json.getBytes();
    int n = payload.length;
    ByteBuffer frame = ByteBuffer.allocateDirect((n < 126 ? 2 : n <= 0xFFFF ? 4 : 10) + n);
    frame.put((byte) FIN_BINARY); // what vertx-web's raw WebSocket transport sends: one binary message per write
    if (n < 126) {
      frame.put((byte) n);
    } else if (n <= 0xFFFF) {
      frame.put((byte) 126).putShort((short) n);
    } else {
      frame.put((byte) 127).putLong(n);
    }
    frame.put(payload).flip();
    return new PushFrame(json, Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(frame)), at);
  }
}
