package io.gavel.bench;

import java.net.URI;

/** A server a benchmark drives: its base URL and its pid (0 when unknown), for CPU and memory figures. */
record Node(String url, long pid) {
  String host() {
    return URI.create(url).getHost();
  }

  int port() {
    return URI.create(url).getPort();
  }
}
