package io.gavel.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node process's memory after a full collection, as the JVM and Linux report it, so that heap garbage and heap
 * the collector merely keeps committed are told apart from what connections really hold: {@code jcmd} (same user,
 * same machine) runs the collection and reads the heap ({@code GC.heap_info}), the live objects by class
 * ({@code GC.class_histogram}, which collects again first) and, when the node runs with
 * {@code -XX:NativeMemoryTracking=summary}, native memory by category ({@code VM.native_memory summary}: Netty's
 * direct buffers are under "Other"); RSS and threads come from {@code /proc}.
 */
record NodeMemory(long rssBeforeGcKb, long rssKb, long heapUsedKb, long heapCommittedKb, int threads,
                  Map<String, Long> nativeCommittedKb, Map<String, long[]> liveClasses) {
  private static final Pattern HEAP = Pattern.compile("total (\\d+)K, used (\\d+)K");
  private static final Pattern NMT = Pattern.compile("^-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)");
  private static final Pattern HISTOGRAM = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

  /** Collects {@code pid}'s heap, then reads its figures; {@code classes}: also the live objects by class. */
  static NodeMemory take(long pid, boolean classes) throws IOException, InterruptedException {
    long rssBeforeGc = ProcessStats.read(pid).rssKb();
    jcmd(pid, "GC.run");
    Map<String, long[]> live = classes ? histogram(jcmd(pid, "GC.class_histogram")) : Map.of();
    // G1 reports one heap; the serial and parallel collectors (the JVM's choice on one cpu) one line per generation.
    Matcher heap = HEAP.matcher(jcmd(pid, "GC.heap_info"));
    long committed = 0;
    long used = 0;
    while (heap.find()) {
      committed += Long.parseLong(heap.group(1));
      used += Long.parseLong(heap.group(2));
    }
    if (committed == 0) {
      throw new IOException("jcmd " + pid + " GC.heap_info: no heap figures");
    }
    return new NodeMemory(rssBeforeGc, ProcessStats.read(pid).rssKb(), used, committed, threads(pid),
        nativeMemory(jcmd(pid, "VM.native_memory", "summary")), live);
  }

  /** Bytes by class name: {instances, bytes}. */
  static Map<String, long[]> histogram(String text) {
    Map<String, long[]> classes = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = HISTOGRAM.matcher(line);
      if (m.find()) {
        classes.put(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
      }
    }
    return classes;
  }

  /** Committed KB by native memory category; empty when the JVM does not track native memory. */
  static Map<String, Long> nativeMemory(String text) {
    Map<String, Long> categories = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = NMT.matcher(line.trim());
      if (m.find()) {
        categories.put(m.group(1).trim(), Long.parseLong(m.group(2)));
      }
    }
    return categories;
  }

  private static int threads(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith("Threads:")) {
        return Integer.parseInt(line.substring(8).trim());
      }
    }
    return -1;
  }

  private static String jcmd(long pid, String... command) throws IOException, InterruptedException {
    List<String> full = new java.util.ArrayList<>(List.of(jcmdPath(), String.valueOf(pid)));
    full.addAll(List.of(command));
    Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException(String.join(" ", full) + " failed: " + new String(output, StandardCharsets.UTF_8));
    }
    return new String(output, StandardCharsets.UTF_8);
  }

  private static String jcmdPath() {
    Path beside = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    return Files.isExecutable(beside) ? beside.toString() : "jcmd";
  }
}
