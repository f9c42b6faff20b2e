package io.gavel.store;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** {@code postgresql://user:password@host:port/database}, as given to {@code --store}. */
public record StoreUrl(String host, int port, String database, String user, String password) {

  public static StoreUrl parse(String value) {
    URI uri = URI.create(value);
    String user = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      password = parts.length > 1 ? decode(parts[1]) : null;
    }
    return new StoreUrl(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(),
        uri.getPath().substring(1), user, password);
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  /** Where the store is, without its credentials: safe for logs and /health. */
  public String describe() {
    return "postgresql://" + host + ":" + port + "/" + database;
  }

  /** Percent-decoding as URLs have it; a '+' stays a '+' (URLDecoder would read it as a space, as in forms). */
  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return describe();
  }
}
