package io.gavel.config;

/** Which values the {@code store} setting accepts. */
final class StoreSetting {
  static final String POSTGRESQL_SCHEME = "postgresql://";

  private StoreSetting() {
  }

  /**
   * {@code memory} or {@code postgresql://[user[:password]@]host:port/database}. Messages name the missing part
   * and never repeat the URL: a mistyped one may still hold the password, in a place no parser can know.
   */
  static String check(String name, String value) {
    if (value.equals(NodeConfig.MEMORY_STORE)) {
      return value;
    }
    String shape = " (memory or postgresql://user:password@host:port/database)";
    int schemeEnd = value.indexOf("://");
    if (schemeEnd < 0) {
      throw new ConfigException(name + " must be memory or a postgresql:// URL" + shape);
    }
    if (!value.startsWith(POSTGRESQL_SCHEME)) {
      throw new ConfigException(name + " URL scheme must be postgresql, got '" + value.substring(0, schemeEnd)
          + "'" + shape);
    }
    // The password may hold any character, '@' and '/' too, so the user part ends at the last '@'.
    String rest = value.substring(POSTGRESQL_SCHEME.length());
    int at = rest.lastIndexOf('@');
    if (at >= 0 && (at == 0 || rest.charAt(0) == ':')) {
      throw new ConfigException(name + " URL has an empty user name" + shape);
    }
    String location = rest.substring(at + 1);
    int slash = location.indexOf('/');
    String authority = slash < 0 ? location : location.substring(0, slash);
    String database = slash < 0 ? "" : location.substring(slash + 1);
    int colon = authority.lastIndexOf(':');
    String host = colon < 0 ? authority : authority.substring(0, colon);
    String port = colon < 0 ? "" : authority.substring(colon + 1);
    if (!host.matches("[A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:.]+\\]")) {
      throw new ConfigException(name + " URL needs a host name or address before :port" + shape);
    }
    if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
      throw new ConfigException(name + " URL needs a port from 1 to 65535 after the host" + shape);
    }
    if (!database.matches("[A-Za-z0-9_$.\\-]+")) {
      throw new ConfigException(name + " URL needs a database name (letters, digits, _ $ . -) after host:port/"
          + shape);
    }
    return value;
  }
}
