/**
 * The bench's own stack: `scripts/dev.ts` (PGlite, or `--database-url`, behind the relay, and the three workers
 * in one wrangler dev) from a snapshot copy of the working tree or of `--ref`, on this bench's ports, with a
 * fresh data directory every time (PGlite re-seeded, caches and Durable Objects empty), so two runs start from
 * the same state. The rate limit is raised (the bench's thousands of requests come from few fans); the limiter
 * itself stays on the path.
 */
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { assertPortsFree, devScriptEnv, snapshotTree, startDevScript } from '../lib/dev-stack';

export interface SystemStack {
  url: string;
  relay: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startSystemStack(opts: {
  port: number;
  relayPort: number;
  inspectorPort: number;
  dataDir: string;
  databaseUrl: string | undefined;
  ref: string | undefined;
  logFile: string;
  devVars: Record<string, string>;
}): Promise<SystemStack> {
  const url = `http://127.0.0.1:${opts.port}`;
  const relay = `127.0.0.1:${opts.relayPort}`;
  await assertPortsFree(url, relay, 'stop it first');
  rmSync(opts.dataDir, { recursive: true, force: true });
  mkdirSync(opts.dataDir, { recursive: true });
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const log = createWriteStream(opts.logFile);
  const codeDir = snapshotTree(opts.ref);
  const env = devScriptEnv({
    dataDir: opts.dataDir,
    port: opts.port,
    relayPort: opts.relayPort,
    inspectorPort: opts.inspectorPort,
    devVars: opts.devVars,
    // As bench:room's and bench:read's stacks: the demo's background scoring of 385 finished shows and the
    // minute crons would land in some steps and not others (and the --ref stack may not have them at all).
    backgroundJobs: false,
  });
  if (opts.databaseUrl) env.DATABASE_URL = opts.databaseUrl;
  else delete env.DATABASE_URL;
  const { child, stop } = await startDevScript({ url, codeDir, env, log, logFile: opts.logFile });
  return { url, relay, pid: child.pid!, stop };
}
