package io.gavel.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Other clients on the benchmark's auction during its storm: a command (benchmarks/catchup/catchup.mjs) started with
 * {@code --nodes URL,... --auction ID} appended, once the auction exists and before the benchmark's own clients
 * connect. The benchmark waits for it to print {@code catchup: ready} (its clients follow the auction), and once the
 * storm is over, for it to end on its own (it checks its clients against the final state), before stopping nodes.
 */
final class CatchupHook {
  private static final long READY_SECONDS = 120;
  private static final long EXIT_SECONDS = 180;

  private final Process process;
  private final CountDownLatch ready = new CountDownLatch(1);
  private volatile boolean sawReady;

  private CatchupHook(Process process) {
    this.process = process;
    Thread echo = new Thread(this::echo, "catchup-output");
    echo.setDaemon(true);
    echo.start();
  }

  static CatchupHook start(String command, List<Node> nodes, String auctionId) throws Exception {
    String urls = nodes.stream().map(Node::url).collect(Collectors.joining(","));
    // sh -c 'COMMAND "$@"' passes the appended arguments through unchanged, whatever they contain.
    // exec: the command is the process itself, so that stopping it stops the command rather than a shell.
    Process process = new ProcessBuilder("sh", "-c", "exec " + command + " \"$@\"", "catchup", "--nodes", urls,
        "--auction", auctionId).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    CatchupHook hook = new CatchupHook(process);
    if (!hook.ready.await(READY_SECONDS, TimeUnit.SECONDS) || !hook.sawReady) {
      process.destroy();
      throw new IllegalStateException("the catch-up command was not ready within " + READY_SECONDS + " s: " + command);
    }
    return hook;
  }

  private void echo() {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        System.out.println(line);
        if (line.startsWith("catchup: ready")) {
          sawReady = true;
          ready.countDown();
        }
      }
    } catch (IOException gone) {
      // the command ended
    } finally {
      ready.countDown(); // an early exit must not leave the benchmark waiting: start() then sees it dead
    }
  }

  /** Waits (bounded) for the command to end by itself; its exit code, or -1 when it had to be stopped. */
  int awaitExit() throws InterruptedException {
    if (process.waitFor(EXIT_SECONDS, TimeUnit.SECONDS)) {
      return process.exitValue();
    }
    process.destroy();
    process.waitFor(10, TimeUnit.SECONDS);
    return -1;
  }

  void stop() {
    process.destroy();
  }
}
