// The 3-node + load balancer topology in a real browser: one page on SockJS's xhr-streaming fallback (which needs
// sticky sessions), one on WebSocket, both through the load balancer. Usage: node lb.e2e.mjs <load balancer url>
import { launch } from './browser.mjs';
import assert from 'node:assert/strict';

const [lb] = process.argv.slice(2);

async function api(path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const response = await fetch(lb + path, body ? { method: 'POST', headers, body: JSON.stringify(body) } : {});
  assert.ok(response.ok, `${path}: ${response.status}`);
  return response.json();
}

const { token: alice } = await api('/api/login', { user: 'alice', password: 'gavel-demo' });
const { token: bob } = await api('/api/login', { user: 'bob', password: 'gavel-demo' });
const lot = await api('/api/auctions', { title: 'Clock', currency: 'EUR', startingPrice: 1000, minIncrement: 100,
  durationSeconds: 600 }, alice);

const browser = await launch();
try {
  const context = await browser.newContext();
  const streaming = await context.newPage();
  const socket = await browser.newPage();
  await streaming.goto(`${lb}/?transports=xhr-streaming#${lot.id}`);
  await socket.goto(`${lb}/#${lot.id}`);
  for (const page of [streaming, socket]) {
    await page.waitForSelector('#connection[data-state="connected"]', { timeout: 15000 });
    await page.waitForFunction(() => document.querySelector('#a-title').textContent === 'Clock');
  }
  const cookies = await context.cookies(lb);
  assert.ok(cookies.some((c) => c.name === 'GAVEL_NODE'), 'the load balancer pins the page to a node');

  // A bid sent over xhr-streaming (an xhr_send POST that must reach the session's node) reaches the other page.
  await streaming.fill('#login-user', 'carol');
  await streaming.fill('#login-password', 'gavel-demo');
  await streaming.click('#login-form button');
  await streaming.waitForSelector('#bid-form:not([hidden])');
  await streaming.fill('#bid-amount', '10.00');
  await streaming.click('#bid-form button');
  await socket.waitForFunction(() => document.querySelector('#a-leader').textContent === 'carol', null,
    { timeout: 5000 });

  // A bid over REST reaches the xhr-streaming page.
  const next = await api(`/api/auctions/${lot.id}`);
  await api(`/api/auctions/${lot.id}/bids`, { amount: next.minimumBid }, bob);
  await streaming.waitForFunction(() => document.querySelector('#a-leader').textContent === 'bob', null,
    { timeout: 5000 });
  console.log('[lb] passed: xhr-streaming and WebSocket pages through the load balancer, sticky by cookie');
} finally {
  await browser.close();
}
