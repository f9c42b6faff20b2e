#!/usr/bin/env bash
# The docker/compose.yaml topology without Docker: three node processes (scripts/cluster.sh) behind Debian's
# HAProxy on 127.0.0.1:8000, using docker/haproxy.cfg. HAProxy sends the PROXY protocol; the nodes trust it at
# 127.0.0.1, so their HTTP ports answer only connections that start with a PROXY header (e.g.
# `curl --haproxy-protocol http://127.0.0.1:8080/metrics`).
#
#   scripts/lb-cluster.sh start     nodes on 8080..8082, load balancer on 8000 (apt-get install haproxy first)
#   scripts/lb-cluster.sh status    /health of every node (sent with a PROXY header)
#   scripts/lb-cluster.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=target/cluster

case "${1:-}" in
  start)
    command -v haproxy > /dev/null || { echo "haproxy is not installed (apt-get install haproxy)" >&2; exit 1; }
    GAVEL_NODE_OPTS="${GAVEL_NODE_OPTS:-} --allowed-origins http://127.0.0.1:8000,http://localhost:8000 --trusted-proxies 127.0.0.1" \
      GAVEL_CURL_OPTS=--haproxy-protocol scripts/cluster.sh start 3
    mkdir -p "$DIR"
    LB_BIND=127.0.0.1:8000 NODE1_ADDR=127.0.0.1:8080 NODE2_ADDR=127.0.0.1:8081 NODE3_ADDR=127.0.0.1:8082 \
      haproxy -f docker/haproxy.cfg -D -p "$DIR/haproxy.pid"
    until curl -sf http://127.0.0.1:8000/health > /dev/null; do sleep 0.2; done
    echo "load balancer UP: http://127.0.0.1:8000/"
    ;;
  status)
    GAVEL_CURL_OPTS=--haproxy-protocol scripts/cluster.sh status
    ;;
  stop)
    if [ -f "$DIR/haproxy.pid" ]; then kill "$(cat "$DIR/haproxy.pid")" 2>/dev/null || true; rm -f "$DIR/haproxy.pid"; fi
    scripts/cluster.sh stop
    ;;
  *)
    sed -n '2,9p' "$0"; exit 2
    ;;
esac
