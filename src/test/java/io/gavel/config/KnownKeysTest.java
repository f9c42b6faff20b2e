package io.gavel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A misspelled or mistyped key in gavel.json (or --set, GAVEL_SET) stops the start naming it. */
class KnownKeysTest {
  @TempDir
  Path dir;

  @Test
  void theShippedConfigHasOnlyKnownKeys() {
    assertThat(NodeConfig.load(new String[0], Map.of()).httpPort()).isEqualTo(8080);
  }

  @Test
  void theShippedLimitsAreTheDocumentedDefaults() throws IOException {
    JsonObject shipped = new JsonObject(Files.readString(Path.of("conf", "gavel.json"))).getJsonObject("limits");
    for (io.gavel.gateway.Limits.Limit limit : io.gavel.gateway.Limits.DEFINITIONS) {
      assertThat(shipped.getDouble(limit.name())).as("limits." + limit.name()).isEqualTo(limit.fallback());
    }
  }

  @Test
  void aMisspelledTopLevelKeyIsNamed() throws IOException {
    assertFails(conf(json -> json.put("htpPort", 9000)), "unknown setting htpPort",
        "did you mean httpPort?");
    assertFails(conf(json -> json.put("frobnication", true)), "unknown setting frobnication");
    assertFails(new String[] {"--set", "closeSweepMilis=100"}, Map.of(), "unknown setting closeSweepMilis",
        "did you mean closeSweepMillis?");
  }

  @Test
  void aMisspelledNestedKeyIsNamedWithItsPath() throws IOException {
    assertFails(conf(json -> json.getJsonObject("limits").put("bidsPerSecondPerUsr", 50)),
        "unknown setting limits.bidsPerSecondPerUsr", "did you mean limits.bidsPerSecondPerUser?");
    assertFails(new String[] {"--set", "limits.maxConections=10"}, Map.of(), "unknown setting limits.maxConections");
    assertFails(new String[0], Map.of("GAVEL_SET", "bridge.pingTimeout=500"), "unknown setting bridge.pingTimeout");
    assertFails(conf(json -> json.getJsonObject("publish").put("key", new JsonObject())),
        "unknown setting publish.key");
  }

  @Test
  void aValueOfTheWrongTypeIsNamed() throws IOException {
    assertFails(conf(json -> json.put("httpPort", "eighty")), "httpPort must be an integer");
    assertFails(conf(json -> json.put("demo", "yes")), "demo must be true or false");
    assertFails(conf(json -> json.getJsonObject("limits").put("maxConnections", "many")),
        "limits.maxConnections must be a number");
    assertFails(conf(json -> json.getJsonObject("bridge").put("pingTimeoutMillis", "soon")),
        "bridge.pingTimeoutMillis must be an integer");
    assertFails(conf(json -> json.put("limits", 5)), "limits must be a JSON object");
    assertFails(new String[] {"--set", "limits.bidBurstPerUser=\"lots\""}, Map.of(), "limits.bidBurstPerUser");
  }

  @Test
  void bridgeTimeoutsAreCheckedAndStoredAsNumbers() throws IOException {
    NodeConfig config = NodeConfig.load(
        new String[] {"--conf", conf(json -> json.getJsonObject("bridge").put("pingTimeoutMillis", "2500"))
            .toString()}, Map.of());
    assertThat(config.bridge().getLong("pingTimeoutMillis")).isEqualTo(2500);
    assertThat(config.bridge().getLong("replyTimeoutMillis")).isEqualTo(10_000);
  }

  /** A config directory holding the shipped gavel.json with one change. */
  private Path conf(Consumer<JsonObject> change) throws IOException {
    JsonObject json = new JsonObject(Files.readString(Path.of("conf", "gavel.json")));
    change.accept(json);
    Path conf = Files.createTempDirectory(dir, "conf");
    Files.writeString(conf.resolve("gavel.json"), json.encodePrettily());
    return conf;
  }

  private static void assertFails(Path conf, String... mentions) {
    assertFails(new String[] {"--conf", conf.toString()}, Map.of(), mentions);
  }

  private static void assertFails(String[] args, Map<String, String> env, String... mentions) {
    assertThatThrownBy(() -> NodeConfig.load(args, env))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(e.getMessage()).contains(mentions));
  }
}
