/**
 * The drill's own copy of `npm run dev`: the Neon relay (PGlite, or a real server with --database-url) in this
 * process, and `wrangler dev` with the three workers as a child that the drill can SIGKILL and start again
 * while the database stays up. Budgets are compressed through `.dev.vars` and a copy of the consumers'
 * wrangler.toml with smaller queue retry budgets (max_retries is not a var).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { cmdline, descendantsOf } from '../../bench/lib/procs';
import { BenchDb } from '../../bench/room/db';
import { buildApiAssets } from '../api-assets';
import { applyMigrations } from '../db/migrate';
import { type LocalDatabase, startLocalDatabase } from '../local-db/index';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const CONSUMERS_DIR = resolve(ROOT, 'workers/queue-consumers');
export const DRILL_CONSUMERS_CONFIG = resolve(CONSUMERS_DIR, 'wrangler.drill.toml');
const PGLITE_URL = 'postgres://mysetlist:mysetlist@localhost:5432/mysetlist';

export interface StackOptions {
  dataDir: string;
  port: number;
  relayPort: number;
  inspectorPort: number | undefined;
  databaseUrl: string | undefined;
  vars: Record<string, string>;
  /** max_retries of the vote-events queue and of the dead-letter queues in the drill's copy of the config. */
  queueRetries: number;
  dlqRetries: number;
  log: (line: string) => void;
}

