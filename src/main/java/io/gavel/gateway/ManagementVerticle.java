package io.gavel.gateway;

import io.gavel.cluster.AuctionStore;
import io.gavel.domain.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optional management listener ({@code --management-port}, on loopback unless {@code --management-host} says
 * otherwise): {@code /metrics}, {@code /ops/*} and the health routes, away from the public port. It speaks plain
 * HTTP even when the public port speaks the PROXY protocol, so Prometheus and container probes can reach it.
 */
public final class ManagementVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ManagementVerticle.class);

  private final String host;
  private final int port;
  private final String nodeName;
  private final AuctionStore store;
  private final NodeStatus status;
  private final GatewayHub hub;

  public ManagementVerticle(String host, int port, String nodeName, AuctionStore store, NodeStatus status,
                            GatewayHub hub) {
    this.host = host;
    this.port = port;
    this.nodeName = nodeName;
    this.store = store;
    this.status = status;
    this.hub = hub;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    new HealthRoutes(vertx, nodeName, store, status, () -> hub.boundHttpServers.get() > 0).mount(router);
    new OpsRoutes(vertx, nodeName, store).mount(router);
    router.route().handler(ctx -> ApiError.send(ctx, ErrorCode.NOT_FOUND, "no such route"));
    router.route().failureHandler(GatewayVerticle::failure);
    return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
        .requestHandler(router).listen()
        .onSuccess(s -> LOG.info("{} serving /metrics, /ops/* and /health on {}:{}", nodeName, host, s.actualPort()));
  }
}
