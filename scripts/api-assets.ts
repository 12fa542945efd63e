/**
 * The api worker's static assets (wrangler.toml `[assets]`): Swagger UI's files for the `/docs` page, copied from
 * the swagger-ui-dist package so that the page works offline and the worker bundle stays small (the worker serves
 * only the page's HTML); and the fan web app's CSS, icon and client scripts (workers/api/client, bundled and
 * minified by esbuild into /static, the service worker at /sw.js; docs/web.md). The folder is generated, under the git-ignored dist/: `npm run dev`, the tests' global
 * setup and `npm run deploy` write it first; `npx tsx scripts/api-assets.ts` writes it by hand (for a bare
 * `wrangler dev` or `wrangler deploy`).
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';

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
  buildWebAssets(root);
  return resolve(root, API_ASSETS_DIR);
}

/** The client scripts, one bundle per page script (workers/api/src/web/assets.ts names them). */
export const WEB_CLIENT_ENTRIES = ['search', 'show', 'push', 'ops', 'import'] as const;
const CLIENT_DIR = 'workers/api/client';

/** Bundles the web app's scripts (ES modules, minified, for browsers of the last few years) and copies its static files. */
export function buildWebAssets(root: string): string[] {
  const out = resolve(root, API_ASSETS_DIR, 'static');
  mkdirSync(out, { recursive: true });
  const client = resolve(root, CLIENT_DIR);
  for (const file of readdirSync(resolve(client, 'static')))
    copyFileSync(resolve(client, 'static', file), resolve(out, file));
  const entries = WEB_CLIENT_ENTRIES.map((name) => resolve(client, `${name}.ts`));
  buildSync({
    entryPoints: entries,
    outdir: out,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome111', 'safari16', 'firefox115'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  // The service worker sits at the root: its scope is the folder it is served from.
  buildSync({
    entryPoints: [resolve(client, 'sw.ts')],
    outfile: resolve(root, API_ASSETS_DIR, 'sw.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2022'],
    logLevel: 'warning',
  });
  return WEB_CLIENT_ENTRIES.map((name) => resolve(out, `${name}.js`));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`✓ ${buildApiAssets(resolve(import.meta.dirname, '..'))}`);
}
