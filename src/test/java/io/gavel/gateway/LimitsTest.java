package io.gavel.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gavel.config.ConfigException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class LimitsTest {
  @Test
  void outboundBudgetsAndSendBufferHaveDefaultsAndBounds() {
    Limits defaults = Limits.from(new JsonObject());
    assertThat(defaults.outboundHighWaterBytes()).isEqualTo(256 * 1024);
    assertThat(defaults.nodeOutboundHighWaterBytes()).isEqualTo(64L * 1024 * 1024);
    assertThat(defaults.sendBufferBytes()).as("64 KiB, not the kernel's autotuned megabytes").isEqualTo(65536);
    assertThat(Limits.from(new JsonObject().put("sendBufferBytes", 0)).sendBufferBytes()).as("the kernel's").isZero();
    assertThat(Limits.from(new JsonObject().put("sendBufferBytes", 16384)).sendBufferBytes()).isEqualTo(16384);

    assertThatThrownBy(() -> Limits.from(new JsonObject().put("sendBufferBytes", 100)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("limits.sendBufferBytes");
    assertThatThrownBy(() -> Limits.from(new JsonObject().put("sendBufferBytes", "big")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("limits.sendBufferBytes");
    assertThatThrownBy(() -> Limits.from(new JsonObject().put("nodeOutboundHighWaterBytes", 1000)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("limits.nodeOutboundHighWaterBytes");
  }
}
