// Load generator for the Socket.IO peer: the same run as Gavel's FanoutBench (io.gavel.bench.FanoutBench), with
// socket.io-client. Starts server.js (pinned with taskset to --node-cpus when given), connects C clients over
// WebSocket, each in the room of one auction, then bids at R per second from one more connection: one event that
// must reach every client, --warmup s of the same load not measured, then --duration s measured and a drain of at
// most 10 s. Latency = receipt time - the event's `at` (same clock, ms), for every delivery, in an HdrHistogram
// (3 significant digits, as FanoutBench). Server CPU and RSS from /proc/<pid>. Writes one JSON per run in the shape
// of FanoutBench's (so tables merge) to --out and prints a summary. Loopback only; bounded in time; stops itself.
// --nodes N (N > 1): starts a Redis server of its own (redis-server from PATH, 127.0.0.1, a free port, no
// persistence) and N servers joined through the official Redis adapter; clients are spread round-robin over the
// servers and bids go to the first, as FanoutBench does with Gavel nodes. Redis is pinned with the servers, stopped
// at the end, and its CPU counts as server CPU (it is part of that cluster, as Hazelcast is part of Gavel's nodes).
//
//   taskset -c 0 node bench.js --clients 1000 --rate 50 --duration 15 --warmup 5 --node-cpus 1 --out DIR
//   taskset -c 0 node bench.js --nodes 3 --clients 1000 --rate 50 --duration 15 --warmup 30 --node-cpus 1 --out DIR
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import * as hdr from 'hdr-histogram-js';

const DRAIN_MS = 10_000;
const CONNECT_CONCURRENCY = 256;
const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const o = {
  clients: Number(args.clients ?? 1000),
  rate: Number(args.rate ?? 50),
  duration: Number(args.duration ?? 15),
  warmup: Number(args.warmup ?? 5),
  nodeCpus: args['node-cpus'],
  nodes: Number(args.nodes ?? 1),
  out: args.out ?? 'target/bench',
};
if (!(o.clients >= 1 && o.clients <= 50_000 && o.rate > 0 && o.duration >= 1 && o.duration <= 600
    && o.warmup >= 0 && o.warmup <= 120 && Number.isInteger(o.nodes) && o.nodes >= 1 && o.nodes <= 8)
    || (o.nodeCpus !== undefined && !/^[0-9]+([-,][0-9]+)*$/.test(o.nodeCpus))) {
  console.error('usage: node bench.js --clients C (1..50000) --rate R --duration D (1..600 s) [--warmup S (5)] '
    + '[--nodes N (1..8; N > 1: Redis adapter)] [--node-cpus LIST (taskset)] [--label L] [--out dir]');
  process.exit(2);
}
o.label = args.label ?? `socketio ${o.nodes}n C=${o.clients} R=${Math.trunc(o.rate)}`;
// Servers (and Redis) this run started: stopped whatever way it ends, the watchdog's exit included.
const children = [];
process.on('exit', () => children.forEach((child) => child.kill('SIGTERM')));
// Whatever happens, this process ends: the run's own length plus generous bounds for connecting and draining.
const watchdog = setTimeout(() => {
  console.error('socketio bench: overall time limit reached');
  process.exit(4);
}, (o.warmup + o.duration + 180) * 1000);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (v) => Math.round(v * 10) / 10;
const auctionId = 'sio' + Math.random().toString(36).slice(2, 11).padEnd(9, '0');
const latencies = hdr.build({ numberOfSignificantValueDigits: 3 });
let received = 0;
let measureFromSeq = Number.MAX_SAFE_INTEGER;
let amount = 1000;

function procStats(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const cpus = /Cpus_allowed_list:\s+(\S+)/.exec(status)?.[1] ?? '?';
    // utime + stime, in USER_HZ ticks (100 per second on Linux)
    return { ticks: Number(fields[11]) + Number(fields[12]), rssKb: rss, cpus };
  } catch {
    return { ticks: 0, rssKb: 0, cpus: '?' };
  }
}
const cpuPercent = (a, b, seconds) => 100 * (b.ticks - a.ticks) / 100 / seconds;

