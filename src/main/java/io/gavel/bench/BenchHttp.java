package io.gavel.bench;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/** Blocking JSON calls the benchmarks make outside their measured load (setup, probes, figures). */
final class BenchHttp {
  private BenchHttp() {
  }

  static JsonObject post(HttpClient http, Node node, String path, JsonObject body, String token) {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost(node.host())
        .setPort(node.port()).setURI(path).putHeader("Content-Type", "application/json");
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return http.request(request).compose(r -> r.send(body.encode())).compose(r -> r.body()).await().toJsonObject();
  }

  static JsonObject get(HttpClient http, Node node, String path) {
    return http.request(new RequestOptions().setHost(node.host()).setPort(node.port()).setURI(path))
        .compose(r -> r.send()).compose(r -> r.body()).await().toJsonObject();
  }
}
