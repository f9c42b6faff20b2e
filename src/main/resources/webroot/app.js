// Gavel's page: live auction list and auction view over the Vert.x event-bus bridge (SockJS).
// Events carry a per-auction `seq`; the page applies them strictly in order, fetches any it missed from
// /api/auctions/{id}/events?after=SEQ, and ignores duplicates, so what it shows never has a gap.
import { $, api, money, minorUnits, newRequestId, node, nextNode, notice, remember, session } from './session.js';
import { describe, fold, outcome } from './auction-view.js';
import { auctionCommand, bidRefusal, sendBid } from './actions.js';
import { initCreateForm } from './create.js';
import { CLOCK_RESYNC_MS, serverNow, syncClock } from './clock.js';

// ?transports=xhr-streaming (comma list) restricts SockJS's transports, e.g. to try the fallbacks.
const transports = new URLSearchParams(location.search).get('transports');
const state = {
  auctions: new Map(),      // id -> auction summary, as /api/auctions lists it
  selected: null,           // id of the auction shown
  view: null,               // the auction shown, folded from its history
  history: [],              // events of the selected auction, in seq order
  pending: new Map(),       // seq -> event that arrived ahead of a missing one
  catchingUp: false,
  catchUpAgain: false,      // asked to catch up while catching up: once more when done
  watchers: null,           // how many follow the auction shown; pushes win over the first read
  watchersPushed: false,
  maxima: new Map(),        // auction id -> {seq, maxAmount}: the user's own maxima, told only to them
  bus: null,
};

const moneyOf = (a) => (amount) => money(amount, a && a.currency);

// ---- auction list -------------------------------------------------------------------------------------

async function loadAuctions() {
  const list = await api('/api/auctions');
  state.auctions = new Map(list.map((a) => [a.id, a]));
  renderList();
}

function renderList() {
  const ul = $('auctions');
  ul.replaceChildren();
  for (const summary of state.auctions.values()) {
    // The auction shown is folded from events as they arrive: fresher than a summary read earlier.
    const a = summary.id === state.selected && state.view && state.view.seq >= summary.seq ? state.view : summary;
    const li = document.createElement('li');
    li.dataset.id = a.id;
    li.className = (a.id === state.selected ? 'selected ' : '') + (a.status !== 'OPEN' ? 'closed' : '');
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
  Object.assign(state, { selected: id, view: {}, history: [], watchers: null, watchersPushed: false });
  state.pending.clear();
  history.replaceState(null, '', '#' + id);
  $('auction').hidden = false;
  $('a-history').replaceChildren();
  subscribeSelected();
  api('/api/auctions/' + encodeURIComponent(id)).then((a) => {
    if (id === state.selected && !state.watchersPushed) { state.watchers = a.watchers; renderAuction(); }
  }).catch(() => {});
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
  const body = message.body;
  if (body.type === 'auction.watchers') {
    if (body.auctionId === state.selected) {
      Object.assign(state, { watchers: body.watchers, watchersPushed: true });
      renderAuction();
    }
    return;
  }
  receive(body);
}

/** Applies an event if it is the next one; holds it back and fetches the gap otherwise. */
function receive(event) {
  if (typeof event.seq !== 'number') return; // notices outside the history
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
    // A gap: this page was skipped some events (a slow link, or a node conflating under overload). Every page of a
    // conflating node sees the gap at once, so each waits a moment at random before fetching it.
    setTimeout(catchUp, Math.random() * 500);
  }
}

/**
 * Fetches every event after the last one shown, page by page, then applies what arrived meanwhile. Asked again while
 * it runs (a push newer than the page being fetched), it runs again once done, until no pushed event waits.
 */
async function catchUp() {
  if (!state.selected) return;
  if (state.catchingUp) { state.catchUpAgain = true; return; }
  Object.assign(state, { catchingUp: true, catchUpAgain: false });
  const id = state.selected;
  try {
    for (;;) {
      const page = await api('/api/auctions/' + encodeURIComponent(id) + '/events?after=' + lastSeq());
      if (id !== state.selected) { state.catchUpAgain = true; return; } // another auction was selected meanwhile
      page.forEach((e) => { if (e.seq === lastSeq() + 1) apply(e, false); });
      if (page.length < 1000) break;
    }
    for (const seq of [...state.pending.keys()].sort((a, b) => a - b)) {
      if (seq === lastSeq() + 1) apply(state.pending.get(seq), true);
      if (seq <= lastSeq()) state.pending.delete(seq);
    }
    // What still waits was pushed after the page was read: its gap is in the history now.
    if (state.pending.size) state.catchUpAgain = true;
    renderAuction();
    renderList();
  } catch (e) {
    notice('Could not load the auction: ' + e.message);
  } finally {
    state.catchingUp = false;
    if (state.catchUpAgain) setTimeout(catchUp, Math.random() * 500);
  }
}

