// Gavel's own page, opened on the auction in Debian's headless Chromium (playwright-core, never a downloaded
// browser): what it shows is read from its DOM, so the page's gap fetching is tested as users get it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

/** Runs in each page before its scripts: notes when each history line appeared and counts history fetches. */
function watchPage() {
  const seen = { added: [], historyFetches: 0 };
  window.__catchup = seen;
  const fetchOriginal = window.fetch;
  window.fetch = (input, init) => {
    if (String(input).includes('/events?after=')) seen.historyFetches++;
    return fetchOriginal(input, init);
  };
  document.addEventListener('DOMContentLoaded', () => {
    new MutationObserver((mutations) => {
      const now = Date.now();
      for (const m of mutations) {
        for (const n of m.addedNodes) if (n.dataset && n.dataset.seq) seen.added.push([Number(n.dataset.seq), now]);
      }
    }).observe(document.getElementById('a-history'), { childList: true });
  });
}

export async function openPages(count, nodes, auctionId) {
  if (count === 0) return { pages: [], close: async () => {} };
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const pages = [];
  for (let i = 0; i < count; i++) {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.addInitScript(watchPage);
    await page.goto(`${nodes[i % nodes.length]}/#${auctionId}`);
    await page.waitForSelector('#connection[data-state="connected"]', { timeout: 30000 });
    await page.waitForSelector('#a-title:not(:empty)', { timeout: 30000 });
    pages.push({ page, errors, node: nodes[i % nodes.length] });
  }
  return { pages, close: () => browser.close() };
}

/** What a page shows now: its history's seqs (oldest first), its price as digits, and when each line appeared. */
export async function readPage({ page, errors, node }) {
  const shown = await page.evaluate(() => ({
    seqs: [...document.querySelectorAll('#a-history li')].map((li) => Number(li.dataset.seq)).reverse(),
    price: document.getElementById('a-price').textContent,
    connection: document.getElementById('connection').dataset.state,
    added: window.__catchup.added,
    historyFetches: window.__catchup.historyFetches,
  }));
  return Object.assign(shown, { errors, node, priceMinorUnits: Number(shown.price.replace(/\D/g, '')) });
}
