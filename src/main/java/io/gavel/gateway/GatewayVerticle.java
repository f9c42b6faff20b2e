package io.gavel.gateway;

import static io.gavel.gateway.Replies.clusterFailure;
import static io.gavel.gateway.Replies.json;
import static io.gavel.gateway.Replies.jsonObject;

import io.gavel.auth.Tokens;
import io.gavel.auth.UserDirectory;
import io.gavel.cluster.AuctionStore;
import io.gavel.domain.ErrorCode;
import io.gavel.metrics.GavelMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The gateway role: the REST API, the SockJS event-bus bridge at {@code /eventbus}, and the page at {@code /}. */
public final class GatewayVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
  static final int MAX_BODY_BYTES = 64 * 1024;
  private static final String USER = "gavel.user";
  private static final long SHUTDOWN_SECONDS = 5;

  /**
   * {@code bridge} is the bridge section of gavel.json (timeouts); {@code addresses} is validated from it.
   * {@code opsElsewhere}: /metrics and /ops/* are served by the management listener, not on this port.
   */
  public record Settings(String host, int port, String nodeName, JsonObject bridge, AddressPolicy addresses,
                         List<String> allowedOrigins, Limits limits, ProxyGate proxies, boolean opsElsewhere,
                         List<PublishApi.Publisher> publishers) {
  }

  private final Settings settings;
  private final AuctionStore store;
  private final UserDirectory users;
  private final Tokens tokens;
  private final GavelMetrics metrics;
  private final NodeStatus status;
  private final GatewayHub hub;
  private HttpServer server;
  private Bridge bridge;
  private LongPolls longPolls;

  public GatewayVerticle(Settings settings, AuctionStore store, UserDirectory users, Tokens tokens,
                         GavelMetrics metrics, NodeStatus status, GatewayHub hub) {
    this.hub = hub;
    this.settings = settings;
    this.store = store;
    this.users = users;
    this.tokens = tokens;
    this.metrics = metrics;
    this.status = status;
  }

  @Override
  public Future<?> start() {
    context.exceptionHandler(new UnhandledExceptions());
    longPolls = new LongPolls(vertx, store, settings.limits().maxLongPolls(), hub.parkedPolls, hub.presence);
    Router router = Router.router(vertx);
    router.route().handler(settings.proxies()::guard);
    router.route().handler(GatewayVerticle::securityHeaders);
    new HealthRoutes(vertx, settings.nodeName(), store, status, () -> hub.boundHttpServers.get() > 0).mount(router);
    if (settings.opsElsewhere()) {
      OpsRoutes.refuse(router);
    } else {
      new OpsRoutes(vertx, settings.nodeName(), store).mount(router);
    }

    if (!settings.allowedOrigins().isEmpty()) {
      // Pages served by another node (or site) may call this node's API: the page's node-list failover needs it.
      CorsHandler cors = CorsHandler.create()
          .addOrigins(settings.allowedOrigins())
          .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST))
          .allowedHeaders(Set.of("Content-Type", "Authorization"))
          .exposedHeaders(Set.of("Link", "Retry-After"));
      // Browsers send Origin on same-origin POSTs too; those need no CORS check.
      router.route("/api/*").handler(ctx -> {
        String origin = ctx.request().getHeader("Origin");
        if (origin == null || isSameOrigin(ctx.request(), origin)) {
          ctx.next();
        } else {
          cors.handle(ctx);
        }
      });
    }
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.post("/api/login").handler(this::login);
    router.get("/api/time").handler(this::time);
    new AuctionApi(store, hub, metrics, settings.limits(), longPolls).mount(router, this::authenticate, USER);
    router.post("/api/publish").handler(new PublishApi(settings.publishers(), vertx.eventBus(), store, metrics)::handle);
    router.route("/api/*").handler(ctx -> ApiError.send(ctx, ErrorCode.NOT_FOUND, "no such route"));

    // SockJS's non-WebSocket transports POST their frames: they need the body handler.
    router.route("/eventbus/*").handler(this::checkOrigin);
    router.route("/eventbus/*").handler(ReleaseWhenBehind::install);
    router.route("/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.postWithRegex("/eventbus/[^/.]+/[^/.]+/xhr_send$").handler(GatewayVerticle::checkSockJsMessages);
    router.postWithRegex("/eventbus/[^/.]+/[^/.]+/jsonp_send$").handler(GatewayVerticle::checkJsonpMessages);
    router.route("/eventbus/*").subRouter(bridge());

    router.route("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    router.route().failureHandler(GatewayVerticle::failure);

    HttpServerOptions options = new HttpServerOptions()
        .setHost(settings.host())
        .setPort(settings.port())
        .setMaxWebSocketFrameSize(MAX_BODY_BYTES)
        .setMaxWebSocketMessageSize(MAX_BODY_BYTES)
        // Browsers offer permessage-deflate on every WebSocket, and a connection that takes it keeps a zlib deflater
        // and inflater for its whole life: ~106 KB per connection, measured (BENCHMARKS.md, "Idle connections"),
        // against a few hundred bytes saved per small JSON event.
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false);
    if (settings.limits().sendBufferBytes() > 0) {
      options.setSendBufferSize(settings.limits().sendBufferBytes());
    }
    server = vertx.createHttpServer(settings.proxies().configure(options));
    return server.connectionHandler(settings.proxies()::onConnection).requestHandler(router).listen()
        .onSuccess(s -> {
          hub.boundHttpServers.incrementAndGet();
          LOG.info("{} serving HTTP on {}:{}", settings.nodeName(), settings.host(), s.actualPort());
        });
  }

  private Router bridge() {
    JsonObject options = settings.bridge();
    bridge = new Bridge(vertx, hub, settings.addresses(), tokens, settings.limits(), metrics,
        options.getLong("pingTimeoutMillis", 10_000L), options.getLong("replyTimeoutMillis", 10_000L));
    // No per-socket event-bus write handler: the bridge writes to its sockets directly.
    return SockJSHandler.create(vertx, new SockJSHandlerOptions().setRegisterWriteHandler(false)).socketHandler(bridge);
  }

  /**
   * Graceful stop: the node already reports 503 on /health; bridged requests in flight get their replies, then
   * sockets get a close frame, then the HTTP server finishes in-flight requests and closes.
   */
  @Override
  public Future<?> stop() {
    return bridge.stop().compose(v -> server.shutdown(SHUTDOWN_SECONDS, TimeUnit.SECONDS))
        .onComplete(closed -> hub.boundHttpServers.decrementAndGet());
  }

  /**
   * A page from another site must not open a bridge with the visitor's credentials (cross-site WebSocket
   * hijacking): a handshake whose Origin is neither this node nor an allowed origin is refused. Clients that send
   * no Origin (not browsers) pass.
   */
  private void checkOrigin(RoutingContext ctx) {
    String origin = ctx.request().getHeader("Origin");
    if (origin == null || isSameOrigin(ctx.request(), origin) || settings.allowedOrigins().contains(origin)) {
      ctx.next();
    } else {
      ApiError.send(ctx, ErrorCode.ACCESS_DENIED, "origin not allowed");
    }
  }

  /**
   * What sockjs-client posts is a JSON array of strings, one bridge frame each. vertx-web answers anything else with
   * 500, and lets a null or an object through as a message it cannot read (a NullPointerException on the event loop):
   * refused here with 400 INVALID_JSON, the session untouched.
   */
  private static void checkSockJsMessages(RoutingContext ctx) {
    if (areSockJsMessages(ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer())) {
      ctx.next();
    } else {
      ApiError.send(ctx, ErrorCode.INVALID_JSON, "expected a JSON array of strings");
    }
  }

  /**
   * JSONP's sends: a form field {@code d=<messages>} (sockjs-client posts a hidden form) or the messages as
   * {@code text/plain}, nothing else; vertx-web answers other content types, a missing field and messages that are
   * not JSON with 500. Refused here with 400, the session untouched.
   */
  private static void checkJsonpMessages(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    String body = ctx.body().buffer() == null ? "" : ctx.body().asString();
    Buffer messages;
    if ("application/x-www-form-urlencoded".equalsIgnoreCase(type)) {
      messages = body.startsWith("d=") ? formValue(body.substring(2)) : null;
    } else if ("text/plain".equalsIgnoreCase(type)) {
      messages = Buffer.buffer(body);
    } else {
      ApiError.send(ctx, ErrorCode.INVALID_REQUEST,
          "jsonp_send takes application/x-www-form-urlencoded (d=<messages>) or text/plain");
      return;
    }
    if (messages != null && areSockJsMessages(messages)) {
      ctx.next();
    } else {
      ApiError.send(ctx, ErrorCode.INVALID_JSON, "expected a JSON array of strings (a form sends it as d=)");
    }
  }

  private static Buffer formValue(String encoded) {
    try {
      return Buffer.buffer(URLDecoder.decode(encoded, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException malformed) {
      return null;
    }
  }

  private static boolean areSockJsMessages(Buffer body) {
    Object messages;
    try {
      messages = Json.decodeValue(body);
    } catch (DecodeException | IllegalArgumentException notJson) {
      return false;
    }
    return messages instanceof String
        || messages instanceof JsonArray array && array.stream().allMatch(String.class::isInstance);
  }

  /** Behind a proxy that ends TLS the connection is plain HTTP: the client's scheme is the proxy's word. */
  private boolean isSameOrigin(HttpServerRequest request, String origin) {
    return origin.equals(settings.proxies().scheme(request) + "://" + request.authority());
  }

  /** The page needs no inline script or style; nothing may frame it. */
  private static void securityHeaders(RoutingContext ctx) {
    ctx.response().headers()
        .set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self' http: https: ws: wss:; frame-ancestors 'none'; "
            + "base-uri 'none'; form-action 'self'; object-src 'none'")
        .set("X-Content-Type-Options", "nosniff")
        .set("X-Frame-Options", "DENY")
        .set("Referrer-Policy", "no-referrer");
    ctx.next();
  }

  /**
   * Now on the cluster's clock, which decides when auctions end: pages run their countdowns on it (they measure
   * the round trip and take its midpoint) instead of on the visitor's clock.
   */
  private void time(RoutingContext ctx) {
    long now;
    try {
      now = status.clusterTime();
    } catch (RuntimeException memberStopped) {
      clusterFailure(ctx, memberStopped);
      return;
    }
    ctx.response().putHeader("Cache-Control", "no-store");
    json(ctx, 200, new JsonObject().put("now", now));
  }

  private void login(RoutingContext ctx) {
    JsonObject body = jsonObject(ctx);
    if (body == null) {
      return;
    }
    if (!(body.getValue("user") instanceof String user) || !(body.getValue("password") instanceof String password)) {
      ApiError.send(ctx, ErrorCode.INVALID_REQUEST, "body must be {\"user\": string, \"password\": string}");
      return;
    }
    // Slows password guessing, per address and per account, before any hashing is spent on it.
    String ip = ProxyGate.clientIp(ctx.request().remoteAddress());
    if (!hub.loginsPerIp.tryAcquire(ip) || !hub.loginsPerUser.tryAcquire(user)) {
      long wait = Math.max(hub.loginsPerIp.secondsUntilNext(ip), hub.loginsPerUser.secondsUntilNext(user));
      ctx.response().putHeader("Retry-After", String.valueOf(Math.max(1, wait)));
      ApiError.send(ctx, ErrorCode.RATE_LIMITED, "too many login attempts; try again later");
      return;
    }
    vertx.executeBlocking(() -> users.check(user, password), false).onComplete(checked -> {
      if (checked.succeeded() && checked.result()) {
        json(ctx, 200, new JsonObject().put("token", tokens.issue(user)).put("user", user));
      } else {
        ApiError.send(ctx, ErrorCode.BAD_CREDENTIALS, "unknown user or wrong password");
      }
    });
  }

  private void authenticate(RoutingContext ctx) {
    String token = Tokens.bearer(ctx.request().getHeader("Authorization"));
    if (token == null) {
      ApiError.send(ctx, ErrorCode.UNAUTHORIZED, "send Authorization: Bearer <token from /api/login>");
      return;
    }
    tokens.verify(token).onComplete(verified -> {
      if (verified.succeeded()) {
        ctx.put(USER, verified.result());
        ctx.next();
      } else {
        ApiError.send(ctx, ErrorCode.UNAUTHORIZED, "the token is invalid or expired; log in again");
      }
    });
  }

  static void failure(RoutingContext ctx) {
    int status = ctx.statusCode();
    if (status == 413) {
      ApiError.send(ctx, ErrorCode.BODY_TOO_LARGE, "request bodies are limited to " + MAX_BODY_BYTES + " bytes");
    } else if (status == 404 || status == 405) {
      ApiError.send(ctx, ErrorCode.NOT_FOUND, "no such route");
    } else if (status >= 400 && status < 500) {
      ApiError.send(ctx, ErrorCode.INVALID_REQUEST, "the request is malformed");
    } else {
      LOG.error("unhandled failure on {}", ctx.request().path(), ctx.failure());
      ApiError.send(ctx, ErrorCode.INTERNAL_ERROR, "internal error");
    }
  }
}
