package io.gavel.gateway;

import static io.gavel.testing.RawHttp.v1;
import static io.gavel.testing.RawHttp.v2;
import static io.gavel.testing.RawHttp.v2Local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gavel.testing.RawHttp;
import io.gavel.testing.TestCluster;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The trust rules of the PROXY protocol, with headers written by hand on raw sockets, and the management listener.
 * Node 1 trusts the proxy at 127.0.0.1 only, so a socket bound to 127.0.0.1 plays the load balancer and one bound
 * to 127.0.0.2 an outsider; node 2 has no trusted proxy and a management port.
 */
class ProxyProtocolTest {
  private static final String PROXY = "127.0.0.1";
  private static final String OUTSIDER = "127.0.0.2";
  private static final String LOGIN = "{\"user\":\"alice\",\"password\":\"gavel-demo\"}";
  private static TestCluster cluster;
  private static int proxied;
  private static int plain;
  private static int management;

  @BeforeAll
  static void start() {
    management = TestCluster.freePorts(1)[0];
    cluster = TestCluster.start(new String[][] {
        {"--trusted-proxies", PROXY,
            // Two logins per address, and none more in the test's time.
            "--set", "limits.loginBurstPerIp=2", "--set", "limits.loginsPerMinutePerIp=1"},
        {"--management-port", String.valueOf(management)}});
    proxied = cluster.node(0).config().httpPort();
    plain = cluster.node(1).config().httpPort();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static RawHttp.Response login(String from, byte[] header) {
    return RawHttp.send(from, "127.0.0.1", proxied, header, "POST", "/api/login", LOGIN, Map.of());
  }

  @Test
  void loginsAreThrottledPerClientAddressThatTheTrustedProxyReports() {
    assertThat(login(PROXY, v1("198.51.100.7", 40000, "127.0.0.1", proxied)).status()).isEqualTo(200);
    assertThat(login(PROXY, v2("198.51.100.7", 40001, "127.0.0.1", proxied)).status()).isEqualTo(200);
    RawHttp.Response third = login(PROXY, v1("198.51.100.7", 40002, "127.0.0.1", proxied));
    assertThat(third.status()).as("the third login from one client address").isEqualTo(429);
    assertThat(third.json().getString("error")).isEqualTo("RATE_LIMITED");

    assertThat(login(PROXY, v2("198.51.100.8", 40003, "127.0.0.1", proxied)).status())
        .as("another client behind the same proxy").isEqualTo(200);
    assertThat(login(PROXY, v2("2001:db8::8", 40004, "::1", proxied)).status())
        .as("an IPv6 client (v2 header)").isEqualTo(200);
    assertThat(login(PROXY, v1("2001:db8::9", 40005, "::1", proxied)).status())
        .as("an IPv6 client (v1 header)").isEqualTo(200);
  }

  @Test
  void aPeerThatIsNotATrustedProxyIsRefusedBeforeItsRequestIsServed() {
    String claimed = "198.51.100.20";
    for (byte[] forged : new byte[][] {v1(claimed, 1, "127.0.0.1", proxied), v2(claimed, 1, "127.0.0.1", proxied)}) {
      for (int i = 0; i < 3; i++) {
        assertThat(login(OUTSIDER, forged).unanswered()).as("a login behind a forged header").isTrue();
      }
    }
    // Had any of those six logins been served, they would have used up the claimed address's two.
    assertThat(login(PROXY, v1(claimed, 2, "127.0.0.1", proxied)).status()).isEqualTo(200);
    assertThat(login(PROXY, v2(claimed, 3, "127.0.0.1", proxied)).status()).isEqualTo(200);
    assertThat(login(PROXY, v1(claimed, 4, "127.0.0.1", proxied)).status()).isEqualTo(429);
  }

  @Test
  void withTrustedProxiesEveryConnectionMustStartWithAHeader() {
    assertThat(RawHttp.get(PROXY, "127.0.0.1", proxied, new byte[0], "/health").unanswered())
        .as("no header, even from the trusted proxy").isTrue();
    assertThat(RawHttp.get(PROXY, "127.0.0.1", proxied, v2Local(), "/health/ready").status())
        .as("the proxy's own health check (v2 LOCAL)").isEqualTo(200);
    assertThat(RawHttp.get(PROXY, "127.0.0.1", proxied, "PROXY UNKNOWN\r\n".getBytes(), "/health").status())
        .as("v1 UNKNOWN").isEqualTo(200);
    assertThat(RawHttp.get(PROXY, "127.0.0.1", proxied, v1("198.51.100.30", 1, "127.0.0.1", proxied), "/metrics")
        .status()).as("without a management listener, /metrics stays on the HTTP port").isEqualTo(200);
  }

  @Test
  void forwardedProtoCountsForTheSameOriginCheckOnlyFromATrustedProxy() {
    String origin = "https://127.0.0.1:";
    Map<String, String> tlsEndedAtTheProxy = Map.of("Origin", origin + proxied, "X-Forwarded-Proto", "https");
    byte[] header = v1("198.51.100.40", 1, "127.0.0.1", proxied);
    assertThat(RawHttp.send(PROXY, "127.0.0.1", proxied, header, "GET", "/eventbus/info", null, tlsEndedAtTheProxy)
        .status()).as("https page behind a proxy that ended TLS").isEqualTo(200);
    RawHttp.Response noForwardedProto = RawHttp.send(PROXY, "127.0.0.1", proxied, header, "GET", "/eventbus/info",
        null, Map.of("Origin", origin + proxied));
    assertThat(noForwardedProto.status()).as("same host, but the connection is plain HTTP").isEqualTo(403);
    assertThat(noForwardedProto.json().getString("error")).isEqualTo("ACCESS_DENIED");

    assertThat(RawHttp.send(OUTSIDER, "127.0.0.1", plain, new byte[0], "GET", "/eventbus/info", null,
        Map.of("Origin", origin + plain, "X-Forwarded-Proto", "https")).status())
        .as("a node without trusted proxies ignores the header").isEqualTo(403);
  }

  @Test
  void theManagementListenerTakesMetricsAndOpsFromTheHttpPortAndListensOnLoopbackOnly() {
    RawHttp.Response metrics = RawHttp.get(PROXY, "127.0.0.1", management, new byte[0], "/metrics");
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.body()).contains("gavel_cluster_size");
    assertThat(RawHttp.get(PROXY, "127.0.0.1", management, new byte[0], "/ops/process").json().getLong("pid"))
        .isEqualTo(ProcessHandle.current().pid());
    assertThat(RawHttp.get(PROXY, "127.0.0.1", management, new byte[0], "/health").json().getString("node"))
        .isEqualTo("node2");
    assertThat(RawHttp.get(PROXY, "127.0.0.1", management, new byte[0], "/health/ready").status()).isEqualTo(200);
    assertThat(RawHttp.get(PROXY, "127.0.0.1", management, new byte[0], "/api/auctions").status())
        .as("the API is not on the management port").isEqualTo(404);

    for (String path : new String[] {"/metrics", "/ops/process", "/ops/subscriptions?address=auctions"}) {
      RawHttp.Response refused = RawHttp.get(PROXY, "127.0.0.1", plain, new byte[0], path);
      assertThat(refused.status()).as(path + " on the HTTP port").isEqualTo(404);
      assertThat(refused.json().getString("error")).isEqualTo("NOT_FOUND");
    }
    assertThat(RawHttp.get(PROXY, "127.0.0.1", plain, new byte[0], "/health").status()).isEqualTo(200);
    assertThat(RawHttp.get(PROXY, "127.0.0.1", plain, new byte[0], "/health/ready").status()).isEqualTo(200);

    assertThatThrownBy(() -> {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.2", management), 2_000);
      }
    }).as("bound to 127.0.0.1, not every address").isInstanceOf(ConnectException.class);
  }
}
