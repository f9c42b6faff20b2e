package io.gavel.gateway;

import io.gavel.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which addresses browsers may send to (inbound) and receive from (outbound), from {@code bridge} in gavel.json.
 * Each entry is {@code {"address": exact}} or {@code {"addressRegex": pattern}}: other verticles' addresses are
 * opened to browsers by configuration, not code.
 */
public record AddressPolicy(Predicate<String> inboundAllowed, Predicate<String> outboundAllowed) {

  public static AddressPolicy from(JsonObject bridge) {
    return new AddressPolicy(permitted(bridge, "inboundPermitted"), permitted(bridge, "outboundPermitted"));
  }

  private static Predicate<String> permitted(JsonObject bridge, String key) {
    Object value = bridge.getValue(key);
    if (value == null) {
      return address -> false;
    }
    if (!(value instanceof JsonArray entries)) {
      throw new ConfigException("bridge." + key + " must be a list");
    }
    List<Predicate<String>> checks = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      String where = "bridge." + key + "[" + i + "]";
      if (!(entries.getValue(i) instanceof JsonObject entry) || entry.size() != 1) {
        throw new ConfigException(where + " must be an object with exactly one of address or addressRegex");
      }
      if (entry.getValue("address") instanceof String exact && !exact.isBlank()) {
        checks.add(exact::equals);
      } else if (entry.getValue("addressRegex") instanceof String regex) {
        try {
          Pattern pattern = Pattern.compile(regex);
          checks.add(address -> pattern.matcher(address).matches());
        } catch (PatternSyntaxException e) {
          throw new ConfigException(where + ".addressRegex is not a valid pattern: " + e.getDescription());
        }
      } else {
        throw new ConfigException(where + " must have a non-empty string address or addressRegex");
      }
    }
    return address -> checks.stream().anyMatch(check -> check.test(address));
  }
}
