// Catching up from history under overload (BENCHMARKS.md, issue 12 item 2). Connects N clients of the official
// Vert.x event-bus library (follower.mjs) and optionally P of Gavel's own pages in headless Chromium (pages.mjs) to
// running node(s), on one auction; prints "catchup: ready" once all follow it; waits for a storm of events on it to
// start and end (no new event for --idle-ms); then checks every client against the auction's final state and
// history: its last seq and price equal the auction's, when it got there (ms after the last event's `at`), and
// its applied events are exactly the history, 1..final, nothing missing or duplicated.
// Exit 0 when every client and page converged within --target-ms and misses nothing; 1 otherwise; 2 on bad usage.
//
//   node catchup.mjs --nodes http://127.0.0.1:8080 --auction ID [--clients 200] [--pages 0] [--out FILE.json]
//     [--jitter-ms 500] [--idle-ms 5000] [--min-events 10] [--target-ms 2000] [--max-seconds 900]
//     [--transports websocket,xhr-streaming]
// FanoutBench runs it during its storm: --catchup "node benchmarks/catchup/catchup.mjs --clients 200 --pages 3".
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Follower } from './follower.mjs';
import { openPages, readPage } from './pages.mjs';

const DEFAULTS = { clients: '200', pages: '0', 'jitter-ms': '500', 'idle-ms': '5000', 'min-events': '10',
  'target-ms': '2000', 'max-seconds': '900' };
const KNOWN = new Set([...Object.keys(DEFAULTS), 'nodes', 'auction', 'out', 'transports']);
const GRACE_MS = 10000; // how long past the target a late client is still waited for, to say how late it was

function parse(argv) {
  const o = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!KNOWN.has(key) || argv[i + 1] === undefined) usage(`unknown or incomplete option ${argv[i]}`);
    o[key] = argv[i + 1];
  }
  const n = (k, min, max) => {
    const v = Number(o[k]);
    if (!Number.isInteger(v) || v < min || v > max) usage(`--${k} must be an integer from ${min} to ${max}`);
    return v;
  };
  const nodes = (o.nodes || '').split(',').map((s) => s.trim().replace(/\/+$/, '')).filter(Boolean);
  if (nodes.length === 0 || !nodes.every((u) => /^http:\/\/(127\.\d+\.\d+\.\d+|localhost)(:\d+)?$/.test(u))) {
    usage('--nodes: comma list of loopback http URLs');
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(o.auction || '')) usage('--auction: an auction id');
  return { nodes, auction: o.auction, clients: n('clients', 1, 5000), pages: n('pages', 0, 10),
    jitterMs: n('jitter-ms', 0, 10000), idleMs: n('idle-ms', 500, 60000), minEvents: n('min-events', 1, 1e9),
    targetMs: n('target-ms', 1, 60000), maxSeconds: n('max-seconds', 10, 3600), out: o.out,
    transports: o.transports ? o.transports.split(',') : undefined };
}

function usage(why) {
  console.error(`catchup: ${why}\nusage: node catchup.mjs --nodes URL[,URL] --auction ID [--clients 200] [--pages 0]`
    + ' [--out FILE] [--jitter-ms 500] [--idle-ms 5000] [--min-events 10] [--target-ms 2000] [--max-seconds 900]'
    + ' [--transports LIST]');
  process.exit(2);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...args) => console.log('catchup:', ...args);

async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

async function history(node, id) {
  const events = [];
  for (;;) {
    const page = await getJson(`${node}/api/auctions/${id}/events?after=${events.length ? events.at(-1).seq : 0}`);
    events.push(...page);
    if (page.length < 1000) return events;
  }
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p / 100) - 1)] : null;
}

