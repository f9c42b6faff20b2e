package io.gavel.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed reads that accept both JSON values and the strings that come from options and the environment; messages
 * name the key with its path ({@code prefix}, e.g. {@code bridge.}).
 */
record TypedJson(JsonObject json, String prefix) {
  String string(String key, String fallback) {
    String value = optionalString(key);
    return value == null ? fallback : value;
  }

  String optionalString(String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s) || s.isBlank()) {
      throw new ConfigException(prefix + key + " must be a non-empty string");
    }
    return s;
  }

  long longInRange(String key, long fallback, long min, long max) {
    Object value = json.getValue(key);
    long result;
    if (value == null) {
      return fallback;
    } else if (value instanceof Integer || value instanceof Long) {
      result = ((Number) value).longValue();
    } else if (value instanceof String s && s.matches("-?\\d{1,18}")) {
      result = Long.parseLong(s);
    } else {
      throw new ConfigException(prefix + key + " must be an integer, got " + value);
    }
    if (result < min || result > max) {
      throw new ConfigException(prefix + key + " must be from " + min + " to " + max + ", got " + result);
    }
    return result;
  }

  int port(String key, int fallback) {
    return (int) longInRange(key, fallback, 0, 65535);
  }

  boolean bool(String key, boolean fallback) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    if ("true".equals(value) || "false".equals(value)) {
      return Boolean.parseBoolean((String) value);
    }
    throw new ConfigException(prefix + key + " must be true or false, got " + value);
  }

  List<String> members(String key) {
    List<String> members = new ArrayList<>();
    for (String member : list(key)) {
      if (!member.matches("[A-Za-z0-9.\\-]+:\\d{1,5}")) {
        throw new ConfigException(prefix + key + " entries must be host:port, got '" + member + "'");
      }
      members.add(member);
    }
    if (members.isEmpty()) {
      throw new ConfigException(prefix + key + " must list at least one host:port");
    }
    return members;
  }

  /**
   * {@code memory} or {@code postgresql://[user[:password]@]host:port/database}. Messages name the missing part
   * and never repeat the URL: a mistyped one may still hold the password, in a place no parser can know.
   */
  /** The store setting: {@code memory} when unset, else a URL {@link StoreSetting} accepts. */
  String store(String key) {
    return StoreSetting.check(prefix + key, string(key, NodeConfig.MEMORY_STORE));
  }

  /** A DNS name, or null when unset. */
  String hostName(String key) {
    String value = optionalString(key);
    if (value != null && !value.matches("[A-Za-z0-9]([A-Za-z0-9.\\-]*[A-Za-z0-9])?")) {
      throw new ConfigException(prefix + key + " must be a DNS name, got '" + value + "'");
    }
    return value;
  }

  String oneOf(String key, String fallback, String... allowed) {
    String value = string(key, fallback);
    if (!List.of(allowed).contains(value)) {
      throw new ConfigException(prefix + key + " must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
    }
    return value;
  }

  List<String> origins(String key) {
    List<String> origins = list(key);
    for (String origin : origins) {
      if (!origin.matches("https?://[A-Za-z0-9.\\-\\[\\]:]+")) {
        throw new ConfigException(prefix + key + " entries must be origins like https://auction.example.com, got '"
            + origin + "'");
      }
    }
    return origins;
  }

  Set<NodeConfig.Role> roles(String key) {
    Set<NodeConfig.Role> roles = new TreeSet<>();
    for (String role : list(key)) {
      try {
        roles.add(NodeConfig.Role.valueOf(role.trim().toUpperCase()));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(prefix + key + " entries must be gateway or auction, got '" + role + "'");
      }
    }
    return roles.isEmpty() ? Set.of(NodeConfig.Role.GATEWAY, NodeConfig.Role.AUCTION) : roles;
  }

  JsonObject object(String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof JsonObject o)) {
      throw new ConfigException(prefix + key + " must be a JSON object");
    }
    return o;
  }

  List<String> list(String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return List.of();
    }
    if (value instanceof String s) {
      return Arrays.stream(s.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
    }
    if (value instanceof JsonArray array) {
      List<String> out = new ArrayList<>();
      for (Object item : array) {
        if (!(item instanceof String s)) {
          throw new ConfigException(prefix + key + " must be a list of strings");
        }
        out.add(s);
      }
      return out;
    }
    throw new ConfigException(prefix + key + " must be a list or a comma-separated string");
  }
}
