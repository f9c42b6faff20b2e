package io.gavel.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A node process's memory as its own metrics report it (heap used, direct buffers) plus its resident set from
 * /proc. Heap used between collections includes garbage, so a reading can first ask the JVM for a full collection
 * ({@code jcmd PID GC.run}): what is left is what the node holds.
 */
public record NodeMemory(long heapBytes, long directBytes, long rssBytes) {
  private static final long MB = 1024 * 1024;

  public static NodeMemory read(String metricsUrl, long pid, boolean collectFirst) {
    if (collectFirst) {
      fullGc(pid);
    }
    Metrics metrics = Metrics.of(metricsUrl);
    return new NodeMemory(metrics.value("jvm_memory_used_bytes", "area", "heap"),
        metrics.value("jvm_buffer_memory_used_bytes", "id", "direct"), rss(pid));
  }

  /** Heap and direct memory together: what the node's own queues can grow. */
  public long javaBytes() {
    return heapBytes + directBytes;
  }

  public NodeMemory max(NodeMemory other) {
    return new NodeMemory(Math.max(heapBytes, other.heapBytes), Math.max(directBytes, other.directBytes),
        Math.max(rssBytes, other.rssBytes));
  }

  @Override
  public String toString() {
    return String.format("heap %d MB, direct %d MB, RSS %d MB", heapBytes / MB, directBytes / MB, rssBytes / MB);
  }

  private static void fullGc(long pid) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
          .redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("jcmd " + pid + " GC.run failed: " + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException("jcmd is needed to collect the node's heap", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static long rss(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException gone) {
      // the process ended
    }
    return -1;
  }
}
