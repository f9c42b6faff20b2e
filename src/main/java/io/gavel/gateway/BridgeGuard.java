package io.gavel.gateway;

import io.gavel.auth.Tokens;
import io.gavel.domain.ErrorCode;
import io.gavel.metrics.GavelMetrics;
import io.gavel.protocol.Wire;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks every inbound bridge message before the bridge forwards it. Headers from the browser are dropped; the
 * {@code user} header is set only from a verified token; {@code auctions.bid} requires one. A refused message that
 * carried a reply address gets a failure reply (status code, error code), so a request never goes unanswered.
 */
final class BridgeGuard implements Handler<BridgeEvent> {
  private final AddressPolicy policy;
  private final Tokens tokens;
  private final BidRelay relay;
  private final GavelMetrics metrics;
  private final Set<SockJSSocket> sockets = new HashSet<>();
  private boolean stopping;

  BridgeGuard(AddressPolicy policy, Tokens tokens, BidRelay relay, GavelMetrics metrics) {
    this.policy = policy;
    this.tokens = tokens;
    this.relay = relay;
    this.metrics = metrics;
  }

  int socketCount() {
    return sockets.size();
  }

  @Override
  public void handle(BridgeEvent event) {
    BridgeEventType type = event.type();
    if (type == BridgeEventType.RECEIVE) {
      JsonObject message = event.getRawMessage();
      if (message.getString("address", "").startsWith("auction")
          && message.getValue("body") instanceof JsonObject body && body.getValue("at") instanceof Long at) {
        metrics.delivered(at);
      }
    } else if (type == BridgeEventType.SOCKET_CREATED) {
      sockets.add(event.socket());
    } else if (type == BridgeEventType.SOCKET_CLOSED) {
      sockets.remove(event.socket());
    }
    if (type != BridgeEventType.SEND && type != BridgeEventType.PUBLISH) {
      event.complete(true);
      return;
    }
    if (stopping) {
      refuse(event, ErrorCode.CLUSTER_UNAVAILABLE);
      return;
    }
    JsonObject raw = event.getRawMessage();
    Object address = raw.getValue("address");
    if (!(address instanceof String a) || !policy.inboundAllowed().test(a)) {
      refuse(event, ErrorCode.ACCESS_DENIED);
      return;
    }
    Object headers = raw.getValue("headers");
    String token = headers instanceof JsonObject h && h.getValue("authorization") instanceof String value
        ? Tokens.bearer(value)
        : null;
    raw.put("headers", new JsonObject());
    boolean bid = a.equals(Wire.BID_ADDRESS);
    if (bid && type == BridgeEventType.PUBLISH) {
      // A published bid would reach every auction node; bids are requests with exactly one answer.
      refuse(event, ErrorCode.INVALID_REQUEST);
      return;
    }
    if (token == null) {
      if (bid) {
        refuse(event, ErrorCode.UNAUTHORIZED);
      } else {
        forward(event);
      }
      return;
    }
    tokens.verify(token).onComplete(verified -> {
      if (verified.succeeded()) {
        raw.put("headers", new JsonObject().put(Wire.USER_HEADER, verified.result()));
        forward(event);
      } else {
        refuse(event, ErrorCode.UNAUTHORIZED);
      }
    });
  }

  private void forward(BridgeEvent event) {
    JsonObject raw = event.getRawMessage();
    if (Wire.BID_ADDRESS.equals(raw.getString("address"))) {
      raw.put("address", relay.address);
    }
    event.complete(true);
  }

  /**
   * Graceful stop: refuses new inbound messages, lets the bids in flight get their answers, then closes every
   * bridged socket with a close frame (1001, going away) so browsers reconnect to another node.
   */
  Future<Void> stop() {
    stopping = true;
    return relay.idle().onComplete(done -> {
      for (SockJSSocket socket : List.copyOf(sockets)) {
        socket.close(1001, "node shutting down");
      }
    });
  }

  private static void refuse(BridgeEvent event, ErrorCode code) {
    if (event.getRawMessage().getValue("replyAddress") instanceof String replyAddress) {
      event.socket().write(Buffer.buffer(new JsonObject()
          .put("type", "err")
          .put("address", replyAddress)
          .put("failureCode", code.httpStatus())
          .put("failureType", "RECIPIENT_FAILURE")
          .put("message", code.name())
          .encode()));
    }
    event.complete(false);
  }
}
