/**
 * Starts the local stack (`scripts/dev.ts`: PGlite behind the Neon relay + wrangler dev with all three
 * workers) as a child process with its own data directory and ports, and stops it again. It runs from a
 * snapshot copy of the working tree (why: bench/lib/dev-stack.ts); `--no-isolate` runs in place instead.
 * Either way, restarts are detected in the log and reported.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOM_PROCESS_CONFIGS } from '../../scripts/fanout-split';
import {
  assertPortsFree,
  devScriptEnv,
  ROOT,
  removeSnapshot,
  snapshotTree,
  startDevScript,
  stopChild,
  teeOutput,
  waitListening,
} from '../lib/dev-stack';
import { type BenchOptions, STACK_PORT } from './args';

export interface Stack {
  url: string;
  relay: string;
  /** Pid of the dev script; undefined for a stack the bench did not start. */
  pid: number | undefined;
  logFile: string | undefined;
  /** Where the stack's code runs from (a snapshot copy, or the working tree). */
  codeDir: string | undefined;
  /** Pid of the rooms' own `wrangler dev` (`--split`, scripts/fanout-split.ts). */
  roomsPid?: number | undefined;
  /** How often wrangler reloaded the workers so far (each reload drops every socket). */
  reloads(): number;
  stop(): Promise<void>;
}

export function externalStack(url: string, relay: string): Stack {
  return { url, relay, pid: undefined, logFile: undefined, codeDir: undefined, reloads: () => 0, stop: async () => {} };
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

/** What of the bench's options shapes the stack it starts (see args.ts), and where its log goes. */
export type StackOptions = Pick<
  BenchOptions,
  | 'tickMs'
  | 'socketLimit'
  | 'logLevel'
  | 'isolate'
  | 'ref'
  | 'port'
  | 'relayPort'
  | 'inspectorPort'
  | 'shards'
  | 'shardCapacity'
  | 'split'
> & { logFile: string };

/** Whether a tree's dev.ts can run the rooms in a process of their own (older trees split the shards off instead). */
function hasRoomProcessLayout(codeDir: string): boolean {
  const file = join(codeDir, 'scripts/fanout-split.ts');
  return existsSync(file) && readFileSync(file, 'utf8').includes('ROOM_PROCESS_CONFIGS');
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const url = `http://127.0.0.1:${opts.port}`;
  const relay = `127.0.0.1:${opts.relayPort}`;
  // A leftover stack on our ports would silently be measured instead of a fresh one.
  await assertPortsFree(url, relay, `stop it, or target it with --url ${url} --relay ${relay}`);
  // A stack on DATABASE_URL keeps its own data directory: wrangler persists the queues there, and vote events of
  // that database's shows, left in a queue when the stack stopped, would be retried against PGlite's (and fail).
  const base = opts.port === STACK_PORT ? '.data/bench' : `.data/bench-${opts.port}`;
  const dataDir = resolve(ROOT, process.env.DATABASE_URL ? `${base}-upstream` : base);
  // The dev registry is how wrangler processes find each other's workers: one per stack, so that the
  // bench's realtime worker binds its own fan-out tier and never another developer's.
  const registry = `/tmp/wreg-bench-${opts.port}`;
  const unlock = takeLock(dataDir);
  mkdirSync(resolve(opts.logFile, '..'), { recursive: true });
  const log = createWriteStream(opts.logFile);
  let codeDir: string;
  try {
    codeDir = opts.isolate || opts.ref ? snapshotTree(opts.ref) : ROOT;
    if (opts.split && !hasRoomProcessLayout(codeDir)) {
      removeSnapshot(codeDir);
      throw new Error(
        `--split: ${opts.ref ?? 'the working tree'} has no rooms' process layout (scripts/fanout-split.ts, ROOM_PROCESS_CONFIGS)`,
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
  if (opts.logLevel !== undefined) devVars.LOG_LEVEL = opts.logLevel;
  // .dev.vars sits beside workers/realtime/wrangler.toml, so the fan-out config there reads it too.
  if (opts.shards !== undefined) devVars.ROOM_SHARDS = opts.shards;
  if (opts.shardCapacity !== undefined) devVars.ROOM_SHARD_CAPACITY = String(opts.shardCapacity);
  let reloads = 0;
  const countReload = () => {
    reloads++;
  };
  let rooms: ChildProcess | undefined;
  const { child, stop } = await startDevScript({
    url,
    codeDir,
    env: {
      // dataDir is absolute, so that a snapshot copy still keeps its database between runs (no re-seeding).
      ...devScriptEnv({
        dataDir,
        port: opts.port,
        relayPort: opts.relayPort,
        inspectorPort: opts.inspectorPort,
        devVars,
        backgroundJobs: false,
      }),
      WRANGLER_REGISTRY_PATH: registry,
      // --split: this process runs the gateway, the api and the fan-out worker; the rooms and the queue
      // consumers run in the second one, started below (scripts/fanout-split.ts).
      ...(opts.split ? { MYSETLIST_FANOUT_PROCESS: '1' } : {}),
    },
    log,
    logFile: opts.logFile,
    onReload: countReload,
    beforeStop: async () => {
      if (rooms) await stopChild(rooms);
    },
    cleanup: unlock,
  });
  if (opts.split) {
    // The rooms in their own workerd process: their objects get a thread of their own, as on Cloudflare, while
    // the shards keep the sockets in the process that accepted them.
    rooms = spawn(
      process.execPath,
      [
        resolve(codeDir, 'node_modules/wrangler/bin/wrangler.js'),
        'dev',
        ...ROOM_PROCESS_CONFIGS.flatMap((config) => ['-c', config]),
        '--ip',
        '127.0.0.1',
        '--port',
        String(opts.port + 1),
        '--inspector-port',
        String(opts.inspectorPort + 1),
        '--persist-to',
        resolve(dataDir, 'wrangler-rooms'),
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
    teeOutput(rooms, log, countReload);
    await waitListening(`http://127.0.0.1:${opts.port + 1}/`, rooms, stop, opts.logFile);
  }
  return {
    url,
    relay,
    pid: child.pid,
    roomsPid: rooms?.pid,
    logFile: opts.logFile,
    codeDir,
    reloads: () => reloads,
    stop,
  };
}
