package io.gavel.testing;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A reader with the page's own libraries (sockjs-client and the Vert.x event-bus client, run by Node.js from
 * {@code src/test/e2e/sockjs-reader.mjs}) on one SockJS transport ({@code websocket}, {@code xhr-streaming},
 * {@code eventsource}, {@code xhr-polling}...), registered on one address. Collects what it receives.
 */
public final class SockJsReader implements AutoCloseable {
  private static final Path SCRIPT = Path.of("src", "test", "e2e", "sockjs-reader.mjs");

  private final String transport;
  private final Process process;
  private final List<JsonObject> received = new CopyOnWriteArrayList<>();
  private volatile boolean open;
  private volatile boolean closed;

  private SockJsReader(String transport, Process process) {
    this.transport = transport;
    this.process = process;
    Thread lines = new Thread(this::read, "sockjs-reader-" + transport);
    lines.setDaemon(true);
    lines.start();
  }

  public static SockJsReader start(String baseUrl, String transport, String address) {
    try {
      Process process = new ProcessBuilder("node", SCRIPT.toString(), baseUrl, transport, address)
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      SockJsReader reader = new SockJsReader(transport, process);
      Wait.until("a sockjs-client reader on " + transport + " is registered", Duration.ofSeconds(20),
          () -> reader.open || reader.closed);
      if (!reader.open) {
        throw new AssertionError("the " + transport + " reader closed before it was registered");
      }
      return reader;
    } catch (IOException e) {
      throw new IllegalStateException("node (Node.js) is needed for the sockjs-client reader", e);
    }
  }

  private void read() {
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (line.equals("open")) {
          open = true;
        } else if (line.equals("closed")) {
          closed = true;
        } else if (line.startsWith("{")) {
          received.add(new JsonObject(line));
        }
      }
    } catch (IOException e) {
      // the process ended
    }
    closed = true;
  }

  public String transport() {
    return transport;
  }

  /** Bodies received, in order (a live view). */
  public List<JsonObject> received() {
    return received;
  }

  /** Whether the client saw its session close. */
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    try {
      process.getOutputStream().close();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (IOException | InterruptedException e) {
      process.destroyForcibly();
    }
  }
}
