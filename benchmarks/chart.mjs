#!/usr/bin/env node
// Draws DIR/latency.svg: p50 / p99 / p99.9 latency per scenario (log scale) from every result JSON in DIR (Gavel's
// FanoutBench and the Socket.IO peer write the same shape). Outside the node jar on purpose: no drawing code ships
// with the server. Usage: node benchmarks/chart.mjs [DIR]   (default benchmarks/results)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'benchmarks/results';
const runs = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')))
  .filter((r) => typeof r.label === 'string' && typeof r.p50Ms === 'number')
  .sort((a, b) => a.label.localeCompare(b.label));
if (runs.length === 0) {
  console.error(`no results in ${dir}`);
  process.exit(0);
}
const series = [['p50Ms', '#4e79a7', 'p50'], ['p99Ms', '#f28e2b', 'p99'], ['p999Ms', '#e15759', 'p99.9']];
const rowHeight = 34, width = 1100, left = 330, top = 60, right = 40;
const height = top + runs.length * rowHeight + 60;
const maxMs = Math.max(10, ...runs.flatMap((r) => series.map(([key]) => r[key] ?? 0)));
const decades = Math.ceil(Math.log10(maxMs));
const x = (ms) => left + (Math.log10(Math.max(1, ms)) / decades) * (width - left - right);
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const parts = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
  `<rect width="100%" height="100%" fill="white"/>`,
  `<text x="20" y="28" font-size="16" font-weight="bold">Fan-out latency per scenario (event 'at' to client receipt, ms, log scale)</text>`,
];
for (let d = 0; d <= decades; d++) {
  const ms = 10 ** d;
  parts.push(`<line x1="${x(ms)}" y1="${top - 10}" x2="${x(ms)}" y2="${height - 50}" stroke="#ddd"/>`,
    `<text x="${x(ms)}" y="${height - 32}" font-size="12" text-anchor="middle">${ms}</text>`);
}
runs.forEach((run, i) => {
  const y = top + i * rowHeight;
  parts.push(`<text x="${left - 10}" y="${y + 20}" font-size="12" text-anchor="end">${esc(run.label)}</text>`);
  series.forEach(([key, color], s) => {
    const ms = run[key] ?? 0;
    parts.push(`<rect x="${left}" y="${y + 4 + s * 9}" width="${Math.max(1, x(ms) - left)}" height="8" fill="${color}"/>`);
  });
});
series.forEach(([, color, name], s) => {
  parts.push(`<rect x="${left + s * 90}" y="${height - 20}" width="12" height="12" fill="${color}"/>`,
    `<text x="${left + s * 90 + 16}" y="${height - 10}" font-size="12">${name}</text>`);
});
parts.push('</svg>');
writeFileSync(join(dir, 'latency.svg'), parts.join('\n'));
console.log(`wrote ${join(dir, 'latency.svg')} (${runs.length} scenarios)`);
