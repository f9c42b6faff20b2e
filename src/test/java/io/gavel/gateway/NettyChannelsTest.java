package io.gavel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketVersion;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Vert.x still lets the node reach an HTTP connection's Netty channel, which hung clients' resets depend on, and
 * frames encoded once for every raw WebSocket ({@link PushFrame}) still reach a client as the messages they hold.
 */
@ExtendWith(VertxExtension.class)
class NettyChannelsTest {
  @Test
  void anHttpConnectionHasAChannelThatCanBeReset(Vertx vertx, VertxTestContext test) {
    AtomicReference<Channel> seen = new AtomicReference<>();
    vertx.createHttpServer()
        .requestHandler(request -> {
          seen.set(NettyChannels.of(request.connection()));
          if (seen.get() == null) {
            request.response().setStatusCode(500).end();
          } else {
            NettyChannels.reset(seen.get());
          }
        })
        .listen(0, "127.0.0.1")
        .compose(server -> vertx.createHttpClient().request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/"))
        .compose(request -> request.send())
        .onComplete(test.failing(reset -> test.verify(() -> {
          assertThat(seen.get()).as("the Netty channel of the connection").isNotNull();
          assertThat(seen.get().isOpen()).as("reset, and the client saw it: " + reset).isFalse();
          test.completeNow();
        })));
  }

  /**
   * A hixie-76 client (which Vert.x still accepts, and the SockJS protocol allows) reads another frame format: it must
   * not be handed RFC 6455 frames, so it gets no place below the encoder and its pushes go through Vert.x.
   */
  @Test
  void onlyRfc6455WebSocketsTakeReadyFrames(Vertx vertx, VertxTestContext test) {
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.createHttpServer()
        .requestHandler(request -> request.toWebSocket().onSuccess(ws -> {
          boolean below = NettyChannels.belowWebSocketEncoder(NettyChannels.of(request.connection())) != null;
          seen.add(request.getHeader("Sec-WebSocket-Version") + "=" + below);
          ws.close();
        }))
        .listen(0, "127.0.0.1")
        .compose(server -> {
          WebSocketClient client = vertx.createWebSocketClient();
          WebSocketConnectOptions options = new WebSocketConnectOptions().setPort(server.actualPort())
              .setHost("127.0.0.1").setURI("/");
          return client.connect(new WebSocketConnectOptions(options).setVersion(WebSocketVersion.V13))
              .compose(ws -> client.connect(new WebSocketConnectOptions(options).setVersion(WebSocketVersion.V00)));
        })
        .onComplete(test.succeeding(ws -> vertx.setPeriodic(20, id -> {
          if (seen.size() == 2) {
            vertx.cancelTimer(id);
            test.verify(() -> assertThat(seen).containsExactly("13=true", "null=false"));
            test.completeNow();
          }
        })));
  }

  @Test
  void framesEncodedOnceReachAWebSocketClientAsTheirMessages(Vertx vertx, VertxTestContext test) {
    // One size per length encoding (7, 16 and 64 bits), and a message split into frames.
    List<JsonObject> sent = List.of(new JsonObject().put("n", 1),
        new JsonObject().put("n", 2).put("pad", "x".repeat(300)),
        new JsonObject().put("n", 3).put("pad", "y".repeat(PushFrame.MAX_FRAME_PAYLOAD - 20)),
        new JsonObject().put("n", 4).put("pad", "z".repeat(2 * PushFrame.MAX_FRAME_PAYLOAD + 1)));
    List<JsonObject> received = new ArrayList<>();
    vertx.createHttpServer()
        .requestHandler(request -> request.toWebSocket().onSuccess(ws -> {
          ChannelHandlerContext frames = NettyChannels.belowWebSocketEncoder(NettyChannels.of(request.connection()));
          if (frames == null) {
            ws.close((short) 1011, "no WebSocket encoder in the pipeline");
            return;
          }
          for (JsonObject message : sent) {
            PushFrame push = PushFrame.of(message.toBuffer(), -1);
            frames.write(push.rawWebSocketFrame().duplicate());
            frames.write(push.rawWebSocketFrame().duplicate()); // the same frame again: writes share no indexes
          }
          frames.flush();
        }))
        .listen(0, "127.0.0.1")
        .compose(server -> {
          WebSocketClient client = vertx.createWebSocketClient(); // its default limits
          return client.connect(new WebSocketConnectOptions().setPort(server.actualPort()).setHost("127.0.0.1")
              .setURI("/"));
        })
        .onComplete(test.succeeding(ws -> {
          ws.closeHandler(v -> test.failNow("closed by the server: " + ws.closeReason()));
          ws.binaryMessageHandler(message -> {
            received.add(new JsonObject(message));
            if (received.size() == 2 * sent.size()) {
              test.verify(() -> {
                List<JsonObject> expected = new ArrayList<>();
                sent.forEach(m -> expected.addAll(List.of(m, m)));
                assertThat(received).isEqualTo(expected);
                test.completeNow();
              });
            }
          });
        }));
  }
}
