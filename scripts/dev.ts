/**
 * `npm run dev`: the whole system on this machine, with nothing to install.
 *
 * 1. Postgres: an embedded PGlite persisted in .data/pglite (or DATABASE_URL, when set), behind the local
 *    Neon relay so the workers use the real Neon driver.
 * 2. Migrations applied, demo data seeded once; finished shows get their actual setlist and, once the workers run,
 *    are scored through the api (scripts/seed/actual-setlists.ts, finalize-demo.ts).
 * 3. All three workers in one `wrangler dev` process (queues only deliver reliably within one process), behind
 *    the dev gateway (scripts/dev-gateway).
 * 4. Every cron on its schedule (scripts/dev-crons.ts), unless MYSETLIST_DEV_CRONS=off.
 * Ctrl-C stops everything this script started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { buildApiAssets } from './api-assets';
import { applyMigrations } from './db/migrate';
import { allCrons, startDevCrons } from './dev-crons';
import { splitLayout } from './fanout-split';
import { type LocalDatabase, startLocalDatabase } from './local-db/index';
import { type ActualSetlistSeed, seedActualSetlists, showsToFinalize } from './seed/actual-setlists';
import { useLocalArtwork } from './seed/artwork';
import { finalizeDemoShows } from './seed/finalize-demo';
import { type SeedResult, type SqlExecutor, seedDatabase } from './seed/index';
import { utcMidnight } from './seed/time';

const root = resolve(import.meta.dirname, '..');
/** Where PGlite and wrangler keep their state; benchmarks point it elsewhere to keep dev data clean. */
const dataDir = resolve(root, process.env.MYSETLIST_DATA_DIR ?? '.data');
const port = Number(process.env.PORT ?? 8787);
const relayPort = Number(process.env.DB_RELAY_PORT ?? 0);
/** wrangler's DevTools inspector; set it when several dev stacks share a machine (the e2e tests do). */
const inspectorPort = process.env.INSPECTOR_PORT;
/** The relay dials its own upstream; for PGlite the credentials in this URL are ignored. */
const PGLITE_URL = 'postgres://mysetlist:mysetlist@localhost:5432/mysetlist';
/** Per-fan residency's EU database: a second PGlite on the same relay, reached by this host (PGlite mode only). */
const EU_HOST = 'eu.localhost';
const PGLITE_EU_URL = `postgres://mysetlist:mysetlist@${EU_HOST}:5432/mysetlist`;
/**
 * DEVELOPMENT ONLY, public in this repository: base64 of the 32 ASCII bytes "mysetlist-DEV-ONLY-mfa-key-00001".
 * It encrypts MFA secrets in the local database; production sets its own with `wrangler secret put`.
 */
const DEV_ONLY_MFA_KEY = 'bXlzZXRsaXN0LURFVi1PTkxZLW1mYS1rZXktMDAwMDE=';
/** Local only: the HMAC key of voters' network ids (docs/analytics.md). */
const DEV_ONLY_NETWORK_ID_KEY = 'mysetlist-DEV-ONLY-network-id-key';

/**
 * DEVELOPMENT ONLY, public in this repository: the notifications' unsubscribe-link HMAC key (base64 of
 * "mysetlist-DEV-ONLY-unsub-key-001") and a VAPID key pair, so that unsubscribe links and browser push
 * subscriptions work locally. Email and FCM stay off in development (their deliveries are recorded as skipped).
 */
const DEV_ONLY_NOTIFICATION_VARS = {
  UNSUBSCRIBE_SIGNING_KEY: 'bXlzZXRsaXN0LURFVi1PTkxZLXVuc3ViLWtleS0wMDE=',
  VAPID_PUBLIC_KEY: 'BDh6KaXVJTxmc0jBqxqNwu5whZHMU_fzvaZXQ9pLH_EDU7SH19S3-H38rTo7BWA8m2oRPgdEpv1PViqJkeDLKqE',
  VAPID_PRIVATE_KEY: '-3ulCIlT-5CZxr5Tu-e0da9fH3236Kk9H5eyGP8LAn4',
  VAPID_SUBJECT: 'mailto:dev@mysetlist.invalid',
};
const started = performance.now();
const say = (line: string) => console.log(`[dev] ${line}`);
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

