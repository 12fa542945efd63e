/** The consistency check (lost or duplicated votes) and the pass/fail verdict of a run. */
import type { BenchOptions } from './args';
import type { ConnectResult, DriveResult } from './harness';
import type { PostgresFigures } from './postgres';
import type { BenchResult, Consistency } from './report';
import type { CpuReport } from './sampler';

/**
 * Every place a vote is counted must agree with the acks: the harness (Σ of the highest acked count per
 * song), the room (GET setlist), and Postgres (active vote rows, and Σ setlist_songs.vote_count). The
 * fixture's show starts with 0 votes, so no offset is needed. More than acked = duplicated (or counted
 * without an ack reaching the fan); fewer = lost.
 */
export function checkConsistency(
  final: { acksOk: number; unanswered: number; sumOfAckedCounts: number; lateAcks: number },
  drive: DriveResult,
  roomSum: number,
  postgres: PostgresFigures,
): Consistency {
  const problems: string[] = [];
  const expect = (name: string, value: number) => {
    if (Number.isNaN(value))
      problems.push(
        `${name} unavailable (the room did not answer GET setlist within 10 s: still working through a backlog?)`,
      );
    else if (value > final.acksOk)
      problems.push(
        `${name} = ${value} > ${final.acksOk} acked ok: duplicated votes, or votes counted whose ack never arrived`,
      );
    else if (value < final.acksOk)
      problems.push(
        `${name} = ${value} < ${final.acksOk} acked ok: lost votes, or not yet persisted when the wait ended`,
      );
  };
  expect('harness Σ of acked counts', final.sumOfAckedCounts);
  expect('room Σ counts', roomSum);
  expect('postgres active votes', postgres.activeVotes);
  expect('postgres Σ setlist_songs.vote_count', postgres.sumVoteCount);
  if (final.unanswered)
    problems.push(`${final.unanswered} votes never got an ack (waited until the Postgres drain timed out)`);
  if (drive.missingDeliveries) problems.push(`${drive.missingDeliveries} (socket, vote) deliveries never arrived`);
  return {
    acksOk: final.acksOk,
    lateAcks: final.lateAcks,
    harnessSum: final.sumOfAckedCounts,
    roomSum,
    postgresActiveVotes: postgres.activeVotes,
    postgresSumVoteCount: postgres.sumVoteCount,
    pass: problems.length === 0,
    problems,
  };
}

/** Sustained = p95 < 100 ms, consistent, nothing refused or dropped, ≥ 98 % of the offered rate accepted. */
export function judge(input: {
  opts: BenchOptions;
  drive: DriveResult;
  connect: ConnectResult;
  consistency: Consistency;
  reloads: number;
  busyBeforePct: number;
  stackCpu: CpuReport;
  baselineCpu: CpuReport | undefined;
}): BenchResult['verdict'] {
  const { opts, drive: d, connect, consistency, reloads } = input;
  const reasons: string[] = [];
  if (!(d.latency.p95Ms < 100)) reasons.push(`p95 ${d.latency.p95Ms.toFixed(1)} ms ≥ 100 ms`);
  if (!consistency.pass) reasons.push('consistency FAIL');
  if (Object.keys(d.acksFailed).length) reasons.push(`refused votes: ${JSON.stringify(d.acksFailed)}`);
  if (d.acceptedPerS < 0.98 * opts.rate)
    reasons.push(`accepted ${d.acceptedPerS.toFixed(0)}/s < 98 % of ${opts.rate}/s`);
  if (d.votesSkipped) reasons.push(`${d.votesSkipped} votes not sent (voter socket closed)`);
  const dropped = Object.values(d.unexpectedCloses).reduce((a, b) => a + b, 0);
  if (dropped)
    reasons.push(
      `${dropped} sockets closed unexpectedly during the drive${reloads ? ` (wrangler reloaded the workers ${reloads}×: a watched file changed)` : ''}`,
    );
  if (connect.failures['HTTP 429'])
    reasons.push(
      'connects refused with 429: the gateway rate limit (RATE_LIMIT_REQUESTS per IP) counts every emulated fan as one IP; raise it on that stack',
    );
  const warnings: string[] = [];
  if (reloads)
    warnings.push(
      `wrangler reloaded the workers ${reloads}× between the drive and the Postgres checks (a watched file changed); figures after a reload are suspect`,
    );
  if (input.busyBeforePct > 30)
    warnings.push(`machine ${input.busyBeforePct.toFixed(0)} % busy (of one core) before the run`);
  for (const [name, cpu] of [
    ['stack', input.stackCpu],
    ['baseline', input.baselineCpu],
  ] as const) {
    if (cpu && cpu.otherPct > 25)
      warnings.push(`other processes used ${cpu.otherPct.toFixed(0)} % of a core during the ${name} drive`);
  }
  return { sustained: reasons.length === 0, reasons, warnings };
}