/** Spawns a command (pinned to --node-cpus when given) and resolves once a line of its stdout matches `ready`. */
function launch(command, ready, what) {
  // taskset execs the command: the pid stays the server's own, for the CPU and memory figures.
  const full = o.nodeCpus === undefined ? command : ['taskset', '-c', o.nodeCpus, ...command];
  const child = spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 30 s`)), 30_000);
    child.on('exit', (code) => reject(new Error(`${what} exited (${code})`)));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = ready(line);
      if (match !== undefined) {
        clearTimeout(timer);
        lines.removeAllListeners('line');
        child.stdout.resume(); // keep draining what it logs later
        resolve({ child, port: match });
      }
    });
  });
}

function startServer(redisUrl) {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'server.js');
  const command = [process.execPath, script, '--max-seconds', String(o.warmup + o.duration + 240),
    ...(redisUrl ? ['--redis', redisUrl] : [])];
  const listening = (line) => {
    try {
      return JSON.parse(line).listening;
    } catch {
      return undefined; // a log line, not the one that says it serves
    }
  };
  return launch(command, listening, 'server');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** A Redis of this run's own: loopback, a free port, no RDB snapshots, no AOF. */
async function startRedis() {
  const port = await freePort();
  const command = ['redis-server', '--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no',
    '--protected-mode', 'yes', '--daemonize', 'no', '--loglevel', 'notice'];
  const started = await launch(command, (line) => (/Ready to accept connections/.test(line) ? port : undefined),
    'redis-server');
  const version = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? '?';
  return { ...started, version };
}

/** Stops the servers first (so that none sees Redis vanish under it), then Redis; each within 5 s or SIGKILL. */
async function stopAll(servers, redis) {
  const stop = (child) => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
  await Promise.all(servers.map(stop));
  if (redis) {
    await stop(redis);
  }
}

function connect(url, onEvent) {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 30_000 });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
    if (onEvent) {
      socket.on('event', onEvent);
    }
  });
}

function onEvent(event) {
  if (event.type !== 'bid.accepted') {
    return;
  }
  if (event.seq > measureFromSeq) {
    latencies.recordValue(Math.max(0, Date.now() - event.at));
  }
  // Before the measured window this counts the warm-up event's arrivals; in it, the measured deliveries.
  if (event.seq > measureFromSeq || measureFromSeq === Number.MAX_SAFE_INTEGER) {
    received += 1;
  }
}

async function waitFor(condition, ms) {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) {
    await sleep(20); // polling a counter the socket handlers update
  }
}

/** Bids at the rate for the given seconds, then waits (bounded) until every bid sent was answered. */
async function bidAtRate(source, seconds) {
  const total = Math.floor(o.rate * seconds);
  let sent = 0;
  let answered = 0;
  const start = performance.now();
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor((performance.now() - start) / 1000 * o.rate)) - sent;
    for (let i = 0; i < due; i++) {
      sent += 1;
      source.emit('bid', { auctionId, amount: ++amount, bidder: 'alice' }, () => { answered += 1; });
    }
  }, 2);
  await sleep(seconds * 1000 + 200);
  clearInterval(timer);
  await waitFor(() => answered >= sent, 60_000);
}

async function main() {
  const redis = o.nodes > 1 ? await startRedis() : undefined;
  const servers = [];
  for (let i = 0; i < o.nodes; i++) {
    servers.push(await startServer(redis && `redis://127.0.0.1:${redis.port}`));
  }
  const pids = servers.map((server) => server.child.pid);
  const urls = servers.map((server) => `http://127.0.0.1:${server.port}`);
  const url = urls[0];
  const all = (stats) => pids.map((pid) => stats(pid));
  const sockets = [];
  try {
    const before = all(procStats);
    const connectStart = performance.now();
    let failures = 0;
    for (let from = 0; from < o.clients; from += CONNECT_CONCURRENCY) {
      const batch = [];
      for (let i = from; i < Math.min(o.clients, from + CONNECT_CONCURRENCY); i++) {
        batch.push(connect(urls[i % urls.length], onEvent).then(async (socket) => {
          sockets.push(socket);
          await socket.timeout(30_000).emitWithAck('join', auctionId);
        }).catch(() => { failures += 1; }));
      }
      await Promise.all(batch);
    }
    if (failures > 0) {
      console.error(`${failures} clients failed to connect`);
    }
    const connectSeconds = (performance.now() - connectStart) / 1000;
    const afterConnect = all(procStats);
    const source = await connect(url);
    sockets.push(source);
    const stats = () => source.timeout(60_000).emitWithAck('stats', auctionId);

    // Warm-up: one event must reach every client; then the same load, unmeasured.
    await source.timeout(30_000).emitWithAck('bid', { auctionId, amount: ++amount, bidder: 'alice' });
    await waitFor(() => received >= o.clients, 30_000);
    const ready = received;
    const rssPeakKb = all(procStats).map((stats) => stats.rssKb);
    const rssSampler = setInterval(() => all(procStats).forEach((stats, i) => {
      rssPeakKb[i] = Math.max(rssPeakKb[i], stats.rssKb);
    }), 1000);
    if (o.warmup > 0) {
      await bidAtRate(source, o.warmup);
    }
    measureFromSeq = (await stats()).seq;
    await sleep(500); // the warm-up's last deliveries, which are not counted
    received = 0;

    const measureStart = all(procStats);
    const redisStart = redis && procStats(redis.child.pid);
    const loadgenStart = process.cpuUsage();
    const start = performance.now();
    await bidAtRate(source, o.duration);
    const events = (await stats()).seq - measureFromSeq;
    const window = Math.max(o.duration, (performance.now() - start) / 1000);
    const expected = events * o.clients;
    await waitFor(() => received >= expected, DRAIN_MS);
    const seconds = (performance.now() - start) / 1000;
    const end = all(procStats);
    const redisEnd = redis && procStats(redis.child.pid);
    const loadgen = process.cpuUsage(loadgenStart);
    clearInterval(rssSampler);
    end.forEach((stats, i) => { rssPeakKb[i] = Math.max(rssPeakKb[i], stats.rssKb); });

    const got = received;
    const nodeCpu = end.map((stats, i) => cpuPercent(measureStart[i], stats, seconds));
    const redisCpu = redis ? cpuPercent(redisStart, redisEnd, seconds) : 0;
    const cpu = nodeCpu.reduce((sum, c) => sum + c, 0) + redisCpu;
    const serverCpuSeconds = cpu / 100 * seconds;
    const result = {
      label: o.label,
      mode: 'socketio',
      nodes: o.nodes,
      clients: o.clients,
      rate: o.rate,
      durationSeconds: o.duration,
      warmupSeconds: o.warmup,
      date: new Date().toISOString().slice(0, 10),
      machine: `${availableParallelism()} cores usable by the load generator (cpus ${procStats(process.pid).cpus}); `
        + `servers on cpus ${end[0].cpus}; one host, loopback; Node ${process.version}, socket.io 4.8.4`
        + (redis ? `, @socket.io/redis-adapter 8.3.0, redis 4.7.1, Redis server ${redis.version}` : ''),
      clientsReady: ready,
      connectSeconds: round(connectSeconds),
      clusterRegistrations: -1,
      events,
      expected,
      received: got,
      lost: Math.max(0, expected - got),
      windowSeconds: round(window),
      eventsPerSecond: round(events / window),
      deliveriesPerSecond: round(got / window),
      p50Ms: latencies.getValueAtPercentile(50),
      p99Ms: latencies.getValueAtPercentile(99),
      p999Ms: latencies.getValueAtPercentile(99.9),
      maxMs: latencies.maxValue,
      serverCpuPercent: round(cpu),
      serverCpuMicrosPerDelivery: got === 0 ? 0 : round(serverCpuSeconds * 1e6 / got),
      deliveriesPerServerCpuSecond: serverCpuSeconds === 0 ? 0 : Math.round(got / serverCpuSeconds),
      loadGeneratorCpuPercent: round((loadgen.user + loadgen.system) / 1e6 / seconds * 100),
      healthyClients: o.clients,
      hungClients: 0,
      perNode: end.map((stats, i) => ({
        url: urls[i],
        cpus: stats.cpus,
        cpuPercent: round(nodeCpu[i]),
        rssMbBefore: Math.floor(before[i].rssKb / 1024),
        rssMbConnected: Math.floor(afterConnect[i].rssKb / 1024),
        rssMbEnd: Math.floor(stats.rssKb / 1024),
        rssKbPerConnection: round((afterConnect[i].rssKb - before[i].rssKb)
          / (Math.floor(o.clients / o.nodes) + (i < o.clients % o.nodes ? 1 : 0))),
        memory: { rssMbBefore: round(afterConnect[i].rssKb / 1024), rssMbPeak: round(rssPeakKb[i] / 1024),
          rssMbAfter: round(stats.rssKb / 1024) },
      })),
      ...(redis ? { redis: { cpus: redisEnd.cpus, cpuPercent: round(redisCpu), rssMbEnd: round(redisEnd.rssKb / 1024),
        version: redis.version } } : {}),
    };
    mkdirSync(o.out, { recursive: true });
    writeFileSync(join(o.out, `${o.label.replace(/[^A-Za-z0-9=.-]+/g, '_')}.json`), JSON.stringify(result, null, 2));
    console.log(`${result.label}: ${result.eventsPerSecond} events/s, expected ${expected}, lost ${result.lost}, `
      + `p50/p99/p99.9/max ${result.p50Ms}/${result.p99Ms}/${result.p999Ms}/${result.maxMs} ms, `
      + `${result.deliveriesPerSecond} deliveries/s, server CPU ${result.serverCpuPercent}% `
      + (o.nodes > 1 ? `(${result.perNode.map((p) => p.cpuPercent).join(' / ')} + Redis ${round(redisCpu)}) ` : '')
      + `(${result.deliveriesPerServerCpuSecond} deliveries per server CPU-second), `
      + `load generator CPU ${result.loadGeneratorCpuPercent}%, connect ${result.connectSeconds} s`);
    console.log(`  ${result.machine}`);
    return result.lost === 0 ? 0 : 3;
  } finally {
    sockets.forEach((s) => s.disconnect());
    await stopAll(servers.map((server) => server.child), redis?.child);
  }
}

main().then((code) => {
  clearTimeout(watchdog);
  process.exit(code);
}, (error) => {
  console.error('socketio bench failed:', error.message);
  process.exit(1);
});
