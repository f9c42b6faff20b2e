package io.gavel;

import io.gavel.config.CommandLineArgs;
import io.gavel.config.ConfigException;
import io.gavel.config.NodeConfig;
import io.gavel.node.GavelNode;
import io.gavel.node.StopSignals;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar target/gavel.jar [options]}: starts one Gavel node ({@code --help} lists the options). SIGTERM or SIGINT stops it gracefully
 * (see {@link GavelNode#stop()}) and exits 0; if that takes longer than {@value #SHUTDOWN_SECONDS} s, it exits 1.
 */
public final class Main {
  private static final long SHUTDOWN_SECONDS = 25;
  /** Milliseconds Hazelcast adds to the system clock for its own clock (and so for the cluster time it serves). */
  private static final String HAZELCAST_CLOCK_OFFSET = "com.hazelcast.clock.offset";

  private Main() {
  }

  public static void main(String[] args) throws InterruptedException {
    NodeConfig config;
    try {
      CommandLineArgs cli = CommandLineArgs.parse(args);
      if (cli.helpRequested() || cli.versionRequested()) {
        System.out.print(cli.helpRequested() ? CommandLineArgs.usage() : CommandLineArgs.version() + "\n");
        System.exit(0);
        return;
      }
      config = NodeConfig.load(cli, System.getenv());
    } catch (ConfigException e) {
      System.err.println("gavel: " + e.getMessage());
      System.exit(2);
      return;
    }
    Logging.configure(config.nodeName(), config.logFormat());
    skewHazelcastClock(config);
    CountDownLatch started = new CountDownLatch(1);
    GavelNode[] node = new GavelNode[1];
    GavelNode.start(config)
        .onSuccess(n -> {
          node[0] = n;
          started.countDown();
        })
        .onFailure(e -> {
          log().debug("start failure", e);
          System.err.println("gavel: " + config.nodeName() + " failed to start: " + e.getMessage()
              + (e instanceof ConfigException ? ""
                  : " (HTTP port " + config.httpPort() + ", cluster port " + config.clusterPort() + ")"));
          Runtime.getRuntime().halt(1);
        });
    AtomicBoolean stopping = new AtomicBoolean();
    StopSignals.on(() -> {
      if (stopping.compareAndSet(false, true)) {
        new Thread(() -> stop(config, node, started), "gavel-stop").start();
      }
    }, "TERM", "INT");
  }

  /**
   * Fault testing: Hazelcast reads its clock offset once, when its clock class loads, so the property must be set
   * before the node starts Hazelcast. Every auction decision reads Hazelcast's cluster time, which starts from it.
   */
  private static void skewHazelcastClock(NodeConfig config) {
    if (config.clockOffsetMs() != 0) {
      System.setProperty(HAZELCAST_CLOCK_OFFSET, String.valueOf(config.clockOffsetMs()));
      log().warn("{} runs with its clock skewed by {} ms (--clock-offset-ms, for fault testing only)",
          config.nodeName(), config.clockOffsetMs());
    }
  }

  private static Logger log() {
    return LoggerFactory.getLogger(Main.class);
  }

  private static void stop(NodeConfig config, GavelNode[] node, CountDownLatch started) {
    try {
      if (!started.await(SHUTDOWN_SECONDS, TimeUnit.SECONDS)) {
        Runtime.getRuntime().halt(1);
      }
      long begin = System.nanoTime();
      log().info("{} stopping", config.nodeName());
      CountDownLatch stopped = new CountDownLatch(1);
      node[0].stop().onComplete(done -> stopped.countDown());
      if (stopped.await(SHUTDOWN_SECONDS, TimeUnit.SECONDS)) {
        log().info("{} stopped in {} ms", config.nodeName(), (System.nanoTime() - begin) / 1_000_000);
        System.exit(0);
      }
      log().error("{} did not stop within {} s", config.nodeName(), SHUTDOWN_SECONDS);
      Runtime.getRuntime().halt(1);
    } catch (InterruptedException e) {
      Runtime.getRuntime().halt(1);
    }
  }
}
