package io.gavel.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Lays a node's setting sources over each other, in rising precedence: {@code <conf>/gavel.json}, environment
 * variables, command-line options, then {@code GAVEL_SET} and {@code --set} assignments; {@link NodeConfig} reads the
 * result.
 */
final class ConfigLoader {
  private ConfigLoader() {
  }

  static NodeConfig load(CommandLineArgs cli, Map<String, String> env) {
    String conf = cli.values().getOrDefault(Settings.CONF.option(), env.getOrDefault(Settings.CONF.env(), "conf"));
    Path confDir = Path.of(conf);
    JsonObject overrides = new JsonObject();
    for (Setting setting : Settings.ALL) {
      if (setting.key() == null || setting.form() == Setting.Form.REPEATABLE) {
        continue;
      }
      // The signing key has no option (command lines show up in process listings): it comes from env or file.
      String value = setting.option() != null && cli.values().containsKey(setting.option())
          ? cli.values().get(setting.option())
          : setting.env() == null ? null : env.get(setting.env());
      if (value != null) {
        overrides.put(setting.key(), value);
      }
    }
    JsonObject file = retrieve(confDir.resolve("gavel.json"), overrides);
    List<String> assignments = new ArrayList<>();
    if (env.get(Settings.SET.env()) != null) {
      assignments.addAll(Arrays.asList(env.get(Settings.SET.env()).split(";")));
    }
    for (String assignment : cli.sets()) {
      if (assignment.trim().startsWith("jwtSecret=")) {
        throw new ConfigException("--set jwtSecret: the signing key is never given on the command line (process "
            + "listings show it); use GAVEL_JWT_SECRET or jwtSecret in gavel.json");
      }
      assignments.add(assignment);
    }
    for (String override : assignments) {
      if (!override.isBlank()) {
        set(file, override.trim());
      }
    }
    return NodeConfig.fromJson(confDir, file);
  }

  /**
   * {@code --set path.to.key=value} (or {@code GAVEL_SET="a=1;b.c=x"}) sets any key of gavel.json, such as
   * {@code limits.bidsPerSecondPerUser=50}; the value is read as JSON when it parses, else as a string.
   */
  private static void set(JsonObject json, String assignment) {
    int eq = assignment.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException("--set needs path=value, got '" + assignment + "'");
    }
    String[] path = assignment.substring(0, eq).split("\\.");
    String raw = assignment.substring(eq + 1);
    Object value;
    try {
      value = io.vertx.core.json.Json.decodeValue(raw);
    } catch (DecodeException notJson) {
      value = raw;
    }
    JsonObject target = json;
    for (int i = 0; i < path.length - 1; i++) {
      Object next = target.getValue(path[i]);
      if (next == null) {
        next = new JsonObject();
        target.put(path[i], next);
      }
      if (!(next instanceof JsonObject object)) {
        throw new ConfigException("--set " + assignment + ": " + path[i] + " is not an object");
      }
      target = object;
    }
    target.put(path[path.length - 1], value);
  }

  /**
   * vertx-config reads the file and lays the environment and options over it (later stores win). It needs a Vert.x
   * instance; the node's clustered one cannot exist before its config does, so a plain one is used and closed.
   */
  private static JsonObject retrieve(Path file, JsonObject overrides) {
    if (!Files.isReadable(file)) {
      throw new ConfigException("cannot read " + file.toAbsolutePath()
          + " (run from the project folder, or point --conf / GAVEL_CONF at the config directory)");
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    try {
      ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
          .setIncludeDefaultStores(false)
          .addStore(new ConfigStoreOptions().setType("file").setFormat("json")
              .setConfig(new JsonObject().put("path", file.toString())))
          .addStore(new ConfigStoreOptions().setType("json").setConfig(overrides)));
      return retriever.getConfig().await();
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new ConfigException(file + " is not valid JSON: " + cause.getMessage());
    } finally {
      vertx.close().await();
    }
  }
}
