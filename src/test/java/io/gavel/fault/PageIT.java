package io.gavel.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.gavel.testing.ProcessCluster;
import java.io.File;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the page's browser test (src/test/e2e/page.e2e.mjs, Debian Chromium via playwright-core) against two real
 * node processes, and gives it node1's pid so it can kill node1 and watch the page fail over to node2.
 */
class PageIT {

  @Test
  void thePageWorksInARealBrowserAcrossNodesAndFailsOver() throws Exception {
    try (ProcessCluster cluster = ProcessCluster.start("page", 2)) {
      Path e2e = Path.of("src", "test", "e2e");
      File log = Path.of("target", "it-logs", "page-e2e.log").toFile();
      Process test = new ProcessBuilder("node", "page.e2e.mjs", cluster.baseUrl(0), cluster.baseUrl(1),
          String.valueOf(cluster.pid(0)), Path.of("target", "e2e").toAbsolutePath().toString())
          .directory(e2e.toFile())
          .redirectErrorStream(true)
          .redirectOutput(log)
          .start();
      boolean finished = test.waitFor(3, TimeUnit.MINUTES);
      if (!finished) {
        test.destroyForcibly();
      }
      String output = java.nio.file.Files.readString(log.toPath());
      System.out.println(output);
      assertThat(finished).as("the browser test finished").isTrue();
      assertThat(test.exitValue()).as("browser test output:%n%s", output).isZero();
      assertThat(output).contains("[e2e] passed");
      assertThat(Path.of("target", "e2e", "page-node2.png")).exists();
    }
  }
}
