// One application client of an auction, as a real app written on the official Vert.x event-bus library would be:
// it registers on auction.<id>, applies events strictly in seq order, drops duplicates, and on a seq gap (a node
// that conflated under overload, or skipped this socket while it was over its budget) fetches the missing range
// from GET /api/auctions/{id}/events?after=SEQ, page by page, after a random pause (every client of a conflating
// node sees the gap at once). It reconnects, and catches up again, if the server closes it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const EventBus = require('@vertx/eventbus-bridge-client.js');

const PAGE = 1000;
const FETCH_ATTEMPTS = 20;

export class Follower {
  constructor(baseUrl, auctionId, { jitterMs = 500, transports } = {}) {
    Object.assign(this, { baseUrl, auctionId, jitterMs });
    this.transports = transports;
    this.lastSeq = 0;             // the newest event applied: the application's state is folded up to here
    this.amount = null;           // the state: the auction's current price, from its last bid.accepted
    this.applied = [];            // [seq, type, amount] of every applied event, in the order applied
    this.pending = new Map();     // seq -> pushed event that arrived ahead of a missing one
    this.lastAppliedAt = 0;       // when (epoch ms) the newest event was applied
    this.stats = { pushed: 0, pushedApplied: 0, duplicates: 0, gaps: 0, fetched: 0, fetchedInitially: 0,
      fetchRequests: 0, fetchErrors: 0, opens: 0, closes: 0, registerErrors: 0 };
    this.catchingUp = false;
    this.again = false;           // a catch-up was asked for while one was running
    this.timer = null;
    this.opened = new Promise((resolve) => { this.markOpen = resolve; });
  }

  connect() {
    const options = this.transports ? { transports: this.transports } : {};
    this.bus = new EventBus(this.baseUrl + '/eventbus', options);
    this.bus.enableReconnect(true);
    this.bus.onopen = () => {
      this.stats.opens++;
      this.bus.registerHandler('auction.' + this.auctionId, (err, message) => this.onMessage(err, message));
      // Whatever happened before this (re)connection is in the history.
      this.catchUp(this.stats.opens === 1);
      this.markOpen();
    };
    this.bus.onclose = () => { this.stats.closes++; };
    this.bus.onerror = () => { this.stats.registerErrors++; };
    return this.opened;
  }

  close() {
    clearTimeout(this.timer);
    this.closing = true;
    if (this.bus) {
      this.bus.enableReconnect(false);
      this.bus.close();
    }
  }

  onMessage(err, message) {
    if (err) { this.stats.registerErrors++; return; }
    const event = message.body;
    if (typeof event.seq !== 'number' || event.auctionId !== this.auctionId) return; // e.g. auction.watchers
    this.stats.pushed++;
    if (event.seq <= this.lastSeq || this.pending.has(event.seq)) { this.stats.duplicates++; return; }
    if (event.seq === this.lastSeq + 1) {
      this.stats.pushedApplied++;
      this.apply(event);
      this.drainPending();
      return;
    }
    if (this.pending.size === 0) this.stats.gaps++; // a new gap, not one already being fetched
    this.pending.set(event.seq, event);
    this.scheduleCatchUp();
  }

  scheduleCatchUp() {
    if (this.timer || this.closing) return;
    this.timer = setTimeout(() => { this.timer = null; this.catchUp(false); }, Math.random() * this.jitterMs);
  }

  /**
   * Fetches every event after the last applied one, page by page, then applies what was pushed meanwhile. Asked
   * again while running, it runs again once done: a push that arrives during a fetch may be newer than the page.
   */
  async catchUp(initial) {
    if (this.catchingUp) { this.again = true; return; }
    this.catchingUp = true;
    try {
      do {
        this.again = false;
        for (;;) {
          const page = await this.fetchAfter(this.lastSeq);
          for (const event of page) {
            if (event.seq !== this.lastSeq + 1) continue; // older than what a push already applied
            this.pending.delete(event.seq);
            if (initial) this.stats.fetchedInitially++; else this.stats.fetched++;
            this.apply(event);
          }
          if (page.length < PAGE) break;
        }
        this.drainPending();
        // Still a gap: the history had not reached the pushed event yet (or a fetch failed); look again soon.
        if (this.pending.size > 0) {
          this.again = true;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } while (this.again && !this.closing);
    } finally {
      this.catchingUp = false;
    }
  }

  drainPending() {
    for (const seq of [...this.pending.keys()].sort((a, b) => a - b)) {
      if (seq <= this.lastSeq) { this.pending.delete(seq); continue; }
      if (seq !== this.lastSeq + 1) break;
      const event = this.pending.get(seq);
      this.pending.delete(seq);
      this.stats.pushedApplied++;
      this.apply(event);
    }
  }

  async fetchAfter(after) {
    const url = `${this.baseUrl}/api/auctions/${encodeURIComponent(this.auctionId)}/events?after=${after}&limit=${PAGE}`;
    for (let attempt = 1; ; attempt++) {
      this.stats.fetchRequests++;
      try {
        const response = await fetch(url);
        if (response.ok) return await response.json();
        throw new Error('HTTP ' + response.status);
      } catch (e) {
        this.stats.fetchErrors++;
        if (attempt >= FETCH_ATTEMPTS || this.closing) return [];
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt) * Math.random()));
      }
    }
  }

  apply(event) {
    this.lastSeq = event.seq;
    if (event.type === 'bid.accepted') this.amount = event.amount;
    this.applied.push([event.seq, event.type, event.amount ?? null]);
    this.lastAppliedAt = Date.now();
  }
}
