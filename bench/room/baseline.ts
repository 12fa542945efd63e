/** Starts the bare-ws baseline server (baseline-server.ts) in its own Node process, and stops it. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from '../lib/dev-stack';

export interface Baseline {
  pid: number;
  port: number;
  sumOfCounts(): Promise<number>;
  stop(): Promise<void>;
}

export async function startBaseline(opts: { songs: number; tickMs: number }): Promise<Baseline> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      resolve(ROOT, 'bench/room/baseline-server.ts'),
      '--songs',
      String(opts.songs),
      '--tick-ms',
      String(opts.tickMs),
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error('the baseline server did not start within 15 s')), 15_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolvePort((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`the baseline server exited (${code})`)));
  });
  return {
    pid: child.pid!,
    port,
    // Bounded: a server still sending a backlog to thousands of sockets may not answer soon.
    sumOfCounts: async () =>
      (
        (await (await fetch(`http://127.0.0.1:${port}/counts`, { signal: AbortSignal.timeout(10_000) })).json()) as {
          sum: number;
        }
      ).sum,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      // A server busy sending a backlog to thousands of sockets may not get to its SIGTERM handler.
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise((r) => setTimeout(() => r(true), 5000)),
      ]);
      if (timedOut) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
