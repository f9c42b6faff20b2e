// Markdown tables from fan-out results (the JSON files FanoutBench and benchmarks/peers/socketio/bench.js write).
//   node benchmarks/tables.mjs compare DIR   Gavel (ws), raw Vert.x (raw) and Socket.IO side by side per (clients, rate)
//   node benchmarks/tables.mjs nodes DIR     multi-node runs (Gavel, Socket.IO + Redis), one row each, CPU per server
//   node benchmarks/tables.mjs hung DIR      healthy clients' figures and node memory, with and without hung clients
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [kind, dir] = process.argv.slice(2);
if (!['compare', 'hung', 'nodes'].includes(kind) || !dir) {
  console.error('usage: node benchmarks/tables.mjs compare|hung|nodes DIR');
  process.exit(2);
}
const runs = readdirSync(dir).filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
const n = (v, digits = 0) => (v === undefined || v === null ? '–'
  : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const row = (cells) => `| ${cells.join(' | ')} |`;
const header = (cells) => [row(cells), row(cells.map(() => '---'))].join('\n');
const SERVERS = [['ws', 'Gavel (bridge)'], ['raw', 'raw Vert.x'], ['socketio', 'Socket.IO 4']];

function compare() {
  const pairs = [...new Set(runs.map((r) => `${r.clients}:${r.rate}`))]
    .sort((a, b) => a.split(':')[0] - b.split(':')[0] || a.split(':')[1] - b.split(':')[1]);
  const find = (pair, mode) => runs.find((r) => `${r.clients}:${r.rate}` === pair && r.mode === mode
    && !(r.hungClients > 0));
  const lines = [header(['C × R', 'server', 'events/s', 'deliveries/s', 'lost', 'p50 / p99 / p99.9 / max ms',
    'server CPU %', 'server CPU µs/delivery', 'deliveries per server CPU-second', 'load gen CPU %', 'date'])];
  for (const pair of pairs) {
    for (const [mode, name] of SERVERS) {
      const r = find(pair, mode);
      if (r) {
        lines.push(row([pair.replace(':', ' × '), name, n(r.eventsPerSecond), n(r.deliveriesPerSecond), n(r.lost),
          `${r.p50Ms} / ${r.p99Ms} / ${r.p999Ms} / ${r.maxMs}`,
          n(r.serverCpuPercent ?? r.perNode.reduce((s, p) => s + p.cpuPercent, 0)),
          n(r.serverCpuMicrosPerDelivery, 1), n(r.deliveriesPerServerCpuSecond), n(r.loadGeneratorCpuPercent),
          r.date]));
      }
    }
  }
  lines.push('', header(['C × R', 'deliveries per server CPU-second: Gavel / raw / Socket.IO',
    'Gavel ÷ Socket.IO (target ≥ 2×)', 'Gavel ÷ raw (target ≥ 90 %)']));
  for (const pair of pairs) {
    const [g, raw, sio] = SERVERS.map(([mode]) => find(pair, mode)?.deliveriesPerServerCpuSecond);
    lines.push(row([pair.replace(':', ' × '), `${n(g)} / ${n(raw)} / ${n(sio)}`,
      g && sio ? `${n(g / sio, 2)}× ${g / sio >= 2 ? '(met)' : '(not met)'}` : '–',
      g && raw ? `${n(100 * g / raw)} % ${g / raw >= 0.9 ? '(met)' : '(not met)'}` : '–']));
  }
  return lines.join('\n');
}

function hung() {
  const mb = (m, name) => (m && m[`${name}Before`] !== undefined
    ? `${n(m[`${name}Before`], 1)} / ${n(m[`${name}Peak`], 1)} / ${n(m[`${name}After`], 1)}` : '–');
  const sorted = [...runs].filter((r) => r.mode === 'ws').sort((a, b) => (a.hungClients ?? 0) - (b.hungClients ?? 0));
  const lines = [header(['run', 'healthy clients', 'hung clients', 'expected (healthy)', 'lost', 'p50 / p99 / p99.9 / max ms',
    'deliveries/s', 'hung closed by the server', 'slow-consumer closes (node)', 'heap MB before / peak / after',
    'direct MB', 'RSS MB', 'kernel send queues MB', 'node CPU %'])];
  for (const r of sorted) {
    const m = r.perNode[0].memory;
    lines.push(row([r.label, n(r.healthyClients ?? r.clients), n(r.hungClients ?? 0), n(r.expected), n(r.lost),
      `${r.p50Ms} / ${r.p99Ms} / ${r.p999Ms} / ${r.maxMs}`, n(r.deliveriesPerSecond),
      r.hungClients > 0 ? `${n(r.hungClosedByServer)}${r.hungClosedWithinSeconds ? ` (last after ${r.hungClosedWithinSeconds} s)` : ''}` : '–',
      n(r.slowConsumersClosed), mb(m, 'heapMb'), mb(m, 'directMb'), mb(m, 'rssMb'), mb(m, 'kernelSendQueueMb'),
      n(r.serverCpuPercent)]));
  }
  const base = sorted.find((r) => !(r.hungClients > 0));
  for (const r of sorted.filter((x) => x.hungClients > 0 && base && x.clients === base.clients)) {
    const change = 100 * (r.p99Ms - base.p99Ms) / base.p99Ms;
    lines.push('', `Healthy p99 with ${r.hungClients} hung clients: ${r.p99Ms} ms against ${base.p99Ms} ms without `
      + `(${change >= 0 ? '+' : ''}${n(change)} %; target: within 20 %: ${change <= 20 ? 'met' : 'not met'}).`);
  }
  return lines.join('\n');
}

// Per run: the servers' CPU one by one (node 1 takes the bids), Redis's for Socket.IO, and CPU per delivery over all.
function nodes() {
  const name = (r) => (r.mode === 'ws' ? 'Gavel (bridge)' : r.redis ? 'Socket.IO 4 + Redis' : 'Socket.IO 4');
  const sorted = [...runs].sort((a, b) => a.clients - b.clients || a.rate - b.rate
    || a.label.replace(/^\S+/, '').localeCompare(b.label.replace(/^\S+/, ''))
    || SERVERS.findIndex(([m]) => m === a.mode) - SERVERS.findIndex(([m]) => m === b.mode));
  const lines = [header(['run', 'server', 'events/s', 'deliveries/s', 'lost', 'p50 / p99 / p99.9 / max ms',
    'server CPU % per node (node 1 takes the bids)', 'Redis CPU %', 'server CPU % total',
    'server CPU µs/delivery', 'load gen CPU %', 'servers on cpus'])];
  for (const r of sorted) {
    lines.push(row([r.label, name(r), n(r.eventsPerSecond), n(r.deliveriesPerSecond), n(r.lost),
      `${r.p50Ms} / ${r.p99Ms} / ${r.p999Ms} / ${r.maxMs}`, r.perNode.map((p) => n(p.cpuPercent)).join(' / '),
      r.redis ? n(r.redis.cpuPercent, 1) : '–', n(r.serverCpuPercent), n(r.serverCpuMicrosPerDelivery, 1),
      n(r.loadGeneratorCpuPercent), r.perNode[0].cpus]));
  }
  return lines.join('\n');
}

console.log({ compare, hung, nodes }[kind]());