function apply(event, live) {
  state.history.push(event);
  const a = fold(state.view, event);
  const summary = state.auctions.get(a.id);
  if (summary) Object.assign(summary, { currentPrice: a.currentPrice, status: a.status, winner: a.winner, seq: a.seq });
  const li = document.createElement('li');
  li.dataset.seq = event.seq;
  li.dataset.type = event.type;
  li.textContent = new Date(event.at).toLocaleTimeString() + ' ' + describe(event, moneyOf(a));
  $('a-history').prepend(li);
  if (live) {
    renderAuction();
    renderList();
    if (event.type === 'bid.accepted') flash($('a-price'));
    if (event.type === 'auction.extended') flash($('a-extended'));
  }
}

function flash(el) {
  el.classList.remove('flash');
  void el.offsetWidth; // restart the animation
  el.classList.add('flash');
}

function show(id, visible, text) {
  $(id).hidden = !visible;
  if (visible && text !== undefined) $(id).textContent = text;
}

function renderAuction() {
  const a = state.view;
  if (!a || !a.id) return;
  const m = moneyOf(a);
  const me = session.user;
  const loggedIn = !!session.token;
  const open = a.status === 'OPEN';
  const standing = outcome(a, m);
  $('a-title').textContent = a.title;
  $('a-price').textContent = m(a.currentPrice);
  $('a-leader').textContent = a.leader || '—';
  $('a-bids').textContent = a.bidCount;
  $('a-watchers').textContent = state.watchers ?? '—';
  $('a-status').textContent = standing.text;
  $('a-status').dataset.status = a.status;
  $('a-status').dataset.outcome = standing.key;
  show('a-reserve-row', a.hasReserve);
  $('a-reserve').textContent = a.reserveMet ? 'met' : 'not met';
  $('a-reserve').dataset.met = String(!!a.reserveMet);
  show('a-buy-now-row', a.buyNowAvailable);
  $('a-buy-now-price').textContent = m(a.buyNowPrice);
  const mine = loggedIn && state.maxima.get(a.id);
  show('a-my-max-row', !!mine);
  if (mine) $('a-my-max').textContent = m(mine.maxAmount) + (open && a.leader !== me ? ' — outbid' : '');
  show('a-extended', a.extended);
  $('a-currency').textContent = a.currency;
  show('bid-form', loggedIn && open);
  show('bid-login-hint', !loggedIn && open);
  $('bid-hint').textContent = open ? 'at least ' + m(a.minimumBid) : '';
  show('buy-now', loggedIn && a.buyNowAvailable && a.seller !== me, 'Buy now for ' + m(a.buyNowPrice));
  show('cancel-auction', loggedIn && open && a.seller === me && a.bidCount === 0);
  renderCountdown();
}

function renderCountdown() {
  const a = state.view;
  if (!a || !a.id) return;
  const left = Math.max(0, a.endsAt - serverNow());
  const s = Math.floor(left / 1000);
  const hms = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, '0'));
  $('a-countdown').textContent = a.status !== 'OPEN' ? 'ended' : left === 0 ? 'closing…' : hms.join(':');
}

// ---- acting on the auction ------------------------------------------------------------------------------

function placeBid(evt) {
  evt.preventDefault();
  const a = state.view;
  const amount = minorUnits($('bid-amount').value);
  const maxAmount = minorUnits($('bid-max').value);
  if (Number.isNaN(amount) || Number.isNaN(maxAmount) || (amount === null && maxAmount === null)) {
    notice('Enter a bid, a maximum (the page then bids for you up to it), or both.');
    return;
  }
  const bid = { auctionId: a.id, requestId: newRequestId() };
  if (amount !== null) bid.amount = amount;
  if (maxAmount !== null) bid.maxAmount = maxAmount;
  const shown = Object.assign({}, a);
  sendBid(() => state.bus, session.token, bid, (reply) => {
    $('bid-amount').value = '';
    $('bid-max').value = '';
    if (reply.maxAmount !== undefined) rememberMaximum(reply);
    // Someone's maximum answered at once: the bid stands in the history, but it does not lead.
    notice(reply.leading === false ? 'Your bid was outbid at once by another bidder\'s maximum.' : '');
    receive(reply); // the reply is the accepted event; its broadcast copy is then a duplicate
    renderAuction();
  }, (code) => {
    const now = state.view && state.view.id === bid.auctionId ? state.view : shown;
    notice(bidRefusal(code, now, bid, session.user, moneyOf(now)), code);
    if (code === 'UNAUTHORIZED') logout();
  });
}

function rememberMaximum(m) {
  const known = state.maxima.get(m.auctionId);
  if (!known || known.seq <= m.seq) state.maxima.set(m.auctionId, { seq: m.seq, maxAmount: m.maxAmount });
}

function command(action) {
  const id = state.selected;
  auctionCommand(id, action, (event) => { notice(''); receive(event); });
}

// ---- login ----------------------------------------------------------------------------------------------

