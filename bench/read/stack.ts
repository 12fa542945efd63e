/**
 * Starts the local stack (`scripts/dev.ts`: the Neon relay in front of the scale database + wrangler dev with
 * all three workers) for the read benchmark, and stops it again, through bench/lib/dev-stack.ts, whose reasons it
 * shares (a snapshot copy of the working tree, so a colleague saving a file does not make wrangler reload the
 * workers mid-run, and so the bench's `.dev.vars` never overwrite a developer's), with three differences:
 * - the database is a real Postgres server (DATABASE_URL), the seeded scale database, never PGlite;
 * - its own port and data directory (.data/bench-read), whose wrangler state (the Cache API's stored
 *   responses, the rate limiters' Durable Objects) is deleted first: COLD means every cache starts empty;
 * - the production rate limit is kept (the bench spreads its requests over addresses and users instead);
 *   only the response cache's freshness is set (`devVars`), see args.ts --fresh.
 */
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { assertPortsFree, devScriptEnv, ROOT, snapshotTree, startDevScript } from '../lib/dev-stack';

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
  await assertPortsFree(url, relay, `stop it, or target it with --url ${url} --relay ${relay}`);
  // Fresh caches: the Cache API's stored responses and the Durable Objects' storage live here (the database
  // is the external server, untouched).
  rmSync(resolve(DATA_DIR, 'wrangler'), { recursive: true, force: true });
  mkdirSync(DATA_DIR, { recursive: true });
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const log = createWriteStream(opts.logFile);
  const codeDir = opts.isolate || opts.ref ? snapshotTree(opts.ref) : ROOT;
  let reloads = 0;
  const { child, stop } = await startDevScript({
    url,
    codeDir,
    env: {
      ...devScriptEnv({
        dataDir: DATA_DIR,
        port: opts.port,
        relayPort: opts.relayPort,
        devVars: opts.devVars,
        backgroundJobs: false,
      }),
      DATABASE_URL: opts.databaseUrl,
    },
    log,
    logFile: opts.logFile,
    onReload: () => reloads++,
  });
  return { url, relay, pid: child.pid, logFile: opts.logFile, codeDir, reloads: () => reloads, stop };
}
