/**
 * What every bench stack does with `scripts/dev.ts` (bench:room, bench:read, bench:system): refuse ports that
 * already answer, copy the code to a snapshot, spawn the dev script, copy its output into a log (counting
 * wrangler's reloads), wait until it is healthy, and stop it again.
 *
 * By default a stack runs from a snapshot copy of the working tree (git-tracked and untracked, non-ignored files;
 * node_modules hard-linked), for two reasons found the hard way:
 * - `wrangler dev` rebuilds and restarts the workers whenever a source file changes, dropping every socket: a
 *   colleague saving a file — or running `npm install`, which rewrites node_modules — mid-run silently ruins the
 *   measurement.
 * - dev.ts writes `.dev.vars` beside each wrangler.toml; in a copy, the bench's settings (tick, ports, limits)
 *   never overwrite the ones a developer's own `npm run dev` uses.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export async function isUp(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/** Throws when something already answers on the stack's ports: it would silently be measured instead. */
export async function assertPortsFree(url: string, relay: string, remedy: string): Promise<void> {
  if ((await isUp(`${url}/health`)) || (await isUp(`http://${relay}/health`)))
    throw new Error(`something already answers on ${url} or ${relay}: ${remedy}`);
}

/** What scripts/dev.ts reads from its environment: where its data lives, its ports, and the workers' vars. */
export function devScriptEnv(opts: {
  dataDir: string;
  port: number;
  relayPort: number;
  inspectorPort?: number;
  devVars: Record<string, string>;
  /** false: no cron job and no demo scoring in the middle of a measurement. */
  backgroundJobs: boolean;
}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MYSETLIST_DATA_DIR: opts.dataDir,
    PORT: String(opts.port),
    DB_RELAY_PORT: String(opts.relayPort),
    ...(opts.inspectorPort === undefined ? {} : { INSPECTOR_PORT: String(opts.inspectorPort) }),
    ...(opts.backgroundJobs ? {} : { MYSETLIST_DEV_CRONS: 'off', MYSETLIST_DEMO_SCORING: 'off' }),
    // dev.ts writes these into every worker's .dev.vars, which override wrangler.toml [vars].
    MYSETLIST_DEV_VARS: JSON.stringify(opts.devVars),
  };
}

export interface DevScript {
  child: ChildProcess;
  /** Stops the dev script (after `beforeStop`), then removes the snapshot and runs `cleanup`; only once. */
  stop(): Promise<void>;
}

/**
 * Spawns `scripts/dev.ts` from `codeDir` (`node --import tsx`, not npx/npm, so that the pid we signal is the dev
 * script itself), copies its output into `log` (`onReload` hears each wrangler reload: it drops every socket) and
 * waits until `url` is healthy; if it never is, stops it and throws.
 */
export async function startDevScript(opts: {
  url: string;
  codeDir: string;
  env: NodeJS.ProcessEnv;
  log: WriteStream;
  logFile: string;
  onReload?: () => void;
  beforeStop?: () => Promise<void>;
  cleanup?: () => void;
}): Promise<DevScript> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
    cwd: opts.codeDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env,
  });
  teeOutput(child, opts.log, opts.onReload);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await opts.beforeStop?.();
      await stopChild(child); // dev.ts stops wrangler (and so workerd), then the relay and PGlite
      opts.log.end();
      removeSnapshot(opts.codeDir);
      opts.cleanup?.();
    })());
  await waitHealthy(opts.url, child, stop, opts.logFile);
  return { child, stop };
}

/** Copies a child's stdout and stderr into `log`; `onReload` hears each wrangler reload (it drops every socket). */
export function teeOutput(child: ChildProcess, log: Writable, onReload?: () => void): void {
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.pipe(log, { end: false });
    if (onReload)
      createInterface({ input: stream }).on('line', (line) => {
        if (line.includes('Reloading local server')) onReload();
      });
  }
}

/** Waits (up to 180 s) for the stack's /health; stops the stack and throws if it exits or never answers. */
export function waitHealthy(url: string, child: ChildProcess, stop: () => Promise<void>, logFile: string) {
  return waitUntil(
    () => isUp(`${url}/health`),
    child,
    stop,
    180_000,
    (exited) =>
      exited
        ? `the stack exited (${child.exitCode}) before it was healthy; see ${logFile}`
        : `${url}/health did not answer 200 within 180 s; see ${logFile}`,
  );
}

/** Waits (up to 120 s) until a `wrangler dev` answers HTTP at all (any status). */
export function waitListening(url: string, child: ChildProcess, stop: () => Promise<void>, logFile: string) {
  const answers = () =>
    fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      () => true,
      () => false, // not listening yet
    );
  return waitUntil(
    answers,
    child,
    stop,
    120_000,
    (exited) => `${url} did not come up (${exited ? `exit ${child.exitCode}` : 'timeout'}); see ${logFile}`,
  );
}

/** Polls `ready` every 300 ms; if the child exits or time runs out first, stops the stack and throws. */
async function waitUntil(
  ready: () => Promise<boolean>,
  child: ChildProcess,
  stop: () => Promise<void>,
  timeoutMs: number,
  failure: (exited: boolean) => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    const exited = child.exitCode !== null;
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(failure(exited));
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** SIGINT (dev.ts then stops wrangler, and so workerd, and the relay), then SIGKILL after 20 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
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

/**
 * Copies the code to a temp dir — the working tree's non-ignored files, or the tree of a commit
 * (`ref`) — and links node_modules (not copied).
 */
export function snapshotTree(ref: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'mysetlist-bench-'));
  if (ref) {
    const tar = join(dir, '.snapshot.tar');
    execFileSync('git', ['archive', '--format=tar', '-o', tar, ref], { cwd: ROOT });
    execFileSync('tar', ['-xf', tar, '-C', dir]);
    rmSync(tar);
    linkNodeModules(dir);
    return dir;
  }
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT })
    .toString()
    .split('\0');
  for (const file of files) {
    const src = resolve(ROOT, file);
    if (!file || !existsSync(src)) continue; // deleted but still in the index
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(src, join(dir, file));
  }
  linkNodeModules(dir);
  return dir;
}

/** Deletes a snapshot made by `snapshotTree` (never the working tree itself). */
export function removeSnapshot(codeDir: string): void {
  if (codeDir !== ROOT) rmSync(codeDir, { recursive: true, force: true });
}

/**
 * Hard links (`cp -al`, ~0.5 s for 400 MB): npm replaces files rather than rewriting them in place, so
 * an `npm install` in the working tree leaves the copy's files, which wrangler watches, untouched.
 * A symlink is the fallback (e.g. /tmp on another file system).
 */
function linkNodeModules(dir: string): void {
  try {
    execFileSync('cp', ['-al', resolve(ROOT, 'node_modules'), join(dir, 'node_modules')]);
  } catch {
    rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
    symlinkSync(resolve(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  }
}

/** The commit a ref names, and whether the working tree differs from HEAD (for the report). */
export function codeVersion(ref: string | undefined): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', ref ?? 'HEAD'], { cwd: ROOT })
      .toString()
      .trim();
    if (ref) return `${ref} (${commit})`;
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT }).toString().trim() !== '';
    return `working tree (HEAD ${commit}${dirty ? ' + uncommitted changes' : ''})`;
  } catch {
    return ref ?? 'working tree';
  }
}
