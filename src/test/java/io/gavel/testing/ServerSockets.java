package io.gavel.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The server side of a node's TCP connections as the kernel sees them ({@code ss}): which peers a node still holds
 * a socket for, in which state, with how many unsent bytes. A connection a node closed gracefully while its client
 * reads nothing stays in the kernel (FIN-WAIT-1, data queued); one it released is gone (or in TIME-WAIT, which holds
 * no data).
 */
public final class ServerSockets {
  public record Entry(String state, long sendQueue, String peerAddress, int peerPort) {
  }

  private ServerSockets() {
  }

  /** Every connection accepted on {@code port} (listening sockets excluded). */
  public static List<Entry> on(int port) {
    List<Entry> entries = new ArrayList<>();
    for (String line : ss("state", "all", "( sport = :" + port + " )").split("\n")) {
      String[] cols = line.trim().split("\\s+");
      if (cols.length < 5 || cols[0].equals("LISTEN")) {
        continue;
      }
      String peer = cols[4];
      int colon = peer.lastIndexOf(':');
      entries.add(new Entry(cols[0], Long.parseLong(cols[2]), peer.substring(0, colon).replaceAll("^\\[|\\]$", ""),
          Integer.parseInt(peer.substring(colon + 1))));
    }
    return entries;
  }

  /**
   * The connections on {@code port} from {@code peerAddress} whose peer port is one of {@code peerPorts}, and that
   * the kernel still holds data or state for.
   */
  public static List<Entry> held(int port, String peerAddress, Set<Integer> peerPorts) {
    return on(port).stream()
        .filter(e -> e.peerAddress().equals(peerAddress) && peerPorts.contains(e.peerPort())
            && !e.state().equals("TIME-WAIT"))
        .toList();
  }

  private static String ss(String... filter) {
    List<String> command = new ArrayList<>(List.of("ss", "-tnH"));
    command.addAll(List.of(filter));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("ss failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("ss (iproute2) is needed to see the node's sockets", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
