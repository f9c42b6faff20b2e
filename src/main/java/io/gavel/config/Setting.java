package io.gavel.config;

/**
 * One setting as an operator meets it: its command-line option, environment variable and gavel.json key (each
 * optional), and its default. {@code --help}, the known-keys check and README.md's config table are all made from
 * these, so they cannot disagree.
 *
 * @param option   {@code --http-port}, or null when the setting has no option
 * @param label    the value's name in {@code --help} ({@code PORT}); null for flags
 * @param form     how the option takes its value
 * @param env      {@code GAVEL_HTTP_PORT}, or null
 * @param key      the gavel.json key path ({@code httpPort}, {@code limits.maxConnections}), or null
 * @param defaults the default and what the setting means, as README.md shows it (Markdown)
 * @param help     one line for {@code --help}
 */
public record Setting(String option, String label, Form form, String env, String key, String defaults, String help) {

  /** How an option takes its value. */
  public enum Form {
    /** {@code --name VALUE} or {@code --name=VALUE}. */
    VALUE,
    /** {@code --name} alone means true; {@code --name=false} also works. */
    FLAG,
    /** A flag with a {@code --no-name} twin. */
    NEGATABLE,
    /** May be given many times, each with one value. */
    REPEATABLE,
    /** No command-line option: environment or gavel.json only. */
    NONE
  }

  static Setting option(String option, String label, String env, String key, String defaults, String help) {
    return new Setting(option, label, Form.VALUE, env, key, defaults, help);
  }

  static Setting flag(String option, Form form, String env, String key, String defaults, String help) {
    return new Setting(option, null, form, env, key, defaults, help);
  }

  static Setting fileOnly(String env, String key, String defaults) {
    return new Setting(null, null, Form.NONE, env, key, defaults, null);
  }

  /** The option's cell of README.md's table. */
  public String optionCell() {
    return switch (form) {
      case NONE -> "—";
      case NEGATABLE -> "`" + option + "` / `--no-" + option.substring(2) + "`";
      case REPEATABLE -> "`" + option + " " + label + "`";
      default -> "`" + option + "`";
    };
  }

  public String envCell() {
    return env == null ? "—" : "`" + env + "`";
  }

  public String keyCell() {
    if (key == null) {
      return form == Form.REPEATABLE ? "any key" : "—";
    }
    return "`" + key + "`";
  }

  /** The default as plain text, for a terminal. */
  public String plainDefaults() {
    return defaults.replace("`", "").replace("&lt;", "<").replace("&gt;", ">");
  }
}
