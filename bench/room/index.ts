/**
 * `npm run bench:room`: load on one show's live room — N sockets, M voters, R votes/s for T s — with
 * vote → update latency at every socket, server CPU and memory, Postgres round trips, an end-to-end
 * consistency check (exit 1 on FAIL), and the same load against a bare `ws` baseline for scale.
 *
 * Phases: stack (start or attach) → fixture → connect → drive → Postgres drain + checks → stop stack →
 * baseline → report. The baseline runs after the stack is stopped (when the bench owns it), so neither
 * run shares the cores with the other's idle processes.
 */
import os from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_SOCKET_LIMIT, MIN_ARTIST_SONGS, parseOptions, type BenchOptions } from './args';
import { startBaseline, type Baseline } from './baseline';
import { BenchDb } from './db';
import { createFixture } from './fixture';
import { Harness, type HarnessTarget } from './harness';
import { collectPostgresFigures } from './postgres';
import { listeningPorts, machineCpuSeconds, rssMiB, stackProcesses, type ProcInfo } from './procs';
import { printReport, writeJson, type BenchResult, type Consistency, type RssRow, type TargetRun } from './report';
import { CpuSampler } from './sampler';
import { ROOT, codeVersion, externalStack, startStack, type Stack } from './stack';

const t0 = performance.now();
const log = (line: string) => console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}`);

/** Connect, drive, and measure one target; `procs` are the server processes to watch. */
async function runTarget(target: HarnessTarget, opts: BenchOptions, durationS: number, procs: ProcInfo[], beforeDrive: () => Promise<void>): Promise<Omit<TargetRun, 'roomSum'> & { harness: Harness }> {
  const idle = new Map(procs.map((p) => [p.pid, rssMiB(p.pid)]));
  const sampler = new CpuSampler(procs);
  let cpu: TargetRun['cpu'] | undefined;
  const harness = new Harness(target, {
    sockets: opts.sockets,
    voters: opts.voters,
    rate: opts.rate,
    durationS,
    rampBatch: opts.rampBatch,
    log,
    onDriveStart: () => sampler.start((durationS * 1000) / 2),
    onDriveEnd: () => (cpu = sampler.stop()),
  });
  const connect = await harness.connect();
  const connected = new Map(procs.map((p) => [p.pid, rssMiB(p.pid)]));
  await beforeDrive();
  log(`${target.name}: driving ${opts.rate} votes/s for ${durationS} s over ${opts.voters} voters…`);
  const drive = await harness.drive();
  log(
    `${target.name}: ${drive.acksOk} ok acks (${drive.acceptedPerS.toFixed(0)}/s), vote→update p50 ${drive.latency.p50Ms.toFixed(1)} ms p95 ${drive.latency.p95Ms.toFixed(1)} ms p99 ${drive.latency.p99Ms.toFixed(1)} ms`,
  );
  const rss: RssRow[] = procs.map((p) => ({ role: p.role, pid: p.pid, idleMiB: idle.get(p.pid), connectedMiB: connected.get(p.pid), afterMiB: rssMiB(p.pid) }));
  return { connect, drive, cpu: cpu!, rss, harness };
}

/** The workers' workerd answers /health on one of its listening ports (the others are internal). */
async function findWorkersEntry(procs: ProcInfo[]): Promise<number | undefined> {
  for (const p of procs.filter((x) => x.role === 'workerd (workers)')) {
    for (const port of listeningPorts(p.pid)) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
        if (res.ok && ((await res.json()) as { status?: string }).status === 'ok') return port;
      } catch {
        // not an HTTP port
      }
    }
  }
  return undefined;
}

async function roomSum(baseUrl: string, showId: string): Promise<number> {
  const res = await fetch(`${baseUrl}/v1/shows/${showId}/setlist`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET setlist: HTTP ${res.status}`);
  const body = (await res.json()) as { songs: { votes: number }[] };
  return body.songs.reduce((a, s) => a + s.votes, 0);
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const resultsDir = resolve(ROOT, 'bench/results');
  const phases: Record<string, number> = {};
  let mark = performance.now();
  const phase = (name: string) => {
    phases[name] = (performance.now() - mark) / 1000;
    mark = performance.now();
  };
  const perVoter = opts.rate / opts.voters;
  const limit = opts.socketLimit ?? DEFAULT_SOCKET_LIMIT;
  if (perVoter > limit * 0.9) {
    log(`WARNING: ${perVoter.toFixed(1)} votes/s per voter is close to the room's per-socket limit (${limit}/s): expect rate_limited acks; raise --voters or --socket-limit`);
  }

  // Other work on the machine (another developer's test run…) takes cores from the server and the
  // harness alike: measure it up front, and again during each drive (sampler.otherPct).
  const before = machineCpuSeconds();
  await new Promise((r) => setTimeout(r, 2000));
  const after = machineCpuSeconds();
  const busyBeforePct = before && after ? ((after.busy - before.busy) / 2) * 100 : NaN;
  log(`machine busy before the run: ${busyBeforePct.toFixed(0)} % of one core (of ${os.cpus().length * 100} %)`);
  if (busyBeforePct > 30) log('WARNING: the machine is not idle; the figures will understate what the stack can do');

  // Taken now: the working tree may change while the bench runs (the stack runs a snapshot of it).
  const code = opts.url ? 'external stack' : codeVersion(opts.ref);
  let stack: Stack | undefined;
  let baseline: Baseline | undefined;
  // Ctrl-C: stop what we started, never leave a stack behind.
  const abort = () => {
    log('interrupted; stopping child processes…');
    void Promise.allSettled([stack?.stop(), baseline?.stop()]).then(() => process.exit(130));
  };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);

  try {
    if (opts.url) {
      stack = externalStack(opts.url, opts.relay!);
      log(`target: ${opts.url} (relay ${opts.relay}); its ROOM_TICK_MS is whatever that stack was started with`);
    } else {
      log('starting the local stack (scripts/dev.ts, data in .data/bench)…');
      stack = await startStack({ tickMs: opts.tickMs, socketLimit: opts.socketLimit, logFile: resolve(resultsDir, `stack-${stamp}.log`), isolate: opts.isolate, ref: opts.ref });
      log(`stack healthy at ${stack.url} (relay ${stack.relay}); code from ${stack.codeDir}; log: ${stack.logFile}`);
    }
    phase('stack start');
    const port = Number(new URL(stack.url).port || 80);
    const db = new BenchDb(stack.relay);
    const fixture = await createFixture(db, stack.url, {
      voters: opts.voters,
      setlistSongs: opts.setlistSongs,
      artistSongs: Math.max(MIN_ARTIST_SONGS, opts.setlistSongs),
      log,
    });
    phase('fixture');

    const procs = stackProcesses(port, stack.pid);
    if (!procs.length) log('WARNING: could not find the stack\'s processes in /proc: no server CPU/memory figures');
    let wsBase = stack.url.replace(/^http/, 'ws');
    if (opts.direct) {
      const entry = await findWorkersEntry(procs);
      if (!entry) throw new Error('--direct: could not find the workers\' workerd entry port');
      wsBase = `ws://127.0.0.1:${entry}`;
      log(`--direct: sockets go to the workers' workerd on :${entry}, bypassing the dev proxy`);
    }
    const reloadsBefore = stack.reloads();
    const stackTarget: HarnessTarget = {
      name: 'stack',
      wsUrl: (token) => `${wsBase}/v1/shows/${fixture.showId}/live${token ? `?token=${encodeURIComponent(token)}` : ''}`,
      voterTokens: fixture.voterTokens,
    };
    // Round trips are counted from here: connects (session lookups) and setup are not the votes' cost.
    const run = await runTarget(stackTarget, opts, opts.durationS, procs, () => db.resetRelayStats());
    phase('stack connect+drive');
    log('waiting for Postgres to catch up…');
    const postgres = await collectPostgresFigures(db, fixture.showId, () => run.harness.live(), opts.drainTimeoutS);
    const reloads = stack.reloads() - reloadsBefore;
    const stackRoomSum = await roomSum(stack.url, fixture.showId).catch((err: unknown) => {
      log(`GET setlist failed: ${err instanceof Error ? err.message : String(err)}`);
      return NaN;
    });
    const final = run.harness.live();
    phase('postgres drain');
    await run.harness.close();
    if (!opts.url) {
      log('stopping the stack…');
      await stack.stop();
    }
    phase('stack stop');

    const problems: string[] = [];
    const d = run.drive;
    const expect = (name: string, value: number) => {
      if (Number.isNaN(value)) problems.push(`${name} unavailable (the room did not answer GET setlist within 10 s: still working through a backlog?)`);
      else if (value !== final.acksOk) problems.push(`${name} = ${value}, but ${final.acksOk} votes were acked ok (${value > final.acksOk ? 'duplicated or unacked votes' : 'lost votes'})`);
    };
    expect('harness Σ of acked counts', final.sumOfAckedCounts);
    expect('room Σ counts', stackRoomSum);
    expect('postgres active votes', postgres.activeVotes);
    expect('postgres Σ setlist_songs.vote_count', postgres.sumVoteCount);
    if (final.unanswered) problems.push(`${final.unanswered} votes never got an ack (waited until the Postgres drain timed out)`);
    if (d.missingDeliveries) problems.push(`${d.missingDeliveries} (socket, vote) deliveries never arrived`);
    const consistency: Consistency = {
      acksOk: final.acksOk,
      lateAcks: final.lateAcks,
      harnessSum: final.sumOfAckedCounts,
      roomSum: stackRoomSum,
      postgresActiveVotes: postgres.activeVotes,
      postgresSumVoteCount: postgres.sumVoteCount,
      pass: problems.length === 0,
      problems,
    };

    let baselineRun: BenchResult['baseline'];
    if (opts.baseline) {
      log(`starting the bare ws baseline (${opts.baselineDurationS} s)…`);
      baseline = await startBaseline({ songs: opts.setlistSongs, tickMs: opts.tickMs });
      const target: HarnessTarget = {
        name: 'baseline',
        wsUrl: (token) => `ws://127.0.0.1:${baseline!.port}/live${token ? `?token=${token}` : ''}`,
        voterTokens: Array.from({ length: opts.voters }, (_, i) => `voter-${i}`),
      };
      const b = await runTarget(target, opts, opts.baselineDurationS, [{ pid: baseline.pid, role: 'node bare ws server', cmd: '' }], async () => {});
      const sum = await baseline.sumOfCounts();
      await b.harness.close();
      await baseline.stop();
      baseline = undefined;
      const { harness: _h, ...rest } = b;
      baselineRun = { ...rest, roomSum: sum, durationS: opts.baselineDurationS };
      phase('baseline');
    }

    const { harness: _h, ...stackRun } = run;
    const reasons: string[] = [];
    if (!(d.latency.p95Ms < 100)) reasons.push(`p95 ${d.latency.p95Ms.toFixed(1)} ms ≥ 100 ms`);
    if (!consistency.pass) reasons.push('consistency FAIL');
    if (Object.keys(d.acksFailed).length) reasons.push(`refused votes: ${JSON.stringify(d.acksFailed)}`);
    if (d.acceptedPerS < 0.98 * opts.rate) reasons.push(`accepted ${d.acceptedPerS.toFixed(0)}/s < 98 % of ${opts.rate}/s`);
    if (d.votesSkipped) reasons.push(`${d.votesSkipped} votes not sent (voter socket closed)`);
    const dropped = Object.values(d.unexpectedCloses).reduce((a, b) => a + b, 0);
    if (dropped) reasons.push(`${dropped} sockets closed unexpectedly during the drive${reloads ? ` (wrangler reloaded the workers ${reloads}×: a watched file changed)` : ''}`);
    if (run.connect.failures['HTTP 429']) reasons.push('connects refused with 429: the gateway rate limit (RATE_LIMIT_REQUESTS per IP) counts every emulated fan as one IP; raise it on that stack');
    const warnings: string[] = [];
    if (reloads) warnings.push(`wrangler reloaded the workers ${reloads}× between the drive and the Postgres checks (a watched file changed); figures after a reload are suspect`);
    if (busyBeforePct > 30) warnings.push(`machine ${busyBeforePct.toFixed(0)} % busy (of one core) before the run`);
    for (const [name, t] of [['stack', run], ['baseline', baselineRun]] as const) {
      if (t && t.cpu.otherPct > 25) warnings.push(`other processes used ${t.cpu.otherPct.toFixed(0)} % of a core during the ${name} drive`);
    }
    const cpus = os.cpus();
    const result: BenchResult = {
      startedAt: startedAt.toISOString(),
      command: `npm run bench:room${opts.argv.length ? ` -- ${opts.argv.join(' ')}` : ''}`,
      machine: { platform: os.platform(), release: os.release(), cpus: cpus.length, cpuModel: cpus[0]?.model ?? '?', memGiB: os.totalmem() / 2 ** 30, node: process.version },
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
      stack: { ...stackRun, roomSum: stackRoomSum, postgres, consistency },
      baseline: baselineRun,
      ratios: baselineRun
        ? {
            throughput: d.acceptedPerS / baselineRun.drive.acceptedPerS,
            p95: d.latency.p95Ms / baselineRun.drive.latency.p95Ms,
            updatesPerS: d.updatesPerS / baselineRun.drive.updatesPerS,
          }
        : undefined,
      verdict: { sustained: reasons.length === 0, reasons, warnings },
      phasesS: { ...phases, total: (performance.now() - t0) / 1000 },
    };
    printReport(result);
    const jsonPath = resolve(opts.json ?? resolve(resultsDir, `room-${stamp}.json`));
    writeJson(jsonPath, result);
    console.log(`\nJSON: ${jsonPath}`);
    return consistency.pass ? 0 : 1;
  } finally {
    await Promise.allSettled([baseline?.stop(), opts.url ? undefined : stack?.stop()]);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('[bench] failed:', err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(2);
  },
);
