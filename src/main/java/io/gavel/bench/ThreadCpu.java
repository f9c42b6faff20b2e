package io.gavel.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * User and kernel CPU time of every thread of a process, from Linux's /proc/PID/task. Exact where a profiler only
 * samples: it covers the threads a JFR execution sample never sees (GC workers, JIT compilers) and splits each
 * thread's time into user (the JVM's own code) and system (syscalls: socket reads and writes, epoll).
 */
record ThreadCpu(Map<Long, Times> threads) {
  record Times(String name, long userTicks, long systemTicks) {
  }

  static ThreadCpu read(long pid) {
    Map<Long, Times> threads = new HashMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "task"))) {
      for (Path task : tasks) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          threads.put(Long.parseLong(task.getFileName().toString()),
              new Times(name, Long.parseLong(fields[11]), Long.parseLong(fields[12])));
        } catch (IOException | RuntimeException gone) {
          // the thread ended between listing and reading
        }
      }
    } catch (IOException | RuntimeException e) {
      // not a local process
    }
    return new ThreadCpu(threads);
  }

  /**
   * The CPU each thread used since {@code earlier}, in seconds, for threads that used any: {@code [{"tid", "name",
   * "userSeconds", "systemSeconds"}]}. A thread started in between counts from zero. Names are the kernel's, cut to
   * 15 characters ("vert.x-eventloo", "C2 CompilerThre"); the tid matches a JFR thread's {@code osThreadId}.
   */
  JsonArray since(ThreadCpu earlier) {
    JsonArray used = new JsonArray();
    threads.forEach((tid, now) -> {
      Times then = earlier.threads.getOrDefault(tid, new Times(now.name(), 0, 0));
      long user = now.userTicks() - then.userTicks();
      long system = now.systemTicks() - then.systemTicks();
      if (user + system > 0) {
        used.add(new JsonObject().put("tid", tid).put("name", now.name())
            .put("userSeconds", (double) user / ProcessStats.TICKS_PER_SECOND)
            .put("systemSeconds", (double) system / ProcessStats.TICKS_PER_SECOND));
      }
    });
    return used;
  }
}
