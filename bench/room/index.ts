/**
 * `npm run bench:room`: load on one show's live room — N sockets, M voters, R votes/s for T s — with
 * vote → update latency at every socket, server CPU and memory, Postgres round trips, an end-to-end
 * consistency check (exit 1 on FAIL), and the same load against a bare `ws` baseline for scale.
 *
 * Phases: stack (start or attach) → fixture → connect → drive → Postgres drain + checks → stop stack →
 * baseline → report. The baseline runs after the stack is stopped (when the bench owns it), so neither
 * run shares the cores with the other's idle processes.
 */
import { resolve } from 'node:path';
import { codeVersion } from '../lib/dev-stack';
import { writeResult } from '../lib/format';
import { busyLine, busyPct, machineInfo } from '../lib/machine';
import { findWorkersEntry, type ProcInfo, stackProcesses } from '../lib/procs';
import { benchRun, runMain } from '../lib/run';
import { DEFAULT_SOCKET_LIMIT, MIN_ARTIST_SONGS, parseOptions } from './args';
import { type Baseline, startBaseline } from './baseline';
import { type DoBaseline, startDoBaseline } from './baseline-do';
import { BenchDb } from './db';
import { createFixture } from './fixture';
import type { HarnessTarget } from './harness';
import { newestResult, printModel } from './model';
import { collectPostgresFigures } from './postgres';
import { IsolateProfiler } from './profile';
import { type BenchResult, printReport } from './report';
import { roomSum, runBaseline, runTarget } from './run';
import { externalStack, type Stack, startStack } from './stack';
import { checkConsistency, judge } from './verdict';

const t0 = performance.now();
const log = (line: string) =>
  console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}`);

/** Attaches the CPU profiler to the room's isolate and starts it; a failure is a warning, not a failed run. */
async function startProfiler(procs: ProcInfo[], log: (line: string) => void): Promise<IsolateProfiler | undefined> {
  try {
    const profiler = await IsolateProfiler.attach(procs, 'mysetlist-realtime');
    if (!profiler) {
      log("WARNING: --profile: could not find the realtime worker in workerd's inspector");
      return undefined;
    }
    await profiler.start();
    return profiler;
  } catch (err) {
    log(`WARNING: --profile: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/** `--model [FILE] [--fans N] [--votes R] [--shard-capacity N] [--tick-ms T]`: print the capacity model. */
function model(argv: string[]): number {
  const i = argv.indexOf('--model');
  const file = argv[i + 1] && !argv[i + 1]!.startsWith('--') ? resolve(argv[i + 1]!) : newestResult();
  const num = (name: string) => {
    const j = argv.indexOf(name);
    return j >= 0 ? Number(argv[j + 1]) : undefined;
  };
  const input = {
    fans: num('--fans'),
    votesPerS: num('--votes'),
    shardCapacity: num('--shard-capacity'),
    tickMs: num('--tick-ms'),
  };
  printModel(file, Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && Number.isFinite(v))));
  return 0;
}