/** Waits for the storm: at least minEvents new events, then none for idleMs. */
async function awaitStorm(opts, auctionUrl, startSeq, followers) {
  const deadline = Date.now() + opts.maxSeconds * 1000;
  let seq = startSeq;
  let changedAt = Date.now();
  let reported = Date.now();
  while (Date.now() < deadline) {
    await sleep(200);
    const now = (await getJson(auctionUrl)).seq;
    if (now !== seq) { seq = now; changedAt = Date.now(); }
    if (Date.now() - reported >= 5000) {
      reported = Date.now();
      const gaps = followers.reduce((s, f) => s + f.stats.gaps, 0);
      const behind = followers.filter((f) => f.lastSeq < seq).length;
      log(`seq ${seq}; ${gaps} gaps seen so far; ${behind} of ${followers.length} clients behind it right now`);
    }
    if (seq - startSeq >= opts.minEvents && Date.now() - changedAt >= opts.idleMs) return;
  }
  throw new Error(`no storm of ${opts.minEvents} events that ended within ${opts.maxSeconds} s (seq ${seq})`);
}

/** One client's figures against the auction's final state and history. */
function judge(f, events, final, lastAt, opts) {
  const exact = f.applied.length === events.length && f.applied.every(([seq, type, amount], i) =>
    seq === events[i].seq && type === events[i].type && amount === (events[i].amount ?? null));
  const converged = f.lastSeq === final.seq && f.amount === final.currentPrice;
  const convergedMs = converged ? Math.max(0, f.lastAppliedAt - lastAt) : null;
  return { ...f.stats, lastSeq: f.lastSeq, amount: f.amount, applied: f.applied.length, exact,
    missing: Math.max(0, final.seq - new Set(f.applied.map((a) => a[0])).size),
    converged, convergedMs, convergedInTime: converged && convergedMs <= opts.targetMs };
}

function judgePage(shown, events, final, lastAt, opts) {
  const exact = shown.seqs.length === events.length && shown.seqs.every((seq, i) => seq === events[i].seq);
  const finalLine = shown.added.find(([seq]) => seq === final.seq);
  const converged = shown.seqs.at(-1) === final.seq && shown.priceMinorUnits === final.currentPrice;
  const convergedMs = converged && finalLine ? Math.max(0, finalLine[1] - lastAt) : null;
  return { node: shown.node, lastSeq: shown.seqs.at(-1) ?? 0, price: shown.price, lines: shown.seqs.length, exact,
    missing: Math.max(0, final.seq - new Set(shown.seqs).size), historyFetches: shown.historyFetches,
    connection: shown.connection, errors: shown.errors.slice(0, 5), converged, convergedMs,
    convergedInTime: converged && convergedMs !== null && convergedMs <= opts.targetMs };
}

function summarise(list) {
  const times = list.filter((c) => c.converged).map((c) => c.convergedMs).sort((a, b) => a - b);
  return { count: list.length, converged: times.length, convergedInTime: list.filter((c) => c.convergedInTime).length,
    exact: list.filter((c) => c.exact).length, missingSeqs: list.reduce((s, c) => s + c.missing, 0),
    convergedMsP50: percentile(times, 50), convergedMsP99: percentile(times, 99), convergedMsMax: times.at(-1) ?? null };
}

