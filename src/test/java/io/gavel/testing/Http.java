package io.gavel.testing;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small synchronous JSON client over java.net.http for REST calls in tests. */
public final class Http {
  // HTTP/1.1 as browsers speak it to a server without TLS (no h2c upgrade).
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  public record Response(int status, String body, java.net.http.HttpHeaders headers) {
    /** The first value of header {@code name}, or null. */
    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    @Override
    public String toString() {
      return "Response[status=" + status + ", body=" + body + "]";
    }

    public JsonObject json() {
      return new JsonObject(body);
    }

    public Object value() {
      return Json.decodeValue(body);
    }
  }

  private Http() {
  }

  public static Response get(String url) {
    return send(HttpRequest.newBuilder(URI.create(url)).GET());
  }

  public static Response post(String url, String body, String token) {
    return post(url, body, token, java.util.Map.of());
  }

  public static Response post(String url, String body, String token, java.util.Map<String, String> headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    headers.forEach(request::setHeader); // may replace the JSON content type
    return send(request);
  }

  public static String login(String baseUrl, String user) {
    Response response = post(baseUrl + "/api/login",
        new JsonObject().put("user", user).put("password", "gavel-demo").encode(), null);
    if (response.status() != 200) {
      throw new AssertionError("login of " + user + " failed: " + response);
    }
    return response.json().getString("token");
  }

  /** Tokens of the demo users alice, bob and carol. */
  public static java.util.Map<String, String> loginDemoUsers(String baseUrl) {
    java.util.Map<String, String> tokens = new java.util.HashMap<>();
    for (String user : java.util.List.of("alice", "bob", "carol")) {
      tokens.put(user, login(baseUrl, user));
    }
    return tokens;
  }

  /** Creates an auction (starting price 100, increment 1) and returns its id; fails the test if refused. */
  public static String createAuction(String baseUrl, String token, int durationSeconds) {
    Response created = post(baseUrl + "/api/auctions", new JsonObject().put("title", "Test lot")
        .put("currency", "EUR").put("startingPrice", 100).put("minIncrement", 1)
        .put("durationSeconds", durationSeconds).encode(), token);
    if (created.status() != 201) {
      throw new AssertionError("auction not created: " + created);
    }
    return created.json().getString("id");
  }

  private static Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          CLIENT.send(request.timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.body(), response.headers());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