async function main(): Promise<number> {
  if (process.argv.includes('--model')) return model(process.argv.slice(2));
  const opts = parseOptions(process.argv.slice(2));
  const { startedAt, stamp, resultsDir, phases, phase } = benchRun();
  const perVoter = opts.rate / opts.voters;
  const limit = opts.socketLimit ?? DEFAULT_SOCKET_LIMIT;
  if (perVoter > limit * 0.9) {
    log(
      `WARNING: ${perVoter.toFixed(1)} votes/s per voter is close to the room's per-socket limit (${limit}/s): expect rate_limited acks; raise --voters or --socket-limit`,
    );
  }

  // Other work on the machine (another developer's test run…) takes cores from the server and the
  // harness alike: measure it up front, and again during each drive (sampler.otherPct).
  const busyBeforePct = await busyPct();
  log(busyLine(busyBeforePct));
  if (busyBeforePct > 30) log('WARNING: the machine is not idle; the figures will understate what the stack can do');

  // Taken now: the working tree may change while the bench runs (the stack runs a snapshot of it).
  const code = opts.url ? 'external stack' : codeVersion(opts.ref);
  let stack: Stack | undefined;
  let baseline: Baseline | undefined;
  let doBaseline: DoBaseline | undefined;
  let profiler: IsolateProfiler | undefined;
  // Ctrl-C: stop what we started, never leave a stack behind.
  const abort = () => {
    log('interrupted; stopping child processes…');
    void Promise.allSettled([stack?.stop(), baseline?.stop(), doBaseline?.stop()]).then(() => process.exit(130));
  };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);

  try {
    if (opts.url) {
      stack = externalStack(opts.url, opts.relay!);
      log(`target: ${opts.url} (relay ${opts.relay}); its ROOM_TICK_MS is whatever that stack was started with`);
    } else {
      log('starting the local stack (scripts/dev.ts, data in .data/bench)…');
      stack = await startStack({ ...opts, logFile: resolve(resultsDir, `stack-${stamp}.log`) });
      log(`stack healthy at ${stack.url} (relay ${stack.relay}); code from ${stack.codeDir}; log: ${stack.logFile}`);
    }
    phase('stack start');
    const port = Number(new URL(stack.url).port || 80);
    const db = new BenchDb(stack.relay);
    const fixture = await createFixture(db, stack.url, {
      voters: opts.voters,
      joinUsers: opts.joinUsers,
      setlistSongs: opts.setlistSongs,
      artistSongs: Math.max(MIN_ARTIST_SONGS, opts.setlistSongs),
      log,
    });
    phase('fixture');

    const procs = [
      ...stackProcesses(port, stack.pid),
      ...(stack.roomsPid
        ? stackProcesses(port + 1, stack.roomsPid).map((p) => ({ ...p, role: `rooms' process: ${p.role}` }))
        : []),
    ];
    if (!procs.length) log("WARNING: could not find the stack's processes in /proc: no server CPU/memory figures");
    let wsBase = stack.url.replace(/^http/, 'ws');
    if (opts.direct) {
      const entry = await findWorkersEntry(procs);
      if (!entry) throw new Error("--direct: could not find the workers' workerd entry port");
      wsBase = `ws://127.0.0.1:${entry}`;
      log(`--direct: sockets go to the workers' workerd on :${entry}, bypassing the dev proxy`);
    }
    const reloadsBefore = stack.reloads();
    const stackTarget: HarnessTarget = {
      name: 'stack',
      wsBase: `${wsBase}/v1/shows/${fixture.showId}/live`,
      voterTokens: fixture.voterTokens,
      joinTokens: fixture.joinTokens,
    };
    // Round trips are counted from here: connects (session lookups) and setup are not the votes' cost.
    const run = await runTarget(
      stackTarget,
      opts,
      opts.durationS,
      procs,
      async () => {
        await db.resetRelayStats();
        if (opts.profile) profiler = await startProfiler(procs, log);
      },
      log,
    );
    const profile = await profiler?.stop(resolve(resultsDir, `room-${stamp}.cpuprofile`)).catch((err: unknown) => {
      log(`WARNING: --profile: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
    phase('stack connect+drive');
    log('waiting for Postgres to catch up…');
    const postgres = await collectPostgresFigures(db, fixture.showId, () => run.harness.live(), opts.drainTimeoutS);
    const reloads = stack.reloads() - reloadsBefore;
    const stackRoomSum = await roomSum(stack.url, fixture.showId).catch((err: unknown) => {
      log(`GET setlist failed: ${err instanceof Error ? err.message : String(err)}`);
      return NaN;
    });
    phase('postgres drain');
    await run.harness.close();
    if (!opts.url) {
      log('stopping the stack…');
      await stack.stop();
    }
    phase('stack stop');

    const d = run.drive;
    const consistency = checkConsistency(run.harness.live(), d, stackRoomSum, postgres);

    const baselineTokens = {
      voterTokens: Array.from({ length: opts.voters }, (_, i) => `voter-${i}`),
      joinTokens: Array.from({ length: opts.joinUsers }, (_, i) => `join-${i}`),
    };
    let doBaselineRun: BenchResult['doBaseline'];
    if (opts.doBaseline) {
      log(`starting the bare Durable Object baseline (${opts.baselineDurationS} s)…`);
      doBaseline = await startDoBaseline({
        songs: opts.setlistSongs,
        tickMs: opts.tickMs,
        port: opts.port + 2,
        inspectorPort: opts.inspectorPort + 2,
        logFile: resolve(resultsDir, `bare-do-${stamp}.log`),
      });
      const doProcs = doBaseline.procs();
      let base = doBaseline.url.replace(/^http/, 'ws');
      if (opts.direct) {
        const entry = await findWorkersEntry(doProcs);
        if (!entry) throw new Error("--direct: could not find the bare DO's workerd entry port");
        base = `ws://127.0.0.1:${entry}`;
      }
      const target: HarnessTarget = { name: 'bare DO', wsBase: `${base}/live`, ...baselineTokens };
      doBaselineRun = await runBaseline(target, opts, doBaseline, doProcs, log);
      doBaseline = undefined;
      phase('bare DO baseline');
    }

    let baselineRun: BenchResult['baseline'];
    if (opts.baseline) {
      log(`starting the bare ws baseline (${opts.baselineDurationS} s)…`);
      baseline = await startBaseline({ songs: opts.setlistSongs, tickMs: opts.tickMs });
      const target: HarnessTarget = {
        name: 'bare ws',
        wsBase: `ws://127.0.0.1:${baseline.port}/live`,
        ...baselineTokens,
      };
      const procs = [{ pid: baseline.pid, role: 'node bare ws server', cmd: '' }];
      baselineRun = await runBaseline(target, opts, baseline, procs, log);
      baseline = undefined;
      phase('baseline');
    }

    const { harness: _h, ...stackRun } = run;
    const verdict = judge({
      opts,
      drive: d,
      connect: run.connect,
      consistency,
      reloads,
      busyBeforePct,
      stackCpu: run.cpu,
      baselineCpu: baselineRun?.cpu,
    });
    const result: BenchResult = {
      startedAt: startedAt.toISOString(),
      command: `npm run bench:room${opts.argv.length ? ` -- ${opts.argv.join(' ')}` : ''}`,
      machine: machineInfo(),
      options: { ...opts, argv: undefined },
      stackTickMs: opts.url ? 'server config' : opts.tickMs,
      stackReloads: reloads,
      code,
      socketPath: opts.direct ? 'direct to workers workerd' : 'through wrangler dev proxy',
      fixture: {
        showId: fixture.showId,
        voters: fixture.voterTokens.length,
        setlistSongs: fixture.setlistSongIds.length,
        timingsMs: fixture.timings,
      },
      stack: { ...stackRun, roomSum: stackRoomSum, postgres, consistency, profile },
      baseline: baselineRun,
      doBaseline: doBaselineRun,
      shards: {
        shards: opts.url ? 'server config' : (opts.shards ?? 'worker default'),
        shardCapacity: opts.shardCapacity === undefined ? '' : String(opts.shardCapacity),
        split: opts.split,
      },
      ratios: baselineRun
        ? {
            throughput: d.acceptedPerS / baselineRun.drive.acceptedPerS,
            p95: d.latency.p95Ms / baselineRun.drive.latency.p95Ms,
            updatesPerS: d.updatesPerS / baselineRun.drive.updatesPerS,
          }
        : undefined,
      verdict,
      phasesS: { ...phases, total: (performance.now() - t0) / 1000 },
    };
    printReport(result);
    writeResult(resolve(opts.json ?? resolve(resultsDir, `room-${stamp}.json`)), result);
    return consistency.pass ? 0 : 1;
  } finally {
    await Promise.allSettled([baseline?.stop(), doBaseline?.stop(), opts.url ? undefined : stack?.stop()]);
  }
}

runMain('bench', main);