export interface DrillStack {
  url: string;
  relay: string;
  /** The database under the workers now (PGlite's instance is `pglite`; a real server's URL is `upstreamUrl`). */
  database(): LocalDatabase;
  /** Closes the relay (and PGlite): the workers find no database until `startDatabase`. */
  stopDatabase(): Promise<void>;
  /**
   * Opens the database and its relay again, on the same port. PGlite: from `loadDataDir` (a `dumpDataDir()`
   * tarball) into an emptied data directory when given, else from the data directory as it is.
   */
  startDatabase(load?: { loadDataDir?: Blob }): Promise<void>;
  /** SIGKILLs the workers' workerd (and wrangler), then starts wrangler again and waits until healthy. */
  killWorkers(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Where a drill run lives: a data directory of its own (kept with DRILL_KEEP_DATA) and the ports from the
 * environment (PORT, DB_RELAY_PORT, INSPECTOR_PORT), as `npm run dev` reads them.
 */
export function runPlace(
  name: string,
  runId: string,
): Pick<StackOptions, 'dataDir' | 'port' | 'relayPort' | 'inspectorPort'> {
  const dataDir = resolve(process.env.MYSETLIST_DATA_DIR ?? resolve(ROOT, '.data'), `${name}-${runId}`);
  mkdirSync(dataDir, { recursive: true });
  return {
    dataDir,
    port: Number(process.env.PORT ?? 8810),
    relayPort: Number(process.env.DB_RELAY_PORT ?? 0),
    inspectorPort: process.env.INSPECTOR_PORT ? Number(process.env.INSPECTOR_PORT) : undefined,
  };
}

/** DRILL_VARS (JSON) overrides any of a drill's vars, e.g. '{"ROOM_RECONCILE_SECONDS":"3600"}'. */
function varOverrides(): Record<string, string> {
  return process.env.DRILL_VARS ? (JSON.parse(process.env.DRILL_VARS) as Record<string, string>) : {};
}

/**
 * Starts the drill's stack, runs `drill` on it (Ctrl-C stops the stack first) and, however that ends, stops the
 * stack and deletes the run's data (unless DRILL_KEEP_DATA); then exits with the code `drill` returned.
 */
export async function runOnStack(
  opts: StackOptions,
  drill: (stack: DrillStack, db: BenchDb) => Promise<number>,
): Promise<never> {
  const stack = await startStack(opts);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void stack.stop().finally(() => process.exit(130)));
  let exitCode = 1;
  try {
    opts.log(`stack up at ${stack.url} (relay ${stack.relay})`);
    exitCode = await drill(stack, new BenchDb(stack.relay));
  } finally {
    await stack.stop();
    if (!process.env.DRILL_KEEP_DATA) rmSync(opts.dataDir, { recursive: true, force: true });
  }
  process.exit(exitCode);
}

/** Runs a drill's `main`; anything it throws exits 1 with the stack. */
export function runDrill(tag: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(`[${tag}] failed:`, err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}

export async function startStack(opts: StackOptions): Promise<DrillStack> {
  const pgliteDir = resolve(opts.dataDir, 'pglite');
  let db: LocalDatabase = await startLocalDatabase({
    ...(opts.databaseUrl ? { upstreamUrl: opts.databaseUrl } : { dataDir: pgliteDir }),
    port: opts.relayPort,
    log: () => {},
  });
  // A restarted relay must listen where the workers' DB_RELAY points.
  const relayPort = Number(db.relayAddress.split(':').at(-1));
  let dbOpen = true;
  if (db.pglite) await applyMigrations(db.pglite);
  else {
    const client = new pg.Client({ connectionString: db.upstreamUrl });
    await client.connect();
    try {
      await applyMigrations(client);
    } finally {
      await client.end();
    }
  }
  const devVars = {
    DB_RELAY: db.relayAddress,
    DATABASE_URL: opts.databaseUrl ?? PGLITE_URL,
    MFA_ENCRYPTION_KEY: 'bXlzZXRsaXN0LURFVi1PTkxZLW1mYS1rZXktMDAwMDE=',
    NETWORK_ID_KEY: 'mysetlist-DEV-ONLY-network-id-key',
    UNSUBSCRIBE_SIGNING_KEY: 'bXlzZXRsaXN0LURFVi1PTkxZLXVuc3ViLWtleS0wMDE=',
    // The limits a few fans voting fast would hit are raised in every drill.
    ROOM_SOCKET_MESSAGES_PER_SECOND: '100',
    RATE_LIMIT_REQUESTS: '100000',
    LOG_LEVEL: 'error',
    ...opts.vars,
    ...varOverrides(),
  };
  const body = `# Written by npm run drill:faults; npm run dev rewrites it.\n${Object.entries(devVars)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
  // What was there before comes back on stop: `.dev.vars` is read by `npm test` too (vitest-pool-workers), and the
  // drill's compressed budgets (RATE_LIMIT_REQUESTS=100000, ROOM_FAULT_HOOKS=relay…) made later test runs fail.
  const devVarsFiles = ['.', 'workers/realtime', 'workers/queue-consumers'].map((dir) =>
    resolve(ROOT, dir, '.dev.vars'),
  );
  const previousDevVars = devVarsFiles.map((file) => (existsSync(file) ? readFileSync(file, 'utf8') : null));
  for (const file of devVarsFiles) writeFileSync(file, body);
  const toml = readFileSync(resolve(CONSUMERS_DIR, 'wrangler.toml'), 'utf8')
    .replace(
      /(queue = "mysetlist-vote-events"\n(?:[^\n[]*\n)*?)max_retries = \d+/,
      `$1max_retries = ${opts.queueRetries}`,
    )
    .replace(/(queue = "[a-z-]+-dlq"\n(?:[^\n[]*\n)*?)max_retries = \d+/g, `$1max_retries = ${opts.dlqRetries}`);
  writeFileSync(DRILL_CONSUMERS_CONFIG, toml);
  buildApiAssets(ROOT);

  const url = `http://127.0.0.1:${opts.port}`;
  let wrangler = await startWrangler(opts, url);
  return {
    url,
    relay: db.relayAddress,
    database: () => db,
    async stopDatabase() {
      if (!dbOpen) return;
      dbOpen = false;
      await db.close();
    },
    async startDatabase(load = {}) {
      if (dbOpen) throw new Error('the database is already open');
      if (load.loadDataDir) rmSync(pgliteDir, { recursive: true, force: true });
      db = await startLocalDatabase({
        ...(opts.databaseUrl
          ? { upstreamUrl: opts.databaseUrl }
          : { dataDir: pgliteDir, ...(load.loadDataDir ? { loadDataDir: load.loadDataDir } : {}) }),
        port: relayPort,
        log: () => {},
      });
      dbOpen = true;
    },
    async killWorkers() {
      const workerd = descendantsOf(wrangler.pid!).filter((pid) => cmdline(pid).includes('workerd'));
      for (const pid of workerd) process.kill(pid, 'SIGKILL');
      opts.log(`SIGKILL workerd ${workerd.join(', ')}`);
      await stopProcess(wrangler, 'SIGKILL');
      wrangler = await startWrangler(opts, url);
    },
    async stop() {
      await stopProcess(wrangler, 'SIGINT');
      if (dbOpen) await db.close();
      rmSync(DRILL_CONSUMERS_CONFIG, { force: true });
      devVarsFiles.forEach((file, i) => {
        const previous = previousDevVars[i];
        if (previous === null || previous === undefined) rmSync(file, { force: true });
        else writeFileSync(file, previous);
      });
    },
  };
}

async function startWrangler(opts: StackOptions, url: string): Promise<ChildProcess> {
  const args = [
    resolve(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
    'dev',
    ...['wrangler.toml', 'workers/realtime/wrangler.toml', DRILL_CONSUMERS_CONFIG].flatMap((c) => ['-c', c]),
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--persist-to',
    resolve(opts.dataDir, 'wrangler'),
    '--show-interactive-dev-session=false',
    ...(opts.inspectorPort ? ['--inspector-port', String(opts.inspectorPort)] : []),
  ];
  // DRILL_WRANGLER_LOG=<file>: wrangler's output (queue batches, worker logs) is appended there.
  const out = process.env.DRILL_WRANGLER_LOG ? openSync(process.env.DRILL_WRANGLER_LOG, 'a') : 'ignore';
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', out, out],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler exited (${child.exitCode}) before it was healthy`);
    try {
      if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).status === 200) return child;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stopProcess(child, 'SIGKILL');
      throw new Error(`${url}/health did not answer within 120 s`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const all = descendantsOf(child.pid!);
  child.kill(signal);
  await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of all) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
