/**
 * The web app's static files (Workers Static Assets, wrangler.toml `[assets]`): written by scripts/api-assets.ts,
 * which bundles the client scripts in workers/api/client with esbuild. Keep these paths in step with it.
 */
export const WEB_ASSETS = {
  css: '/static/app.css',
  icon: '/static/icon.svg',
  /** As-you-type search suggestions (every page's header). */
  searchScript: '/static/search.js',
  /** The show page's live room: bars, votes, reconnects. */
  showScript: '/static/show.js',
  /** The account page's Web Push opt-in. */
  pushScript: '/static/push.js',
  /** The ops page's live charts. */
  opsScript: '/static/ops.js',
  /** The import page's live progress. */
  importScript: '/static/import.js',
  /** At the root, so that its scope is the whole site. */
  serviceWorker: '/sw.js',
} as const;
