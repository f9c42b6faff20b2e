package io.gavel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Vert.x still lets the node reach an HTTP connection's Netty channel, which hung clients' resets depend on. */
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
}