interface PreparedDatabase {
  seeded: SeedResult;
  actual: ActualSetlistSeed;
  /** Completed shows whose actual setlist is not scored yet: finalised through the api once it runs. */
  toFinalize: string[];
}

/** Before the workers start, so nothing else uses the database meanwhile. */
async function prepareDatabase(db: LocalDatabase): Promise<PreparedDatabase> {
  // Anchored to today's UTC midnight: the same data all day, and shows stay in the past and future.
  const seedOptions = { now: new Date(utcMidnight(Date.now())), onProgress: undefined };
  const seed = async (sql: SqlExecutor): Promise<PreparedDatabase> => {
    const seeded = await seedDatabase(sql, seedOptions);
    await useLocalArtwork(sql);
    const actual = await seedActualSetlists(sql);
    return { seeded, actual, toFinalize: await showsToFinalize(sql) };
  };
  if (db.pglite) {
    await applyMigrations(db.pglite);
    const eu = db.extra[EU_HOST];
    if (eu) await applyMigrations(eu);
    return seed(db.pglite as unknown as SqlExecutor);
  }
  const client = new pg.Client({ connectionString: db.upstreamUrl });
  await client.connect();
  try {
    await applyMigrations(client);
    return await seed(client);
  } finally {
    await client.end();
  }
}

const BASE_CONFIGS = ['wrangler.toml', 'workers/realtime/wrangler.toml', 'workers/queue-consumers/wrangler.toml'];
/** MYSETLIST_FANOUT_PROCESS=1: the rooms run in a wrangler dev of their own (scripts/fanout-split.ts). */
const SPLIT = process.env.MYSETLIST_FANOUT_PROCESS === '1' ? splitLayout(root) : undefined;
/**
 * The first worker answers the port: the dev gateway (scripts/dev-gateway), which passes every request to the api
 * and makes `/cdn-cgi/handler/scheduled` reach the worker that owns each cron.
 */
const WORKER_CONFIGS = ['scripts/dev-gateway/wrangler.toml', ...(SPLIT ? SPLIT.front : BASE_CONFIGS)];
/** Every worker reads the `.dev.vars` beside its config, the rooms' process's too. */
const DEV_VARS_CONFIGS = [...WORKER_CONFIGS, ...(SPLIT?.rooms ?? [])];

const DEV_VARS_HEADER = '# Written by npm run dev on each start; do not edit.';

/**
 * `wrangler dev` applies `--var` only to the first of several workers, but every worker reads the
 * `.dev.vars` beside its own config (git-ignored), so that is where the local database settings go.
 */
