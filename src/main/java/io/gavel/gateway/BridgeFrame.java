package io.gavel.gateway;

import io.gavel.auth.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * One inbound frame of the event-bus bridge protocol, its fields checked for type and size. {@code error} says why
 * the frame is malformed (null when it is not); a frame too broken to have a type has a null {@code type}, and a
 * bad reply address is never kept (nothing may be sent to it). Pings need no address.
 */
record BridgeFrame(String type, String address, Object body, String token, String replyAddress, String error) {
  private static final int MAX_ADDRESS_LENGTH = 200;
  /** The JS client's reply addresses are UUIDs. */
  private static final int MAX_REPLY_ADDRESS_LENGTH = 36;

  static BridgeFrame parse(Buffer data) {
    JsonObject frame;
    try {
      frame = new JsonObject(data);
    } catch (RuntimeException notAnObject) {
      return malformed(null, null, "invalid_json");
    }
    String replyAddress = null;
    Object reply = frame.getValue("replyAddress");
    if (reply != null) {
      if (!(reply instanceof String r) || r.isEmpty() || r.length() > MAX_REPLY_ADDRESS_LENGTH) {
        return malformed(null, null, "invalid_reply_address");
      }
      replyAddress = r;
    }
    if (!(frame.getValue("type") instanceof String type)) {
      return malformed(null, replyAddress, "missing_type");
    }
    if (type.equals("ping")) {
      return new BridgeFrame(type, null, null, null, replyAddress, null);
    }
    if (!(frame.getValue("address") instanceof String address) || address.isEmpty()
        || address.length() > MAX_ADDRESS_LENGTH) {
      return malformed(type, replyAddress, "missing_address");
    }
    Object headers = frame.getValue("headers");
    if (headers != null && !(headers instanceof JsonObject)) {
      return malformed(type, replyAddress, "invalid_headers");
    }
    String token = headers instanceof JsonObject h && h.getValue("authorization") instanceof String value
        ? Tokens.bearer(value)
        : null;
    return new BridgeFrame(type, address, frame.getValue("body"), token, replyAddress, null);
  }

  private static BridgeFrame malformed(String type, String replyAddress, String error) {
    return new BridgeFrame(type, null, null, null, replyAddress, error);
  }
}
