/**
 * Starts the local stack (`scripts/dev.ts`: PGlite behind the Neon relay + wrangler dev with all three
 * workers) as a child process with its own data directory and ports, and stops it again.
 *
 * By default the stack runs from a snapshot copy of the working tree (git-tracked and untracked,
 * non-ignored files; node_modules hard-linked), for two reasons found the hard way:
 * - `wrangler dev` rebuilds and restarts the workers whenever a source file changes, dropping every
 *   socket: a colleague saving a file — or running `npm install`, which rewrites node_modules — mid-run
 *   silently ruins the measurement.
 * - dev.ts writes `.dev.vars` beside each wrangler.toml; in a copy, the bench's settings (tick, ports,
 *   limits) never overwrite the ones a developer's own `npm run dev` uses.
 * `--no-isolate` runs in place instead. Either way, restarts are detected in the log and reported.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { STACK_PORT } from './args';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface Stack {
  url: string;
  relay: string;
  /** Pid of the dev script; undefined for a stack the bench did not start. */
  pid: number | undefined;
  logFile: string | undefined;
  /** Where the stack's code runs from (a snapshot copy, or the working tree). */
  codeDir: string | undefined;
  /** Pid of the fan-out tier's own `wrangler dev` (`--split`). */
  fanoutPid?: number | undefined;
  /** How often wrangler reloaded the workers so far (each reload drops every socket). */
  reloads(): number;
  stop(): Promise<void>;
}

export function externalStack(url: string, relay: string): Stack {
  return { url, relay, pid: undefined, logFile: undefined, codeDir: undefined, reloads: () => 0, stop: async () => {} };
}

export async function isUp(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/** Waits (up to 180 s) for the stack's /health; stops the stack and throws if it exits or never answers. */
export async function waitHealthy(
  url: string,
  child: ChildProcess,
  stop: () => Promise<void>,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!(await isUp(`${url}/health`))) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the stack exited (${child.exitCode}) before it was healthy; see ${logFile}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${url}/health did not answer 200 within 180 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 300));
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

/**
 * One bench stack at a time: two would share .data/bench (one PGlite directory, corrupted by two
 * writers) and the fixed ports. The port check alone misses a second run started while the first is
 * still booting, so a lock file holds the owner's pid; a lock whose owner is gone is taken over.
 */
function takeLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lock = join(dataDir, 'bench-room.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch {
      const owner = Number(readFileSync(lock, 'utf8'));
      let alive = false;
      try {
        process.kill(owner, 0); // signal 0: only asks whether the pid exists
        alive = owner !== process.pid;
      } catch {
        // no such process: a stale lock
      }
      if (alive) throw new Error(`another bench:room run (pid ${owner}) owns ${dataDir}; wait for it to finish`);
      rmSync(lock, { force: true });
    }
  }
  throw new Error(`could not take ${lock}`);
}

export interface StackOptions {
  tickMs: number;
  socketLimit: number | undefined;
  logFile: string;
  isolate: boolean;
  ref: string | undefined;
  port: number;
  relayPort: number;
  inspectorPort: number;
  /** ROOM_SHARDS / ROOM_SHARD_CAPACITY of the realtime worker (undefined: its default). */
  shards: string | undefined;
  shardCapacity: number | undefined;
  /** Run the fan-out tier from workers/realtime/wrangler.fanout.toml in a second `wrangler dev`. */
  split: boolean;
}

export const FANOUT_CONFIG = 'workers/realtime/wrangler.fanout.toml';

