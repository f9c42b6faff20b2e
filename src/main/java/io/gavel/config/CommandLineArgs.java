package io.gavel.config;

import io.gavel.config.Setting.Form;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The command line, parsed by picocli from the options of {@link Settings#ALL}. Only what was given is kept: the
 * layering over the environment and gavel.json is {@link NodeConfig}'s.
 *
 * @param values option name → the value given (the last one when an option is repeated)
 * @param sets   every {@code --set path=value}, in order
 */
public record CommandLineArgs(Map<String, String> values, List<String> sets, boolean helpRequested,
    boolean versionRequested) {

  public static CommandLineArgs parse(String... args) {
    CommandLine command = command();
    ParseResult result;
    try {
      result = command.parseArgs(args);
    } catch (ParameterException e) {
      throw new ConfigException(e.getMessage() + " (see --help)");
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Setting setting : Settings.ALL) {
      if (setting.form() != Form.NONE && setting.form() != Form.REPEATABLE
          && result.hasMatchedOption(setting.option())) {
        values.put(setting.option(), String.valueOf((Object) result.matchedOptionValue(setting.option(), null)));
      }
    }
    List<String> sets = result.matchedOptionValue(Settings.SET.option(), List.of());
    return new CommandLineArgs(values, sets, result.isUsageHelpRequested(), result.isVersionHelpRequested());
  }

  /** {@code --help}: every option with its environment variable, gavel.json key and default. */
  public static String usage() {
    StringWriter out = new StringWriter();
    command().usage(new PrintWriter(out));
    return out.toString();
  }

  public static String version() {
    String version = CommandLineArgs.class.getPackage().getImplementationVersion();
    return "gavel " + (version == null ? "(development build)" : version) + ", Java " + Runtime.version();
  }

  private static CommandLine command() {
    CommandSpec spec = CommandSpec.create().name("java -jar gavel.jar").mixinStandardHelpOptions(true)
        .version(version());
    List<String> footer = new ArrayList<>();
    for (Setting setting : Settings.ALL) {
      if (setting.form() == Form.NONE && setting.env() != null) {
        footer.add("  " + setting.env() + " (gavel.json " + setting.key() + "): " + setting.plainDefaults()
            + (setting.key().equals("jwtSecret") ? ". Never an option: command lines show in process listings." : ""));
      }
    }
    footer.add("");
    footer.add("Every gavel.json key, with its default: README.md, Configuration.");
    spec.usageMessage()
        .description("Starts one Gavel node. Each setting comes from, in rising precedence: <conf>/gavel.json, "
            + "its environment variable, its option.")
        .width(100)
        .footerHeading("%nWithout an option:%n")
        .footer(footer.toArray(String[]::new))
        .sortOptions(false);
    for (Setting setting : Settings.ALL) {
      if (setting.form() != Form.NONE) {
        spec.addOption(option(setting));
      }
    }
    CommandLine command = new CommandLine(spec);
    // As before picocli: the last of a repeated option wins, and an argument starting with @ is no file to expand.
    command.setOverwrittenOptionsAllowed(true);
    command.setExpandAtFiles(false);
    return command;
  }

  private static OptionSpec option(Setting setting) {
    OptionSpec.Builder option = OptionSpec.builder(setting.option());
    String where = (setting.env() == null ? "" : "env " + setting.env() + ", ")
        + (setting.key() == null ? "" : "gavel.json " + setting.key() + ", ");
    option.description(setting.help() + ".",
        "  " + where + (setting.form() == Form.REPEATABLE ? "" : "default: ") + setting.plainDefaults());
    switch (setting.form()) {
      case FLAG, NEGATABLE -> option.type(Boolean.class).arity("0..1").paramLabel("true|false")
          .negatable(setting.form() == Form.NEGATABLE);
      case REPEATABLE -> option.type(List.class).auxiliaryTypes(String.class).arity("1").paramLabel(setting.label());
      default -> option.type(String.class).arity("1").paramLabel(setting.label());
    }
    return option.build();
  }
}
