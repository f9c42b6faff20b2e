// Browser end-to-end test of Gavel's page in Debian's headless Chromium (playwright-core, no browser download).
// Usage: node page.e2e.mjs <node1 url> <node2 url> <node1 pid> <screenshot dir>
// Two pages on two different nodes: one logs in and bids, the other shows the new price, leader and history; the
// countdown and the closed state render; then node1 is killed and its page reconnects to node2 and catches up.
import { launch } from './browser.mjs';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';

const [node1, node2, node1Pid, shots] = process.argv.slice(2);
const log = (...args) => console.log('[e2e]', ...args);

async function api(base, path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const response = await fetch(base + path, body ? { method: 'POST', headers, body: JSON.stringify(body) } : {});
  assert.ok(response.ok, `${path}: ${response.status}`);
  return response.json();
}

const { token: alice } = await api(node1, '/api/login', { user: 'alice', password: 'gavel-demo' });
const { token: bob } = await api(node2, '/api/login', { user: 'bob', password: 'gavel-demo' });
const lot = await api(node1, '/api/auctions', { title: 'Gramophone', currency: 'EUR', startingPrice: 5000,
  minIncrement: 100, durationSeconds: 600 }, alice);
const quick = await api(node1, '/api/auctions', { title: 'Quick lot', currency: 'EUR', startingPrice: 100,
  minIncrement: 10, durationSeconds: 4 }, alice);

const browser = await launch();
try {
  // Page A is served by node1 and may fail over to node2; page B is served by node2.
  const a = await browser.newPage();
  const b = await browser.newPage();
  const errors = [];
  // Until node1 is killed (then failed connections are logged, as they should be), the console stays clean.
  const consoleErrors = [];
  const watch = (page) => {
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) errors.push(m.text());
      if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`);
    });
  };
  for (const page of [a, b]) watch(page);
  await a.goto(`${node1}/?nodes=${node1},${node2}#${lot.id}`);
  await b.goto(`${node2}/#${lot.id}`);
  for (const page of [a, b]) {
    await page.waitForSelector('#connection[data-state="connected"]', { timeout: 15000 });
    await page.waitForFunction(() => document.querySelector('#a-title').textContent === 'Gramophone');
  }
  assert.match(await b.textContent('#a-countdown'), /^\d\d:\d\d:\d\d$/, 'the countdown renders');

  await a.fill('#login-user', 'carol');
  await a.fill('#login-password', 'gavel-demo');
  await a.click('#login-form button');
  await a.waitForSelector('#bid-form:not([hidden])');
  await a.fill('#bid-amount', '50.00');
  const clicked = Date.now();
  await a.click('#bid-form button');
  await b.waitForFunction(() => document.querySelector('#a-leader').textContent === 'carol', null, { timeout: 1000 });
  const shownAfter = Date.now() - clicked;
  assert.match(await b.textContent('#a-price'), /50[.,]00/, 'the new price shows on the other node');
  assert.match(await b.textContent('#a-history'), /carol bid/, 'the history shows the bid');
  log(`bid on node1's page shown on node2's page after ${shownAfter} ms`);

  // The closed state.
  const c = await browser.newPage();
  watch(c);
  await c.goto(`${node2}/#${quick.id}`);
  await c.waitForSelector('#connection[data-state="connected"]');
  await c.waitForFunction(() => document.querySelector('#a-status').dataset.status === 'CLOSED', null,
    { timeout: 15000 });
  assert.match(await c.textContent('#a-status'), /closed/);
  assert.equal(await c.textContent('#a-countdown'), 'ended');

  mkdirSync(shots, { recursive: true });
  await b.screenshot({ path: `${shots}/page-node2.png`, fullPage: true });

  assert.deepEqual(consoleErrors, [], 'no console errors before the failover');
  // node1 dies: page A says it is reconnecting, moves to node2, and shows what happened meanwhile.
  process.kill(Number(node1Pid), 'SIGKILL');
  await a.waitForSelector('#connection[data-state="reconnecting"]', { timeout: 15000 });
  const lost = Date.now();
  const next = await api(node2, `/api/auctions/${lot.id}`);
  await api(node2, `/api/auctions/${lot.id}/bids`, { amount: next.minimumBid }, bob);
  await a.waitForSelector(`#connection[data-state="connected"][data-node="${node2}"]`, { timeout: 20000 });
  await a.waitForFunction(() => document.querySelector('#a-leader').textContent === 'bob', null, { timeout: 5000 });
  log(`node1's page reconnected to node2 and caught up ${Date.now() - lost} ms after losing node1`);
  // carol's page registered her private address again on the new node: she bids, bob outbids her, she hears it.
  // (A notice sent while she was offline is not replayed; the auction view shows the leader anyway.)
  const carolMinimum = (await api(node2, `/api/auctions/${lot.id}`)).minimumBid;
  await a.fill('#bid-amount', (carolMinimum / 100).toFixed(2));
  await a.click('#bid-form button');
  await a.waitForFunction(() => document.querySelector('#a-leader').textContent === 'carol', null, { timeout: 5000 });
  await api(node2, `/api/auctions/${lot.id}/bids`, { amount: carolMinimum + 100 }, bob);
  await a.waitForFunction(() => document.querySelector('#notice').textContent.includes('You were outbid'), null,
    { timeout: 5000 });
  const seqs = await a.$$eval('#a-history li', (items) => items.map((li) => Number(li.dataset.seq)));
  assert.deepEqual(seqs, [...seqs].sort((x, y) => y - x), 'history in seq order');
  assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => seqs.length - i), 'history without gaps');
  await a.screenshot({ path: `${shots}/page-after-failover.png`, fullPage: true });
  assert.deepEqual(errors, [], 'no script errors on the pages');
  log('passed');
} finally {
  await browser.close();
}
