package io.gavel.gateway;

import io.vertx.core.Handler;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a gateway event loop does with an exception no handler caught: logs it, as Vert.x would, except one that any
 * client can cause at will. vertx-web 5.0.7's SockJS WebSocket transport passes the elements of a frame such as
 * {@code ["a",null]} on unchecked and throws a NullPointerException on the event loop for each such frame (the
 * element is lost, the session carries on); logged in full, a client could fill the log with stack traces. Those get
 * one line a minute, with a count.
 */
final class UnhandledExceptions implements Handler<Throwable> {
  private static final Logger LOG = LoggerFactory.getLogger(UnhandledExceptions.class);
  private static final long QUIET_MILLIS = 60_000;
  private static final AtomicLong lastLogged = new AtomicLong();
  private static final AtomicLong suppressed = new AtomicLong();

  @Override
  public void handle(Throwable e) {
    if (!isSockJsNonStringMessage(e)) {
      LOG.error("Unhandled exception", e);
      return;
    }
    long now = System.currentTimeMillis();
    long last = lastLogged.get();
    if (now - last >= QUIET_MILLIS && lastLogged.compareAndSet(last, now)) {
      LOG.warn("SockJS WebSocket frames with elements that are not strings were dropped ({} since the last notice)",
          suppressed.getAndSet(0) + 1);
    } else {
      suppressed.incrementAndGet();
    }
  }

  private static boolean isSockJsNonStringMessage(Throwable e) {
    if (!(e instanceof NullPointerException)) {
      return false;
    }
    for (StackTraceElement frame : e.getStackTrace()) {
      if (frame.getClassName().equals("io.vertx.ext.web.handler.sockjs.impl.SockJSSession")
          && frame.getMethodName().equals("handleMessages")) {
        return true;
      }
    }
    return false;
  }
}
