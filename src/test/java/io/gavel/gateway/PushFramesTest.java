package io.gavel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.BridgeClient;
import io.gavel.testing.SockJsClient;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pushes written as frames encoded once for the node ({@link PushFrame}) carry exactly what vertx-web would have sent
 * each client: the same messages on a raw WebSocket, on a SockJS session's WebSocket and through a SockJS session
 * on another transport (which still goes through vertx-web), including the characters SockJS escapes and a message
 * split into several frames.
 */
class PushFramesTest {
  @Test
  void everyTransportGetsTheSameMessagesInOrder() throws Exception {
    TestCluster cluster = TestCluster.start(new String[][] {{}});
    Vertx clients = Vertx.vertx();
    int port = cluster.node(0).config().httpPort();
    String address = "news.frames";
    List<JsonObject> sent = List.of(
        new JsonObject().put("n", 0).put("text", "plain"),
        new JsonObject().put("n", 1).put("text", "quotes \" backslash \\ slash / tab \t newline \n"),
        new JsonObject().put("n", 2).put("text", "line separators \u2028\u2029, zero \u0000, del \u007f, \u00e9, \u20ac"),
        new JsonObject().put("n", 3).put("text", "surrogates \ud83d\udd28 and a lone one \udc00"),
        new JsonObject().put("n", 4).put("text", "x".repeat(2 * PushFrame.MAX_FRAME_PAYLOAD + 10)),
        new JsonObject().put("n", 5).put("text", "y".repeat(300)));
    BridgeClient raw = BridgeClient.connect(clients, port);
    SockJsClient sockJsWebSocket = SockJsClient.websocket(clients, port);
    SockJsClient sockJsPolling = SockJsClient.xhrPolling(port);
    try {
      raw.register(address);
      String register = new JsonObject().put("type", "register").put("address", address).encode();
      sockJsWebSocket.send(register);
      sockJsPolling.send(register);
      // Probes until each client has one: then all three registrations are live.
      Wait.until("every client's registration is live", Duration.ofSeconds(10), () -> {
        cluster.node(0).vertx().eventBus().publish(address, new JsonObject().put("probe", true));
        return !raw.received(address).isEmpty() && !sockJsWebSocket.received().isEmpty()
            && !sockJsPolling.received().isEmpty();
      });
      sent.forEach(m -> cluster.node(0).vertx().eventBus().publish(address, m));

      Wait.until("every client got every message", Duration.ofSeconds(10),
          () -> messages(raw.received(address)).size() == sent.size()
              && bodies(sockJsWebSocket).size() == sent.size() && bodies(sockJsPolling).size() == sent.size());
      assertThat(messages(raw.received(address))).as("raw WebSocket").containsExactlyElementsOf(sent);
      assertThat(bodies(sockJsWebSocket)).as("SockJS over WebSocket").containsExactlyElementsOf(sent);
      assertThat(bodies(sockJsPolling)).as("SockJS over xhr polling").containsExactlyElementsOf(sent);
    } finally {
      raw.close();
      sockJsWebSocket.close();
      sockJsPolling.close();
      clients.close().await();
      cluster.close();
    }
  }

  private static List<JsonObject> bodies(SockJsClient client) {
    return messages(client.received().stream().filter(m -> "rec".equals(m.getString("type")))
        .map(m -> m.getJsonObject("body")).toList());
  }

  /** Without the probes. */
  private static List<JsonObject> messages(List<JsonObject> received) {
    return received.stream().filter(m -> !m.containsKey("probe")).toList();
  }
}
