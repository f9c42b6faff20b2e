#!/usr/bin/env bash
# A Gavel cluster on a test network: one Linux network namespace per node (needs root and iproute2), the same
# network the fault tests build (src/test/java/io/gavel/testing/NetnsCluster.java).
#
#   scripts/netns-cluster.sh up [N]        network for N nodes (default 3) and start them in order (node1 = master)
#   scripts/netns-cluster.sh status        addresses and /health of every node
#   scripts/netns-cluster.sh cut I         isolate node I from the other nodes, both ways (you still reach it)
#   scripts/netns-cluster.sh heal          remove every cut
#   scripts/netns-cluster.sh netem ARGS    delay and loss between members, e.g.: netem delay 300ms loss 5%
#   scripts/netns-cluster.sh netem off     remove it
#   scripts/netns-cluster.sh pause I       SIGSTOP node I        resume I   SIGCONT
#   scripts/netns-cluster.sh kill I        SIGKILL node I        start I    start node I again on its address
#   scripts/netns-cluster.sh down          stop every node, remove the namespaces, veths and bridge
#
# Node I listens on 10.213.X.I (HTTP 8080, Hazelcast 5701); this machine is 10.213.X.254 on the bridge, so
# `curl http://10.213.X.1:8080/health` works from here, and so does a browser on this machine. Nodes log to
# target/netns/nodeI.log. Extra node options for every node: GAVEL_NODE_OPTS (e.g. "--store postgresql://..."), for
# one node: GAVEL_NODE_OPTS_I (e.g. GAVEL_NODE_OPTS_2="--clock-offset-ms 8000").
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=target/netns
JAR=target/gavel.jar
STATE=$DIR/state

