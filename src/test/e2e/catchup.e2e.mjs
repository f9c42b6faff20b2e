// Browser test of the page's gap fetching, in Debian's headless Chromium (playwright-core, no download).
// Usage: node catchup.e2e.mjs <node url>
// A node that conflates under overload sends a page the newest event of an auction and skips the ones before it;
// the page fetches the gap from the history. Here the page's bridge WebSocket is relayed through Playwright, which
// leaves out the pushes of chosen seqs as such a node would, and the page's history fetch answers slowly: a second
// gap is pushed while it is in flight, newer than what it returns, and its answer comes after the page's own random
// wait before fetching (0-500 ms) is over. The page must still end on the auction's last event, every seq once,
// without a further event to wake it.
import { launch } from './browser.mjs';
import assert from 'node:assert/strict';

const [node] = process.argv.slice(2);
const log = (...args) => console.log('[catchup]', ...args);

async function api(path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const response = await fetch(node + path, body ? { method: 'POST', headers, body: JSON.stringify(body) } : {});
  assert.ok(response.ok, `${path}: ${response.status}`);
  return response.json();
}

/** Resolves when called: a condition one side of the test waits for and the other announces. */
function signal() {
  let fire;
  const fired = new Promise((resolve) => { fire = resolve; });
  return { fired, fire };
}

const { token } = await api('/api/login', { user: 'alice', password: 'gavel-demo' });
const lot = await api('/api/auctions', { title: 'Catch-up lot', currency: 'EUR', startingPrice: 1000,
  minIncrement: 100, durationSeconds: 600 }, token);
const bid = (amount) => api(`/api/auctions/${lot.id}/bids`, { amount }, token);

const browser = await launch();
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const skip = new Set();
  const relayed = new Map(); // seq -> signal, fired once the push of that seq reached the page
  const relayedSeq = (seq) => { if (!relayed.has(seq)) relayed.set(seq, signal()); return relayed.get(seq); };
  await page.routeWebSocket(/\/eventbus\/.+\/websocket$/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((message) => {
      // SockJS frames: "a" + a JSON array of bridge messages; others (open, heartbeat) pass as they are.
      if (typeof message !== 'string' || !message.startsWith('a')) { ws.send(message); return; }
      const seqOf = (frame) => { const m = JSON.parse(frame); return m.body && m.body.seq; };
      const kept = JSON.parse(message.slice(1)).filter((frame) => !skip.has(seqOf(frame)));
      if (kept.length) ws.send('a' + JSON.stringify(kept));
      kept.forEach((frame) => relayedSeq(seqOf(frame)).fire());
    });
  });
  // The first history fetch after seq 3 was pushed is answered only once `held.release` fires.
  const held = { armed: false, fetched: signal(), release: signal() };
  relayedSeq(3).fired.then(() => { held.armed = true; });
  await page.route(/\/events\?after=/, async (route) => {
    const hold = held.armed;
    held.armed = false;
    const response = await route.fetch(); // read now: the answer is the history as it is at this moment
    if (hold) {
      held.fetched.fire();
      await held.release.fired;
    }
    await route.fulfill({ response });
  });

  await page.goto(`${node}/#${lot.id}`);
  await page.waitForSelector('#connection[data-state="connected"]', { timeout: 15000 });
  await page.waitForSelector('#a-history li[data-seq="1"]');

  // seq 2 is skipped, seq 3 pushed: a gap, which the page fetches; that fetch reads the history at seq 3 and is held.
  skip.add(2);
  skip.add(4);
  await bid(1100);
  await bid(1200);
  await held.fetched.fired;
  // While it is held, seq 4 is skipped and seq 5 pushed: a gap beyond what the held fetch returns.
  await bid(1300);
  await bid(1400);
  await relayedSeq(5).fired;
  // A slow answer: it arrives after the page's random wait (at most 500 ms) for fetching the second gap is over.
  setTimeout(held.release.fire, 700);

  await page.waitForFunction(() => document.querySelector('#a-history li')?.dataset.seq === '5', null,
    { timeout: 5000 }).catch(() => {});
  const shown = await page.evaluate(() => ({
    seqs: [...document.querySelectorAll('#a-history li')].map((li) => Number(li.dataset.seq)).reverse(),
    price: document.getElementById('a-price').textContent,
  }));
  log('history shown', JSON.stringify(shown.seqs), 'price', shown.price);
  assert.deepEqual(shown.seqs, [1, 2, 3, 4, 5], 'every event once, in order, up to the last one');
  assert.equal(shown.price.replace(/\D/g, ''), '1400', 'the last bid is the price shown');
  assert.deepEqual(errors, []);
  log('passed');
} finally {
  await browser.close();
}
