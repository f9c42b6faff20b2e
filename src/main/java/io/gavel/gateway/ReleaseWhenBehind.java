package io.gavel.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * Makes every close of a connection that carries a bridge stream (WebSocket, xhr_streaming, eventsource, htmlfile)
 * a reset when its client is behind, i.e. when data still waits in Netty because the kernel's send buffer is full.
 *
 * <p>vertx-web's SockJS transports close such connections themselves (a streaming response ends after
 * {@code maxBytesStreaming}, a closed session ends its stream), and an ordinary close leaves the kernel holding an
 * orphaned socket with everything the client has not read, waiting for a client that may never read it. A client
 * that is that far behind has lost the stream's tail anyway: Netty drops what it still holds on any close.
 */
@ChannelHandler.Sharable
final class ReleaseWhenBehind extends ChannelOutboundHandlerAdapter {
  /** SockJS transports (and the raw endpoint) that hold a connection of their own for as long as the stream lives. */
  static final Pattern STREAMING_TRANSPORT = Pattern.compile("/(websocket|xhr_streaming|eventsource|htmlfile)$");
  private static final String NAME = "gavel-release-when-behind";
  private static final ReleaseWhenBehind INSTANCE = new ReleaseWhenBehind();

  private ReleaseWhenBehind() {
  }

  /** A route handler: watches the connection of every streaming transport request. */
  static void install(RoutingContext ctx) {
    Channel channel = STREAMING_TRANSPORT.matcher(ctx.request().path()).find()
        ? NettyChannels.of(ctx.request().connection()) : null;
    if (channel != null) {
      var pipeline = channel.pipeline();
      if (pipeline.get(NAME) == null) {
        // First from the socket: it sees the close after every other handler has had its say.
        pipeline.addFirst(NAME, INSTANCE);
      }
    }
    ctx.next();
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    ChannelOutboundBuffer pending = ctx.channel().unsafe().outboundBuffer();
    if (pending != null && pending.totalPendingWriteBytes() > 0) {
      NettyChannels.resetOnClose(ctx.channel());
    }
    ctx.close(promise);
  }
}
