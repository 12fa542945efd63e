/**
 * `npm run web:budget`: builds the web app's client scripts (scripts/api-assets.ts) and prints how much
 * JavaScript each page loads, raw and gzipped, against the 100 KB budget (raw bytes, the stricter measure).
 * Exits non-zero when a page is over. The e2e tests measure the same in the browser.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { API_ASSETS_DIR, buildApiAssets } from './api-assets';

const BUDGET_BYTES = 100 * 1024;
const root = resolve(import.meta.dirname, '..');
/** Every page loads the search box's script; these pages add their own (workers/api/src/web/assets.ts). */
const PAGES: Record<string, string[]> = {
  'home, search, artist, venue, leaderboard, inbox, feed': ['search'],
  show: ['search', 'show'],
  'account (push opt-in)': ['search', 'push'],
  ops: ['search', 'ops'],
  'admin import': ['search', 'import'],
};

buildApiAssets(root);
const size = (name: string) => {
  const bytes = readFileSync(resolve(root, API_ASSETS_DIR, 'static', `${name}.js`));
  return { raw: bytes.length, gzip: gzipSync(bytes).length };
};
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
let over = false;
console.log(`JavaScript per page (budget ${kb(BUDGET_BYTES)} raw); reproduce: npm run web:budget`);
for (const [page, scripts] of Object.entries(PAGES)) {
  const sizes = scripts.map(size);
  const raw = sizes.reduce((sum, s) => sum + s.raw, 0);
  const gzip = sizes.reduce((sum, s) => sum + s.gzip, 0);
  over ||= raw > BUDGET_BYTES;
  console.log(
    `  ${page.padEnd(44)} ${kb(raw).padStart(9)} raw ${kb(gzip).padStart(9)} gzip  ${raw > BUDGET_BYTES ? 'OVER' : 'ok'}  (${scripts.map((s) => `${s}.js`).join(' + ')})`,
  );
}
console.log(
  `  service worker (${basename('sw.js')})${' '.repeat(25)} ${kb(readFileSync(resolve(root, API_ASSETS_DIR, 'sw.js')).length).padStart(9)} raw`,
);
if (over) {
  console.error('A page is over the JavaScript budget.');
  process.exit(1);
}
