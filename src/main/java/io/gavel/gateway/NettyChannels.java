package io.gavel.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * The one place that reaches below Vert.x's public API, to the Netty channel of an HTTP connection: Vert.x only
 * closes gracefully, and a connection whose client stopped reading must be reset to free what the kernel holds for
 * it; and a frame encoded once for every raw WebSocket ({@link PushFrame}) is written below the frame encoder.
 * {@code NettyChannelsTest} fails loudly if a Vert.x upgrade moves {@code ConnectionBase} or the encoder.
 */
final class NettyChannels {
  private NettyChannels() {
  }

  /** The Netty channel under {@code connection}, or null when Vert.x does not expose one. */
  static Channel of(HttpConnection connection) {
    return connection instanceof ConnectionBase base ? base.channel() : null;
  }

  /**
   * Where complete WebSocket frames enter {@code channel}'s pipeline: just below its frame encoder, so that what lies
   * between it and the socket (TLS, idle tracking) still applies; null when the channel carries no WebSocket of
   * RFC 6455 (versions 7, 8 and 13 share this encoder; a hixie-76 client's frames are another format and go through
   * Vert.x).
   */
  static ChannelHandlerContext belowWebSocketEncoder(Channel channel) {
    return channel == null ? null : channel.pipeline().context(WebSocket08FrameEncoder.class);
  }

  /**
   * Makes the channel's next close a reset (SO_LINGER 0): the kernel drops what it still holds for the client instead
   * of keeping an orphaned socket that waits for a client that never reads. False when the channel is closed already.
   */
  static boolean resetOnClose(Channel channel) {
    try {
      channel.config().setOption(ChannelOption.SO_LINGER, 0);
      return true;
    } catch (ChannelException closedMeanwhile) {
      return false;
    }
  }

  /** Resets the connection now, discarding what is queued in Netty and in the kernel; the close events still fire. */
  static void reset(Channel channel) {
    if (channel.isOpen() && resetOnClose(channel)) {
      channel.unsafe().close(channel.voidPromise());
    }
  }
}
