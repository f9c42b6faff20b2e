package io.gavel.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A WebSocket client that registers on an address over the raw bridge endpoint and then never reads again: the
 * kernel buffers fill and the server's write queue for it backs up, as with a hung browser tab. Plain socket code,
 * because a Vert.x client keeps reading into memory while paused.
 */
public final class StalledClient implements AutoCloseable {
  private final Socket socket;

  private StalledClient(Socket socket) {
    this.socket = socket;
  }

  public static StalledClient register(int port, String address) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setReceiveBufferSize(4096);
    OutputStream out = socket.getOutputStream();
    String key = Base64.getEncoder().encodeToString("gavel-stalled-12".getBytes(StandardCharsets.US_ASCII));
    out.write(("GET /eventbus/websocket HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
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
    writeText(out, "{\"type\":\"register\",\"address\":\"" + address + "\"}");
    return new StalledClient(socket);
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

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
