package io.gavel.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Probes {@code GET /health} on every node at a fixed rate, as a load balancer does, whether or not the previous
 * probe was answered; a probe not answered within the timeout is recorded with the timeout as its latency.
 */
public final class HealthProber implements AutoCloseable {
  /** One probe: which node, when it was sent (System.nanoTime), how long it took, the status (-1: no answer). */
  public record Probe(int node, long sentAt, long millis, int status, String body) {
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(TIMEOUT).build();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final List<Probe> probes = Collections.synchronizedList(new ArrayList<>());

  private HealthProber() {
  }

  public static HealthProber start(List<String> baseUrls, int perSecond) {
    HealthProber prober = new HealthProber();
    long period = 1000 / perSecond;
    for (int i = 0; i < baseUrls.size(); i++) {
      int node = i;
      HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrls.get(i) + "/health")).timeout(TIMEOUT)
          .GET().build();
      prober.timer.scheduleAtFixedRate(() -> prober.probe(node, request), 0, period, TimeUnit.MILLISECONDS);
    }
    return prober;
  }

  private void probe(int node, HttpRequest request) {
    long sent = System.nanoTime();
    client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
      long millis = (System.nanoTime() - sent) / 1_000_000;
      probes.add(error == null ? new Probe(node, sent, millis, response.statusCode(), response.body())
          : new Probe(node, sent, Math.max(millis, TIMEOUT.toMillis()), -1, error.toString()));
    });
  }

  public List<Probe> probes() {
    synchronized (probes) {
      return List.copyOf(probes);
    }
  }

  /** The slowest probe (a probe with no answer counts as the timeout). */
  public Probe slowest() {
    return probes().stream().max(java.util.Comparator.comparingLong(Probe::millis)).orElse(null);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
