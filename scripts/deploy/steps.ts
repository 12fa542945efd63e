/**
 * The steps of a production deploy (scripts/deploy/index.ts runs them), in dependency order. Needs `wrangler login` (or CLOUDFLARE_API_TOKEN)
 * and, for the migration step, DATABASE_URL pointing at the production Neon database (the direct, not the
 * pooled, endpoint: migrations take locks a transaction-mode pooler does not keep).
 *
 * 1. Apply database migrations (additive first: code that is already deployed must keep working), to the EU
 *    database of per-fan residency too when DATABASE_URL_EU is set (its direct endpoint).
 * 2. Create the queues and their dead-letter queues (an existing queue is left alone).
 * 3. Deploy realtime (owns the ShowRoom class and its Durable Object migrations), then queue-consumers,
 *    then api, which binds both: a binding to a script or queue that does not exist yet fails the deploy.
 * 4. With SET_SECRETS=1, store DATABASE_URL (and DATABASE_URL_POOLED for the workers, if given) as a
 *    secret of each worker, and every other secret of secrets.example.env that is set in the environment as a
 *    secret of the workers that read it (WORKER_SECRETS). Unset ones are listed, never stored empty.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import pg from 'pg';
import { buildApiAssets } from '../api-assets';
import { applyMigrations } from '../db/migrate';

const root = resolve(import.meta.dirname, '../..');
export const WORKERS = ['workers/realtime/wrangler.toml', 'workers/queue-consumers/wrangler.toml', 'wrangler.toml'];
const QUEUES = ['vote-events', 'notifications', 'analytics', 'imports', 'alerts'].flatMap((q) => [
  `mysetlist-${q}`,
  `mysetlist-${q}-dlq`,
]);

/**
 * Which worker reads which secret (secrets.example.env documents each). Kept here, not derived from the
 * generated Env types, because `wrangler types --env-file` gives every worker every name in the file.
 */
const WORKER_SECRETS: Record<string, string[]> = {
  'workers/realtime/wrangler.toml': ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_HEADERS'],
  'workers/queue-consumers/wrangler.toml': [
    'DATABASE_URL_EU',
    'UNSUBSCRIBE_SIGNING_KEY',
    'EMAIL_API_URL',
    'EMAIL_API_KEY',
    'VAPID_PUBLIC_KEY',
    'VAPID_PRIVATE_KEY',
    'VAPID_SUBJECT',
    'FCM_SERVICE_ACCOUNT_JSON',
    'SPOTIFY_CLIENT_ID',
    'SPOTIFY_CLIENT_SECRET',
    'TICKETMASTER_API_KEY',
    'SETLISTFM_API_KEY',
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_EXPORTER_OTLP_HEADERS',
    'PAGERDUTY_ROUTING_KEY',
    'ALERT_WEBHOOK_URL',
  ],
  'wrangler.toml': [
    'DATABASE_URL_EU',
    'MFA_ENCRYPTION_KEY',
    'NETWORK_ID_KEY',
    'UNSUBSCRIBE_SIGNING_KEY',
    'VAPID_PUBLIC_KEY',
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_EXPORTER_OTLP_HEADERS',
  ],
};

export function wrangler(args: string[], input?: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [resolve(root, 'node_modules/wrangler/bin/wrangler.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    input,
    stdio: input === undefined ? ['inherit', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  process.stdout.write(output);
  return { status: result.status, output };
}

export async function migrateDatabase(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl)
    throw new Error('Set DATABASE_URL to the production database (direct endpoint) to apply migrations.');
  await migrate(databaseUrl, 'migrations applied');
  // Per-fan residency's EU database has the same schema (docs/operations.md, "Regions and residency").
  if (process.env.DATABASE_URL_EU) await migrate(process.env.DATABASE_URL_EU, 'migrations applied to the EU database');
}

async function migrate(connectionString: string, done: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await applyMigrations(client);
    console.log(`✓ ${done}`);
  } finally {
    await client.end();
  }
}

export function ensureQueues(): void {
  for (const queue of QUEUES) {
    const { status, output } = wrangler(['queues', 'create', queue]);
    if (status !== 0 && !/already exists|already taken/i.test(output))
      throw new Error(`creating queue ${queue} failed`);
  }
  console.log('✓ queues present');
}

/** With SET_SECRETS=1, stores the worker's secrets from the environment (one bulk call: one new version). */
export function putSecrets(config: string): void {
  if (process.env.SET_SECRETS !== '1') return;
  const databaseUrl = process.env.DATABASE_URL ?? '';
  const workerUrl = process.env.DATABASE_URL_POOLED ?? databaseUrl;
  const secrets: Record<string, string> = { DATABASE_URL: workerUrl };
  const missing: string[] = [];
  for (const name of WORKER_SECRETS[config] ?? []) {
    const value = process.env[name];
    if (value) secrets[name] = value;
    else missing.push(name);
  }
  if (wrangler(['secret', 'bulk', '-c', config], JSON.stringify(secrets)).status !== 0)
    throw new Error(`setting the secrets of ${config} failed`);
  if (missing.length) console.warn(`! ${config}: not set in the environment, left as they are: ${missing.join(', ')}`);
}

export function buildAssets(): void {
  buildApiAssets(root); // the api worker's static assets (/docs), uploaded by its deploy
}

/** Deploys one worker to 100 % of traffic (`wrangler deploy`): the only way Durable Object migrations apply. */
export function deployWhole(config: string): void {
  putSecrets(config);
  if (wrangler(['deploy', '-c', config, ...environmentVar()]).status !== 0)
    throw new Error(`deploying ${config} failed`);
}

/** The whole deploy at once: first deploys, and any deploy that carries Durable Object migrations. */
export async function deployAll(): Promise<void> {
  await migrateDatabase();
  ensureQueues();
  buildAssets();
  for (const config of WORKERS) deployWhole(config);
  console.log('✓ deployed realtime, queue-consumers and api');
}

/**
 * Which feature_flags rows the deployed workers read (workers/api/src/flags): production unless DEPLOY_ENVIRONMENT
 * says; and whether EU shows' rooms go to the EU jurisdiction (src/shared/regions/room-address.ts): on unless
 * ROOM_JURISDICTIONS says (wrangler.toml has it off, for local workerd, which refuses jurisdictions).
 */
export function environmentVar(): string[] {
  return [
    '--var',
    `DEPLOY_ENVIRONMENT:${process.env.DEPLOY_ENVIRONMENT || 'production'}`,
    '--var',
    `ROOM_JURISDICTIONS:${process.env.ROOM_JURISDICTIONS || 'on'}`,
  ];
}
