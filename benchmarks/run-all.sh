#!/usr/bin/env bash
# Fan-out benchmarks (BENCHMARKS.md). Each run starts its own server (Gavel nodes from target/gavel.jar, the raw
# Vert.x broadcast server, or the Socket.IO peer), on loopback, and stops it. Suites, in order (SUITES):
#   compare  for each "clients:rate" pair in PAIRS, one after the other: Gavel over the bridge (ws), the raw Vert.x
#            broadcast (raw) and Socket.IO 4 (benchmarks/peers/socketio), so every row has all three from one run.
#            Results: $OUT/compare/*.json and the markdown tables $OUT/compare/compare.md.
#   hung     Gavel, HUNG_CLIENTS clients x HUNG_RATE bids/s, without and with HUNG_PERCENT % hung clients (issue 11).
#            Results: $OUT/hung/*.json and $OUT/hung/hung.md.
#   matrix   every scenario of BENCHMARKS.md's "Results" table (about 20 minutes). Results: $OUT/*.json.
# Pinning (PIN=auto, with 2+ cores): the load generator on LOADGEN_CPUS (0), the servers on NODE_CPUS (1), with
# taskset; PIN=0 pins nothing.
# Knobs: SUITES ("compare hung matrix"), PAIRS ("1000:50 1000:250"), DURATION (measured s, 15), WARMUP (s, 5),
# HUNG_CLIENTS (1000), HUNG_RATE (100), HUNG_PERCENT (5), OUT (benchmarks/results), PIN, LOADGEN_CPUS, NODE_CPUS.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/gavel.jar ] || mvn -q -DskipTests package
OUT=${OUT:-benchmarks/results}
D=${DURATION:-15}
W=${WARMUP:-5}
SUITES=${SUITES:-"compare hung matrix"}
PAIRS=${PAIRS:-"1000:50 1000:250"}
HUNG_CLIENTS=${HUNG_CLIENTS:-1000}
HUNG_RATE=${HUNG_RATE:-100}
HUNG_PERCENT=${HUNG_PERCENT:-5}
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

# A failed run is reported and the others go on.
bench() {
  local out=$1
  shift
  "${LOADGEN[@]}" java -cp target/gavel.jar io.gavel.bench.FanoutBench --out "$out" --duration "$D" --warmup "$W" \
    "$@" || echo "run failed or lost deliveries (exit $?): $*" >&2
}
socketio() {
  local out=$1
  shift
  [ -d "$PEER/node_modules" ] || (cd "$PEER" && npm ci --no-audit --no-fund)
  "${LOADGEN[@]}" node "$PEER/bench.js" --out "$out" --duration "$D" --warmup "$W" "$@" \
    || echo "run failed or lost deliveries (exit $?): socketio $*" >&2
}

for suite in $SUITES; do
  case $suite in
    compare)
      for pair in $PAIRS; do
        c=${pair%%:*}
        r=${pair##*:}
        bench "$OUT/compare" --start-nodes 1 "${NODE_PIN[@]}" --mode ws --clients "$c" --rate "$r"
        bench "$OUT/compare" --start-nodes 1 "${NODE_PIN[@]}" --mode raw --clients "$c" --rate "$r"
        socketio "$OUT/compare" "${NODE_PIN[@]}" --clients "$c" --rate "$r"
      done
      node benchmarks/chart.mjs "$OUT/compare"
      node benchmarks/tables.mjs compare "$OUT/compare" | tee "$OUT/compare/compare.md"
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
    *) echo "unknown suite: $suite (compare, hung, matrix)" >&2; exit 2 ;;
  esac
done
