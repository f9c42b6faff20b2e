package io.gavel.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * Blocking calls the benchmarks make outside their measured load (setup, probes, figures). Each one fails after
 * {@link #TIMEOUT_MILLIS} without an answer instead of holding the run, and a test that drives it, forever: a CI run
 * once hung on a GET sent on a pooled connection Vert.x's client was evicting. Reads are tried again then.
 */
final class BenchHttp {
  static final long TIMEOUT_MILLIS = 20_000;
  private static final int READ_ATTEMPTS = 3;

  private BenchHttp() {
  }

  static JsonObject post(HttpClient http, Node node, String path, JsonObject body, String token) {
    RequestOptions request = options(node, path).setMethod(HttpMethod.POST).putHeader("Content-Type",
        "application/json");
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return http.request(request).compose(r -> r.send(body.encode())).compose(r -> r.body()).await().toJsonObject();
  }

  static JsonObject get(HttpClient http, Node node, String path) {
    return text(http, node, path).toJsonObject();
  }

  /** A GET's body, whatever its status (a Prometheus scrape, a JSON read). */
  static Buffer text(HttpClient http, Node node, String path) {
    for (int attempt = 1; ; attempt++) {
      try {
        return http.request(options(node, path)).compose(r -> r.send()).compose(r -> r.body()).await();
      } catch (RuntimeException failed) {
        if (attempt == READ_ATTEMPTS) {
          throw failed;
        }
      }
    }
  }

  static RequestOptions options(Node node, String path) {
    return new RequestOptions().setHost(node.host()).setPort(node.port()).setURI(path).setIdleTimeout(TIMEOUT_MILLIS);
  }
}
