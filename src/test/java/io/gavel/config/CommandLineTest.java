package io.gavel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The picocli command line made from {@link Settings#ALL}: help, version, flags, and what it must refuse. */
class CommandLineTest {

  @Test
  void helpListsEveryOptionWithItsEnvironmentVariableAndDefault() {
    CommandLineArgs help = CommandLineArgs.parse("--help");
    assertThat(help.helpRequested()).isTrue();
    // Lines wrap wherever the terminal width says: compare with the wrapping undone.
    String usage = CommandLineArgs.usage().replaceAll("\\s+", " ");
    for (Setting setting : Settings.ALL) {
      if (setting.option() != null) {
        assertThat(usage).as(setting.option()).contains(setting.option());
      }
      if (setting.env() != null) {
        assertThat(usage).as(setting.env()).contains(setting.env());
      }
    }
    assertThat(usage).contains("--[no-]demo[=true|false]", "--set=path=value", "--version",
        "env GAVEL_HTTP_PORT, gavel.json httpPort, default: 8080",
        "env GAVEL_STORE, gavel.json store, default: memory, or postgresql:",
        "GAVEL_JWT_SECRET (gavel.json jwtSecret)");
    assertThat(usage).doesNotContain("--jwt-secret");
    assertThat(CommandLineArgs.parse("-h").helpRequested()).isTrue();
  }

  @Test
  void versionNamesGavelAndJava() {
    assertThat(CommandLineArgs.parse("--version").versionRequested()).isTrue();
    assertThat(CommandLineArgs.parse("-V").versionRequested()).isTrue();
    assertThat(CommandLineArgs.version()).startsWith("gavel ").contains("Java " + Runtime.version().feature());
  }

  @Test
  void demoFlagsTakeTheirTwinsAndTheLastOneWins() {
    assertThat(load("--no-demo").demo()).isFalse();
    assertThat(load("--demo").demo()).isTrue();
    assertThat(load("--demo=false").demo()).isFalse();
    assertThat(load("--no-demo", "--demo").demo()).as("the last one wins, as TestCluster relies on").isTrue();
    assertThat(load("--demo", "--no-demo").demo()).isFalse();
    assertThat(load("--demo-bidders").demoBidders()).isTrue();
    assertThat(load("--demo-bidders=false").demoBidders()).isFalse();
    assertThat(load().demoBidders()).isFalse();
    assertThat(NodeConfig.load(new String[] {"--no-demo"}, Map.of("GAVEL_DEMO", "true")).demo())
        .as("the option beats the environment").isFalse();
    assertThat(NodeConfig.load(new String[0], Map.of("GAVEL_DEMO", "false")).demo()).isFalse();
  }

  @Test
  void repeatedOptionsKeepTheLastValueAndNegativeNumbersAreValues() {
    assertThat(load("--http-port", "8081", "--http-port=8082").httpPort()).isEqualTo(8082);
    assertThat(load("--clock-offset-ms", "-250").clockOffsetMs()).isEqualTo(-250);
  }

  @Test
  void theSigningKeyNeverComesFromTheCommandLine() {
    assertThatThrownBy(() -> load("--jwt-secret", "s3cret")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'--jwt-secret'");
    assertThatThrownBy(() -> load("--set", "jwtSecret=s3cret")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("GAVEL_JWT_SECRET").hasMessageNotContaining("s3cret");
    assertThat(NodeConfig.load(new String[0], Map.of("GAVEL_SET", "jwtSecret=from-env")).jwtSecret())
        .as("the environment may set it").isEqualTo("from-env");
  }

  @Test
  void theKubernetesJoinIsOffUnlessAServiceNameIsGiven() {
    assertThat(load().kubernetesServiceDns()).isNull();
    assertThat(NodeConfig.load(new String[0],
        Map.of("GAVEL_KUBERNETES_SERVICE_DNS", "gavel-cluster.auctions.svc.cluster.local")).kubernetesServiceDns())
        .isEqualTo("gavel-cluster.auctions.svc.cluster.local");
    assertThatThrownBy(() -> load("--kubernetes-service-dns", "gavel cluster")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("kubernetesServiceDns");
  }

  private static NodeConfig load(String... args) {
    return NodeConfig.load(args, Map.of());
  }
}
