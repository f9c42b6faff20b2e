// What every part of the page shares: the node it talks to, the logged-in user, REST calls, money and notices.

export const $ = (id) => document.getElementById(id);

// Nodes to use, in order of preference: ?nodes=http://127.0.0.1:8080,http://127.0.0.1:8081 (each must list this
// page's origin in its allowed origins), or just the node (or load balancer) that served the page.
const nodes = (new URLSearchParams(location.search).get('nodes') || location.origin)
  .split(',').map((n) => n.trim().replace(/[/]+$/, '')).filter(Boolean);
let nodeIndex = 0;
export const node = () => nodes[nodeIndex];
/** Moves on to the next node of the list: the one we were on may be gone for good. */
export function nextNode() { nodeIndex = (nodeIndex + 1) % nodes.length; }

export const session = {
  token: sessionStorage.getItem('gavel.token'),
  user: sessionStorage.getItem('gavel.user'),
};

export function remember(token, user) {
  session.token = token;
  session.user = user;
  if (token) {
    sessionStorage.setItem('gavel.token', token);
    sessionStorage.setItem('gavel.user', user);
  } else {
    sessionStorage.removeItem('gavel.token');
    sessionStorage.removeItem('gavel.user');
  }
}

/** A REST call; a refusal throws an Error with the server's stable `code` and its `message`. */
export async function api(path, options) {
  const headers = { 'Content-Type': 'application/json' };
  if (session.token) headers.Authorization = 'Bearer ' + session.token;
  const response = await fetch(node() + path, Object.assign({ headers }, options));
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error((body && body.message) || response.statusText);
    error.code = (body && body.error) || 'HTTP_' + response.status;
    error.status = response.status;
    throw error;
  }
  return body;
}

export function money(amount, currency) {
  if (amount === null || amount === undefined) return '—';
  return (amount / 100).toLocaleString(undefined, { style: 'currency', currency: currency || 'EUR' });
}

/** "12.5" → 1250 (minor units); empty → null; anything that is not a positive amount → NaN. */
export function minorUnits(text) {
  if (text === null || text === undefined || String(text).trim() === '') return null;
  const amount = Math.round(Number(text) * 100);
  return Number.isSafeInteger(amount) && amount > 0 ? amount : NaN;
}

/** One line for the user; `code` (a server's error code) is kept on the element for whoever needs to tell apart. */
export function notice(text, code) {
  const el = $('notice');
  el.textContent = text || '';
  if (code) el.dataset.code = code; else delete el.dataset.code;
}

/** One random key per user action: every retry of it carries the same key, so it is decided at most once. */
export function newRequestId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
