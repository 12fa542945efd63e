/**
 * The api worker's static assets (wrangler.toml `[assets]`): Swagger UI's files for the `/docs` page, copied from
 * the swagger-ui-dist package so that the page works offline and the worker bundle stays small (the worker serves
 * only the page's HTML). The folder is generated, under the git-ignored dist/: `npm run dev`, the tests' global
 * setup and `npm run deploy` write it first; `npx tsx scripts/api-assets.ts` writes it by hand (for a bare
 * `wrangler dev` or `wrangler deploy`).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Relative to the repository root; the same path as `[assets] directory` in wrangler.toml. */
export const API_ASSETS_DIR = 'dist/api-assets';

/** Served at /docs/swagger-ui/<name>. LICENSE and NOTICE go along with the code they cover (Apache-2.0). */
const SWAGGER_UI_FILES: [from: string, to: string][] = [
  ['swagger-ui-bundle.js', 'swagger-ui-bundle.js'],
  ['swagger-ui.css', 'swagger-ui.css'],
  ['favicon-32x32.png', 'favicon-32x32.png'],
  ['LICENSE', 'LICENSE.txt'],
  ['NOTICE', 'NOTICE.txt'],
];

/** Writes the assets folder and returns its absolute path. Overwrites in place, so a running `wrangler dev` keeps serving. */
export function buildApiAssets(root: string): string {
  const source = dirname(createRequire(resolve(root, 'package.json')).resolve('swagger-ui-dist/package.json'));
  const target = resolve(root, API_ASSETS_DIR, 'docs/swagger-ui');
  mkdirSync(target, { recursive: true });
  for (const [from, to] of SWAGGER_UI_FILES) copyFileSync(resolve(source, from), resolve(target, to));
  return resolve(root, API_ASSETS_DIR);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`✓ ${buildApiAssets(resolve(import.meta.dirname, '..'))}`);
}
