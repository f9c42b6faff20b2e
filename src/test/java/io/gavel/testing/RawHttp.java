package io.gavel.testing;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One HTTP/1.1 request on a socket of its own, from a chosen local address (anything in 127/8 on Linux), optionally
 * preceded by a PROXY protocol header: what a client behind a load balancer, the load balancer itself, or someone
 * forging a header sends. The answer is read until the server closes the connection.
 */
public final class RawHttp {
  private static final byte[] V2_SIGNATURE =
      {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

  /** {@code status} 0: the server closed the connection without answering. */
  public record Response(int status, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public boolean unanswered() {
      return status == 0;
    }
  }

  private RawHttp() {
  }

  /** PROXY protocol v1 (text) header: a TCP connection from {@code source} to {@code destination}. */
  public static byte[] v1(String source, int sourcePort, String destination, int destinationPort) {
    String family = source.contains(":") ? "TCP6" : "TCP4";
    return ("PROXY " + family + " " + source + " " + destination + " " + sourcePort + " " + destinationPort
        + "\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** PROXY protocol v2 (binary) header, command PROXY, over TCP (IPv4 or IPv6 by the addresses given). */
  public static byte[] v2(String source, int sourcePort, String destination, int destinationPort) {
    try {
      byte[] src = InetAddress.getByName(source).getAddress();
      byte[] dst = InetAddress.getByName(destination).getAddress();
      ByteBuffer addresses = ByteBuffer.allocate(src.length * 2 + 4);
      addresses.put(src).put(dst).putShort((short) sourcePort).putShort((short) destinationPort);
      return v2Header(0x21, src.length == 4 ? 0x11 : 0x21, addresses.array());
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** PROXY protocol v2 header, command LOCAL: the proxy speaking for itself (HAProxy's health checks). */
  public static byte[] v2Local() {
    return v2Header(0x20, 0x00, new byte[0]);
  }

  private static byte[] v2Header(int versionAndCommand, int familyAndProtocol, byte[] addresses) {
    ByteBuffer header = ByteBuffer.allocate(V2_SIGNATURE.length + 4 + addresses.length);
    header.put(V2_SIGNATURE).put((byte) versionAndCommand).put((byte) familyAndProtocol)
        .putShort((short) addresses.length).put(addresses);
    return header.array();
  }

  /**
   * Connects from {@code localAddress} to {@code host:port}, writes {@code preamble} (a PROXY header, or nothing)
   * and the request in one write, and reads the answer.
   */
  public static Response send(String localAddress, String host, int port, byte[] preamble, String method,
                              String path, String body, Map<String, String> headers) {
    StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
        + "\r\nConnection: close\r\n");
    headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (body != null) {
      request.append("Content-Type: application/json\r\nContent-Length: ").append(content.length).append("\r\n");
    }
    request.append("\r\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(preamble);
    out.writeBytes(request.toString().getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(content);
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(localAddress, 0));
      socket.connect(new InetSocketAddress(host, port), 5_000);
      socket.setSoTimeout(15_000);
      socket.getOutputStream().write(out.toByteArray());
      socket.getOutputStream().flush();
      return parse(readAll(socket.getInputStream()));
    } catch (IOException e) {
      throw new IllegalStateException("request to " + host + ":" + port + " from " + localAddress + " failed", e);
    }
  }

  public static Response get(String localAddress, String host, int port, byte[] preamble, String path) {
    return send(localAddress, host, port, preamble, "GET", path, null, Map.of());
  }

  /** Reads until the server closes; a reset (the server closed with unread input) ends the answer too. */
  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    try {
      for (int n; (n = in.read(chunk)) >= 0; ) {
        answer.write(chunk, 0, n);
      }
    } catch (SocketException reset) {
      // what arrived before the reset is the answer
    }
    return answer.toByteArray();
  }

  private static Response parse(byte[] raw) {
    String text = new String(raw, StandardCharsets.UTF_8);
    int headEnd = text.indexOf("\r\n\r\n");
    if (raw.length == 0 || headEnd < 0) {
      return new Response(0, text);
    }
    String head = text.substring(0, headEnd);
    int status = Integer.parseInt(head.substring(9, 12));
    String body = text.substring(headEnd + 4);
    if (head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
      body = unchunk(body);
    }
    return new Response(status, body);
  }

  /** Chunk sizes count bytes; the answers tests read here are ASCII, so characters will do. */
  private static String unchunk(String chunked) {
    StringBuilder body = new StringBuilder();
    int at = 0;
    while (true) {
      int lineEnd = chunked.indexOf("\r\n", at);
      int size = Integer.parseInt(chunked.substring(at, lineEnd).trim(), 16);
      if (size == 0) {
        return body.toString();
      }
      body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
  }
}
