package io.gavel.gateway;

import io.gavel.auth.Tokens;
import io.gavel.domain.ErrorCode;
import io.gavel.metrics.GavelMetrics;
import io.gavel.protocol.Wire;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event-bus bridge for browsers, speaking the protocol of the standard Vert.x event-bus client
 * ({@code send}, {@code publish}, {@code register}, {@code unregister}, {@code ping}; {@code rec} and {@code err}
 * back) over SockJS and raw WebSocket.
 *
 * <p>Why not vertx-web's bridge: it creates one cluster-wide consumer per browser per address and encodes every
 * message once per socket, does not watch write queues, and leaves frames with wrong field types unanswered. Here
 * each node subscribes once per address however many browsers watch it ({@link GatewayHub}), encodes each message
 * once and writes the same bytes to every socket; a socket that stops reading has messages dropped (the client sees the seq gap and
 * fetches it) and is closed after {@link Limits#slowConsumerMaxDrops()} drops in a row or
 * {@link Limits#slowConsumerMaxMillis()} over its outbound budget; every frame is validated,
 * rate-limited and answered.
 *
 * <p>Security: inbound only to permitted addresses; headers from the browser are dropped and the {@code user}
 * header is set only from a verified token; {@code auctions.bid} requires one; {@code user.<name>} can be
 * registered only with a token for that user. All state lives on the gateway verticle's event loop.
 */
final class Bridge implements Handler<SockJSSocket> {
  private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);
  private static final String PRIVATE_PREFIX = "user.";
  private static final int MAX_ADDRESS_LENGTH = 200;
  /** The JS client's reply addresses are UUIDs. */
  private static final int MAX_REPLY_ADDRESS_LENGTH = 36;

  private final Vertx vertx;
  private final Context context;
  private final GatewayHub hub;
  private final EventBus bus;
  private final AddressPolicy policy;
  private final Tokens tokens;
  private final Limits limits;
  private final RateLimiter framesPerConnection;
  private final GavelMetrics metrics;
  private final long pingTimeoutMillis;
  private final long replyTimeoutMillis;

  private final Set<BridgedSocket> connections = new HashSet<>();
  private final Map<String, Set<BridgedSocket>> subscribers = new HashMap<>();
  private final FanoutInbox<Pushed> inbox;
  private long nextConnectionId;
  private int inFlight;
  private boolean stopping;
  private Promise<Void> idle;

  Bridge(Vertx vertx, GatewayHub hub, AddressPolicy policy, Tokens tokens, Limits limits, GavelMetrics metrics,
         long pingTimeoutMillis, long replyTimeoutMillis) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.inbox = new FanoutInbox<>(limits.fanoutMaxLagMillis());
    this.hub = hub;
    this.bus = vertx.eventBus();
    this.policy = policy;
    this.tokens = tokens;
    this.limits = limits;
    this.framesPerConnection = new RateLimiter(limits.framesPerSecondPerConnection(),
        limits.frameBurstPerConnection());
    this.metrics = metrics;
    this.pingTimeoutMillis = pingTimeoutMillis;
    this.replyTimeoutMillis = replyTimeoutMillis;
    vertx.setPeriodic(Math.max(100, pingTimeoutMillis / 2), id -> closeIdle());
  }

  @Override
  public void handle(SockJSSocket socket) {
    String ip = ProxyGate.clientIp(socket.remoteAddress());
    if (stopping) {
      socket.close(1001, "node shutting down");
      return;
    }
    if (!hub.open(ip, limits)) {
      socket.close(4003, "too many connections");
      return;
    }
    BridgedSocket connection = new BridgedSocket(vertx, socket, ip, Long.toString(nextConnectionId++), limits,
        metrics, hub);
    connections.add(connection);
    socket.handler(frame -> onFrame(connection, frame));
    // The WebSocket layer reports a message over the size limit as an exception and drops it: close, so that the
    // client learns of it instead of waiting for an answer that will not come.
    socket.exceptionHandler(e -> {
      LOG.debug("bridged socket failed: {}", e.toString());
      socket.close(4002, "protocol error");
    });
    socket.closeHandler(v -> onClose(connection));
  }

  /**
   * Every frame counts against the connection's frame rate before anything else is done for it (pings and junk
   * included); only well-formed frames and pings count as activity for the idle check; a connection whose frames are
   * malformed {@link Limits#maxInvalidFrames()} times in a row is closed.
   */
  private void onFrame(BridgedSocket c, Buffer data) {
    if (data.length() > limits.maxFrameBytes()) {
      c.close(4009, "frame too large");
      return;
    }
    boolean withinRate = framesPerConnection.tryAcquire(c.id);
    JsonObject frame;
    try {
      frame = new JsonObject(data);
    } catch (RuntimeException notAnObject) {
      invalid(c, null, "invalid_json");
      return;
    }
    String replyAddress = null;
    Object reply = frame.getValue("replyAddress");
    if (reply != null) {
      if (!(reply instanceof String r) || r.isEmpty() || r.length() > MAX_REPLY_ADDRESS_LENGTH) {
        invalid(c, null, "invalid_reply_address");
        return;
      }
      replyAddress = r;
    }
    if (!(frame.getValue("type") instanceof String type)) {
      invalid(c, replyAddress, "missing_type");
      return;
    }
    if (!withinRate) {
      refuse(c, replyAddress, "rate_limited", ErrorCode.RATE_LIMITED);
      return;
    }
    if (type.equals("ping")) {
      c.wellFormed();
      return;
    }
    if (!(frame.getValue("address") instanceof String address) || address.isEmpty()
        || address.length() > MAX_ADDRESS_LENGTH) {
      invalid(c, replyAddress, "missing_address");
      return;
    }
    Object headers = frame.getValue("headers");
    if (headers != null && !(headers instanceof JsonObject)) {
      invalid(c, replyAddress, "invalid_headers");
      return;
    }
    String token = headers instanceof JsonObject h && h.getValue("authorization") instanceof String value
        ? Tokens.bearer(value)
        : null;
    switch (type) {
      case "send", "publish" -> {
        c.wellFormed();
        inbound(c, type.equals("send"), address, frame.getValue("body"), token, replyAddress);
      }
      case "register" -> {
        c.wellFormed();
        register(c, address, token);
      }
      case "unregister" -> {
        c.wellFormed();
        unregister(c, address);
      }
      default -> invalid(c, replyAddress, "invalid_type");
    }
  }

  private void invalid(BridgedSocket c, String replyAddress, String error) {
    if (++c.invalidFrames >= limits.maxInvalidFrames()) {
      c.close(4002, "protocol error");
    } else {
      refuse(c, replyAddress, error, ErrorCode.INVALID_REQUEST);
    }
  }

  private void inbound(BridgedSocket c, boolean send, String address, Object body, String token, String replyAddress) {
    boolean bid = address.equals(Wire.BID_ADDRESS);
    if (stopping) {
      refuse(c, replyAddress, "rejected", ErrorCode.CLUSTER_UNAVAILABLE);
    } else if (!policy.inboundAllowed().test(address)) {
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

  private void register(BridgedSocket c, String address, String token) {
    if (stopping) {
      error(c, "rejected");
    } else if (c.addresses.size() >= limits.maxRegistrationsPerConnection()) {
      error(c, "max_registrations");
    } else if (address.startsWith(PRIVATE_PREFIX)) {
      String owner = address.substring(PRIVATE_PREFIX.length());
      if (token == null) {
        error(c, "access_denied");
        return;
      }
      tokens.verify(token).onComplete(verified -> {
        if (verified.succeeded() && verified.result().equals(owner)) {
          subscribe(c, address);
        } else {
          error(c, "access_denied");
        }
      });
    } else if (policy.outboundAllowed().test(address)) {
      subscribe(c, address);
    } else {
      error(c, "access_denied");
    }
  }

  private void subscribe(BridgedSocket c, String address) {
    if (c.closed || !c.addresses.add(address)) {
      return;
    }
    subscribers.computeIfAbsent(address, a -> {
      hub.watch(a, this);
      return new LinkedHashSet<>();
    }).add(c);
    hub.presence.watching(address, 1);
  }

  private void unregister(BridgedSocket c, String address) {
    if (!c.addresses.remove(address)) {
      return;
    }
    hub.presence.watching(address, -1);
    Set<BridgedSocket> watching = subscribers.get(address);
    if (watching != null && watching.remove(c) && watching.isEmpty()) {
      subscribers.remove(address);
      hub.unwatch(address, this);
    }
  }

  /** A message the hub encoded once for the node: written, on this instance's event loop, to its sockets. */
  void deliver(String address, Buffer frame, long at) {
    if (inbox.offer(address, new Pushed(frame, at), System.nanoTime())) {
      context.runOnContext(v -> drain());
    }
  }

  private record Pushed(Buffer frame, long at) {
  }

  /** Writes what waits in the inbox, a batch at a time, yielding to the event loop's I/O between batches. */
  private void drain() {
    List<FanoutInbox.Item<Pushed>> batch = inbox.take(System.nanoTime(), metrics::conflated);
    if (batch.isEmpty()) {
      return;
    }
    boolean underPressure = hub.underMemoryPressure(limits);
    for (FanoutInbox.Item<Pushed> item : batch) {
      Set<BridgedSocket> watching = subscribers.get(item.address());
      if (watching != null) {
        // A snapshot: a slow consumer closed on the way leaves the set.
        for (BridgedSocket c : watching.toArray(new BridgedSocket[0])) {
          c.deliver(item.address(), item.message().frame(), underPressure);
        }
        hub.delivered(item.message().at());
      }
    }
    context.runOnContext(v -> drain());
  }

  private void onClose(BridgedSocket c) {
    c.closed = true;
    c.caughtUp();
    connections.remove(c);
    hub.closed(c.ip);
    for (String address : List.copyOf(c.addresses)) {
      unregister(c, address);
    }
  }

  private void closeIdle() {
    long deadline = System.currentTimeMillis() - pingTimeoutMillis;
    for (BridgedSocket c : List.copyOf(connections)) {
      if (c.lastSeen < deadline) {
        c.close(4000, "no ping");
      }
    }
  }

  /**
   * Graceful stop: refuses new frames, lets the requests in flight get their answers (they time out after the
   * reply timeout anyway), then closes every socket with 1001 (going away) so browsers reconnect elsewhere.
   */
  Future<Void> stop() {
    stopping = true;
    idle = Promise.promise();
    if (inFlight == 0) {
      idle.tryComplete();
    }
    return idle.future().onComplete(done -> {
      for (BridgedSocket c : List.copyOf(connections)) {
        c.socket.close(1001, "node shutting down");
      }
    });
  }

  private void refuse(BridgedSocket c, String replyAddress, String error, ErrorCode code) {
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
  private void error(BridgedSocket c, String body) {
    if (!c.overBudget(hub.underMemoryPressure(limits))) {
      c.write(new JsonObject().put("type", "err").put("body", body));
    }
  }
}
