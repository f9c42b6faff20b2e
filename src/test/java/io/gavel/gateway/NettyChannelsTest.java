package io.gavel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Vert.x still lets the node reach an HTTP connection's Netty channel, which hung clients' resets depend on. */
class NettyChannelsTest {
  @Test
  void anHttpConnectionHasAChannelThatCanBeReset() {
    Vertx vertx = Vertx.vertx();
    try {
      AtomicReference<Channel> seen = new AtomicReference<>();
      HttpServer server = vertx.createHttpServer().requestHandler(request -> {
        Channel channel = NettyChannels.of(request.connection());
        seen.set(channel);
        if (channel == null) {
          request.response().setStatusCode(500).end();
        } else {
          NettyChannels.reset(channel);
        }
      }).listen(0, "127.0.0.1").await();
      var client = vertx.createHttpClient();
      Throwable failure = null;
      try {
        HttpClientResponse response = client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
            .compose(request -> request.send()).await();
        assertThat(response.statusCode()).as("no channel under the request's connection").isNotEqualTo(500);
      } catch (Exception reset) {
        failure = reset;
      }
      assertThat(seen.get()).as("the Netty channel of the connection").isNotNull();
      assertThat(failure).as("the reset reaches the client as a closed connection").isNotNull();
      assertThat(seen.get().isOpen()).isFalse();
    } finally {
      vertx.close().await();
    }
  }
}
