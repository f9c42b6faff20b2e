package io.gavel;

import io.gavel.config.ConfigException;
import io.gavel.config.NodeConfig;
import io.gavel.node.GavelNode;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar target/gavel.jar [options]}: starts one Gavel node. */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  private static final long SHUTDOWN_SECONDS = 20;

  private Main() {
  }

  public static void main(String[] args) {
    NodeConfig config;
    try {
      config = NodeConfig.load(args, System.getenv());
    } catch (ConfigException e) {
      System.err.println("gavel: " + e.getMessage());
      System.exit(2);
      return;
    }
    AtomicReference<GavelNode> running = new AtomicReference<>();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      GavelNode node = running.get();
      if (node != null) {
        LOG.info("{} stopping", config.nodeName());
        node.stop().onComplete(done -> stopped.countDown());
        try {
          stopped.await(SHUTDOWN_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }, "gavel-shutdown"));
    GavelNode.start(config)
        .onSuccess(running::set)
        .onFailure(e -> {
          if (e instanceof ConfigException) {
            System.err.println("gavel: " + e.getMessage());
          } else {
            LOG.debug("start failure", e);
            System.err.println("gavel: " + config.nodeName() + " failed to start: " + e.getMessage()
                + " (HTTP port " + config.httpPort() + ", cluster port " + config.clusterPort() + ")");
          }
          Runtime.getRuntime().halt(1);
        });
  }
}
