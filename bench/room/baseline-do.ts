/**
 * Starts the bare Durable Object baseline (do-baseline/worker.ts) in its own `wrangler dev`, from a copy
 * in a temp dir (wrangler restarts on any change to what it watches), and stops it again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, stopChild, waitHealthy } from '../lib/dev-stack';
import { type ProcInfo, stackProcesses } from '../lib/procs';

export interface DoBaseline {
  pid: number;
  url: string;
  procs(): ProcInfo[];
  sumOfCounts(): Promise<number>;
  stop(): Promise<void>;
}

export async function startDoBaseline(opts: {
  songs: number;
  tickMs: number;
  port: number;
  inspectorPort: number;
  logFile: string;
}): Promise<DoBaseline> {
  const dir = mkdtempSync(join(tmpdir(), 'mysetlist-bench-do-'));
  for (const f of ['wrangler.toml', 'worker.ts'])
    copyFileSync(resolve(ROOT, 'bench/room/do-baseline', f), join(dir, f));
  const log = createWriteStream(opts.logFile);
  const child: ChildProcess = spawn(
    process.execPath,
    [
      resolve(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
      'dev',
      '-c',
      join(dir, 'wrangler.toml'),
      '--ip',
      '127.0.0.1',
      '--port',
      String(opts.port),
      '--inspector-port',
      String(opts.inspectorPort),
      '--persist-to',
      join(dir, 'state'),
      '--var',
      `SONGS:${opts.songs}`,
      `TICK_MS:${opts.tickMs}`,
      '--show-interactive-dev-session=false',
    ],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        WRANGLER_REGISTRY_PATH: `/tmp/wreg-bench-${opts.port}`,
        WRANGLER_SEND_METRICS: 'false',
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      },
    },
  );
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const url = `http://127.0.0.1:${opts.port}`;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await stopChild(child);
      log.end();
      rmSync(dir, { recursive: true, force: true });
    })());
  await waitHealthy(url, child, stop, opts.logFile);
  return {
    pid: child.pid!,
    url,
    procs: () => stackProcesses(opts.port, child.pid),
    sumOfCounts: async () =>
      ((await (await fetch(`${url}/counts`, { signal: AbortSignal.timeout(10_000) })).json()) as { sum: number }).sum,
    stop,
  };
}
