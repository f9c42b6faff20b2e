// The form a logged-in user creates an auction with. The browser checks what HTML can (required, minimums); the
// auction rules are the server's: its refusal is shown as it comes, stable code and message.
import { $, api, minorUnits } from './session.js';

/** `onCreated(auction)` runs with the server's answer (201). */
export function initCreateForm(onCreated) {
  $('create-add-band').addEventListener('click', () => addBand());
  $('create-form').addEventListener('submit', async (evt) => {
    evt.preventDefault();
    const body = terms();
    if (!body) return;
    const button = $('create-form').querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const auction = await api('/api/auctions', { method: 'POST', body: JSON.stringify(body) });
      showError(null);
      $('create-form').reset();
      $('create-bands').querySelectorAll('.band:not(:first-child)').forEach((row) => row.remove());
      $('create').open = false;
      onCreated(auction);
    } catch (e) {
      showError(e.code ? e.message : 'Could not reach the server: ' + e.message, e.code || 'NETWORK');
    } finally {
      button.disabled = false;
    }
  });
}

/** A price band: from this price upwards, bids rise by at least its step. The first band starts at 0. */
function addBand() {
  const row = document.createElement('div');
  row.className = 'band';
  const from = Object.assign(document.createElement('input'),
    { type: 'number', step: '0.01', min: '0.01', required: true, className: 'band-from', placeholder: 'from' });
  const step = Object.assign(document.createElement('input'),
    { type: 'number', step: '0.01', min: '0.01', required: true, className: 'band-step', placeholder: 'step' });
  const remove = Object.assign(document.createElement('button'), { type: 'button', textContent: '×',
    title: 'Remove this band' });
  remove.addEventListener('click', () => row.remove());
  const fromLabel = document.createElement('label');
  fromLabel.append('from ', from);
  const stepLabel = document.createElement('label');
  stepLabel.append(' step ', step);
  row.append(fromLabel, stepLabel, remove);
  $('create-bands').append(row);
}

const DURATION_UNITS = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

/** The request body from the form, or null (with the reason shown) when an amount is not a number. */
function terms() {
  const amount = (id) => minorUnits($(id).value);
  const body = {
    title: $('create-title').value.trim(),
    currency: $('create-currency').value.trim().toUpperCase(),
    startingPrice: amount('create-start'),
    durationSeconds: Math.round(Number($('create-duration').value) * DURATION_UNITS[$('create-duration-unit').value]),
    antiSnipingSeconds: Math.round(Number($('create-anti-sniping').value || 0)),
  };
  const bands = [...$('create-bands').querySelectorAll('.band')].map((row, i) => ({
    from: i === 0 ? 0 : minorUnits(row.querySelector('.band-from').value),
    step: minorUnits(row.querySelector('.band-step').value),
  }));
  if (bands.length === 1) body.minIncrement = bands[0].step; else body.increments = bands;
  const reserve = amount('create-reserve');
  const buyNow = amount('create-buy-now');
  if (reserve !== null) body.reservePrice = reserve;
  if (buyNow !== null) body.buyNowPrice = buyNow;
  const amounts = [body.startingPrice, reserve, buyNow, ...bands.flatMap((b) => [b.from, b.step])];
  if (amounts.some(Number.isNaN)) {
    showError('Amounts must be positive numbers.', 'INVALID_AMOUNT');
    return null;
  }
  return body;
}

function showError(text, code) {
  const el = $('create-error');
  el.hidden = !text;
  el.textContent = text ? text + (code ? ' (' + code + ')' : '') : '';
  if (code) el.dataset.code = code; else delete el.dataset.code;
}
