// Auctions end on the cluster's clock, and the visitor's clock may be off by seconds or minutes: the countdown
// runs on server time. GET /api/time answers with the server's now, read somewhere during the round trip; the
// midpoint is the best guess, off by at most half the round trip, so of a few samples the fastest wins.
import { api } from './session.js';

const CLOCK_SAMPLES = 3;
export const CLOCK_RESYNC_MS = 5 * 60 * 1000;
let clockOffset = 0;
export const serverNow = () => Date.now() + clockOffset;

/** Learns the offset again (after a reconnect, possibly to another node, or a long sleep). */
export async function syncClock() {
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
  }
}