export async function startStack(opts: StackOptions): Promise<Stack> {
  const url = `http://127.0.0.1:${opts.port}`;
  const relay = `127.0.0.1:${opts.relayPort}`;
  // A leftover stack on our ports would silently be measured instead of a fresh one.
  if ((await isUp(`${url}/health`)) || (await isUp(`http://${relay}/health`))) {
    throw new Error(
      `something already answers on ${url} or ${relay}: stop it, or target it with --url ${url} --relay ${relay}`,
    );
  }
  const dataDir = resolve(ROOT, opts.port === STACK_PORT ? '.data/bench' : `.data/bench-${opts.port}`);
  // The dev registry is how wrangler processes find each other's workers: one per stack, so that the
  // bench's realtime worker binds its own fan-out tier and never another developer's.
  const registry = `/tmp/wreg-bench-${opts.port}`;
  const unlock = takeLock(dataDir);
  mkdirSync(resolve(opts.logFile, '..'), { recursive: true });
  const log = createWriteStream(opts.logFile);
  let codeDir: string;
  try {
    codeDir = opts.isolate || opts.ref ? snapshotTree(opts.ref) : ROOT;
    if (opts.split && !existsSync(join(codeDir, FANOUT_CONFIG))) {
      if (codeDir !== ROOT) rmSync(codeDir, { recursive: true, force: true });
      throw new Error(
        `--split: ${FANOUT_CONFIG} does not exist in ${opts.ref ?? 'the working tree'} (the fan-out tier is not there yet)`,
      );
    }
  } catch (err) {
    unlock();
    throw err;
  }
  const devVars: Record<string, string> = {
    ROOM_TICK_MS: String(opts.tickMs),
    // All emulated fans share 127.0.0.1, i.e. ONE gateway rate-limit key, where in production each has
    // its own IP: 2,000 anonymous connects would be refused after the first 1,000 per minute. The
    // limiter stays on the path (its cost is measured); only the per-key budget is raised.
    RATE_LIMIT_REQUESTS: '1000000',
  };
  if (opts.socketLimit !== undefined) devVars.ROOM_SOCKET_MESSAGES_PER_SECOND = String(opts.socketLimit);
  // .dev.vars sits beside workers/realtime/wrangler.toml, so the fan-out config there reads it too.
  if (opts.shards !== undefined) devVars.ROOM_SHARDS = opts.shards;
  if (opts.shardCapacity !== undefined) devVars.ROOM_SHARD_CAPACITY = String(opts.shardCapacity);
  // `node --import tsx` (not npx/npm) so that the pid we signal is the dev script itself.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
    cwd: codeDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // Absolute, so that a snapshot copy still keeps its database between runs (no re-seeding).
      MYSETLIST_DATA_DIR: dataDir,
      PORT: String(opts.port),
      DB_RELAY_PORT: String(opts.relayPort),
      INSPECTOR_PORT: String(opts.inspectorPort),
      WRANGLER_REGISTRY_PATH: registry,
      // No cron job in the middle of a measurement.
      MYSETLIST_DEV_CRONS: 'off',
      MYSETLIST_DEMO_SCORING: 'off',
      // --split: the api's and the room's ROOM_FANOUT bindings point at the fan-out worker of the second
      // process (scripts/fanout-split.ts); without it the shards would run in this process after all.
      ...(opts.split ? { MYSETLIST_FANOUT_PROCESS: '1' } : {}),
      // dev.ts writes these into every worker's .dev.vars, which override wrangler.toml [vars].
      MYSETLIST_DEV_VARS: JSON.stringify(devVars),
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
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= doStop()); // idempotent: the error paths and `finally` may both call it
  let fanout: ChildProcess | undefined;
  const doStop = async () => {
    if (fanout) await stopChild(fanout);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT'); // dev.ts stops wrangler (and so workerd), then closes PGlite cleanly
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
    unlock();
  };
  await waitHealthy(url, child, stop, opts.logFile);
  if (opts.split) {
    // The fan-out tier in its own workerd process: its objects get their own thread, as on Cloudflare.
    fanout = spawn(
      process.execPath,
      [
        resolve(codeDir, 'node_modules/wrangler/bin/wrangler.js'),
        'dev',
        '-c',
        FANOUT_CONFIG,
        '--ip',
        '127.0.0.1',
        '--port',
        String(opts.port + 1),
        '--inspector-port',
        String(opts.inspectorPort + 1),
        '--persist-to',
        resolve(dataDir, 'wrangler-fanout'),
        '--show-interactive-dev-session=false',
      ],
      {
        cwd: codeDir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          WRANGLER_REGISTRY_PATH: registry,
          WRANGLER_SEND_METRICS: 'false',
          CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        },
      },
    );
    for (const stream of [fanout.stdout!, fanout.stderr!]) {
      stream.pipe(log, { end: false });
      createInterface({ input: stream }).on('line', (line) => {
        if (line.includes('Reloading local server')) reloads++;
      });
    }
    await waitListening(`http://127.0.0.1:${opts.port + 1}/`, fanout, stop, opts.logFile);
  }
  return {
    url,
    relay,
    pid: child.pid,
    fanoutPid: fanout?.pid,
    logFile: opts.logFile,
    codeDir,
    reloads: () => reloads,
    stop,
  };
}

/** Waits (up to 120 s) until a `wrangler dev` answers HTTP at all (any status). */
export async function waitListening(
  url: string,
  child: ChildProcess,
  stop: () => Promise<void>,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(
        `${url} did not come up (${child.exitCode === null ? 'timeout' : `exit ${child.exitCode}`}); see ${logFile}`,
      );
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** SIGINT, then SIGKILL after 20 s. */
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