async function login(evt) {
  evt.preventDefault();
  try {
    const result = await api('/api/login', { method: 'POST',
      body: JSON.stringify({ user: $('login-user').value, password: $('login-password').value }) });
    remember(result.token, result.user);
    notice('');
    renderUser();
    subscribePrivate();
  } catch (e) {
    notice(e.code === 'BAD_CREDENTIALS' ? 'Wrong user or password.' : 'Login failed: ' + e.message, e.code);
  }
}

function logout() {
  unsubscribePrivate();
  remember(null, null);
  state.maxima.clear();
  renderUser();
}

function renderUser() {
  const loggedIn = !!session.token;
  $('login-form').hidden = loggedIn;
  $('whoami').hidden = !loggedIn;
  $('logout').hidden = !loggedIn;
  $('create').hidden = !loggedIn;
  $('whoami').textContent = loggedIn ? 'Bidding as ' + session.user : '';
  renderAuction();
}

// ---- connection ---------------------------------------------------------------------------------------

let attempts = 0;

/** What only this user hears, on their private address (only their token may register it). */
function onPrivateMessage(err, message) {
  if (err || !message.body) return;
  const m = message.body;
  if (m.type === 'bid.maximum') {
    rememberMaximum(m);
    if (m.auctionId === state.selected) renderAuction();
  } else if (m.type === 'bid.outbid') {
    const a = m.auctionId === state.selected ? state.view : state.auctions.get(m.auctionId);
    notice('You were outbid on ' + (a ? a.title : m.auctionId) + ': ' + m.bidder + ' bid '
      + money(m.amount, a && a.currency), 'OUTBID');
  }
}

function subscribePrivate() {
  if (!session.token || !state.bus || state.bus.state !== EventBus.OPEN) return;
  state.privateAddress = 'user.' + session.user;
  state.bus.registerHandler(state.privateAddress, { authorization: 'Bearer ' + session.token }, onPrivateMessage);
}

function unsubscribePrivate() {
  if (state.privateAddress && state.bus && state.bus.state === EventBus.OPEN) {
    state.bus.unregisterHandler(state.privateAddress, onPrivateMessage);
  }
  state.privateAddress = null;
}

/** Backoff with jitter: 0.5 s, 1 s, 2 s … up to 10 s, each scaled by a random 0.5–1.5. */
function reconnectDelay() {
  return Math.min(10000, 500 * Math.pow(2, attempts)) * (0.5 + Math.random());
}

function onListEvent(err, message) {
  if (err) return;
  const event = message.body;
  if (event.type === 'auction.created' && !state.auctions.has(event.auctionId)) {
    loadAuctions().catch(() => {});
  } else if ((event.type === 'auction.closed' || event.type === 'auction.cancelled')
    && event.auctionId !== state.selected) {
    const a = state.auctions.get(event.auctionId);
    if (a) {
      Object.assign(a, { status: event.type === 'auction.closed' ? 'CLOSED' : 'CANCELLED', winner: event.winner });
      renderList();
    }
  }
}

function connect() {
  const bus = new EventBus(node() + '/eventbus', transports ? { transports: transports.split(',') } : {});
  state.bus = bus;
  bus.onopen = () => {
    attempts = 0;
    setConnection('connected', 'live');
    $('connection').dataset.node = node();
    bus.registerHandler('auctions', onListEvent);
    subscribeSelected();
    subscribePrivate();
    // A new connection may be to another node, or after a long sleep: learn the offset again.
    syncClock().then(renderCountdown).catch(() => {});
    // Whatever happened while disconnected is in the event log: catch up from the last seq seen.
    loadAuctions().then(catchUp).catch(() => {});
  };
  bus.onclose = () => {
    if (state.bus !== bus) return;
    state.bus = null;
    setConnection('reconnecting', 'reconnecting…');
    nextNode();
    const delay = reconnectDelay();
    attempts++;
    setTimeout(connect, delay);
  };
  bus.onerror = (err) => { if (err && err.body && err.body !== 'rejected') notice('Bridge: ' + err.body); };
}

function setConnection(name, text) {
  const el = $('connection');
  el.className = 'state ' + name;
  el.dataset.state = name;
  el.textContent = text;
}

$('login-form').addEventListener('submit', login);
$('logout').addEventListener('click', logout);
$('bid-form').addEventListener('submit', placeBid);
$('buy-now').addEventListener('click', () => command('buy-now'));
$('cancel-auction').addEventListener('click', () => command('cancel'));
initCreateForm((auction) => {
  state.auctions.set(auction.id, auction);
  select(auction.id);
});
setInterval(renderCountdown, 250);
setInterval(() => syncClock().then(renderCountdown).catch(() => {}), CLOCK_RESYNC_MS);
renderUser();
loadAuctions()
  .then(() => { const id = location.hash.slice(1); if (id && state.auctions.has(id)) select(id); })
  .catch((e) => notice('Could not load auctions: ' + e.message));
connect();
