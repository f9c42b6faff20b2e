#!/usr/bin/env bash
# A local Gavel cluster of real processes on loopback.
#
#   scripts/cluster.sh start [N]     start N nodes (default 3): HTTP 8080.., cluster 5701.., wait until all are UP
#   scripts/cluster.sh status        /health of every node
#   scripts/cluster.sh stop [I]      SIGTERM node I (1-based), or every node
#   scripts/cluster.sh kill I        SIGKILL node I
#   scripts/cluster.sh restart I     start node I again on its ports and wait until it is UP
#
# Nodes log to target/cluster/nodeI.log. Extra node options go in GAVEL_NODE_OPTS (for example --no-demo), extra
# curl options for the health checks in GAVEL_CURL_OPTS (--haproxy-protocol for nodes that trust a proxy here).
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=target/cluster
JAR=target/gavel.jar
mkdir -p "$DIR"

http_port() { echo $((8079 + $1)); }
cluster_port() { echo $((5700 + $1)); }
pid_of() { cat "$DIR/node$1.pid" 2>/dev/null || true; }
# Running and not a zombie (a killed node whose parent shell is gone may linger unreaped).
alive() {
  local pid; pid=$(pid_of "$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != "Z" ]
}
count() { ls "$DIR"/node*.size 2>/dev/null | wc -l; }

launch() {
  local i=$1 size=$2
  if alive "$i"; then echo "node$i is already running (pid $(pid_of "$i"))"; return; fi
  local min=$(( size / 2 + 1 ))
  # shellcheck disable=SC2086
  nohup java -jar "$JAR" --http-port "$(http_port "$i")" --cluster-port "$(cluster_port "$i")" \
    --node-name "node$i" --min-cluster-size "$min" ${GAVEL_NODE_OPTS:-} >> "$DIR/node$i.log" 2>&1 &
  echo $! > "$DIR/node$i.pid"
  echo "$size" > "$DIR/node$i.size"
}

await_up() {
  local i=$1 deadline=$((SECONDS + 60))
  # shellcheck disable=SC2086
  until curl -sf ${GAVEL_CURL_OPTS:-} "http://127.0.0.1:$(http_port "$i")/health" > /dev/null; do
    if ! alive "$i"; then echo "node$i exited; see $DIR/node$i.log" >&2; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then echo "node$i not UP after 60 s; see $DIR/node$i.log" >&2; exit 1; fi
    sleep 0.2
  done
  # shellcheck disable=SC2086
  echo "node$i UP: $(curl -s ${GAVEL_CURL_OPTS:-} "http://127.0.0.1:$(http_port "$i")/health")"
}

case "${1:-}" in
  start)
    n=${2:-3}
    [ -f "$JAR" ] || mvn -q -DskipTests package
    for i in $(seq 1 "$n"); do launch "$i" "$n"; await_up "$i"; done
    echo "open http://127.0.0.1:$(http_port 1)/ (users alice, bob, carol; password gavel-demo)"
    ;;
  status)
    for f in "$DIR"/node*.pid; do
      [ -e "$f" ] || { echo "no nodes"; exit 0; }
      i=$(basename "$f" .pid); i=${i#node}
      # shellcheck disable=SC2086
      if alive "$i"; then echo "node$i: $(curl -s ${GAVEL_CURL_OPTS:-} "http://127.0.0.1:$(http_port "$i")/health" || echo 'not answering')"
      else echo "node$i: stopped"; fi
    done
    ;;
  stop)
    targets=${2:-$(ls "$DIR"/node*.pid 2>/dev/null | sed 's/.*node\([0-9]*\)\.pid/\1/')}
    for i in $targets; do
      if alive "$i"; then kill -TERM "$(pid_of "$i")"; echo "node$i: SIGTERM"; fi
    done
    for i in $targets; do while alive "$i"; do sleep 0.1; done; done
    ;;
  kill)
    i=${2:?node number}
    if alive "$i"; then kill -KILL "$(pid_of "$i")"; echo "node$i: SIGKILL"; fi
    while alive "$i"; do sleep 0.1; done
    ;;
  restart)
    i=${2:?node number}; launch "$i" "$(cat "$DIR/node$i.size" 2>/dev/null || echo 3)"; await_up "$i"
    ;;
  *)
    sed -n '2,11p' "$0"; exit 2
    ;;
esac
