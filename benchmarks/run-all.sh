#!/usr/bin/env bash
# Every scenario in BENCHMARKS.md, one after the other (about 20 minutes on 2 cores). Each run starts its own nodes
# (or the raw broadcast server) from target/gavel.jar, on loopback, and stops them. Results: benchmarks/results/
# (one JSON per scenario) and benchmarks/results/latency.png.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/gavel.jar ] || mvn -q -DskipTests package
OUT=${OUT:-benchmarks/results}
D=${DURATION:-15}
bench() { java -cp target/gavel.jar io.gavel.bench.FanoutBench --out "$OUT" --duration "$D" "$@" || true; }

bench --start-nodes 1 --mode ws  --clients 1000  --rate 50
bench --start-nodes 1 --mode lp  --clients 1000  --rate 50
bench --start-nodes 3 --mode ws  --clients 1000  --rate 50
bench --start-nodes 3 --mode lp  --clients 1000  --rate 50
bench --start-nodes 1 --mode ws  --clients 1000  --rate 150
bench --start-nodes 1 --mode ws  --clients 1000  --rate 180
bench --start-nodes 1 --mode ws  --clients 1000  --rate 200
bench --start-nodes 1 --mode ws  --clients 1000  --rate 250
bench --start-nodes 1 --mode ws  --clients 1000  --rate 500
bench --start-nodes 1 --mode raw --clients 1000  --rate 250
bench --start-nodes 1 --mode raw --clients 1000  --rate 500
bench --start-nodes 1 --mode ws  --clients 5000  --rate 50
bench --start-nodes 3 --mode ws  --clients 5000  --rate 50
bench --start-nodes 1 --mode raw --clients 5000  --rate 50
bench --start-nodes 1 --mode ws  --clients 10000 --rate 50
bench --start-nodes 1 --mode ws  --clients 10000 --rate 1 --label "ws 1n C=10000 idle"
bench --start-nodes 1 --mode lp  --clients 5000  --rate 50
bench --start-nodes 3 --mode ws  --clients 10000 --rate 50
bench --start-nodes 3 --mode ws  --clients 10000 --rate 1 --duration 10 --label "ws 3n C=10000 idle"
