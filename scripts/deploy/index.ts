/**
 * npm run deploy [command] — production deploys (docs/operations.md, "Deploys").
 *
 *   (none) | all        migrations, queues, then realtime → queue-consumers → api, each at 100 %: the first deploy,
 *                       and any deploy that carries Durable Object migrations (they cannot roll out gradually).
 *   start [--percent P] migrations and queues; realtime and queue-consumers at 100 % (they must stay compatible with
 *                       the api version still serving: additive RPC methods and message fields only); then the api
 *                       as a new version (`wrangler versions upload`) serving P % (default 10) beside the previous one.
 *   watch [--minutes M] reads the api's 5xx share every minute (GET /v1/admin/metrics, DEPLOY_HEALTH_URL +
 *                       DEPLOY_ADMIN_TOKEN) and rolls back by itself when it is too high (--max-error-rate, default 2 %,
 *                       or --max-increase over the share before the rollout, default 0.5 points).
 *   promote [--percent P]  the new api version to P % (default 100).
 *   rollback            the previous api version back to 100 %.
 *   status              the api's current deployment and the rollout in progress.
 *
 * The rollout in progress is kept in .deploy/rollout.json (git-ignored) so that the commands can run from
 * different shells or CI jobs of one rollout.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  currentVersions,
  judgeWindow,
  overallErrorRate,
  type Rollout,
  type RouteErrors,
  uploadedVersionId,
  versionSpecs,
} from './rollout-plan';
import { buildAssets, deployAll, deployWhole, ensureQueues, migrateDatabase, putSecrets, wrangler } from './steps';

const API_CONFIG = 'wrangler.toml';
const stateFile = resolve(import.meta.dirname, '../../.deploy/rollout.json');

function readRollout(): Rollout {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as Rollout;
  } catch {
    throw new Error('No rollout in progress (.deploy/rollout.json): run `npm run deploy -- start` first.');
  }
}

function saveRollout(rollout: Rollout): void {
  mkdirSync(resolve(stateFile, '..'), { recursive: true });
  writeFileSync(stateFile, `${JSON.stringify(rollout, null, 2)}\n`);
}

function apiVersions(): { versionId: string; percentage: number }[] {
  const { status, output } = wrangler(['deployments', 'status', '--json', '-c', API_CONFIG]);
  if (status !== 0) throw new Error('`wrangler deployments status` failed');
  return currentVersions(JSON.parse(output.slice(output.indexOf('{'))));
}

function shiftTraffic(rollout: Rollout, percent: number, message: string): void {
  const specs = versionSpecs(rollout, percent);
  if (wrangler(['versions', 'deploy', ...specs, '--yes', '--message', message, '-c', API_CONFIG]).status !== 0) {
    throw new Error(`\`wrangler versions deploy ${specs.join(' ')}\` failed`);
  }
  saveRollout({ ...rollout, percent });
  console.log(`✓ api: ${specs.join(', ')}`);
}

/** The api's 5xx share over the last `minutes`, from its own request metrics (needs an admin's bearer token). */
async function apiErrorRate(minutes: number): Promise<{ requests: number; errorRate: number } | null> {
  const base = process.env.DEPLOY_HEALTH_URL;
  const token = process.env.DEPLOY_ADMIN_TOKEN;
  if (!base || !token) return null;
  const res = await fetch(new URL(`/v1/admin/metrics?windowMinutes=${minutes}`, base), {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`GET /v1/admin/metrics answered ${res.status}`);
  const body = (await res.json()) as { routes: RouteErrors[] };
  return overallErrorRate(body.routes);
}

async function start(percent: number): Promise<void> {
  await migrateDatabase();
  ensureQueues();
  buildAssets();
  deployWhole('workers/realtime/wrangler.toml');
  deployWhole('workers/queue-consumers/wrangler.toml');
  const [previous] = apiVersions();
  if (!previous) throw new Error('The api has no deployment yet: run `npm run deploy` (all) first.');
  const baseline = await apiErrorRate(10);
  putSecrets(API_CONFIG);
  const upload = wrangler(['versions', 'upload', '-c', API_CONFIG, '--message', `rollout ${new Date().toISOString()}`]);
  if (upload.status !== 0) throw new Error('`wrangler versions upload` failed');
  const rollout: Rollout = {
    previousVersionId: previous.versionId,
    newVersionId: uploadedVersionId(upload.output),
    percent: 0,
    startedAt: new Date().toISOString(),
    baselineErrorRate: baseline?.errorRate ?? null,
  };
  shiftTraffic(rollout, percent, `rollout: ${percent} %`);
  console.log('Next: `npm run deploy -- watch`, then `promote` or `rollback`.');
}

async function watch(minutes: number, thresholds: Parameters<typeof judgeWindow>[2]): Promise<void> {
  const rollout = readRollout();
  for (let minute = 1; minute <= minutes; minute++) {
    await new Promise((r) => setTimeout(r, 60_000));
    const window = await apiErrorRate(1);
    if (!window) throw new Error('Set DEPLOY_HEALTH_URL and DEPLOY_ADMIN_TOKEN to watch the error rate.');
    const verdict = judgeWindow(window, rollout.baselineErrorRate, thresholds);
    console.log(
      `minute ${minute}: ${window.requests} requests, 5xx ${(window.errorRate * 100).toFixed(2)} % → ${verdict.verdict}`,
    );
    if (verdict.verdict === 'rollback') {
      console.error(`✗ ${verdict.reason}: rolling back`);
      shiftTraffic(rollout, 0, `automatic rollback: ${verdict.reason}`);
      process.exitCode = 1;
      return;
    }
  }
  console.log(`✓ ${minutes} minutes healthy at ${rollout.percent} %: \`npm run deploy -- promote\``);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      percent: { type: 'string' },
      minutes: { type: 'string', default: '10' },
      'max-error-rate': { type: 'string', default: '0.02' },
      'max-increase': { type: 'string', default: '0.005' },
      'min-requests': { type: 'string', default: '100' },
    },
  });
  const command = positionals[0] ?? 'all';
  switch (command) {
    case 'all':
      return deployAll();
    case 'start':
      return start(Number(values.percent ?? 10));
    case 'watch':
      return watch(Number(values.minutes), {
        maxErrorRate: Number(values['max-error-rate']),
        maxIncrease: Number(values['max-increase']),
        minRequests: Number(values['min-requests']),
      });
    case 'promote': {
      const rollout = readRollout();
      const percent = Number(values.percent ?? 100);
      shiftTraffic(rollout, percent, `rollout: ${percent} %`);
      if (percent === 100) rmSync(stateFile);
      return;
    }
    case 'rollback': {
      shiftTraffic(readRollout(), 0, 'rollback');
      rmSync(stateFile);
      return;
    }
    case 'status':
      console.log(JSON.stringify({ deployment: apiVersions(), rollout: safeRollout() }, null, 2));
      return;
    default:
      throw new Error(`unknown command ${command}: all | start | watch | promote | rollback | status`);
  }
}

function safeRollout(): Rollout | null {
  try {
    return readRollout();
  } catch {
    return null;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
