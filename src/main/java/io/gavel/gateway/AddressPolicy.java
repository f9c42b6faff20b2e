package io.gavel.gateway;

import io.gavel.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.PermittedOptions;
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
    return new AddressPolicy(matcher(permitted(bridge, "inboundPermitted")),
        matcher(permitted(bridge, "outboundPermitted")));
  }

  private static Predicate<String> matcher(List<PermittedOptions> permitted) {
    List<Predicate<String>> checks = new ArrayList<>();
    for (PermittedOptions p : permitted) {
      if (p.getAddress() != null) {
        String exact = p.getAddress();
        checks.add(exact::equals);
      } else {
        Pattern pattern = Pattern.compile(p.getAddressRegex());
        checks.add(address -> pattern.matcher(address).matches());
      }
    }
    return address -> checks.stream().anyMatch(c -> c.test(address));
  }

  private static List<PermittedOptions> permitted(JsonObject bridge, String key) {
    Object value = bridge.getValue(key);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray entries)) {
      throw new ConfigException("bridge." + key + " must be a list");
    }
    List<PermittedOptions> result = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      String where = "bridge." + key + "[" + i + "]";
      if (!(entries.getValue(i) instanceof JsonObject entry)) {
        throw new ConfigException(where + " must be an object");
      }
      Object address = entry.getValue("address");
      Object regex = entry.getValue("addressRegex");
      if ((address == null) == (regex == null) || entry.size() != 1) {
        throw new ConfigException(where + " must have exactly one of address or addressRegex");
      }
      if (address instanceof String a && !a.isBlank()) {
        result.add(new PermittedOptions().setAddress(a));
      } else if (regex instanceof String r) {
        try {
          Pattern.compile(r);
        } catch (PatternSyntaxException e) {
          throw new ConfigException(where + ".addressRegex is not a valid pattern: " + e.getDescription());
        }
        result.add(new PermittedOptions().setAddressRegex(r));
      } else {
        throw new ConfigException(where + " address must be a non-empty string");
      }
    }
    return result;
  }
}
