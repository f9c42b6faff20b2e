package io.gavel.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one of the Node checks in src/test/e2e and fails the test unless it exits 0; returns its output. */
public final class NodeScript {
  private NodeScript() {
  }

  public static String run(String script, Duration timeout, String... args) throws IOException, InterruptedException {
    return run(script, timeout, Map.of(), args);
  }

  public static String run(String script, Duration timeout, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("node", script));
    command.addAll(List.of(args));
    File log = Path.of("target", "it-logs", script.replace(".mjs", ".log")).toFile();
    Files.createDirectories(log.toPath().getParent());
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(Path.of("src", "test", "e2e").toFile())
        .redirectErrorStream(true)
        .redirectOutput(log);
    builder.environment().putAll(env);
    Process process = builder.start();
    boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!finished) {
      process.destroyForcibly().waitFor();
    }
    String output = Files.readString(log.toPath());
    System.out.println(output);
    assertThat(finished).as("%s finished within %s", script, timeout).isTrue();
    assertThat(process.exitValue()).as("%s output:%n%s", script, output).isZero();
    return output;
  }
}
