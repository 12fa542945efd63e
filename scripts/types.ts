/**
 * npm run types — regenerates the `Env` type of each worker from its wrangler.toml (`wrangler types`), and the
 * workerd runtime types once. Secrets are not in wrangler.toml, so their names come from secrets.example.env
 * (given by absolute path: wrangler resolves a relative --env-file against each config's own folder).
 * It runs on `npm install` (postinstall) and before `npm run typecheck`: the generated files are not in git (they
 * would repeat each other, and their header names this machine's path), so they always match the wrangler.toml.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const wrangler = resolve(root, 'node_modules/wrangler/bin/wrangler.js');
const secrets = resolve(root, 'secrets.example.env');
const runs = [
  ['worker-runtime.d.ts', '--include-env=false'],
  ...[
    ['workers/api/env.d.ts', 'wrangler.toml'],
    ['workers/realtime/env.d.ts', 'workers/realtime/wrangler.toml'],
    ['workers/queue-consumers/env.d.ts', 'workers/queue-consumers/wrangler.toml'],
  ].map(([out, config]) => [
    out!,
    '-c',
    config!,
    '--strict-vars=false',
    '--include-runtime=false',
    `--env-file=${secrets}`,
  ]),
];
for (const args of runs) {
  const result = spawnSync(process.execPath, [wrangler, 'types', ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  console.log(`✓ ${args[0]}`);
}
