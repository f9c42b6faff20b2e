package io.gavel.metrics;

import io.gavel.domain.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.Match;
import io.vertx.micrometer.MatchType;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Gavel's own series, next to the Vert.x (HTTP server, event bus) and JVM series that vertx-micrometer-metrics
 * records in the same Prometheus registry; all of them are served at {@code /metrics}.
 */
public final class GavelMetrics {
  private final MeterRegistry registry;
  private final Counter accepted;
  private final Map<ErrorCode, Counter> rejected = new ConcurrentHashMap<>();
  private final Counter published;
  private final Timer fanOut;
  private final Map<String, Counter> slowConsumersClosed = new ConcurrentHashMap<>();
  private final Counter droppedForSlowConsumers;
  private final Timer storeWrites;
  private final Counter storeConflicts;
  private final Counter storeUnavailable;
  /** Event times are on the cluster's clock; so must the other end of a latency be. */
  private volatile java.util.function.LongSupplier clock = System::currentTimeMillis;

  private GavelMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.accepted = Counter.builder("gavel_bids").tag("result", "accepted")
        .description("Bids by outcome: accepted, or the error code that refused them").register(registry);
    this.published = Counter.builder("gavel_events_published")
        .description("Auction events this node published on the event bus").register(registry);
    this.fanOut = Timer.builder("gavel_fanout_latency")
        .description("From an event's creation (its 'at') to its write to the bridged sockets of one gateway instance")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    this.droppedForSlowConsumers = Counter.builder("gavel_bridge_dropped_messages")
        .description("Pushed messages skipped for sockets whose write queue was full").register(registry);
    this.storeWrites = Timer.builder("gavel_store_write_latency")
        .description("Time to commit one decision's events to the durable store (PostgreSQL), conflicts included")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    this.storeConflicts = Counter.builder("gavel_store_conflicts")
        .description("Writes refused because another writer had committed that seq first (the command re-decided)")
        .register(registry);
    this.storeUnavailable = Counter.builder("gavel_store_unavailable")
        .description("Store calls that failed because the database could not be reached").register(registry);
  }

  /**
   * Vert.x metrics options for a node: Prometheus, JVM metrics, and labels with few values: event-bus addresses
   * that exist once per auction, per reply or per node are folded into one value each.
   *
   * <p>{@code proxyProtocol}: the HTTP port takes client addresses from PROXY protocol headers. Vert.x 5.0.7 hands
   * the header's address to the first connection object that asks for it (and forgets it), and with HTTP server
   * metrics on, that is the metrics' transient TCP socket, not the HTTP connection: every request would then seem
   * to come from the load balancer. Client addresses win; the {@code vertx_http_server_*} series are off.
   */
  public static MicrometerMetricsOptions options(String registryName, boolean proxyProtocol) {
    MicrometerMetricsOptions options = new MicrometerMetricsOptions();
    if (proxyProtocol) {
      options.addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER);
    }
    return options
        .setEnabled(true)
        .setRegistryName(registryName)
        .setJvmMetricsEnabled(true)
        .setLabels(java.util.EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.EB_ADDRESS, Label.EB_SIDE,
            Label.EB_FAILURE, Label.POOL_TYPE, Label.POOL_NAME))
        .addLabelMatch(fold("auction\\..+", "auction.<id>"))
        .addLabelMatch(fold("__vertx\\..+", "__vertx.internal"))
        .addLabelMatch(fold("gavel\\.gateway\\..+", "gavel.gateway.<node>.bid"))
        .addLabelMatch(fold("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<reply>"))
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
  }

  private static Match fold(String regex, String alias) {
    return new Match().setDomain(MetricsDomain.EVENT_BUS).setLabel(Label.EB_ADDRESS.toString())
        .setType(MatchType.REGEX).setValue(regex).setAlias(alias);
  }

  public static GavelMetrics of(String registryName) {
    return new GavelMetrics(BackendRegistries.getNow(registryName));
  }

  /** A null code counts an accepted bid. */
  public void bid(ErrorCode refusedWith) {
    if (refusedWith == null) {
      accepted.increment();
    } else {
      rejected.computeIfAbsent(refusedWith,
          code -> Counter.builder("gavel_bids").tag("result", code.name()).register(registry)).increment();
    }
  }

  public void published(int events) {
    published.increment(events);
  }

  public void useClock(java.util.function.LongSupplier clusterClock) {
    this.clock = clusterClock;
  }

  public void delivered(long eventAt) {
    fanOut.record(Duration.ofMillis(Math.max(0, clock.getAsLong() - eventAt)));
  }

  public void dropped() {
    droppedForSlowConsumers.increment();
  }

  /** Messages a gateway instance left out because it was behind by more than the allowed lag (conflation). */
  public void conflated(int messages) {
    Counter.builder("gavel_fanout_conflated").description(
        "Pushed messages a gateway instance skipped, behind by more than limits.fanoutMaxLagMillis, for the newest "
            + "of their address").register(registry).increment(messages);
  }

  /** {@code reason}: {@code skipped} (too many messages in a row) or {@code stalled} (over budget too long). */
  public void slowConsumerClosed(String reason) {
    slowConsumersClosed.computeIfAbsent(reason, r -> Counter.builder("gavel_bridge_slow_consumers_closed")
        .tag("reason", r)
        .description("Bridged sockets closed because they stopped reading, by reason").register(registry))
        .increment();
  }

  public void storeWrite(long nanos) {
    storeWrites.record(Duration.ofNanos(nanos));
  }

  public void storeConflict() {
    storeConflicts.increment();
  }

  public void storeUnavailable() {
    storeUnavailable.increment();
  }

  /** A call of {@code POST /api/publish}: the publisher's configured name and what came of it. */
  public void apiPublished(String publisher, String outcome) {
    Counter.builder("gavel_api_published").tag("publisher", publisher).tag("outcome", outcome)
        .description("Calls of POST /api/publish by publisher and outcome").register(registry).increment();
  }

  public void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }
}
