#!/usr/bin/env bash
# Fan-out benchmarks (BENCHMARKS.md). Each run starts its own server (Gavel nodes from target/gavel.jar, the raw
# Vert.x broadcast server, or the Socket.IO peer), on loopback, and stops it. Suites, in order (SUITES):
#   compare  for each "clients:rate" pair in PAIRS, one after the other: Gavel over the bridge (ws), the raw Vert.x
#            broadcast (raw) and Socket.IO 4 (benchmarks/peers/socketio), so every row has all three from one run.
#            Results: $OUT/compare/*.json and the markdown tables $OUT/compare/compare.md.
#   hung     Gavel, HUNG_CLIENTS clients x HUNG_RATE bids/s, without and with HUNG_PERCENT % hung clients (issue 11).
#            Results: $OUT/hung/*.json and $OUT/hung/hung.md.
#   compare3 for each pair in PAIRS3, COMPARE3_RUNS times: Gavel on 3 nodes (--start-nodes 3), then Socket.IO 4 on
#            3 servers joined by the official Redis adapter and a Redis server of the run's own (bench.js --nodes 3;
#            redis-server from Debian's redis-server package), clients round-robin over the servers, bids to the first.
#            Warm-up: WARMUP, else 30 s. Results: $OUT/compare3/*.json and $OUT/compare3/compare3.md (issue 12, item 3).
#   matrix   every scenario of BENCHMARKS.md's "Results" table (about 20 minutes). Results: $OUT/*.json.
#   overload (optional, not in the default SUITES) one node offered more than it can write, OVERLOAD_CLIENTS raw
#            WebSocket clients x OVERLOAD_RATE bids/s, while CATCHUP_CLIENTS clients of the official JS library and
#            CATCHUP_PAGES pages in headless Chromium (benchmarks/catchup) follow the same auction and catch up from
#            its history; fails if one of them is not on the final state within 2 s or misses a seq (issue 12).
#            Results: $OUT/overload/*.json. Nodes and load share the cores there unless PIN says otherwise.
#   idle     IDLE_CLIENTS idle clients on one node, raw endpoint and SockJS over WebSocket, offering permessage-deflate
#            as browsers do (issue 12, item 5; not in the default SUITES). Results: $OUT/idle-conns/*.json.
# Pinning (PIN=auto, with 2+ cores): the load generator on LOADGEN_CPUS (0), the servers on NODE_CPUS (1), with
# taskset (with 3 nodes: all three servers, and Redis, share NODE_CPUS); PIN=0 pins nothing.
# Knobs: SUITES ("compare hung matrix"), PAIRS ("1000:50 1000:250"), DURATION (measured s, 15), WARMUP (s, 5),
# HUNG_CLIENTS (1000), HUNG_RATE (100), HUNG_PERCENT (5), PAIRS3 ("1000:50"), COMPARE3_RUNS (2),
# OVERLOAD_CLIENTS (5000), OVERLOAD_RATE (50), CATCHUP_CLIENTS (200), CATCHUP_PAGES (3), OUT (benchmarks/results),
# TRANSPORT (raw: Gavel's clients in compare use the raw WebSocket endpoint; sockjs: SockJS over WebSocket, as the
# page's sockjs-client does), PIN, LOADGEN_CPUS, NODE_CPUS, IDLE_CLIENTS (19000: what one process may open here), IDLE_SOURCES (4 loopback
# addresses), IDLE_PROCESSES (2).
# Run it under the machine-wide benchmark lock: flock /tmp/gavel-bench.lock benchmarks/run-all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/gavel.jar ] || mvn -q -DskipTests package
OUT=${OUT:-benchmarks/results}
D=${DURATION:-15}
W=${WARMUP:-5}
W3=${WARMUP:-30}
SUITES=${SUITES:-"compare hung matrix"}
TRANSPORT=${TRANSPORT:-raw}
PAIRS=${PAIRS:-"1000:50 1000:250"}
PAIRS3=${PAIRS3:-"1000:50"}
COMPARE3_RUNS=${COMPARE3_RUNS:-2}
HUNG_CLIENTS=${HUNG_CLIENTS:-1000}
HUNG_RATE=${HUNG_RATE:-100}
HUNG_PERCENT=${HUNG_PERCENT:-5}
OVERLOAD_CLIENTS=${OVERLOAD_CLIENTS:-5000}
OVERLOAD_RATE=${OVERLOAD_RATE:-50}
CATCHUP_CLIENTS=${CATCHUP_CLIENTS:-200}
CATCHUP_PAGES=${CATCHUP_PAGES:-3}
PIN=${PIN:-auto}
LOADGEN_CPUS=${LOADGEN_CPUS:-0}
NODE_CPUS=${NODE_CPUS:-1}
PEER=benchmarks/peers/socketio

