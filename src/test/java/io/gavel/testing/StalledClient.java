package io.gavel.testing;

import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A bridge client that registers on an address and then never reads again, as a hung browser tab: the kernel
 * buffers fill and the server's queue for it backs up. One per SockJS transport: the raw WebSocket endpoint, SockJS
 * over WebSocket ({@code /eventbus/<server>/<session>/websocket}, what sockjs-client uses), the streaming fallbacks
 * (xhr_streaming, eventsource, htmlfile: the stream is opened here and never read again; the register goes through
 * {@code xhr_send}, as sockjs-client sends it), and xhr and JSONP polling (one poll opens the session, then the
 * client never polls again). Plain socket code with a 4 KiB receive buffer, because a Vert.x client keeps reading into memory
 * while paused.
 */
public final class StalledClient implements AutoCloseable {
  /** The transports, by the last element of their SockJS path. */
  public enum Transport {
    RAW_WEBSOCKET, SOCKJS_WEBSOCKET, XHR_STREAMING, EVENTSOURCE, HTMLFILE, XHR_POLLING, JSONP_POLLING;

    /** Whether the client holds a TCP connection of its own that the server writes to. */
    public boolean streams() {
      return this != XHR_POLLING && this != JSONP_POLLING;
    }
  }

  /** The loopback address hung clients connect from. */
  public static final String SOURCE_ADDRESS = "127.0.0.2";

  private final Transport transport;
  private final Socket socket;
  private final String sessionUrl;
  private long drained;

  private StalledClient(Transport transport, Socket socket, String sessionUrl) {
    this.transport = transport;
    this.socket = socket;
    this.sessionUrl = sessionUrl;
  }

  /** Over the raw endpoint {@code /eventbus/websocket}. */
  public static StalledClient register(int port, String address) throws IOException {
    return register(port, address, Transport.RAW_WEBSOCKET);
  }

  /** {@code sockJs}: over a SockJS session on WebSocket, with SockJS framing, as browsers connect. */
  public static StalledClient register(int port, String address, boolean sockJs) throws IOException {
    return register(port, address, sockJs ? Transport.SOCKJS_WEBSOCKET : Transport.RAW_WEBSOCKET);
  }

  /** Opens a session over {@code transport}, registers on {@code address}, and from then on reads nothing. */
  public static StalledClient register(int port, String address, Transport transport) throws IOException {
    String register = "{\"type\":\"register\",\"address\":\"" + address + "\"}";
    String session = "/eventbus/000/" + Long.toHexString(System.nanoTime()) + Integer.toHexString(
        java.util.concurrent.ThreadLocalRandom.current().nextInt());
    String sessionUrl = "http://127.0.0.1:" + port + session;
    Socket socket = new Socket();
    socket.setReceiveBufferSize(4096);
    // From an address of its own, so that the node's side of its connection is told apart from other clients' (whose
    // ports the kernel reuses once this one's connection is gone).
    socket.bind(new java.net.InetSocketAddress(SOURCE_ADDRESS, 0));
    socket.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
    socket.setSoTimeout(10_000);
    StalledClient client = new StalledClient(transport, socket, sessionUrl);
    try {
      OutputStream out = socket.getOutputStream();
      switch (transport) {
        case RAW_WEBSOCKET, SOCKJS_WEBSOCKET -> {
          client.upgrade(port, transport == Transport.RAW_WEBSOCKET ? "/eventbus/websocket" : session + "/websocket");
          // SockJS frames what a client sends as a JSON array of strings.
          writeText(out, transport == Transport.RAW_WEBSOCKET ? register : sockJsFrame(register));
        }
        case XHR_STREAMING -> client.stream(port, "POST", session + "/xhr_streaming", "\r\no\n", register);
        case EVENTSOURCE -> client.stream(port, "GET", session + "/eventsource", "data: o\r\n", register);
        case HTMLFILE -> client.stream(port, "GET", session + "/htmlfile?c=p", "p(\"o\");", register);
        case XHR_POLLING -> {
          // One poll: the server answers the open frame and closes the connection; the client never polls again.
          client.request(port, "POST", session + "/xhr");
          client.readUntil("o\n");
          client.xhrSend(register);
        }
        case JSONP_POLLING -> {
          client.request(port, "GET", session + "/jsonp?c=p");
          client.readUntil("p(\"o\");");
          client.xhrSend(register);
        }
        default -> throw new IllegalArgumentException(transport.name());
      }
    } catch (IOException | RuntimeException | Error e) {
      socket.close();
      throw e;
    }
    return client;
  }

