package io.gavel.gateway;

import io.gavel.config.TrustedProxies;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is at the other end of a connection, for the limits per address, the logs and the same-origin check.
 *
 * <p>Without trusted proxies, the TCP peer, and forwarding headers mean nothing. With them, the HTTP port speaks
 * the PROXY protocol (v1 and v2; Vert.x then requires the header on every connection and closes one that starts
 * with anything else), takes the client address from the header, and believes {@code X-Forwarded-Proto}. A
 * connection whose real peer is not a trusted proxy is closed before any request on it is served: only the load
 * balancers have business on that port, and a misconfigured list fails loudly (the load balancer's health checks
 * are refused, a warning names the address) instead of quietly merging every client into one address.
 *
 * <p>One instance per node, shared by the gateway's instances.
 */
public final class ProxyGate {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyGate.class);
  private static final long WARN_EVERY_NANOS = 10_000_000_000L;

  private final TrustedProxies trusted;
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong nextWarning = new AtomicLong(System.nanoTime());

  public ProxyGate(TrustedProxies trusted) {
    this.trusted = trusted;
  }

  HttpServerOptions configure(HttpServerOptions options) {
    return options.setUseProxyProtocol(trusted.any());
  }

  /** Closes a connection from an untrusted peer as soon as it is accepted. */
  void onConnection(HttpConnection connection) {
    if (trusted.any() && !fromTrustedProxy(connection)) {
      refuse(connection);
    }
  }

  /**
   * The first route handler: a request can be decoded from the bytes that came with a PROXY header before the
   * connection is closed (Vert.x 5 still dispatches it), so it is dropped here, before any work is done for it.
   */
  void guard(RoutingContext ctx) {
    if (trusted.any() && !fromTrustedProxy(ctx.request().connection())) {
      // Counted and logged when the connection was accepted.
      ctx.request().connection().close();
    } else {
      ctx.next();
    }
  }

  /** The scheme the client used: {@code X-Forwarded-Proto} from a trusted proxy, else the connection's own. */
  String scheme(HttpServerRequest request) {
    String forwarded = request.getHeader("X-Forwarded-Proto");
    if (forwarded != null && fromTrustedProxy(request.connection())) {
      String first = forwarded.split(",", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
      if (first.equals("http") || first.equals("https")) {
        return first;
      }
    }
    return request.scheme();
  }

  /**
   * The client's address as a string key for limits and logs: the address a trusted proxy reported, else the TCP
   * peer. Vert.x's {@code remoteAddress()} is the PROXY header's source address, which {@link #guard} only lets
   * through from trusted proxies.
   */
  static String clientIp(SocketAddress remote) {
    String ip = remote == null ? null : remote.hostAddress();
    return ip == null ? "unknown" : ip;
  }

  private boolean fromTrustedProxy(HttpConnection connection) {
    SocketAddress real = connection.remoteAddress(true);
    return trusted.trusts(real == null ? null : real.hostAddress());
  }

  private void refuse(HttpConnection connection) {
    long count = refused.incrementAndGet();
    long now = System.nanoTime();
    long next = nextWarning.get();
    if (now - next >= 0 && nextWarning.compareAndSet(next, now + WARN_EVERY_NANOS)) {
      SocketAddress real = connection.remoteAddress(true);
      LOG.warn("refused a connection from {}: not a trusted proxy (trustedProxies); {} refused so far",
          real == null ? "unknown" : real.hostAddress(), count);
    }
    connection.close();
  }
}