function writeDevVars(vars: Record<string, string>): void {
  const body = `${DEV_VARS_HEADER}\n${Object.entries(vars)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
  for (const config of DEV_VARS_CONFIGS) writeFileSync(resolve(root, config, '..', '.dev.vars'), body);
}

/**
 * Removes the `.dev.vars` files this script wrote, when it stops: the test projects load the same files (wrangler
 * reads them beside each config), so values left by a dev stack with raised limits (a drill's, a bench's) would
 * change what `npm test` runs against. A file someone else wrote is left alone.
 */
function removeDevVars(): void {
  for (const config of DEV_VARS_CONFIGS) {
    const file = resolve(root, config, '..', '.dev.vars');
    try {
      if (readFileSync(file, 'utf8').startsWith(DEV_VARS_HEADER)) rmSync(file);
    } catch {
      // already gone
    }
  }
}

/**
 * Extra worker vars as JSON in MYSETLIST_DEV_VARS (e.g. `{"ROOM_TICK_MS":"50"}`): `.dev.vars` overrides
 * wrangler.toml [vars], so benchmarks can tune the room without editing config files.
 */
function extraDevVars(): Record<string, string> {
  const raw = process.env.MYSETLIST_DEV_VARS;
  if (!raw) return {};
  const parsed: unknown = JSON.parse(raw);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('MYSETLIST_DEV_VARS must be a JSON object');
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

function startWrangler(): ChildProcess {
  const args = [
    resolve(root, 'node_modules/wrangler/bin/wrangler.js'),
    'dev',
    ...WORKER_CONFIGS.flatMap((config) => ['-c', config]),
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--persist-to',
    resolve(dataDir, 'wrangler'),
    '--show-interactive-dev-session=false',
    ...(inspectorPort ? ['--inspector-port', inspectorPort] : []),
  ];
  // Started with node directly (not npx) so that this pid is wrangler itself and stopping it stops workerd.
  return spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  });
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const upstreamUrl = process.env.DATABASE_URL;
  say(upstreamUrl ? `database: ${redact(upstreamUrl)}` : `database: embedded PGlite in ${resolve(dataDir, 'pglite')}`);
  const db = await startLocalDatabase({
    ...(upstreamUrl
      ? { upstreamUrl }
      : {
          dataDir: resolve(dataDir, 'pglite'),
          extraDatabases: [{ host: EU_HOST, dataDir: resolve(dataDir, 'pglite-eu') }],
        }),
    port: relayPort,
    log: (line) => (process.env.DB_RELAY_LOG ? console.error(`[local-db] ${line}`) : undefined),
  });
  say(`Neon relay on ${db.relayAddress} (${elapsed()})`);

  const { seeded, actual, toFinalize } = await prepareDatabase(db);
  if (actual.shows) say(`actual setlists seeded for ${actual.shows} finished shows (${actual.playedSongs} songs)`);
  say(
    seeded.status === 'seeded'
      ? `migrated and seeded demo data in ${(seeded.elapsedMs / 1000).toFixed(1)} s`
      : 'migrated; demo data already present',
  );

  writeDevVars({
    ...extraDevVars(),
    DB_RELAY: db.relayAddress,
    DATABASE_URL: upstreamUrl ?? PGLITE_URL,
    DATABASE_URL_EU: upstreamUrl ? (process.env.DATABASE_URL_EU ?? '') : PGLITE_EU_URL,
    MFA_ENCRYPTION_KEY: DEV_ONLY_MFA_KEY,
    NETWORK_ID_KEY: DEV_ONLY_NETWORK_ID_KEY,
    ...DEV_ONLY_NOTIFICATION_VARS,
  });
  buildApiAssets(root);
  const wrangler = startWrangler();
  let crons: { stop(): void } | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    crons?.stop();
    if (wrangler.exitCode === null) {
      wrangler.kill('SIGINT');
      await Promise.race([new Promise((r) => wrangler.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
      if (wrangler.exitCode === null) wrangler.kill('SIGKILL');
    }
    await db.close();
    removeDevVars();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  wrangler.once('exit', (code) => {
    if (!stopping) {
      say(`wrangler exited (${code}); stopping`);
      void stop(code ?? 1);
    }
  });

  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(`${base}/health`, wrangler, 90_000);
  const fan = seeded.logins.accounts[0]!;
  say(`ready in ${elapsed()}: ${base}`);
  say(`  GET ${base}/health   ·   GET ${base}/v1/shows?limit=5   ·   API reference ${base}/docs`);
  say(`  demo login: ${fan.email} / ${fan.password}   (moderator and admin: see README)`);
  // MYSETLIST_DEMO_SCORING=off: test and bench stacks, where minutes of background scoring would compete with what
  // is measured (PGlite runs one transaction at a time) and delay the votes a test waits for.
  if (toFinalize.length && process.env.MYSETLIST_DEMO_SCORING !== 'off') {
    say(`scoring ${toFinalize.length} finished shows in the background (accuracy, points, leaderboards, inbox)…`);
    finalizeDemoShows(base, toFinalize, say).then(
      (r) =>
        say(
          `scored ${r.finalized} finished shows in ${(r.elapsedMs / 1000).toFixed(1)} s${r.failed ? ` (${r.failed} failed; retried on the next start)` : ''}`,
        ),
      (err: unknown) => say(`scoring the finished shows failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  }
  if (process.env.MYSETLIST_DEV_CRONS === 'off') say('crons: off (MYSETLIST_DEV_CRONS=off)');
  else {
    crons = startDevCrons({ baseUrl: base, log: (line) => say(line) });
    say(`crons: ${allCrons().length} schedules running (UTC); run one now:`);
    say(`  curl '${base}/cdn-cgi/handler/scheduled?cron=*/10+*+*+*+*'   (no cron: every cron once)`);
  }
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

main().catch((err: unknown) => {
  console.error('[dev] failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