  private void upgrade(int port, String path) throws IOException {
    String key = Base64.getEncoder().encodeToString("gavel-stalled-12".getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\n"
        + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    String response = readUntil("\r\n\r\n");
    if (!response.startsWith("HTTP/1.1 101")) {
      throw new IOException("handshake refused: " + response);
    }
  }

  /** Opens the stream, reads up to its open frame, registers through xhr_send, and never reads the stream again. */
  private void stream(int port, String method, String path, String openFrame, String register) throws IOException {
    request(port, method, path);
    String response = readUntil(openFrame);
    if (!response.startsWith("HTTP/1.1 200")) {
      throw new IOException(path + " refused: " + response);
    }
    xhrSend(register);
  }

  private void request(int port, String method, String path) throws IOException {
    socket.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
        + (method.equals("POST") ? "Content-Length: 0\r\n" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
  }

  private String readUntil(String marker) throws IOException {
    InputStream in = socket.getInputStream();
    StringBuilder response = new StringBuilder();
    while (response.indexOf(marker) < 0) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed before " + marker.strip() + ": " + response);
      }
      response.append((char) b);
      if (response.length() > 64 * 1024) {
        throw new IOException("no " + marker.strip() + " in the first 64 KiB: " + response.substring(0, 300));
      }
    }
    return response.toString();
  }

  /** Sends bridge frames to the session the way sockjs-client's fallbacks do: a POST of a JSON array of strings. */
  public void xhrSend(String... frames) throws IOException {
    Http.Response sent = Http.post(sessionUrl + "/xhr_send", new JsonArray(java.util.List.of((Object[]) frames))
        .encode(), null);
    if (sent.status() != 204) {
      throw new IOException("xhr_send refused: " + sent);
    }
  }

  /**
   * Whether the node still has this client's SockJS session open: an empty {@code xhr_send} is accepted (204) by an
   * open session and refused (404) by a closed or removed one, without opening a new one.
   */
  public boolean sessionOpen() {
    int status = Http.post(sessionUrl + "/xhr_send", "[]", null).status();
    if (status != 204 && status != 404) {
      throw new IllegalStateException("xhr_send answered " + status);
    }
    return status == 204;
  }

  /** The SockJS session's URL ({@code http://host:port/eventbus/<server>/<session>}). */
  public String sessionUrl() {
    return sessionUrl;
  }

  public Transport transport() {
    return transport;
  }

  /** The client's end of its TCP connection (for a polling client, the connection of its one poll). */
  public int localPort() {
    return socket.getLocalPort();
  }

  /**
   * Whether the server let go of the connection within {@code timeout}: reading what it had queued ends in EOF or a
   * reset. A server that still holds the connection (and its queue) leaves the read waiting.
   */
  public boolean releasedByServer(java.time.Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    socket.setSoTimeout(200);
    InputStream in = socket.getInputStream();
    byte[] sink = new byte[64 * 1024];
    while (System.nanoTime() < deadline) {
      try {
        int n = in.read(sink);
        if (n < 0) {
          return true;
        }
        drained += n;
      } catch (java.net.SocketTimeoutException nothingYet) {
        // still open: keep draining until the deadline
      } catch (java.net.SocketException reset) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts reading again, until {@code marker} shows in what the server sent (its frames are not masked, so text
   * arrives as is) or {@code timeout} passes.
   */
  public boolean resumeUntil(String marker, java.time.Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    socket.setSoTimeout(200);
    InputStream in = socket.getInputStream();
    byte[] chunk = new byte[64 * 1024];
    StringBuilder tail = new StringBuilder();
    while (System.nanoTime() < deadline) {
      try {
        int n = in.read(chunk);
        if (n < 0) {
          return false;
        }
        tail.append(new String(chunk, 0, n, StandardCharsets.ISO_8859_1));
        if (tail.indexOf(marker) >= 0) {
          return true;
        }
        tail.delete(0, Math.max(0, tail.length() - marker.length()));
      } catch (java.net.SocketTimeoutException nothingYet) {
        // keep reading until the deadline
      } catch (java.net.SocketException reset) {
        return false;
      }
    }
    return false;
  }

  /** Sends one text frame (under 126 bytes) on a WebSocket transport, as is: no SockJS framing. */
  public void send(String text) throws IOException {
    writeText(socket.getOutputStream(), text);
  }

  private static String sockJsFrame(String text) {
    return new JsonArray().add(text).encode();
  }

  private static void writeText(OutputStream out, String text) throws IOException {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] mask = {1, 2, 3, 4};
    out.write(0x81); // FIN + text
    out.write(0x80 | payload.length); // masked, short length (frames here are < 126 bytes)
    out.write(mask);
    for (int i = 0; i < payload.length; i++) {
      out.write(payload[i] ^ mask[i % 4]);
    }
    out.flush();
  }

  /** Bytes read by {@link #releasedByServer}. */
  public long drained() {
    return drained;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