async function main() {
  const opts = parse(process.argv.slice(2));
  const auctionUrl = `${opts.nodes[0]}/api/auctions/${opts.auction}`;
  const startSeq = (await getJson(auctionUrl)).seq;
  const followers = [];
  for (let i = 0; i < opts.clients; i += 20) {
    const batch = [];
    for (let j = i; j < Math.min(opts.clients, i + 20); j++) {
      const f = new Follower(opts.nodes[j % opts.nodes.length], opts.auction,
        { jitterMs: opts.jitterMs, transports: opts.transports });
      followers.push(f);
      batch.push(Promise.race([f.connect(), sleep(30000).then(() => { throw new Error('client did not open'); })]));
    }
    await Promise.all(batch);
  }
  const browser = await openPages(opts.pages, opts.nodes, opts.auction);
  log(`ready: ${opts.clients} clients and ${opts.pages} pages follow auction.${opts.auction} at seq ${startSeq}`);
  try {
    await awaitStorm(opts, auctionUrl, startSeq, followers);
    const final = await getJson(auctionUrl);
    const events = await history(opts.nodes[0], opts.auction);
    const lastAt = events.at(-1).at;
    // Late clients get a bounded grace, to tell "late" from "never".
    const caughtUp = () => followers.every((f) => f.lastSeq === final.seq);
    while (!caughtUp() && Date.now() < lastAt + opts.targetMs + GRACE_MS) await sleep(50);
    const pagesShown = [];
    for (const p of browser.pages) pagesShown.push(await readPage(p));
    const clients = followers.map((f) => judge(f, events, final, lastAt, opts));
    const pages = pagesShown.map((shown) => judgePage(shown, events, final, lastAt, opts));
    const sum = (k) => clients.reduce((s, c) => s + c[k], 0);
    const result = {
      date: new Date().toISOString().slice(0, 10), nodes: opts.nodes, auction: opts.auction,
      options: { clients: opts.clients, pages: opts.pages, jitterMs: opts.jitterMs, idleMs: opts.idleMs,
        targetMs: opts.targetMs, transports: opts.transports ?? 'sockjs-client default (websocket first)' },
      final: { seq: final.seq, currentPrice: final.currentPrice, events: events.length, eventsDuringRun:
        final.seq - startSeq, lastEventAt: lastAt },
      clientsSummary: { ...summarise(clients), withGaps: clients.filter((c) => c.gaps > 0).length, gaps: sum('gaps'),
        pushed: sum('pushed'), pushedApplied: sum('pushedApplied'), fetched: sum('fetched'),
        duplicates: sum('duplicates'), fetchRequests: sum('fetchRequests'), fetchErrors: sum('fetchErrors'),
        reconnects: sum('opens') - clients.length },
      pagesSummary: summarise(pages),
      pages,
      clients,
    };
    if (opts.out) {
      mkdirSync(path.dirname(opts.out), { recursive: true });
      writeFileSync(opts.out, JSON.stringify(result, null, 1));
    }
    report(result);
    const ok = (s) => s.convergedInTime === s.count && s.exact === s.count && s.missingSeqs === 0;
    return ok(result.clientsSummary) && ok(result.pagesSummary) ? 0 : 1;
  } finally {
    followers.forEach((f) => f.close());
    await browser.close();
  }
}

function report(r) {
  const c = r.clientsSummary;
  const p = r.pagesSummary;
  log(`final seq ${r.final.seq}, price ${r.final.currentPrice}; ${r.final.eventsDuringRun} events during the run`);
  log(`clients ${c.count}: ${c.withGaps} saw gaps (${c.gaps} in all), pushed ${c.pushed} (${c.duplicates} duplicates),`
    + ` fetched from history ${c.fetched} in ${c.fetchRequests} requests (${c.fetchErrors} failed),`
    + ` reconnects ${c.reconnects}`);
  log(`clients converged ${c.converged} of ${c.count}, ${c.convergedInTime} within ${r.options.targetMs} ms`
    + ` (p50 ${c.convergedMsP50} / p99 ${c.convergedMsP99} / max ${c.convergedMsMax} ms after the last event);`
    + ` exactly 1..final: ${c.exact}; missing seqs ${c.missingSeqs}`);
  if (p.count) {
    log(`pages converged ${p.converged} of ${p.count}, ${p.convergedInTime} within ${r.options.targetMs} ms`
      + ` (max ${p.convergedMsMax} ms); history exactly 1..final: ${p.exact}; missing seqs ${p.missingSeqs};`
      + ` history fetches ${r.pages.map((x) => x.historyFetches).join(', ')}`);
  }
}

main().then((code) => process.exit(code), (e) => { console.error('catchup: failed:', e.message); process.exit(1); });
