// What a logged-in user does to an auction: bid (over the event-bus bridge, retried with the same request id until
// decided), buy it now and cancel (REST). Each reports back through callbacks; the page shows the outcome.
import { api, notice } from './session.js';

/** Answers that mean "not decided": the same bid may be sent again with the same key. */
const RETRYABLE = new Set(['STORE_UNAVAILABLE', 'CLUSTER_UNAVAILABLE', 'TIMEOUT']);
const BID_ATTEMPTS = 6;
const BID_REPLY_TIMEOUT_MS = 12000;

/**
 * Sends `bid` ({auctionId, amount?, maxAmount?, requestId}) on `auctions.bid` through the bus `currentBus()` returns
 * (it changes when the page reconnects). Calls `onAccepted(reply)` or `onRefused(code)` once decided.
 */
export function sendBid(currentBus, token, bid, onAccepted, onRefused, attempt = 0) {
  const retry = () => {
    if (attempt + 1 >= BID_ATTEMPTS) {
      notice('Your bid could not be confirmed: the service is unavailable. Check the bid list, then try again.');
      return;
    }
    notice('Connection trouble: retrying your bid…');
    setTimeout(() => sendBid(currentBus, token, bid, onAccepted, onRefused, attempt + 1), 500 * 2 ** attempt);
  };
  const bus = currentBus();
  if (!bus || bus.state !== EventBus.OPEN) { retry(); return; }
  let settled = false;
  // A reply lost with its connection never comes: give up waiting and retry with the same key.
  const timer = setTimeout(() => { if (!settled) { settled = true; retry(); } }, BID_REPLY_TIMEOUT_MS);
  bus.send('auctions.bid', bid, { authorization: 'Bearer ' + token }, (err, reply) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    if (!err) { onAccepted(reply.body); return; }
    // The bridge reports a refusal's HTTP status as failureCode and its stable error code as message.
    const code = err.message || err.body;
    if (RETRYABLE.has(code) || err.failureType === 'TIMEOUT') retry(); else onRefused(code);
  });
}

/** Words for a refused bid (the bridge sends only the code). `a` is the auction as shown when the bid was made. */
export function bidRefusal(code, a, bid, user, money) {
  switch (code) {
    case 'BID_TOO_LOW':
      return a.leader === user && bid.amount === undefined
        ? 'You lead already: a new maximum must be higher than your current one.'
        : 'Too low: the next bid must be at least ' + money(a.minimumBid) + '.';
    case 'INVALID_BID': return 'Check the amounts: a maximum must not be below the bid.';
    case 'AUCTION_CLOSED': return 'The auction has ended.';
    case 'RATE_LIMITED': return 'Too many bids at once: wait a moment.';
    case 'UNAUTHORIZED': return 'Your session expired; log in again.';
    default: return 'Bid refused: ' + code;
  }
}

/** POST /api/auctions/{id}/{action}: `onDone(event)` with the event it produced, or a notice with the refusal. */
export async function auctionCommand(auctionId, action, onDone) {
  try {
    onDone(await api('/api/auctions/' + encodeURIComponent(auctionId) + '/' + action, { method: 'POST' }));
  } catch (e) {
    notice(e.code ? refusal(action, e) : 'Could not reach the server: ' + e.message, e.code);
  }
}

function refusal(action, e) {
  const what = action === 'buy-now' ? 'Buy it now' : 'Cancelling';
  return what + ' refused: ' + e.message + ' (' + e.code + ')';
}
