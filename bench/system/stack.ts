/**
 * The bench's own stack: `scripts/dev.ts` (PGlite, or `--database-url`, behind the relay, and the three workers
 * in one wrangler dev) from a snapshot copy of the working tree or of `--ref`, on this bench's ports, with a
 * fresh data directory every time (PGlite re-seeded, caches and Durable Objects empty), so two runs start from
 * the same state. The rate limit is raised (the bench's thousands of requests come from few fans); the limiter
 * itself stays on the path.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { isUp, snapshotTree, waitHealthy } from '../room/stack';

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
  if ((await isUp(`${url}/health`)) || (await isUp(`http://${relay}/health`)))
    throw new Error(`something already answers on ${url} or ${relay}: stop it first`);
  rmSync(opts.dataDir, { recursive: true, force: true });
  mkdirSync(opts.dataDir, { recursive: true });
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const log = createWriteStream(opts.logFile);
  const codeDir = snapshotTree(opts.ref);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MYSETLIST_DATA_DIR: opts.dataDir,
    PORT: String(opts.port),
    DB_RELAY_PORT: String(opts.relayPort),
    INSPECTOR_PORT: String(opts.inspectorPort),
    MYSETLIST_DEV_VARS: JSON.stringify(opts.devVars),
    // As bench:room's and bench:read's stacks: the demo's background scoring of 385 finished shows and the
    // minute crons would land in some steps and not others (and the --ref stack may not have them at all).
    MYSETLIST_DEV_CRONS: 'off',
    MYSETLIST_DEMO_SCORING: 'off',
  };
  if (opts.databaseUrl) env.DATABASE_URL = opts.databaseUrl;
  else delete env.DATABASE_URL;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
    cwd: codeDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
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
    rmSync(codeDir, { recursive: true, force: true });
  };
  await waitHealthy(url, child, stop, opts.logFile);
  return { url, relay, pid: child.pid!, stop };
}
