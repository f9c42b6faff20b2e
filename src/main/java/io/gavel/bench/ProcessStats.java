package io.gavel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and resident memory of a process, from Linux's /proc. */
record ProcessStats(long pid, long cpuTicks, long rssKb) {
  /** USER_HZ: clock ticks per second in /proc/<pid>/stat; 100 on Linux here. */
  static final long TICKS_PER_SECOND = 100;

  static ProcessStats read(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      // Fields after the command name (which may hold spaces) start after the last ')'.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      long rss = 0;
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
      return new ProcessStats(pid, ticks, rss);
    } catch (IOException | RuntimeException e) {
      return new ProcessStats(pid, 0, 0);
    }
  }

  /** CPU use between two readings, in percent of one core. */
  double cpuPercentSince(ProcessStats earlier, double seconds) {
    return 100.0 * (cpuTicks - earlier.cpuTicks) / TICKS_PER_SECOND / seconds;
  }

  /** The cpus a process may run on (Cpus_allowed_list), e.g. "0" when pinned by taskset; "?" when unknown. */
  static String cpusAllowed(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("Cpus_allowed_list:")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not a local process
    }
    return "?";
  }
}
