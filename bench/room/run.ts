/** Running the harness against one target, and small probes of the stack. */

import { type ProcInfo, rssMiB } from '../lib/procs';
import type { BenchOptions } from './args';
import { Harness, type HarnessTarget } from './harness';
import type { RssRow, TargetRun } from './report';
import { CpuSampler } from './sampler';

/** Connect, drive, and measure one target; `procs` are the server processes to watch. */
export async function runTarget(
  target: HarnessTarget,
  opts: BenchOptions,
  durationS: number,
  procs: ProcInfo[],
  beforeDrive: () => Promise<void>,
  log: (line: string) => void,
): Promise<Omit<TargetRun, 'roomSum'> & { harness: Harness }> {
  const idle = new Map(procs.map((p) => [p.pid, rssMiB(p.pid)]));
  const sampler = new CpuSampler(procs);
  let cpu: TargetRun['cpu'] | undefined;
  const harness = new Harness(target, {
    sockets: opts.sockets,
    voters: opts.voters,
    rate: opts.rate,
    durationS,
    rampBatch: opts.rampBatch,
    threads: opts.threads,
    stormS: opts.stormS,
    joinRate: opts.joinRate,
    joinVotes: opts.joinVotes,
    log,
    onDriveStart: () => sampler.start((durationS * 1000) / 2),
    onDriveEnd: () => (cpu = sampler.stop()),
  });
  const connect = await harness.connect();
  const connected = new Map(procs.map((p) => [p.pid, rssMiB(p.pid)]));
  await beforeDrive();
  log(
    `${target.name}: driving ${opts.rate} votes/s for ${durationS} s over ${opts.voters} voters${opts.joinRate ? `, ${opts.joinRate} fans joining per second` : ''}…`,
  );
  const drive = await harness.drive();
  log(
    `${target.name}: ${drive.acksOk} ok acks (${drive.acceptedPerS.toFixed(0)}/s), vote→update p50 ${drive.latency.p50Ms.toFixed(1)} ms p95 ${drive.latency.p95Ms.toFixed(1)} ms p99 ${drive.latency.p99Ms.toFixed(1)} ms`,
  );
  const rss: RssRow[] = procs.map((p) => ({
    role: p.role,
    pid: p.pid,
    idleMiB: idle.get(p.pid),
    connectedMiB: connected.get(p.pid),
    afterMiB: rssMiB(p.pid),
  }));
  return { connect, drive, cpu: cpu!, rss, harness };
}

/**
 * Drives a baseline server for the baselines' duration, then stops it: the run, with the sum of counts the
 * server reports (NaN when it cannot tell).
 */
export async function runBaseline(
  target: HarnessTarget,
  opts: BenchOptions,
  server: { sumOfCounts(): Promise<number>; stop(): Promise<void> },
  procs: ProcInfo[],
  log: (line: string) => void,
): Promise<TargetRun & { durationS: number }> {
  const { harness, ...run } = await runTarget(target, opts, opts.baselineDurationS, procs, async () => {}, log);
  const sum = await server.sumOfCounts().catch(() => NaN);
  await harness.close();
  await server.stop();
  return { ...run, roomSum: sum, durationS: opts.baselineDurationS };
}

export async function roomSum(baseUrl: string, showId: string): Promise<number> {
  const res = await fetch(`${baseUrl}/v1/shows/${showId}/setlist`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET setlist: HTTP ${res.status}`);
  const body = (await res.json()) as { songs: { votes: number }[] };
  return body.songs.reduce((a, s) => a + s.votes, 0);
}
