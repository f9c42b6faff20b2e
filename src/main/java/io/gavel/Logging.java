package io.gavel;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;

/** Re-reads the Logback config once the node's name and log format are known (libraries log before that). */
final class Logging {
  private Logging() {
  }

  static void configure(String nodeName, String format) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    context.reset();
    context.putProperty("gavel.node", nodeName);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(Logging.class.getResource(format.equals("json") ? "/logback-json.xml" : "/logback.xml"));
    } catch (JoranException e) {
      System.err.println("gavel: logging config failed: " + e.getMessage());
    }
  }
}
