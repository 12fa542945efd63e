/**
 * Starts `npm run dev` (scripts/dev.ts) for the browser tests on its own ports (E2E_PORT, default 8813, the
 * relay and inspector on the next two) with a fresh data dir, waits until it is ready, and stops it afterwards.
 * With E2E_BASE_URL set, the tests use that running stack instead.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

const root = resolve(import.meta.dirname, '../..');
const READY_TIMEOUT_MS = 150_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.E2E_BASE_URL) {
    project.provide('baseUrl', process.env.E2E_BASE_URL.replace(/\/$/, ''));
    return async () => {};
  }
  const port = Number(process.env.E2E_PORT ?? 8813);
  const dataDir = mkdtempSync(join(tmpdir(), 'mysetlist-e2e-'));
  const started = Date.now();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      DB_RELAY_PORT: String(port + 1),
      INSPECTOR_PORT: String(port + 2),
      MYSETLIST_DATA_DIR: dataDir,
      // Deterministic pages: no cron job changes the data under a test.
      MYSETLIST_DEV_CRONS: 'off',
      // Nor the demo's background scoring of finished shows, which holds PGlite for a minute and delays votes.
      MYSETLIST_DEMO_SCORING: 'off',
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    },
  });
  let log = '';
  const collect = (chunk: Buffer) => {
    log += chunk.toString();
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`npm run dev was not ready in ${READY_TIMEOUT_MS / 1000} s:\n${log.slice(-4000)}`)),
      READY_TIMEOUT_MS,
    );
    const check = () => {
      if (log.includes('[dev] ready')) {
        clearTimeout(timer);
        done();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`npm run dev exited (${code}):\n${log.slice(-4000)}`));
    });
  });
  console.log(`[e2e] dev stack ready on :${port} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('baseUrl', `http://127.0.0.1:${port}`);
  return async () => {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
}
