#!/usr/bin/env bash
# Durable store benchmark (BENCHMARKS.md, "Durable store: bids per second and latency"): accepted bids/s and bid
# latency with the memory store and with PostgreSQL, on 1 and 3 nodes, for bids spread over many auctions and for
# one hot auction; then the time a full restart takes with the PostgreSQL store.
#
# Starts everything itself on loopback and removes it on exit (also on failure or Ctrl-C):
#   - a throwaway PostgreSQL (Debian's binaries in /usr/lib/postgresql/<version>/bin): initdb into target/ (as the
#     postgres user when run as root: initdb refuses root), a free loopback port, PostgreSQL's default durable
#     settings (fsync=on, synchronous_commit=on, full_page_writes=on: every commit waits for its WAL flush);
#   - 1 or 3 Gavel nodes from target/gavel.jar (--no-demo, limits raised for three users bidding fast, a cluster name
#     and ports of their own), fresh for each store and size, each PostgreSQL run on a database of its own;
#   - io.gavel.bench.BidBench for each run: results in $OUT (one JSON per run), one summary line each.
# With 2 or more cores, the load generator is pinned to cpu 0 and the nodes and PostgreSQL to cpu 1 (PIN=0: no pinning).
#
# Matrix: {1, 3 nodes} x {memory, postgresql} x {many, hot} x {max throughput (closed loop, C in flight), open loop
# at the issue's half-target rate (1,000/s per node across auctions; 250/s on the hot auction), open loop at half the
# max just measured}; restart time after each PostgreSQL size; FanoutBench once per store (ws, 1 node, 1,000
# clients, 50 bids/s). About 15 minutes with the defaults.
#
# Knobs (environment): DURATION (measured s, 12), WARMUP (s per run, 5), NODE_WARMUP (s per set of fresh nodes, 60),
# NODES_LIST ("1 3"), STORES ("memory postgresql"),
# AUCTIONS (200), C_MANY (64), C_HOT (16), WORKLOADS ("many hot"), RATES (1: the open-loop runs too; 0: max only),
# PIN (auto|0), FANOUT (1|0), RESTART (1|0), OUT (benchmarks/results/store),
# GAVEL_BENCH_JVM_OPTS (extra JVM options for the nodes, e.g. a flight recording, as FanoutBench takes them).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
[ -f target/gavel.jar ] || mvn -q -DskipTests package
JAR=$ROOT/target/gavel.jar
OUT=${OUT:-benchmarks/results/store}
DURATION=${DURATION:-12}
WARMUP=${WARMUP:-5}
NODE_WARMUP=${NODE_WARMUP:-60}
NODES_LIST=${NODES_LIST:-"1 3"}
STORES=${STORES:-"memory postgresql"}
AUCTIONS=${AUCTIONS:-200}
C_MANY=${C_MANY:-64}
C_HOT=${C_HOT:-16}
WORKLOADS=${WORKLOADS:-"many hot"}
RATES=${RATES:-1}
PIN=${PIN:-auto}
FANOUT=${FANOUT:-1}
RESTART=${RESTART:-1}
TARGET_MANY_PER_NODE=1000 # half of the issue's 2,000 accepted bids/s per node
TARGET_HOT=250            # half of the issue's 500/s on one hot auction
mkdir -p "$OUT" target
WORK=$(mktemp -d "$ROOT/target/store-bench.XXXXXX")
LOGS=$ROOT/target/store-bench-logs
rm -rf "$LOGS" && mkdir -p "$LOGS"
NODE_PIDS=()
PG_STARTED=0
log() { printf '[store-bench %s] %s\n' "$(date +%T)" "$*" >&2; }

# ---- pinning -------------------------------------------------------------------------------------------------------
LOADGEN=()
SERVER=()
if [ "$PIN" != 0 ] && [ "$(nproc)" -ge 2 ] && taskset -c 0 true 2>/dev/null && taskset -c 1 true 2>/dev/null; then
  LOADGEN=(taskset -c 0)
  SERVER=(taskset -c 1)
  PINNED="load generator on cpu 0; nodes and PostgreSQL on cpu 1 (taskset)"
else
  PINNED="nothing pinned: load generator, nodes and PostgreSQL share $(nproc) cores"
fi

