package io.gavel.fault;

import static io.gavel.testing.RawHttp.v1;
import static io.gavel.testing.RawHttp.v2;
import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.BridgeClient;
import io.gavel.testing.Http;
import io.gavel.testing.ProcessCluster;
import io.gavel.testing.RawHttp;
import io.gavel.testing.TestCluster;
import io.gavel.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients from different loopback addresses (127.0.0.2, 127.0.0.3, ...: Linux routes all of 127/8 to lo) through
 * Debian's HAProxy running the shipped docker/haproxy.cfg, which sends the PROXY protocol to a node process that
 * trusts 127.0.0.1: the per-address limits apply to each client's own address, not to the load balancer's, and a
 * client that goes straight to the node with a forged header gets nothing. All three of the config's servers are
 * the one node, so that per-node limits are what a client meets whichever server HAProxy picks.
 */
class ProxyProtocolIT {
  private static ProcessCluster cluster;
  private static Process lb;
  private static Vertx clients;
  private static int lbPort;
  private static int nodePort;

  @BeforeAll
  static void start() throws Exception {
    cluster = ProcessCluster.startBehindProxy("proxy", 1,
        "--set", "limits.maxConnectionsPerIp=2",
        "--set", "limits.loginBurstPerIp=3", "--set", "limits.loginsPerMinutePerIp=1");
    nodePort = Integer.parseInt(cluster.baseUrl(0).substring(cluster.baseUrl(0).lastIndexOf(':') + 1));
    lbPort = TestCluster.freePorts(1)[0];
    Map<String, String> env = new java.util.HashMap<>(Map.of("LB_BIND", "127.0.0.1:" + lbPort));
    for (int i = 1; i <= 3; i++) {
      env.put("NODE" + i + "_ADDR", "127.0.0.1:" + nodePort);
    }
    lb = LoadBalancerIT.haproxy(env, "-db");
    // HAProxy's own health checks (PROXY v2 LOCAL headers) must pass before it sends anyone to the node.
    Wait.until("the load balancer finds the node ready", Duration.ofSeconds(20), () -> {
      try {
        return Http.get("http://127.0.0.1:" + lbPort + "/health/ready").status() == 200;
      } catch (IllegalStateException notYet) {
        return false;
      }
    });
    clients = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    if (clients != null) {
      clients.close().await();
    }
    if (lb != null) {
      lb.destroy();
      lb.waitFor(10, TimeUnit.SECONDS);
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void connectionsPerAddressCountEachClientBehindTheLoadBalancer() throws Exception {
    List<BridgeClient> first = new ArrayList<>();
    try {
      first.add(BridgeClient.connectFrom(clients, "127.0.0.2", "127.0.0.1", lbPort));
      first.add(BridgeClient.connectFrom(clients, "127.0.0.2", "127.0.0.1", lbPort));
      BridgeClient third = BridgeClient.connectFrom(clients, "127.0.0.2", "127.0.0.1", lbPort);
      Wait.until("the third connection from 127.0.0.2 is refused", Duration.ofSeconds(10), third::isClosed);
      assertThat(third.closeStatus()).isEqualTo((short) 4003);

      try (BridgeClient other = BridgeClient.connectFrom(clients, "127.0.0.3", "127.0.0.1", lbPort)) {
        assertThat(unauthenticatedBid(other, 10).getInteger("failureCode"))
            .as("127.0.0.3 is served while 127.0.0.2 is at its limit").isEqualTo(401);
      }
      for (BridgeClient open : first) {
        assertThat(unauthenticatedBid(open, 10).getInteger("failureCode")).as("127.0.0.2's first two are served")
            .isEqualTo(401);
      }
    } finally {
      first.forEach(BridgeClient::close);
    }
    // Closing them gives 127.0.0.2 its connections back (the node counts them down by the client's address).
    Wait.until("127.0.0.2 may connect again", Duration.ofSeconds(10), () -> {
      BridgeClient again = BridgeClient.connectFrom(clients, "127.0.0.2", "127.0.0.1", lbPort);
      try {
        return unauthenticatedBid(again, 2).getInteger("failureCode") == 401;
      } catch (Exception refused) {
        return false;
      } finally {
        again.close();
      }
    });
  }

  @Test
  void loginsAreThrottledPerClientBehindTheLoadBalancer() {
    for (int i = 0; i < 3; i++) {
      assertThat(loginThroughTheLoadBalancer("127.0.0.4").status()).isEqualTo(200);
    }
    RawHttp.Response fourth = loginThroughTheLoadBalancer("127.0.0.4");
    assertThat(fourth.status()).as("127.0.0.4's fourth login").isEqualTo(429);
    assertThat(fourth.json().getString("error")).isEqualTo("RATE_LIMITED");
    assertThat(loginThroughTheLoadBalancer("127.0.0.5").status()).as("another client meanwhile").isEqualTo(200);
  }

  @Test
  void aForgedHeaderStraightToTheNodeGetsNothing() throws Exception {
    String claimed = "127.0.0.6";
    for (byte[] forged : new byte[][] {v1(claimed, 5555, "127.0.0.1", nodePort),
        v2(claimed, 5555, "127.0.0.1", nodePort), new byte[0]}) {
      RawHttp.Response answer = RawHttp.send("127.0.0.9", "127.0.0.1", nodePort, forged, "POST", "/api/login",
          "{\"user\":\"alice\",\"password\":\"gavel-demo\"}", Map.of());
      assertThat(answer.unanswered()).as("no answer to 127.0.0.9").isTrue();
    }
    // None of those logins was served: the claimed address still has all three of its own.
    for (int i = 0; i < 3; i++) {
      assertThat(loginThroughTheLoadBalancer(claimed).status()).isEqualTo(200);
    }
    String log = Files.readString(ProcessCluster.logFile("proxy-node1"));
    assertThat(log).contains("refused a connection from 127.0.0.9: not a trusted proxy");
  }

  @Test
  void theClientsSchemeIsTheLoadBalancersWordNotTheClients() {
    String self = "127.0.0.1:" + lbPort;
    assertThat(handshakeInfo(Map.of("Origin", "http://" + self)).status())
        .as("the page's own origin, through the load balancer").isEqualTo(200);
    RawHttp.Response spoofed = handshakeInfo(Map.of("Origin", "https://" + self, "X-Forwarded-Proto", "https"));
    assertThat(spoofed.status()).as("HAProxy replaces the client's X-Forwarded-Proto").isEqualTo(403);
    assertThat(spoofed.json().getString("error")).isEqualTo("ACCESS_DENIED");
  }

  private static RawHttp.Response loginThroughTheLoadBalancer(String from) {
    return RawHttp.send(from, "127.0.0.1", lbPort, new byte[0], "POST", "/api/login",
        "{\"user\":\"bob\",\"password\":\"gavel-demo\"}", Map.of());
  }

  private static RawHttp.Response handshakeInfo(Map<String, String> headers) {
    return RawHttp.send("127.0.0.7", "127.0.0.1", lbPort, new byte[0], "GET", "/eventbus/info", null, headers);
  }

  /** A request the node answers (401) on any connection it serves, within {@code seconds}. */
  private static JsonObject unauthenticatedBid(BridgeClient client, int seconds) throws Exception {
    return client.request("auctions.bid", new JsonObject().put("auctionId", "none").put("amount", 1), null,
        seconds);
  }
}
