/** The stack the fuzz run drives: `scripts/dev.ts` in a throwaway data directory, on the ports given. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

export interface Stack {
  base: string;
  stop(): Promise<void>;
}

export async function startStack(opts: { port: number; relayPort: number; inspectorPort: number }): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mysetlist-fuzz-'));
  const env = {
    ...process.env,
    PORT: String(opts.port),
    DB_RELAY_PORT: String(opts.relayPort),
    INSPECTOR_PORT: String(opts.inspectorPort),
    MYSETLIST_DATA_DIR: dataDir,
    WRANGLER_REGISTRY_PATH: process.env.WRANGLER_REGISTRY_PATH ?? join(dataDir, 'registry'),
    // The fuzz stack's own limit, far above what the run sends: the limiter is exercised, not the test's bottleneck.
    MYSETLIST_DEV_VARS: JSON.stringify({ RATE_LIMIT_REQUESTS: '100000000', LOG_LEVEL: 'error' }),
  };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 240_000;
  while (!output.includes('[dev] ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the fuzz stack did not start:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { base: `http://127.0.0.1:${opts.port}`, stop };
}
