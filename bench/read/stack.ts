/**
 * Starts the local stack (`scripts/dev.ts`: the Neon relay in front of the scale database + wrangler dev with
 * all three workers) for the read benchmark, and stops it again. Like bench/room/stack.ts, whose reasons it
 * shares (a snapshot copy of the working tree, so a colleague saving a file does not make wrangler reload the
 * workers mid-run, and so the bench's `.dev.vars` never overwrite a developer's), with three differences:
 * - the database is a real Postgres server (DATABASE_URL), the seeded scale database, never PGlite;
 * - its own port and data directory (.data/bench-read), whose wrangler state (the Cache API's stored
 *   responses, the rate limiters' Durable Objects) is deleted first: COLD means every cache starts empty;
 * - the production rate limit is kept (the bench spreads its requests over addresses and users instead);
 *   only the response cache's freshness is set (`devVars`), see args.ts --fresh.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { isUp, ROOT, snapshotTree, waitHealthy } from '../room/stack';

export const DATA_DIR = resolve(ROOT, '.data/bench-read');

export interface ReadStack {
  url: string;
  relay: string | undefined;
  /** Pid of the dev script; undefined for a stack the bench did not start. */
  pid: number | undefined;
  logFile: string | undefined;
  codeDir: string | undefined;
  reloads(): number;
  stop(): Promise<void>;
}

export function externalStack(url: string, relay: string | undefined): ReadStack {
  return { url, relay, pid: undefined, logFile: undefined, codeDir: undefined, reloads: () => 0, stop: async () => {} };
}

export async function startReadStack(opts: {
  databaseUrl: string;
  port: number;
  relayPort: number;
  logFile: string;
  isolate: boolean;
  ref: string | undefined;
  devVars: Record<string, string>;
}): Promise<ReadStack> {
  const url = `http://127.0.0.1:${opts.port}`;
  const relay = `127.0.0.1:${opts.relayPort}`;
  if ((await isUp(`${url}/health`)) || (await isUp(`http://${relay}/health`))) {
    throw new Error(
      `something already answers on ${url} or ${relay}: stop it, or target it with --url ${url} --relay ${relay}`,
    );
  }
  // Fresh caches: the Cache API's stored responses and the Durable Objects' storage live here (the database
  // is the external server, untouched).
  rmSync(resolve(DATA_DIR, 'wrangler'), { recursive: true, force: true });
  mkdirSync(DATA_DIR, { recursive: true });
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const log = createWriteStream(opts.logFile);
  const codeDir = opts.isolate || opts.ref ? snapshotTree(opts.ref) : ROOT;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
    cwd: codeDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: opts.databaseUrl,
      MYSETLIST_DATA_DIR: DATA_DIR,
      PORT: String(opts.port),
      DB_RELAY_PORT: String(opts.relayPort),
      // No cron job in the middle of a measurement.
      MYSETLIST_DEV_CRONS: 'off',
      MYSETLIST_DEMO_SCORING: 'off',
      // dev.ts writes these into every worker's .dev.vars, which override wrangler.toml [vars].
      MYSETLIST_DEV_VARS: JSON.stringify(opts.devVars),
    },
  });
  let reloads = 0;
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.pipe(log, { end: false });
    createInterface({ input: stream }).on('line', (line) => {
      if (line.includes('Reloading local server')) reloads++;
    });
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT'); // dev.ts stops wrangler (and so workerd), then the relay
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), 20_000)),
      ]);
      if (timedOut) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    log.end();
    if (codeDir !== ROOT) rmSync(codeDir, { recursive: true, force: true });
  };
  await waitHealthy(url, child, stop, opts.logFile);
  return { url, relay, pid: child.pid, logFile: opts.logFile, codeDir, reloads: () => reloads, stop };
}
