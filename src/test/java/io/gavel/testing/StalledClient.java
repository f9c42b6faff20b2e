package io.gavel.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A WebSocket client that registers on an address and then never reads again: the kernel buffers fill and the
 * server's write queue for it backs up, as with a hung browser tab. Over the raw bridge endpoint, or framed as
 * sockjs-client does it over WebSocket ({@code /eventbus/<server>/<session>/websocket}), which is what browsers use.
 * Plain socket code, because a Vert.x client keeps reading into memory while paused.
 */
public final class StalledClient implements AutoCloseable {
  private final Socket socket;
  private long drained;

  private StalledClient(Socket socket) {
    this.socket = socket;
  }

  /** Over the raw endpoint {@code /eventbus/websocket}. */
  public static StalledClient register(int port, String address) throws IOException {
    return register(port, address, false);
  }

  /** {@code sockJs}: over a SockJS session on WebSocket, with SockJS framing, as browsers connect. */
  public static StalledClient register(int port, String address, boolean sockJs) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setReceiveBufferSize(4096);
    OutputStream out = socket.getOutputStream();
    String key = Base64.getEncoder().encodeToString("gavel-stalled-12".getBytes(StandardCharsets.US_ASCII));
    String path = sockJs
        ? "/eventbus/000/" + Long.toHexString(System.nanoTime()) + "/websocket" : "/eventbus/websocket";
    out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    StringBuilder response = new StringBuilder();
    while (!response.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed during the handshake: " + response);
      }
      response.append((char) b);
    }
    if (!response.toString().startsWith("HTTP/1.1 101")) {
      throw new IOException("handshake refused: " + response);
    }
    String register = "{\"type\":\"register\",\"address\":\"" + address + "\"}";
    // SockJS frames what a client sends as a JSON array of strings.
    writeText(out, sockJs ? "[\"" + register.replace("\"", "\\\"") + "\"]" : register);
    return new StalledClient(socket);
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

  /** Sends one text frame (under 126 bytes), as is: no SockJS framing. */
  public void send(String text) throws IOException {
    writeText(socket.getOutputStream(), text);
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
