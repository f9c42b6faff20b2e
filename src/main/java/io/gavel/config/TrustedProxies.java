package io.gavel.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The load balancers whose word a node takes about who the client is (PROXY protocol, {@code X-Forwarded-Proto}):
 * addresses and CIDR blocks, IPv4 or IPv6, written as literals. None: the node believes no one but the TCP peer.
 */
public final class TrustedProxies {
  private static final TrustedProxies NONE = new TrustedProxies(List.of());

  private record Block(byte[] network, int prefix) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int fullBytes = prefix / 8;
      for (int i = 0; i < fullBytes; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      int mask = (0xFF << (8 - rest)) & 0xFF;
      return rest == 0 || (address[fullBytes] & mask) == (network[fullBytes] & mask);
    }
  }

  private final List<Block> blocks;

  private TrustedProxies(List<Block> blocks) {
    this.blocks = blocks;
  }

  public static TrustedProxies none() {
    return NONE;
  }

  /**
   * Parses {@code 10.0.0.7}, {@code 10.0.0.0/24}, {@code ::1}, {@code fd00::/8}. Host names are refused: a name
   * resolved once at start would silently keep trusting an address the name no longer has.
   */
  public static TrustedProxies parse(String key, List<String> entries) {
    List<Block> blocks = new ArrayList<>();
    for (String raw : entries) {
      String entry = raw.trim();
      int slash = entry.indexOf('/');
      String host = slash < 0 ? entry : entry.substring(0, slash);
      byte[] address = literal(host);
      if (address == null) {
        throw new ConfigException(key + " entries must be IP addresses or CIDR blocks such as 10.0.0.5 or "
            + "10.0.0.0/24 (no host names), got '" + raw + "'");
      }
      int prefix = address.length * 8;
      if (slash >= 0) {
        String bits = entry.substring(slash + 1);
        if (!bits.matches("\\d{1,3}") || Integer.parseInt(bits) > address.length * 8) {
          throw new ConfigException(key + " entry '" + raw + "' needs a prefix length from 0 to "
              + address.length * 8 + " after the /");
        }
        prefix = Integer.parseInt(bits);
      }
      if (!Arrays.equals(masked(address, prefix), address)) {
        throw new ConfigException(key + " entry '" + raw + "' has bits set past its /" + prefix
            + " prefix; write the block's first address");
      }
      blocks.add(new Block(address, prefix));
    }
    return blocks.isEmpty() ? NONE : new TrustedProxies(List.copyOf(blocks));
  }

  /** Whether the PROXY protocol is on: only when some proxy is trusted. */
  public boolean any() {
    return !blocks.isEmpty();
  }

  /** Whether {@code ip} (a literal, as Vert.x reports a peer) belongs to a trusted proxy. */
  public boolean trusts(String ip) {
    byte[] address = ip == null ? null : literal(ip);
    if (address == null) {
      return false;
    }
    for (Block block : blocks) {
      if (block.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The bytes of an IP literal (IPv4-mapped IPv6 folded to IPv4, as the JDK does), or null for anything else.
   * Only literals reach {@link InetAddress#getByName}, so it never asks DNS.
   */
  private static byte[] literal(String host) {
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    boolean ipv4 = bare.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean ipv6 = bare.contains(":") && bare.matches("[0-9A-Fa-f:.]+");
    if (!ipv4 && !ipv6) {
      return null;
    }
    if (ipv4) {
      for (String part : bare.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          return null;
        }
      }
    }
    try {
      return InetAddress.getByName(bare).getAddress();
    } catch (UnknownHostException notALiteral) {
      return null;
    }
  }

  private static byte[] masked(byte[] address, int prefix) {
    byte[] out = address.clone();
    for (int bit = prefix; bit < out.length * 8; bit++) {
      out[bit / 8] &= (byte) ~(0x80 >> (bit % 8));
    }
    return out;
  }
}
