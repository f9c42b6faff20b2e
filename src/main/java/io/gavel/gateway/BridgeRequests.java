package io.gavel.gateway;

import io.gavel.auth.Tokens;
import io.gavel.domain.ErrorCode;
import io.gavel.metrics.GavelMetrics;
import io.gavel.protocol.Wire;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * What browsers send into the cluster over the bridge ({@code send}, {@code publish}) and every answer they get:
 * inbound messages only to permitted addresses, with the {@code user} header set only from a verified token (bids
 * need one, and are rate-limited per user cluster-wide); replies and failures back as {@code rec} and {@code err}
 * frames. Counts the requests still waiting for an answer, so that a graceful stop can wait for them. Lives on the
 * bridge's event loop.
 */
final class BridgeRequests {
  private final EventBus bus;
  private final GatewayHub hub;
  private final AddressPolicy policy;
  private final Tokens tokens;
  private final Limits limits;
  private final GavelMetrics metrics;
  private final long replyTimeoutMillis;
  private int inFlight;
  private Promise<Void> idle;

  BridgeRequests(EventBus bus, GatewayHub hub, AddressPolicy policy, Tokens tokens, Limits limits,
                 GavelMetrics metrics, long replyTimeoutMillis) {
    this.bus = bus;
    this.hub = hub;
    this.policy = policy;
    this.tokens = tokens;
    this.limits = limits;
    this.metrics = metrics;
    this.replyTimeoutMillis = replyTimeoutMillis;
  }

  void inbound(BridgedSocket c, boolean send, String address, Object body, String token, String replyAddress) {
    boolean bid = address.equals(Wire.BID_ADDRESS);
    if (!policy.inboundAllowed().test(address)) {
      refuse(c, replyAddress, "access_denied", ErrorCode.ACCESS_DENIED);
    } else if (bid && !send) {
      // A published bid would reach every auction node; a bid is a request with exactly one answer.
      refuse(c, replyAddress, "rejected", ErrorCode.INVALID_REQUEST);
    } else if (token == null) {
      if (bid) {
        refuseBid(c, replyAddress, ErrorCode.UNAUTHORIZED);
      } else {
        forward(c, send, address, body, new DeliveryOptions(), replyAddress);
      }
    } else {
      tokens.verify(token).onComplete(verified -> {
        if (verified.failed()) {
          if (bid) {
            metrics.bid(ErrorCode.UNAUTHORIZED);
          }
          refuse(c, replyAddress, "unauthorized", ErrorCode.UNAUTHORIZED);
        } else {
          String user = verified.result();
          Future<Long> limited = bid ? hub.bidsPerUser.acquire(user) : Future.succeededFuture(0L);
          // In flight while the cluster-wide limit decides: a graceful stop waits for this answer too.
          inFlight++;
          limited.onSuccess(wait -> {
            if (wait > 0) {
              refuseBid(c, replyAddress, ErrorCode.RATE_LIMITED);
            } else {
              forward(c, send, address, body, new DeliveryOptions().addHeader(Wire.USER_HEADER, user), replyAddress);
            }
            settled();
          });
        }
      });
    }
  }

  private void refuseBid(BridgedSocket c, String replyAddress, ErrorCode code) {
    metrics.bid(code);
    refuse(c, replyAddress, code.name().toLowerCase(), code);
  }

  private void forward(BridgedSocket c, boolean send, String address, Object body, DeliveryOptions options,
                       String replyAddress) {
    if (!send) {
      bus.publish(address, body, options);
      return;
    }
    if (replyAddress == null) {
      bus.send(address, body, options);
      return;
    }
    inFlight++;
    bus.request(address, body, options.setSendTimeout(replyTimeoutMillis)).onComplete(answer -> {
      if (answer.succeeded()) {
        c.write(new JsonObject().put("type", "rec").put("address", replyAddress)
            .put("body", answer.result().body()));
      } else if (answer.cause() instanceof ReplyException e && e.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        failure(c, replyAddress, e.failureCode(), e.getMessage());
      } else {
        // No handler, or no answer in time: the cluster is not serving this address right now.
        failure(c, replyAddress, ErrorCode.CLUSTER_UNAVAILABLE.httpStatus(), ErrorCode.CLUSTER_UNAVAILABLE.name());
      }
      settled();
    });
  }

  private void settled() {
    if (--inFlight == 0 && idle != null) {
      idle.tryComplete();
    }
  }

  /** Completes once no request is waiting for its answer (they time out after the reply timeout anyway). */
  Future<Void> whenIdle() {
    idle = Promise.promise();
    if (inFlight == 0) {
      idle.tryComplete();
    }
    return idle.future();
  }

  /** Answers the request, when the frame was one ({@code replyAddress}), else sends a bare error. */
  void refuse(BridgedSocket c, String replyAddress, String error, ErrorCode code) {
    if (replyAddress != null) {
      failure(c, replyAddress, code.httpStatus(), code.name());
    } else {
      error(c, error);
    }
  }

  private static void failure(BridgedSocket c, String replyAddress, int failureCode, String message) {
    c.write(new JsonObject().put("type", "err").put("address", replyAddress).put("failureCode", failureCode)
        .put("failureType", "RECIPIENT_FAILURE").put("message", message));
  }

  /** An error that answers no request: skipped, like pushed messages, for a connection over its budget. */
  void error(BridgedSocket c, String body) {
    if (!c.overBudget(hub.underMemoryPressure(limits))) {
      c.write(new JsonObject().put("type", "err").put("body", body));
    }
  }
}
