package io.gavel.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * README.md's config table is rendered from {@link Settings#ALL}; this test fails when the two differ. To
 * regenerate the table after changing a setting: {@code mvn -q -o test -Dtest=ConfigTableTest -Dgavel.readme.write=true}.
 */
class ConfigTableTest {
  static final String BEGIN = "<!-- config table: generated from io.gavel.config.Settings, see ConfigTableTest -->";
  static final String END = "<!-- end of config table -->";
  private static final Path README = Path.of("README.md");

  static String render() {
    StringBuilder table = new StringBuilder("| option | environment | gavel.json | default |\n|---|---|---|---|\n");
    for (Setting setting : Settings.ALL) {
      table.append("| ").append(setting.optionCell()).append(" | ").append(setting.envCell()).append(" | ")
          .append(setting.keyCell()).append(" | ").append(setting.defaults().replace("|", "\\|")).append(" |\n");
    }
    return table.toString();
  }

  @Test
  void theReadmeTableIsTheOneTheSettingsGive() throws IOException {
    String readme = Files.readString(README);
    int begin = readme.indexOf(BEGIN);
    int end = readme.indexOf(END);
    assertThat(begin).as("README.md marks its config table with " + BEGIN).isNotNegative();
    assertThat(end).as("README.md ends its config table with " + END).isGreaterThan(begin);
    String current = readme.substring(begin + BEGIN.length() + 1, end);
    String wanted = render();
    if (Boolean.getBoolean("gavel.readme.write") && !current.equals(wanted)) {
      Files.writeString(README, readme.substring(0, begin + BEGIN.length() + 1) + wanted + readme.substring(end));
      current = wanted;
    }
    assertThat(current)
        .as("README.md's config table differs from io.gavel.config.Settings; regenerate it with "
            + "mvn -q -o test -Dtest=ConfigTableTest -Dgavel.readme.write=true")
        .isEqualTo(wanted);
  }

  @Test
  void everySettingIsInTheTableOnce() {
    String table = render();
    for (Setting setting : Settings.ALL) {
      String row = "| " + setting.optionCell() + " | " + setting.envCell() + " | " + setting.keyCell() + " |";
      assertThat(table.split(java.util.regex.Pattern.quote(row), -1)).as(row).hasSize(2);
    }
  }
}
