/**
 * Builds the realtime and queue-consumers workers with wrangler's own bundler, the same way
 * `wrangler deploy` would, so the tests run them as separate workers exactly as in production.
 * (vitest-pool-workers can only load the main worker from source; auxiliary workers must be bundles.)
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const AUX_WORKERS = [
  { name: 'mysetlist-realtime', config: 'workers/realtime/wrangler.toml' },
  { name: 'mysetlist-queue-consumers', config: 'workers/queue-consumers/wrangler.toml' },
] as const;

export const buildDir = (root: string, name: string) => resolve(root, '.test-build', name);

export function buildAuxWorkers(root: string): void {
  for (const worker of AUX_WORKERS) {
    const result = spawnSync(
      process.execPath,
      [
        resolve(root, 'node_modules/wrangler/bin/wrangler.js'),
        'deploy',
        '--dry-run',
        '--outdir',
        buildDir(root, worker.name),
        '-c',
        worker.config,
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
      },
    );
    if (result.status !== 0) throw new Error(`building ${worker.name} failed:\n${result.stdout}\n${result.stderr}`);
  }
}
