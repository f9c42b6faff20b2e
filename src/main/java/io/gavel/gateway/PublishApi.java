package io.gavel.gateway;

import io.gavel.cluster.AuctionStore;
import io.gavel.config.ConfigException;
import io.gavel.domain.ErrorCode;
import io.gavel.metrics.GavelMetrics;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code POST /api/publish}: services outside the JVM publish to browsers. Each key (from {@code publish.keys} in
 * gavel.json, stored as its SHA-256 so the config file holds no usable secret) may publish only to the addresses
 * its patterns match; browsers still see only what the bridge's outbound rules let through. A retry carrying the
 * same {@code Idempotency-Key} within ten minutes is acknowledged without publishing again, on any node.
 */
public final class PublishApi {
  static final long IDEMPOTENCY_SECONDS = 600;
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final int MAX_ADDRESS_LENGTH = 200;

  public record Publisher(String name, byte[] keySha256, List<Pattern> addresses) {
    boolean mayPublishTo(String address) {
      return addresses.stream().anyMatch(p -> p.matcher(address).matches());
    }
  }

  private final List<Publisher> publishers;
  private final EventBus bus;
  private final AuctionStore store;
  private final GavelMetrics metrics;

  PublishApi(List<Publisher> publishers, EventBus bus, AuctionStore store, GavelMetrics metrics) {
    this.publishers = publishers;
    this.bus = bus;
    this.store = store;
    this.metrics = metrics;
  }

  /** {@code {"keys": [{"name", "sha256", "addresses": [regex…]}]}}; a bad entry stops the node naming it. */
  public static List<Publisher> parse(JsonObject publish) {
    List<Publisher> publishers = new ArrayList<>();
    Object keys = publish.getValue("keys");
    if (keys == null) {
      return publishers;
    }
    if (!(keys instanceof JsonArray array)) {
      throw new ConfigException("publish.keys must be an array");
    }
    for (int i = 0; i < array.size(); i++) {
      String where = "publish.keys[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject entry)
          || !(entry.getValue("name") instanceof String name) || name.isBlank()
          || !(entry.getValue("sha256") instanceof String hash) || !SHA256.matcher(hash).matches()
          || !(entry.getValue("addresses") instanceof JsonArray patterns) || patterns.isEmpty()) {
        throw new ConfigException(where + " needs a name, a sha256 (64 lowercase hex digits of the key's SHA-256) "
            + "and a non-empty addresses array of regular expressions");
      }
      List<Pattern> addresses = new ArrayList<>();
      for (Object p : patterns) {
        try {
          addresses.add(Pattern.compile((String) p));
        } catch (ClassCastException | PatternSyntaxException e) {
          throw new ConfigException(where + ".addresses has an invalid regular expression: " + p);
        }
      }
      publishers.add(new Publisher(name, HexFormat.of().parseHex(hash), List.copyOf(addresses)));
    }
    return List.copyOf(publishers);
  }

  void handle(RoutingContext ctx) {
    Publisher publisher = authenticate(ctx.request().getHeader("Authorization"));
    if (publisher == null) {
      metrics.apiPublished("unknown", "unauthorized");
      ApiError.send(ctx, ErrorCode.UNAUTHORIZED, "send Authorization: ApiKey <key>");
      return;
    }
    JsonObject request;
    try {
      request = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      request = null;
    }
    if (request == null || !(request.getValue("address") instanceof String address) || address.isEmpty()
        || address.length() > MAX_ADDRESS_LENGTH || !request.containsKey("body")) {
      metrics.apiPublished(publisher.name(), "invalid");
      ApiError.send(ctx, ErrorCode.INVALID_REQUEST,
          "the body must be a JSON object {\"address\": string (1-" + MAX_ADDRESS_LENGTH + "), \"body\": any JSON}");
      return;
    }
    if (!publisher.mayPublishTo(address)) {
      metrics.apiPublished(publisher.name(), "forbidden");
      ApiError.send(ctx, ErrorCode.FORBIDDEN_ADDRESS, "this key may not publish to " + address);
      return;
    }
    String key = ctx.request().getHeader("Idempotency-Key");
    if (key != null && !KEY.matcher(key).matches()) {
      metrics.apiPublished(publisher.name(), "invalid");
      ApiError.send(ctx, ErrorCode.INVALID_REQUEST, "Idempotency-Key must be 1 to 64 characters [A-Za-z0-9_-]");
      return;
    }
    Object body = request.getValue("body");
    if (key == null) {
      publish(ctx, publisher, address, body);
      return;
    }
    store.firstTime("publish/" + publisher.name() + "/" + key, IDEMPOTENCY_SECONDS).onComplete(first -> {
      if (first.failed()) {
        metrics.apiPublished(publisher.name(), "unavailable");
        ApiError.send(ctx, ErrorCode.CLUSTER_UNAVAILABLE, "the cluster is not reachable; retry with the same key");
      } else if (first.result()) {
        publish(ctx, publisher, address, body);
      } else {
        metrics.apiPublished(publisher.name(), "duplicate");
        accepted(ctx, new JsonObject().put("published", false).put("duplicate", true));
      }
    });
  }

  private void publish(RoutingContext ctx, Publisher publisher, String address, Object body) {
    bus.publish(address, body);
    metrics.apiPublished(publisher.name(), "published");
    accepted(ctx, new JsonObject().put("published", true));
  }

  private static void accepted(RoutingContext ctx, JsonObject body) {
    ctx.response().setStatusCode(202).putHeader("Content-Type", "application/json").end(body.toBuffer());
  }

  private Publisher authenticate(String header) {
    if (header == null || !header.startsWith("ApiKey ") || header.length() > 300) {
      return null;
    }
    byte[] hash = sha256(header.substring("ApiKey ".length()).trim());
    // Every key is compared in constant time, so timing tells nothing about which one nearly matched.
    Publisher found = null;
    for (Publisher p : publishers) {
      if (MessageDigest.isEqual(p.keySha256(), hash)) {
        found = p;
      }
    }
    return found;
  }

  static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }
}
