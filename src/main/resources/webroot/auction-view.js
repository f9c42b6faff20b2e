// How an auction's events fold into what the page shows of it: plain data in, plain data out, no DOM, no network.
// The same rules as the server's (io.gavel.domain.Figures, AuctionTerms.stepAt), so a page that replays an
// auction's history from seq 1 shows what the server has.

/** The least a bid must rise over `price`: the step of the last band of the increments table at or below it. */
export function stepAt(a, price) {
  let step = a.minIncrement || 1;
  for (const band of a.increments || []) {
    if (band.from > price) break;
    step = band.step;
  }
  return step;
}

/** Buy it now is open until the first bid (without a reserve) or until bidding reaches the reserve. */
function buyNowAvailable(a) {
  return a.buyNowPrice !== null && a.status === 'OPEN' && (a.hasReserve ? !a.reserveMet : a.bidCount === 0);
}

/** Applies one event of an auction's history, in seq order, to `a` (changed in place and returned). */
export function fold(a, event) {
  switch (event.type) {
    case 'auction.created':
      Object.assign(a, {
        id: event.auctionId, title: event.title, currency: event.currency, seller: event.seller,
        startingPrice: event.startingPrice, minIncrement: event.minIncrement, increments: event.increments || [],
        antiSnipingSeconds: event.antiSnipingSeconds || 0, hasReserve: !!event.hasReserve,
        reserveMet: event.hasReserve ? false : null, buyNowPrice: event.buyNowPrice ?? null,
        currentPrice: event.startingPrice, minimumBid: event.startingPrice, leader: null, bidCount: 0,
        endsAt: event.endsAt, extended: false, status: 'OPEN', winner: null, closingAmount: null, buyNow: false,
      });
      break;
    case 'bid.accepted':
      Object.assign(a, { currentPrice: event.amount, leader: event.bidder, endsAt: event.endsAt,
        bidCount: a.bidCount + 1, minimumBid: event.amount + stepAt(a, event.amount) });
      break;
    case 'auction.extended':
      Object.assign(a, { endsAt: event.endsAt, extended: true });
      break;
    case 'auction.reserve-met':
      a.reserveMet = true;
      break;
    case 'auction.closed':
      Object.assign(a, { status: 'CLOSED', winner: event.winner, closingAmount: event.amount ?? null,
        buyNow: !!event.buyNow });
      if (typeof event.reserveMet === 'boolean') a.reserveMet = event.reserveMet;
      if (a.buyNow) Object.assign(a, { currentPrice: event.amount, leader: event.winner });
      break;
    case 'auction.cancelled':
      a.status = 'CANCELLED';
      break;
    default: // bid.max-raised: a bidder's secret; only that something happened is public
  }
  a.buyNowAvailable = buyNowAvailable(a);
  a.seq = event.seq;
  return a;
}

/** How an auction stands, as a stable key (for styles and tests) and words. */
export function outcome(a, money) {
  if (a.status === 'CANCELLED') return { key: 'cancelled', text: 'cancelled by the seller' };
  if (a.status !== 'CLOSED') return { key: 'open', text: 'open' };
  if (a.buyNow) return { key: 'bought-now', text: 'bought now by ' + a.winner + ' for ' + money(a.closingAmount) };
  if (a.winner) return { key: 'won', text: 'closed — won by ' + a.winner + ' at ' + money(a.closingAmount) };
  if (a.reserveMet === false && a.bidCount > 0) return { key: 'reserve-not-met', text: 'closed — reserve not met' };
  return { key: 'no-bids', text: 'closed — no bids' };
}

/** One line of the history. */
export function describe(event, money) {
  switch (event.type) {
    case 'auction.created': return 'opened at ' + money(event.startingPrice);
    case 'bid.accepted': return event.bidder + (event.proxy ? ' bid (automatic) ' : ' bid ') + money(event.amount);
    case 'bid.max-raised': return 'the leader raised their maximum';
    case 'auction.extended': return 'extended by a late bid';
    case 'auction.reserve-met': return 'reserve met';
    case 'auction.closed':
      return 'closed: ' + (event.buyNow ? event.winner + ' bought it now for ' + money(event.amount)
        : event.winner ? event.winner + ' won at ' + money(event.amount)
          : event.reserveMet === false ? 'reserve not met' : 'no bids');
    case 'auction.cancelled': return 'cancelled by the seller';
    default: return event.type;
  }
}
