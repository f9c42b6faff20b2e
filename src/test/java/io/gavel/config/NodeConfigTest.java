package io.gavel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gavel.config.NodeConfig.Role;
import io.gavel.gateway.Limits;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeConfigTest {

  @Test
  void theShippedConfigGivesTheContractDefaults() {
    NodeConfig config = NodeConfig.load(new String[0], Map.of());
    assertThat(config.httpHost()).isEqualTo("127.0.0.1");
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.clusterPort()).isEqualTo(5701);
    assertThat(config.clusterMembers()).hasSize(10).first().isEqualTo("127.0.0.1:5701");
    assertThat(config.clusterMembers()).last().isEqualTo("127.0.0.1:5710");
    assertThat(config.roles()).containsExactlyInAnyOrder(Role.GATEWAY, Role.AUCTION);
    assertThat(config.demo()).isTrue();
    assertThat(config.tokenTtlSeconds()).isEqualTo(3600);
    assertThat(config.jwtSecret()).isNull();
    assertThat(config.store()).isEqualTo("memory");
    assertThat(config.storeKind()).isEqualTo("memory");
    assertThat(config.clockOffsetMs()).isZero();
    assertThat(config.trustedProxies().any()).as("no PROXY protocol by default").isFalse();
    assertThat(config.hasManagementListener()).isFalse();
    assertThat(config.managementHost()).isEqualTo("127.0.0.1");
  }

  @Test
  void trustedProxiesAreAddressesAndBlocksOfBothFamilies() {
    NodeConfig config = NodeConfig.load(new String[] {"--trusted-proxies", "10.1.2.3, 172.16.0.0/12,fd00::/8,::1"},
        Map.of("GAVEL_TRUSTED_PROXIES", "192.0.2.1"));
    TrustedProxies trusted = config.trustedProxies();
    assertThat(trusted.any()).isTrue();
    assertThat(trusted.trusts("10.1.2.3")).isTrue();
    assertThat(trusted.trusts("10.1.2.4")).isFalse();
    assertThat(trusted.trusts("172.16.0.1")).isTrue();
    assertThat(trusted.trusts("172.31.255.255")).isTrue();
    assertThat(trusted.trusts("172.32.0.0")).isFalse();
    assertThat(trusted.trusts("fd12:3456::1")).isTrue();
    assertThat(trusted.trusts("fe80::1")).isFalse();
    assertThat(trusted.trusts("0:0:0:0:0:0:0:1")).isTrue();
    assertThat(trusted.trusts("::ffff:10.1.2.3")).as("IPv4-mapped IPv6 is the IPv4 address").isTrue();
    assertThat(trusted.trusts("192.0.2.1")).as("the option beats the environment").isFalse();
    assertThat(trusted.trusts("not-an-address")).isFalse();
    assertThat(trusted.trusts(null)).isFalse();

    assertThat(NodeConfig.load(new String[] {"--set", "trustedProxies=[\"0.0.0.0/0\"]"}, Map.of())
        .trustedProxies().trusts("203.0.113.9")).isTrue();
  }

  @Test
  void theManagementListenerIsOffUnlessAPortIsGiven() {
    NodeConfig config = NodeConfig.load(new String[] {"--management-port", "9090"},
        Map.of("GAVEL_MANAGEMENT_HOST", "0.0.0.0"));
    assertThat(config.hasManagementListener()).isTrue();
    assertThat(config.managementPort()).isEqualTo(9090);
    assertThat(config.managementHost()).isEqualTo("0.0.0.0");
    assertThat(NodeConfig.load(new String[] {"--management-port", "0"}, Map.of()).hasManagementListener()).isFalse();
  }

  @Test
  void storeAndClockOffsetComeFromOptionsOrTheEnvironment() {
    NodeConfig fromOptions = NodeConfig.load(
        new String[] {"--store", "postgresql://gavel:p@ss/w:rd@127.0.0.1:5432/gavel", "--clock-offset-ms", "-5000"},
        Map.of("GAVEL_STORE", "memory", "GAVEL_CLOCK_OFFSET_MS", "9"));
    assertThat(fromOptions.store()).isEqualTo("postgresql://gavel:p@ss/w:rd@127.0.0.1:5432/gavel");
    assertThat(fromOptions.storeKind()).isEqualTo("postgresql");
    assertThat(fromOptions.clockOffsetMs()).isEqualTo(-5000);

    NodeConfig fromEnvironment = NodeConfig.load(new String[0],
        Map.of("GAVEL_STORE", "postgresql://db.example.com:6543/auctions", "GAVEL_CLOCK_OFFSET_MS", "86400000"));
    assertThat(fromEnvironment.store()).as("user and password are optional")
        .isEqualTo("postgresql://db.example.com:6543/auctions");
    assertThat(fromEnvironment.clockOffsetMs()).isEqualTo(86_400_000);

    assertThat(NodeConfig.load(new String[] {"--store", "postgresql://u:pw@[::1]:5432/gavel"}, Map.of()).store())
        .isEqualTo("postgresql://u:pw@[::1]:5432/gavel");
  }

  @Test
  void aBadStoreUrlNamesTheKeyAndNeverShowsThePassword() {
    for (String url : List.of(
        "postgresql://gavel:Hunter2@127.0.0.1/gavel",
        "postgresql://gavel:Hunter2@127.0.0.1:5432",
        "postgresql://gavel:Hunter2@127.0.0.1:5432/",
        "postgresql://gavel:Hunter2@:5432/gavel",
        "postgresql://gavel:Hunter2@127.0.0.1:99999/gavel",
        "postgresql://gavel:Hunter2/gavel",
        "postgresql://:Hunter2@127.0.0.1:5432/gavel",
        "postgres://gavel:Hunter2@127.0.0.1:5432/gavel",
        "mysql://gavel:Hunter2@127.0.0.1:5432/gavel",
        "Hunter2")) {
      assertThatThrownBy(() -> NodeConfig.load(new String[] {"--store", url}, Map.of()))
          .as(url)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("store")
          .hasMessageNotContaining("Hunter2");
    }
  }

  @Test
  void optionsBeatEnvironmentWhichBeatsTheFile() {
    NodeConfig config = NodeConfig.load(
        new String[] {"--http-port", "8081", "--cluster-members=10.0.0.1:5701,10.0.0.2:5701", "--no-demo"},
        Map.of("GAVEL_HTTP_PORT", "9999", "GAVEL_CLUSTER_PORT", "5702", "GAVEL_ROLES", "auction",
            "GAVEL_TOKEN_TTL_SECONDS", "60", "GAVEL_JWT_SECRET", "s3cret"));
    assertThat(config.httpPort()).isEqualTo(8081);
    assertThat(config.clusterPort()).isEqualTo(5702);
    assertThat(config.clusterMembers()).isEqualTo(List.of("10.0.0.1:5701", "10.0.0.2:5701"));
    assertThat(config.roles()).isEqualTo(Set.of(Role.AUCTION));
    assertThat(config.demo()).isFalse();
    assertThat(config.tokenTtlSeconds()).isEqualTo(60);
    assertThat(config.jwtSecret()).isEqualTo("s3cret");
    assertThat(config.nodeName()).isEqualTo("gavel-8081");
  }

  @Test
  void setOverridesAnyKeyFromTheEnvironmentOrTheCommandLine() {
    NodeConfig config = NodeConfig.load(new String[] {"--set", "limits.bidBurstPerUser=7", "--set", "logFormat=json"},
        Map.of("GAVEL_SET", "limits.bidBurstPerUser=3;bridge.pingTimeoutMillis=500"));
    assertThat(config.limits().getInteger("bidBurstPerUser")).isEqualTo(7);
    assertThat(config.bridge().getLong("pingTimeoutMillis")).isEqualTo(500);
    assertThat(config.logFormat()).isEqualTo("json");
    assertThat(config.limits().getInteger("maxConnections")).as("untouched keys keep the file's value")
        .isEqualTo(50_000);
  }

  @Test
  void theAuctionQuotaIsGenerousByDefaultAndABadOneFailsWithItsName() {
    Limits shipped = Limits.from(NodeConfig.load(new String[0], Map.of()).limits());
    assertThat(shipped.auctionsPerHourPerUser()).isEqualTo(60);
    assertThat(shipped.auctionBurstPerUser()).isEqualTo(20);
    assertThat(Limits.from(new JsonObject()).auctionsPerHourPerUser()).as("without the key").isEqualTo(60);
    assertThatThrownBy(() -> Limits.from(new JsonObject().put("auctionsPerHourPerUser", 0)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("limits.auctionsPerHourPerUser");
    assertThatThrownBy(() -> Limits.from(new JsonObject().put("auctionBurstPerUser", "many")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("limits.auctionBurstPerUser");
  }

  @Test
  void badSettingsFailWithTheirName() {
    assertFails(new String[] {"--http-port", "http"}, Map.of(), "httpPort");
    assertFails(new String[] {"--http-port", "70000"}, Map.of(), "httpPort");
    assertFails(new String[0], Map.of("GAVEL_CLUSTER_MEMBERS", "127.0.0.1:5701-5703"), "clusterMembers");
    assertFails(new String[] {"--roles", "gateway,banker"}, Map.of(), "roles");
    assertFails(new String[] {"--token-ttl", "0"}, Map.of(), "tokenTtlSeconds");
    assertFails(new String[] {"--frobnicate", "1"}, Map.of(), "Unknown options: '--frobnicate'");
    assertFails(new String[] {"--http-port"}, Map.of(), "Missing required parameter for option '--http-port'");
    assertFails(new String[] {"--conf", "no-such-dir"}, Map.of(), "no-such-dir");
    assertFails(new String[] {"--set", "nonsense"}, Map.of(), "path=value");
    assertFails(new String[] {"--log-format", "xml"}, Map.of(), "logFormat");
    assertFails(new String[] {"--clock-offset-ms", "86400001"}, Map.of(), "clockOffsetMs");
    assertFails(new String[] {"--clock-offset-ms", "soon"}, Map.of(), "clockOffsetMs");
    assertFails(new String[0], Map.of("GAVEL_CLOCK_OFFSET_MS", "-86400001"), "clockOffsetMs");
    assertFails(new String[] {"--trusted-proxies", "lb.example.com"}, Map.of(), "trustedProxies");
    assertFails(new String[] {"--trusted-proxies", "10.0.0.256"}, Map.of(), "trustedProxies");
    assertFails(new String[] {"--trusted-proxies", "10.0.0.0/33"}, Map.of(), "trustedProxies");
    assertFails(new String[] {"--trusted-proxies", "10.0.0.0/"}, Map.of(), "trustedProxies");
    assertFails(new String[] {"--trusted-proxies", "fd00::/129"}, Map.of(), "trustedProxies");
    assertFails(new String[] {"--trusted-proxies", "10.0.0.1/8"}, Map.of(), "trustedProxies entry '10.0.0.1/8'");
    assertFails(new String[] {"--set", "trustedProxies=[1]"}, Map.of(), "trustedProxies");
    assertFails(new String[] {"--management-port", "70000"}, Map.of(), "managementPort");
    assertFails(new String[] {"--management-port", "8080"}, Map.of(), "managementPort must differ from httpPort");
    assertFails(new String[] {"--management-host", " "}, Map.of(), "managementHost");
  }

  @Test
  void aBrokenConfigFileStopsTheStartWithItsName(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Files.writeString(dir.resolve("gavel.json"), "{\"httpPort\": ");
    assertFails(new String[] {"--conf", dir.toString()}, Map.of(), "gavel.json is not valid JSON");
  }

  private static void assertFails(String[] args, Map<String, String> env, String mentions) {
    assertThatThrownBy(() -> NodeConfig.load(args, env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(mentions);
  }
}
