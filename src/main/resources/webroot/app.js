// Gavel's page: live auction list and auction view over the Vert.x event-bus bridge (SockJS).
// Events carry a per-auction `seq`; the page applies them strictly in order, fetches any it missed from
// /api/auctions/{id}/events?after=SEQ, and ignores duplicates, so what it shows never has a gap.
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  // Nodes to use, in order of preference: ?nodes=http://127.0.0.1:8080,http://127.0.0.1:8081 (each must list this
  // page's origin in its allowed origins), or just the node (or load balancer) that served the page.
  const nodes = (new URLSearchParams(location.search).get('nodes') || location.origin)
    .split(',').map((n) => n.trim().replace(/[/]+$/, '')).filter(Boolean);
  let nodeIndex = 0;
  const node = () => nodes[nodeIndex];
  // ?transports=xhr-streaming (comma list) restricts SockJS's transports, e.g. to try the fallbacks.
  const transports = new URLSearchParams(location.search).get('transports');
  const state = {
    token: sessionStorage.getItem('gavel.token'),
    user: sessionStorage.getItem('gavel.user'),
    auctions: new Map(),      // id -> auction summary (as from /api/auctions)
    selected: null,           // id of the auction shown
    history: [],              // events of the selected auction, in seq order
    pending: new Map(),       // seq -> event that arrived ahead of a missing one
    catchingUp: false,
    bus: null,
  };

  function money(amount, currency) {
    if (amount === null || amount === undefined) return '—';
    return (amount / 100).toLocaleString(undefined, { style: 'currency', currency: currency || 'EUR' });
  }

  function notice(text) { $('notice').textContent = text || ''; }

  function setConnection(name, text) {
    const el = $('connection');
    el.className = 'state ' + name;
    el.dataset.state = name;
    el.textContent = text;
  }

  async function api(path, options) {
    const headers = { 'Content-Type': 'application/json' };
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    const response = await fetch(node() + path, Object.assign({ headers }, options));
    const body = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) {
      const error = new Error((body && body.message) || response.statusText);
      error.code = body && body.error;
      error.status = response.status;
      throw error;
    }
    return body;
  }

  // ---- server clock -------------------------------------------------------------------------------------

  // Auctions end on the cluster's clock, and the visitor's clock may be off by seconds or minutes: the countdown
  // runs on server time. GET /api/time answers with the server's now, read somewhere during the round trip; the
  // midpoint is the best guess, off by at most half the round trip, so of a few samples the fastest wins.
  const CLOCK_SAMPLES = 3;
  const CLOCK_RESYNC_MS = 5 * 60 * 1000;
  let clockOffset = 0;
  const serverNow = () => Date.now() + clockOffset;

  async function syncClock() {
    let best = null;
    for (let i = 0; i < CLOCK_SAMPLES; i++) {
      const sentAt = Date.now();
      const started = performance.now();
      const body = await api('/api/time');
      const roundTrip = performance.now() - started;
      if (body && Number.isFinite(body.now) && (!best || roundTrip < best.roundTrip)) {
        best = { roundTrip, offset: body.now - (sentAt + roundTrip / 2) };
      }
    }
    if (best) {
      clockOffset = Math.round(best.offset);
      // For tests and the curious: how far this browser's clock is behind the server's (negative: ahead).
      document.documentElement.dataset.clockOffsetMs = String(clockOffset);
      renderCountdown();
    }
  }

  // ---- auction list -------------------------------------------------------------------------------------

  async function loadAuctions() {
    const list = await api('/api/auctions');
    state.auctions = new Map(list.map((a) => [a.id, a]));
    renderList();
  }

  function renderList() {
    const ul = $('auctions');
    ul.replaceChildren();
    for (const a of state.auctions.values()) {
      const li = document.createElement('li');
      li.dataset.id = a.id;
      li.className = (a.id === state.selected ? 'selected ' : '') + (a.status === 'CLOSED' ? 'closed' : '');
      const title = document.createElement('span');
      title.textContent = a.title;
      const price = document.createElement('strong');
      price.textContent = money(a.currentPrice, a.currency);
      li.append(title, price);
      li.addEventListener('click', () => select(a.id));
      ul.append(li);
    }
  }

  // ---- one auction ----------------------------------------------------------------------------------------

  async function select(id) {
    if (state.selected && state.bus && state.bus.state === EventBus.OPEN) {
      state.bus.unregisterHandler('auction.' + state.selected, onAuctionMessage);
    }
    state.selected = id;
    state.history = [];
    state.pending.clear();
    history.replaceState(null, '', '#' + id);
    $('auction').hidden = false;
    $('a-history').replaceChildren();
    subscribeSelected();
    await catchUp();
    renderList();
  }

  function subscribeSelected() {
    if (state.selected && state.bus && state.bus.state === EventBus.OPEN) {
      state.bus.registerHandler('auction.' + state.selected, onAuctionMessage);
    }
  }

  function lastSeq() { return state.history.length ? state.history[state.history.length - 1].seq : 0; }

  function onAuctionMessage(err, message) {
    if (err) { notice('Subscription refused: ' + (err.body || err.message)); return; }
    receive(message.body);
  }

  /** Applies an event if it is the next one; holds it back and fetches the gap otherwise. */
  function receive(event) {
    if (typeof event.seq !== 'number') return; // presence and other notices are not part of the history
    if (event.auctionId !== state.selected || event.seq <= lastSeq()) return; // other auction, or duplicate
    if (event.seq === lastSeq() + 1) {
      apply(event, true);
      while (state.pending.has(lastSeq() + 1)) {
        const next = state.pending.get(lastSeq() + 1);
        state.pending.delete(next.seq);
        apply(next, true);
      }
    } else {
      state.pending.set(event.seq, event);
      catchUp();
    }
  }

  /** Fetches every event after the last one shown, page by page, then drains what arrived meanwhile. */
  async function catchUp() {
    if (state.catchingUp || !state.selected) return;
    state.catchingUp = true;
    const id = state.selected;
    try {
      for (;;) {
        const page = await api('/api/auctions/' + encodeURIComponent(id) + '/events?after=' + lastSeq());
        if (id !== state.selected) return;
        page.forEach((e) => { if (e.seq === lastSeq() + 1) apply(e, false); });
        if (page.length < 1000) break;
      }
      for (const seq of [...state.pending.keys()].sort((a, b) => a - b)) {
        const event = state.pending.get(seq);
        state.pending.delete(seq);
        if (event.seq === lastSeq() + 1) apply(event, true);
      }
      renderAuction();
    } catch (e) {
      notice('Could not load the auction: ' + e.message);
    } finally {
      state.catchingUp = false;
    }
  }

  function apply(event, live) {
    state.history.push(event);
    const a = state.auctions.get(event.auctionId) || {};
    switch (event.type) {
      case 'auction.created':
        Object.assign(a, {
          id: event.auctionId, title: event.title, currency: event.currency, startingPrice: event.startingPrice,
          minIncrement: event.minIncrement, currentPrice: event.startingPrice, minimumBid: event.startingPrice,
          leader: null, bidCount: 0, endsAt: event.endsAt, status: 'OPEN', winner: null,
        });
        break;
      case 'bid.accepted':
        Object.assign(a, { currentPrice: event.amount, leader: event.bidder, endsAt: event.endsAt,
          bidCount: (a.bidCount || 0) + 1, minimumBid: event.amount + (a.minIncrement || 1) });
        break;
      case 'auction.extended':
        a.endsAt = event.endsAt;
        break;
      case 'auction.closed':
        Object.assign(a, { status: 'CLOSED', winner: event.winner });
        break;
    }
    a.seq = event.seq;
    state.auctions.set(event.auctionId, a);
    addHistoryLine(event, a.currency);
    if (live) {
      renderAuction();
      renderList();
      if (event.type === 'bid.accepted') flash($('a-price'));
    }
  }

  function addHistoryLine(event, currency) {
    const li = document.createElement('li');
    li.dataset.seq = event.seq;
    const time = new Date(event.at).toLocaleTimeString();
    switch (event.type) {
      case 'auction.created': li.textContent = time + ' opened at ' + money(event.startingPrice, currency); break;
      case 'bid.accepted': li.textContent = time + ' ' + event.bidder + ' bid ' + money(event.amount, currency); break;
      case 'auction.extended': li.textContent = time + ' extended (late bid)'; break;
      case 'auction.closed':
        li.textContent = time + ' closed: ' + (event.winner ? event.winner + ' won at ' + money(event.amount, currency) : 'no bids');
        break;
      default: li.textContent = time + ' ' + event.type;
    }
    $('a-history').prepend(li);
  }

  function flash(el) {
    el.classList.remove('flash');
    void el.offsetWidth; // restart the animation
    el.classList.add('flash');
  }

  function renderAuction() {
    const a = state.auctions.get(state.selected);
    if (!a) return;
    $('a-title').textContent = a.title;
    $('a-price').textContent = money(a.currentPrice, a.currency);
    $('a-leader').textContent = a.leader || '—';
    $('a-bids').textContent = a.bidCount;
    $('a-status').textContent = a.status === 'CLOSED'
      ? 'closed' + (a.winner ? ' — won by ' + a.winner : ' — no bids') : 'open';
    $('a-status').dataset.status = a.status;
    $('a-currency').textContent = a.currency;
    const open = a.status === 'OPEN';
    $('bid-form').hidden = !state.token || !open;
    $('bid-login-hint').hidden = !!state.token || !open;
    $('bid-hint').textContent = open ? 'at least ' + money(a.minimumBid, a.currency) : '';
    renderCountdown();
  }

  function renderCountdown() {
    const a = state.auctions.get(state.selected);
    if (!a) return;
    const left = Math.max(0, a.endsAt - serverNow());
    const s = Math.floor(left / 1000);
    const hms = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, '0'));
    $('a-countdown').textContent = a.status === 'CLOSED' ? 'ended' : left === 0 ? 'closing…' : hms.join(':');
  }

  // ---- bidding and login -------------------------------------------------------------------------------

  function placeBid(evt) {
    evt.preventDefault();
    const a = state.auctions.get(state.selected);
    const amount = Math.round(Number($('bid-amount').value) * 100);
    if (!Number.isSafeInteger(amount) || amount <= 0) { notice('Enter an amount.'); return; }
    sendBid(a, amount, newRequestId(), 0);
  }

  /** One key per bid the user places: every retry of it carries the same key, so it is decided at most once. */
  function newRequestId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  /** Answers that mean "not decided": the same bid may be sent again with the same key. */
  const RETRYABLE = new Set(['STORE_UNAVAILABLE', 'CLUSTER_UNAVAILABLE', 'TIMEOUT']);
  const BID_ATTEMPTS = 6;
  const BID_REPLY_TIMEOUT_MS = 12000;

  function sendBid(a, amount, requestId, attempt) {
    if (!state.bus || state.bus.state !== EventBus.OPEN) { retryBid(a, amount, requestId, attempt); return; }
    let settled = false;
    // A reply lost with its connection never comes: give up waiting and retry with the same key.
    const timer = setTimeout(() => {
      if (!settled) { settled = true; retryBid(a, amount, requestId, attempt); }
    }, BID_REPLY_TIMEOUT_MS);
    state.bus.send('auctions.bid', { auctionId: a.id, amount, requestId }, { authorization: 'Bearer ' + state.token },
      (err, reply) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          const code = err.message || err.body;
          if (RETRYABLE.has(code) || err.failureType === 'TIMEOUT') { retryBid(a, amount, requestId, attempt); return; }
          notice(code === 'BID_TOO_LOW' ? 'Someone bid first: the minimum is now ' + money(a.minimumBid, a.currency)
            : code === 'UNAUTHORIZED' ? 'Your session expired; log in again.' : 'Bid refused: ' + code);
          if (code === 'UNAUTHORIZED') logout();
        } else {
          notice('');
          $('bid-amount').value = '';
          receive(reply.body); // the reply is the accepted event; its broadcast copy is then a duplicate
        }
      });
  }

  function retryBid(a, amount, requestId, attempt) {
    if (attempt + 1 >= BID_ATTEMPTS) {
      notice('Your bid could not be confirmed: the service is unavailable. Check the bid list, then try again.');
      return;
    }
    notice('Connection trouble: retrying your bid…');
    setTimeout(() => sendBid(a, amount, requestId, attempt + 1), 500 * 2 ** attempt);
  }

  async function login(evt) {
    evt.preventDefault();
    try {
      const result = await api('/api/login', { method: 'POST',
        body: JSON.stringify({ user: $('login-user').value, password: $('login-password').value }) });
      state.token = result.token;
      state.user = result.user;
      sessionStorage.setItem('gavel.token', result.token);
      sessionStorage.setItem('gavel.user', result.user);
      notice('');
      renderUser();
      subscribePrivate();
    } catch (e) {
      notice(e.code === 'BAD_CREDENTIALS' ? 'Wrong user or password.' : 'Login failed: ' + e.message);
    }
  }

  function logout() {
    unsubscribePrivate();
    state.token = null;
    state.user = null;
    sessionStorage.removeItem('gavel.token');
    sessionStorage.removeItem('gavel.user');
    renderUser();
  }

  function renderUser() {
    $('login-form').hidden = !!state.token;
    $('whoami').hidden = !state.token;
    $('logout').hidden = !state.token;
    $('whoami').textContent = state.user ? 'Bidding as ' + state.user : '';
    renderAuction();
  }

  // ---- connection ---------------------------------------------------------------------------------------

  let attempts = 0;

  /** "You were outbid" notices arrive on the user's private address, which only their token may register. */
  function subscribePrivate() {
    if (!state.token || !state.bus || state.bus.state !== EventBus.OPEN) return;
    const address = 'user.' + state.user;
    state.privateHandler = (err, message) => {
      if (err || !message.body || message.body.type !== 'bid.outbid') return;
      const a = state.auctions.get(message.body.auctionId);
      notice('You were outbid on ' + (a ? a.title : message.body.auctionId) + ': '
        + message.body.bidder + ' bid ' + money(message.body.amount, a && a.currency));
    };
    state.privateAddress = address;
    state.bus.registerHandler(address, { authorization: 'Bearer ' + state.token }, state.privateHandler);
  }

  function unsubscribePrivate() {
    if (state.privateHandler && state.bus && state.bus.state === EventBus.OPEN) {
      state.bus.unregisterHandler(state.privateAddress, state.privateHandler);
    }
    state.privateHandler = null;
  }

  /** Backoff with jitter: 0.5 s, 1 s, 2 s … up to 10 s, each scaled by a random 0.5–1.5. */
  function reconnectDelay() {
    return Math.min(10000, 500 * Math.pow(2, attempts)) * (0.5 + Math.random());
  }

  function connect() {
    const bus = new EventBus(node() + '/eventbus', transports ? { transports: transports.split(',') } : {});
    state.bus = bus;
    bus.onopen = () => {
      attempts = 0;
      setConnection('connected', 'live');
      $('connection').dataset.node = node();
      bus.registerHandler('auctions', (err, message) => {
        if (err) return;
        const event = message.body;
        if (event.type === 'auction.created' && !state.auctions.has(event.auctionId)) {
          loadAuctions().catch(() => {});
        } else if (event.type === 'auction.closed' && event.auctionId !== state.selected) {
          const a = state.auctions.get(event.auctionId);
          if (a) { a.status = 'CLOSED'; a.winner = event.winner; renderList(); }
        }
      });
      subscribeSelected();
      subscribePrivate();
      // A new connection may be to another node, or after a long sleep: learn the offset again.
      syncClock().catch(() => {});
      // Whatever happened while disconnected is in the event log: catch up from the last seq seen.
      loadAuctions().then(catchUp).catch(() => {});
    };
    bus.onclose = () => {
      if (state.bus !== bus) return;
      state.bus = null;
      setConnection('reconnecting', 'reconnecting…');
      // Try the next node: the one we were on may be gone for good.
      nodeIndex = (nodeIndex + 1) % nodes.length;
      const delay = reconnectDelay();
      attempts++;
      setTimeout(connect, delay);
    };
    bus.onerror = (err) => { if (err && err.body && err.body !== 'rejected') notice('Bridge: ' + err.body); };
  }

  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('bid-form').addEventListener('submit', placeBid);
  setInterval(renderCountdown, 250);
  setInterval(() => syncClock().catch(() => {}), CLOCK_RESYNC_MS);
  renderUser();
  loadAuctions()
    .then(() => { const id = location.hash.slice(1); if (id && state.auctions.has(id)) select(id); })
    .catch((e) => notice('Could not load auctions: ' + e.message));
  connect();
})();