LOADGEN=()
NODE_PIN=()
if [ "$PIN" != 0 ] && [ "$(nproc)" -ge 2 ] && taskset -c "$LOADGEN_CPUS" true 2>/dev/null \
    && taskset -c "$NODE_CPUS" true 2>/dev/null; then
  LOADGEN=(taskset -c "$LOADGEN_CPUS")
  NODE_PIN=(--node-cpus "$NODE_CPUS")
  echo "pinned: load generator on cpus $LOADGEN_CPUS, servers on cpus $NODE_CPUS" >&2
else
  echo "nothing pinned: load generator and servers share $(nproc) cores" >&2
fi

# A failed run is reported and the others go on. The machine's load at each start is printed (BENCHMARKS.md cites it).
bench() {
  local out=$1
  shift
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) - gavel $*" >&2
  "${LOADGEN[@]}" java -cp target/gavel.jar io.gavel.bench.FanoutBench --out "$out" --duration "$D" \
    --warmup "${BENCH_WARMUP:-$W}" "$@" || echo "run failed or lost deliveries (exit $?): $*" >&2
}
socketio() {
  local out=$1
  shift
  [ -d "$PEER/node_modules" ] || (cd "$PEER" && npm ci --no-audit --no-fund)
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) - socketio $*" >&2
  "${LOADGEN[@]}" node "$PEER/bench.js" --out "$out" --duration "$D" --warmup "${BENCH_WARMUP:-$W}" "$@" \
    || echo "run failed or lost deliveries (exit $?): socketio $*" >&2
}