die() { echo "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "network namespaces need root (and iproute2)"
command -v ip > /dev/null || die "iproute2 (ip) is missing"

load() {
  [ -f "$STATE" ] || die "no test network: run '$0 up' first"
  # shellcheck disable=SC1090
  . "$STATE"
}
addr() { echo "10.213.$SUBNET.$1"; }
ns() { echo "gavel-$TAG-$1"; }
pid_of() { cat "$DIR/node$1.pid" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

launch() {
  local i=$1 members="" origins="" j
  for j in $(seq 1 "$N"); do
    members="$members${members:+,}$(addr "$j"):5701"
    origins="$origins${origins:+,}http://$(addr "$j"):8080"
  done
  if alive "$i"; then echo "node$i is already running (pid $(pid_of "$i"))"; return; fi
  local own="GAVEL_NODE_OPTS_$i"
  # `ip netns exec` execs java: the recorded pid is the node itself.
  # shellcheck disable=SC2086
  nohup ip netns exec "$(ns "$i")" java -Xmx256m -XX:+UseSerialGC -jar "$JAR" \
    --http-host "$(addr "$i")" --http-port 8080 --cluster-host "$(addr "$i")" --cluster-port 5701 \
    --cluster-members "$members" --cluster-name "gavel-netns-$TAG" --node-name "node$i" \
    --allowed-origins "$origins" --min-cluster-size $(( N / 2 + 1 )) \
    ${GAVEL_NODE_OPTS:-} ${!own:-} >> "$DIR/node$i.log" 2>&1 &
  echo $! > "$DIR/node$i.pid"
}

await_up() {
  local i=$1 deadline=$((SECONDS + 60))
  until curl -sf "http://$(addr "$i"):8080/health" > /dev/null; do
    alive "$i" || die "node$i exited; see $DIR/node$i.log"
    [ $SECONDS -lt $deadline ] || die "node$i not UP after 60 s; see $DIR/node$i.log"
    sleep 0.2
  done
  echo "node$i UP at $(addr "$i"): $(curl -s "http://$(addr "$i"):8080/health")"
}

case "${1:-}" in
  up)
    [ ! -f "$STATE" ] || die "a test network is up already ($STATE): '$0 down' first"
    N=${2:-3}
    [ -f "$JAR" ] || mvn -q -DskipTests package
    mkdir -p "$DIR"
    TAG=$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n' | cut -c1-5)
    used=$(ip -4 -o addr; ip -4 route)
    SUBNET=""
    for _ in $(seq 1 100); do
      x=$(( RANDOM % 253 + 1 ))
      if ! grep -q "10\.213\.$x\." <<< "$used"; then SUBNET=$x; break; fi
    done
    [ -n "$SUBNET" ] || die "no free 10.213.X.0/24"
    printf 'N=%s\nTAG=%s\nSUBNET=%s\n' "$N" "$TAG" "$SUBNET" > "$STATE"
    ip link add "gvb$TAG" type bridge
    ip addr add "$(addr 254)/24" dev "gvb$TAG"
    ip link set "gvb$TAG" up
    for i in $(seq 1 "$N"); do
      ip netns add "$(ns "$i")"
      ip link add "gv${TAG}h$i" type veth peer name "gv${TAG}n$i"
      ip link set "gv${TAG}n$i" netns "$(ns "$i")"
      ip link set "gv${TAG}h$i" master "gvb$TAG" up
      ip -n "$(ns "$i")" link set "gv${TAG}n$i" name eth0
      ip -n "$(ns "$i")" addr add "$(addr "$i")/24" dev eth0
      ip -n "$(ns "$i")" link set eth0 up
      ip -n "$(ns "$i")" link set lo up
    done
    for i in $(seq 1 "$N"); do launch "$i"; await_up "$i"; done
    echo "open http://$(addr 1):8080/ (users alice, bob, carol; password gavel-demo)"
    ;;
  status)
    load
    for i in $(seq 1 "$N"); do
      if alive "$i"; then
        echo "node$i $(addr "$i") pid $(pid_of "$i"): $(curl -s -m 3 "http://$(addr "$i"):8080/health" || echo 'not answering')"
      else
        echo "node$i $(addr "$i"): not running"
      fi
    done
    ;;
  cut)
    load; i=${2:?node number}
    for j in $(seq 1 "$N"); do
      [ "$j" -eq "$i" ] && continue
      ip -n "$(ns "$i")" route replace blackhole "$(addr "$j")/32"
      ip -n "$(ns "$j")" route replace blackhole "$(addr "$i")/32"
    done
    echo "node$i cut off from the other nodes"
    ;;
  heal)
    load
    for i in $(seq 1 "$N"); do
      for j in $(seq 1 "$N"); do
        ip -n "$(ns "$i")" route del blackhole "$(addr "$j")/32" 2>/dev/null || true
      done
    done
    echo "healed"
    ;;
  netem)
    # This kernel has no sch_netem: member-to-member packets go through TUN devices to scripts/netem-relay.py.
    load; shift
    pid=$(cat "$DIR/netem.pid" 2>/dev/null || true)
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; rm -f "$DIR/netem.pid"; sleep 0.3; fi
    if [ "${1:-off}" != off ]; then
      delay=0 loss=0
      while [ $# -ge 2 ]; do
        case "$1" in
          delay) delay=${2%ms} ;;
          loss) loss=${2%\%} ;;
          *) die "only 'delay Nms' and 'loss N%' are emulated" ;;
        esac
        shift 2
      done
      members=""
      for i in $(seq 1 "$N"); do members="$members $(ns "$i")=$(addr "$i")"; done
      # shellcheck disable=SC2086
      nohup python3 scripts/netem-relay.py --delay-ms "$delay" --loss-percent "$loss" $members \
        > "$DIR/netem.log" 2>&1 &
      echo $! > "$DIR/netem.pid"
      until grep -q ready "$DIR/netem.log"; do
        kill -0 "$(cat "$DIR/netem.pid")" 2>/dev/null || die "netem relay failed: $(cat "$DIR/netem.log")"
        sleep 0.1
      done
      for i in $(seq 1 "$N"); do
        ip -n "$(ns "$i")" link set gvnetem up
        for j in $(seq 1 "$N"); do
          [ "$j" -eq "$i" ] || ip -n "$(ns "$i")" route add "$(addr "$j")/32" dev gvnetem src "$(addr "$i")"
        done
      done
      echo "between members: delay ${delay} ms, loss ${loss} %"
    else
      echo "netem off"
    fi
    ;;
  pause) load; kill -STOP "$(pid_of "${2:?node number}")"; echo "node$2 paused" ;;
  resume) load; kill -CONT "$(pid_of "${2:?node number}")"; echo "node$2 resumed" ;;
  kill) load; kill -KILL "$(pid_of "${2:?node number}")"; echo "node$2 killed" ;;
  start) load; launch "${2:?node number}"; await_up "$2" ;;
  down)
    load
    pid=$(cat "$DIR/netem.pid" 2>/dev/null || true); [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
    rm -f "$DIR/netem.pid"
    for i in $(seq 1 "$N"); do
      pid=$(pid_of "$i"); [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
      rm -f "$DIR/node$i.pid"
    done
    sleep 0.5
    for i in $(seq 1 "$N"); do
      # The namespace can outlive `ip netns del` a while (closing sockets): delete the veth explicitly.
      ip link del "gv${TAG}h$i" 2>/dev/null || true
      ip netns del "$(ns "$i")" 2>/dev/null || true
    done
    ip link del "gvb$TAG" 2>/dev/null || true
    rm -f "$STATE"
    echo "test network removed"
    ;;
  *)
    sed -n '2,19p' "$0"; exit 1 ;;
esac