# ---- PostgreSQL ----------------------------------------------------------------------------------------------------
PGBIN=$(compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -n 1 | xargs -r dirname)
[ -n "$PGBIN" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
AS_PG=()
[ "$(id -u)" = 0 ] && AS_PG=(runuser -u postgres --)
PGDATA=$WORK/pgdata
PGPASS=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
PGPORT=$(free_port)

cleanup() {
  local code=$?
  for pid in "${NODE_PIDS[@]:-}"; do [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; done
  if [ "$PG_STARTED" = 1 ]; then
    "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_postgres() {
  mkdir -p "$PGDATA" && chmod 700 "$PGDATA" "$WORK"
  echo "$PGPASS" > "$WORK/pw"
  : >"$LOGS/postgresql.log"
  if [ ${#AS_PG[@]} -gt 0 ]; then chown postgres "$PGDATA" "$WORK/pw" "$LOGS/postgresql.log"; chmod 711 "$WORK"; fi
  "${AS_PG[@]}" "$PGBIN/initdb" -D "$PGDATA" -U postgres --pwfile="$WORK/pw" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C >"$LOGS/initdb.log" 2>&1
  rm -f "$WORK/pw"
  # The defaults that make a commit durable, stated rather than assumed.
  "${SERVER[@]}" "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$LOGS/postgresql.log" -w -t 60 \
    -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=100" \
    start >/dev/null
  PG_STARTED=1
  PG_PID=$(head -n 1 "$PGDATA/postmaster.pid")
  psql_admin -c "CREATE ROLE gavel LOGIN PASSWORD '$PGPASS'" >/dev/null
  log "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT (pid $PG_PID), $(psql_admin -Atc \
    "select string_agg(name || '=' || setting, ', ' order by name) from pg_settings where name in ('fsync','synchronous_commit','wal_sync_method','shared_buffers','commit_delay','full_page_writes','max_wal_size')")"
}
psql_admin() { "$PGBIN/psql" -X -q -h "$PGDATA" -p "$PGPORT" -U postgres -d postgres "$@"; }
psql_db() { local db=$1; shift; "$PGBIN/psql" -X -q -h "$PGDATA" -p "$PGPORT" -U postgres -d "$db" "$@"; }

# ---- Gavel nodes ---------------------------------------------------------------------------------------------------
export GAVEL_JWT_SECRET="store-bench-$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
URLS=""
# launch_nodes N STORE: starts N nodes at once (their own cluster name and ports); sets NODE_PIDS and URLS.
launch_nodes() {
  local n=$1 store=$2 cluster="gavel-storebench-$$-$RANDOM" members="" i
  local -a cports=() hports=()
  for ((i = 0; i < n; i++)); do cports+=("$(free_port)"); hports+=("$(free_port)"); done
  for p in "${cports[@]}"; do members="${members:+$members,}127.0.0.1:$p"; done
  NODE_PIDS=()
  URLS=""
  for ((i = 0; i < n; i++)); do
    # shellcheck disable=SC2086 # e.g. GAVEL_BENCH_JVM_OPTS="-XX:StartFlightRecording=filename=target/node.jfr"
    "${SERVER[@]}" java -Xmx1g ${GAVEL_BENCH_JVM_OPTS:-} -jar "$JAR" --http-port "${hports[$i]}" --cluster-port "${cports[$i]}" \
      --cluster-members "$members" --cluster-name "$cluster" --node-name "sb$((i + 1))" --no-demo --store "$store" \
      --set limits.bidsPerSecondPerUser=100000 --set limits.bidBurstPerUser=100000 \
      --set limits.loginBurstPerIp=100000 --set limits.loginBurstPerUser=100000 --set limits.auctionBurstPerUser=100000 \
      >>"$LOGS/node$((i + 1)).log" 2>&1 &
    NODE_PIDS+=($!)
    URLS="${URLS:+$URLS,}http://127.0.0.1:${hports[$i]}"
  done
}
await_cluster() {
  local n=$1 url deadline=$((SECONDS + 120))
  for url in ${URLS//,/ }; do
    until curl -sf "$url/health" 2>/dev/null | grep -q "\"clusterSize\":$n"; do
      [ $SECONDS -lt $deadline ] || { log "nodes did not form a cluster of $n; logs in $LOGS"; return 1; }
      sleep 0.2
    done
  done
}
# stop_nodes [KILL]: TERM (a flight recording is written), KILL after 15 s; KILL at once for the restart test.
stop_nodes() {
  local pid deadline=$((SECONDS + 15))
  for pid in "${NODE_PIDS[@]}"; do kill -"${1:-TERM}" "$pid" 2>/dev/null || true; done
  for pid in "${NODE_PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    { wait "$pid"; } 2>/dev/null || true
  done
  NODE_PIDS=()
}

# ---- runs ----------------------------------------------------------------------------------------------------------
json_num() { sed -n "s/.*\"$2\" : \(-\{0,1\}[0-9.]*\).*/\1/p" "$1" | head -n 1; }
label_file() { echo "$OUT/$(echo "$1" | sed 's/[^A-Za-z0-9=.-]\{1,\}/_/g').json"; }
bench() { # label, then BidBench options
  local label=$1; shift
  local pg=()
  [ "$PG_STARTED" = 1 ] && pg=(--pg-pid "$PG_PID")
  timeout $((WARMUP + DURATION + 120)) "${LOADGEN[@]}" java -Xmx1g -cp "$JAR" io.gavel.bench.BidBench \
    --nodes "$URLS" --warmup "$WARMUP" --duration "$DURATION" --out "$OUT" --label "$label" "${pg[@]}" "$@" || true
}
# Fresh nodes pinned to one core need about 45 s of load before the JIT has compiled the bid path (measured here:
# 470 -> 1,100 accepted bids/s with PostgreSQL, 1,450 -> 3,500 in memory): bids for NODE_WARMUP seconds first,
# three quarters spread over many auctions, a quarter on one, not measured.
warm_nodes() {
  [ "$NODE_WARMUP" -gt 0 ] || return 0
  log "warming the nodes up: $NODE_WARMUP s of bids, not measured"
  local many=$((NODE_WARMUP * 3 / 4)) hot=$((NODE_WARMUP - NODE_WARMUP * 3 / 4))
  "${LOADGEN[@]}" java -cp "$JAR" io.gavel.bench.BidBench --nodes "$URLS" --out "$WORK/warm-up" --label warm-many \
    --workload many --auctions "$AUCTIONS" --mode max --concurrency "$C_MANY" --warmup 0 --duration "$many" >/dev/null || true
  "${LOADGEN[@]}" java -cp "$JAR" io.gavel.bench.BidBench --nodes "$URLS" --out "$WORK/warm-up" --label warm-hot \
    --workload hot --mode max --concurrency "$C_HOT" --warmup 0 --duration "$hot" >/dev/null || true
}
half() { awk -v x="${1:-0}" 'BEGIN { r = int(x / 2); print (r < 1 ? 1 : r) }'; }

restart_probe() { # n db label
  local n=$1 db=$2 label=$3 ids=$WORK/open-ids.txt auctions events since
  psql_db "$db" -Atc "select id || ' ' || seq from auctions where status = 'OPEN'" >"$ids"
  auctions=$(wc -l <"$ids")
  events=$(psql_db "$db" -Atc "select count(*) from auction_events")
  log "restart: $label: kill -9 every node, $auctions open auctions, $events events in the log"
  stop_nodes KILL
  since=$(date +%s%3N)
  launch_nodes "$n" "$STORE_URL"
  timeout 200 "${LOADGEN[@]}" java -cp "$JAR" io.gavel.bench.BidBench --probe-ids "$ids" --nodes "$URLS" \
    --since-ms "$since" --probe-timeout 150 --out "$OUT" --label "$label" || true
  f=$(label_file "$label")
  # The log's size goes into the result too (jq, when installed).
  if [ -f "$f" ] && command -v jq >/dev/null; then
    jq --argjson e "$events" '. + {events: $e}' "$f" >"$WORK/probe.json" && mv "$WORK/probe.json" "$f"
  fi
}

log "$(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p')); $PINNED"
log "results in $OUT; node and PostgreSQL logs in $LOGS"
case " $STORES " in *" postgresql "*) start_postgres ;; esac
started=$SECONDS
for n in $NODES_LIST; do
  for store in $STORES; do
    if [ "$store" = postgresql ]; then
      db="gavel_${n}n"
      psql_admin -c "CREATE DATABASE $db OWNER gavel" >/dev/null
      STORE_URL="postgresql://gavel:$PGPASS@127.0.0.1:$PGPORT/$db"
    else
      STORE_URL=memory
    fi
    log "$n node(s), store $store: starting"
    launch_nodes "$n" "$STORE_URL"
    await_cluster "$n"
    warm_nodes
    tag="${n}n $store"
    for w in $WORKLOADS; do
      if [ "$w" = many ]; then c=$C_MANY target=$((TARGET_MANY_PER_NODE * n)) opts=(--auctions "$AUCTIONS"); else
        c=$C_HOT target=$TARGET_HOT opts=(); fi
      bench "$w $tag max C=$c" --workload "$w" "${opts[@]}" --mode max --concurrency "$c"
      if [ "$RATES" = 1 ]; then
        max=$(json_num "$(label_file "$w $tag max C=$c")" acceptedPerSecond)
        bench "$w $tag R=$target" --workload "$w" "${opts[@]}" --mode rate --rate "$target"
        h=$(half "$max")
        bench "$w $tag R=$h (half max)" --workload "$w" "${opts[@]}" --mode rate --rate "$h"
      fi
    done
    if [ "$FANOUT" = 1 ] && [ "$n" = 1 ]; then
      # Fan-out with this store: FanoutBench's scenario "ws 1n C=1000 R=50" against these very nodes.
      timeout $((WARMUP + DURATION + 120)) "${LOADGEN[@]}" java -Xmx2g -cp "$JAR" io.gavel.bench.FanoutBench \
        --nodes "$URLS" --mode ws --clients 1000 --rate 50 --warmup "$WARMUP" --duration "$DURATION" \
        --out "$OUT/fanout" --label "fanout ws 1n $store C=1000 R=50" | tail -n 4 || true
    fi
    if [ "$store" = postgresql ] && [ "$RESTART" = 1 ]; then
      restart_probe "$n" "$db" "restart ${n}n postgresql"
    fi
    stop_nodes
  done
done
log "done in $((SECONDS - started)) s; results in $OUT"