for suite in $SUITES; do
  case $suite in
    compare)
      for pair in $PAIRS; do
        c=${pair%%:*}
        r=${pair##*:}
        bench "$OUT/compare" --start-nodes 1 "${NODE_PIN[@]}" --mode ws --transport "$TRANSPORT" --clients "$c" \
          --rate "$r"
        bench "$OUT/compare" --start-nodes 1 "${NODE_PIN[@]}" --mode raw --clients "$c" --rate "$r"
        socketio "$OUT/compare" "${NODE_PIN[@]}" --clients "$c" --rate "$r"
      done
      node benchmarks/chart.mjs "$OUT/compare"
      node benchmarks/tables.mjs compare "$OUT/compare" | tee "$OUT/compare/compare.md"
      ;;
    compare3)
      command -v redis-server >/dev/null || { echo "compare3 needs redis-server (apt-get install redis-server)" >&2; exit 2; }
      for pair in $PAIRS3; do
        c=${pair%%:*}
        r=${pair##*:}
        for run in $(seq 1 "$COMPARE3_RUNS"); do
          BENCH_WARMUP=$W3 bench "$OUT/compare3" --start-nodes 3 "${NODE_PIN[@]}" --mode ws --clients "$c" --rate "$r" \
            --label "ws 3n C=$c R=$r run$run"
          BENCH_WARMUP=$W3 socketio "$OUT/compare3" --nodes 3 "${NODE_PIN[@]}" --clients "$c" --rate "$r" \
            --label "socketio 3n C=$c R=$r run$run"
        done
      done
      node benchmarks/tables.mjs nodes "$OUT/compare3" | tee "$OUT/compare3/compare3.md"
      ;;
    hung)
      bench "$OUT/hung" --start-nodes 1 "${NODE_PIN[@]}" --mode ws --clients "$HUNG_CLIENTS" --rate "$HUNG_RATE"
      bench "$OUT/hung" --start-nodes 1 "${NODE_PIN[@]}" --mode ws --clients "$HUNG_CLIENTS" --rate "$HUNG_RATE" \
        --hung-percent "$HUNG_PERCENT"
      node benchmarks/tables.mjs hung "$OUT/hung" | tee "$OUT/hung/hung.md"
      ;;
    matrix)
      m() { bench "$OUT" "$@"; }
      m --start-nodes 1 "${NODE_PIN[@]}" --mode ws  --clients 1000  --rate 50
      m --start-nodes 1 "${NODE_PIN[@]}" --mode lp  --clients 1000  --rate 50
      m --start-nodes 3 "${NODE_PIN[@]}" --mode ws  --clients 1000  --rate 50
      m --start-nodes 3 "${NODE_PIN[@]}" --mode lp  --clients 1000  --rate 50
      m --start-nodes 1 "${NODE_PIN[@]}" --mode ws  --clients 1000  --rate 150
      m --start-nodes 1 "${NODE_PIN[@]}" --mode ws  --clients 1000  --rate 180
      m --start-nodes 1 "${NODE_PIN[@]}" --mode ws  --clients 1000  --rate 200
      m --start-nodes 1 "${NODE_PIN[@]}" --mode ws  --clients 1000  --rate 250
      m --start-nodes 1 "${NODE_PIN[@]}" --mode ws  --clients 1000  --rate 500
      m --start-nodes 1 "${NODE_PIN[@]}" --mode raw --clients 1000  --rate 250
      m --start-nodes 1 "${NODE_PIN[@]}" --mode raw --clients 1000  --rate 500
      m --start-nodes 1 "${NODE_PIN[@]}" --mode ws  --clients 5000  --rate 50
      m --start-nodes 3 "${NODE_PIN[@]}" --mode ws  --clients 5000  --rate 50
      m --start-nodes 1 "${NODE_PIN[@]}" --mode raw --clients 5000  --rate 50
      m --start-nodes 1 "${NODE_PIN[@]}" --mode ws  --clients 10000 --rate 50
      m --start-nodes 1 "${NODE_PIN[@]}" --mode ws  --clients 10000 --rate 1 --label "ws 1n C=10000 idle"
      m --start-nodes 1 "${NODE_PIN[@]}" --mode lp  --clients 5000  --rate 50
      m --start-nodes 3 "${NODE_PIN[@]}" --mode ws  --clients 10000 --rate 50
      m --start-nodes 3 "${NODE_PIN[@]}" --mode ws  --clients 10000 --rate 1 --duration 10 --label "ws 3n C=10000 idle"
      ;;
    overload)
      [ -d benchmarks/catchup/node_modules ] || (cd benchmarks/catchup && npm ci --no-audit --no-fund)
      bench "$OUT/overload" --start-nodes 1 "${NODE_PIN[@]}" --mode ws --clients "$OVERLOAD_CLIENTS" \
        --rate "$OVERLOAD_RATE" --catchup "node benchmarks/catchup/catchup.mjs --clients $CATCHUP_CLIENTS \
        --pages $CATCHUP_PAGES --out $OUT/overload/catchup_C=${OVERLOAD_CLIENTS}_R=${OVERLOAD_RATE}.json"
      ;;
    idle)
      for transport in raw sockjs; do
        GAVEL_BENCH_JVM_OPTS=${GAVEL_BENCH_JVM_OPTS:-"-XX:NativeMemoryTracking=summary"} \
          bench "$OUT/idle-conns" --start-nodes 1 "${NODE_PIN[@]}" --mode idle --clients "${IDLE_CLIENTS:-19000}" \
          --source-addresses "${IDLE_SOURCES:-4}" --client-processes "${IDLE_PROCESSES:-2}" --events 5 \
          --transport "$transport" --offer-deflate true --label "idle ${IDLE_CLIENTS:-19000} $transport"
      done
      ;;
    *) echo "unknown suite: $suite (compare, compare3, hung, matrix, overload, idle)" >&2; exit 2 ;;
  esac
done
