package io.gavel.gateway;

import io.gavel.auth.Tokens;
import io.gavel.domain.ErrorCode;
import io.gavel.metrics.GavelMetrics;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.HashSet;
import java.util.List;
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
 * once and writes the same bytes to every socket; a socket that stops reading has messages dropped (the client sees
 * the seq gap and fetches it) and is closed after {@link Limits#slowConsumerMaxDrops()} drops in a row over at
 * least {@link BridgedSocket#MIN_STALL_MILLIS}, or {@link Limits#slowConsumerMaxMillis()} over its outbound budget;
 * every frame is validated, rate-limited and answered. Frames are read by {@link BridgeFrame}, watched addresses
 * kept by {@link BridgeSubscriptions}, and requests forwarded and answered by {@link BridgeRequests}; this class owns
 * the sockets and the frame rules.
 *
 * <p>Security: inbound only to permitted addresses; headers from the browser are dropped and the {@code user}
 * header is set only from a verified token; {@code auctions.bid} requires one; {@code user.<name>} can be
 * registered only with a token for that user. All state lives on the gateway verticle's event loop.
 */
final class Bridge implements Handler<SockJSSocket> {
  private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);
  private static final String PRIVATE_PREFIX = "user.";

  private final Vertx vertx;
  private final GatewayHub hub;
  private final AddressPolicy policy;
  private final Tokens tokens;
  private final Limits limits;
  private final RateLimiter framesPerConnection;
  private final GavelMetrics metrics;
  private final long pingTimeoutMillis;
  private final BridgeSubscriptions subscriptions;
  private final BridgeRequests requests;

  private final Set<BridgedSocket> connections = new HashSet<>();
  private long nextConnectionId;
  private boolean stopping;

  Bridge(Vertx vertx, GatewayHub hub, AddressPolicy policy, Tokens tokens, Limits limits, GavelMetrics metrics,
         long pingTimeoutMillis, long replyTimeoutMillis) {
    this.vertx = vertx;
    this.hub = hub;
    this.policy = policy;
    this.tokens = tokens;
    this.limits = limits;
    this.framesPerConnection = new RateLimiter(limits.framesPerSecondPerConnection(),
        limits.frameBurstPerConnection());
    this.metrics = metrics;
    this.pingTimeoutMillis = pingTimeoutMillis;
    this.subscriptions = new BridgeSubscriptions(vertx.getOrCreateContext(), hub, limits, metrics);
    this.requests = new BridgeRequests(vertx.eventBus(), hub, policy, tokens, limits, metrics, replyTimeoutMillis);
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
      connection.close(4002, "protocol error");
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
    BridgeFrame frame = BridgeFrame.parse(data);
    if (frame.type() == null) {
      invalid(c, frame.replyAddress(), frame.error());
      return;
    }
    if (!withinRate) {
      requests.refuse(c, frame.replyAddress(), "rate_limited", ErrorCode.RATE_LIMITED);
      return;
    }
    if (frame.type().equals("ping")) {
      c.wellFormed();
      return;
    }
    if (frame.error() != null) {
      invalid(c, frame.replyAddress(), frame.error());
      return;
    }
    switch (frame.type()) {
      case "send", "publish" -> {
        c.wellFormed();
        if (stopping) {
          requests.refuse(c, frame.replyAddress(), "rejected", ErrorCode.CLUSTER_UNAVAILABLE);
        } else {
          requests.inbound(c, frame.type().equals("send"), frame.address(), frame.body(), frame.token(),
              frame.replyAddress());
        }
      }
      case "register" -> {
        c.wellFormed();
        register(c, frame.address(), frame.token());
      }
      case "unregister" -> {
        c.wellFormed();
        subscriptions.unsubscribe(c, frame.address());
      }
      default -> invalid(c, frame.replyAddress(), "invalid_type");
    }
  }

  private void invalid(BridgedSocket c, String replyAddress, String error) {
    if (++c.invalidFrames >= limits.maxInvalidFrames()) {
      c.close(4002, "protocol error");
    } else {
      requests.refuse(c, replyAddress, error, ErrorCode.INVALID_REQUEST);
    }
  }

  /** {@code user.<name>} only with a token for that user; other addresses only where the policy lets them out. */
  private void register(BridgedSocket c, String address, String token) {
    if (stopping) {
      requests.error(c, "rejected");
    } else if (c.addresses.size() >= limits.maxRegistrationsPerConnection()) {
      requests.error(c, "max_registrations");
    } else if (address.startsWith(PRIVATE_PREFIX)) {
      String owner = address.substring(PRIVATE_PREFIX.length());
      if (token == null) {
        requests.error(c, "access_denied");
        return;
      }
      tokens.verify(token).onComplete(verified -> {
        if (verified.succeeded() && verified.result().equals(owner)) {
          subscriptions.subscribe(c, address);
        } else {
          requests.error(c, "access_denied");
        }
      });
    } else if (policy.outboundAllowed().test(address)) {
      subscriptions.subscribe(c, address);
    } else {
      requests.error(c, "access_denied");
    }
  }

  private void onClose(BridgedSocket c) {
    c.closed = true;
    c.caughtUp();
    connections.remove(c);
    hub.closed(c.ip);
    subscriptions.unsubscribeAll(c);
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
    return requests.whenIdle().onComplete(done -> {
      for (BridgedSocket c : List.copyOf(connections)) {
        c.close(1001, "node shutting down");
      }
    });
  }
}
