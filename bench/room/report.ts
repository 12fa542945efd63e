/** The printed report and the JSON result. */

import { f, int, table } from '../lib/format';
import type { MachineInfo } from '../lib/machine';
import type { ConnectResult, DriveResult } from './harness';
import type { PostgresFigures } from './postgres';
import type { ProfileSummary } from './profile';
import type { CpuReport } from './sampler';

export interface RssRow {
  role: string;
  pid: number;
  idleMiB: number | undefined;
  connectedMiB: number | undefined;
  afterMiB: number | undefined;
}

export interface TargetRun {
  connect: ConnectResult;
  drive: DriveResult;
  cpu: CpuReport;
  rss: RssRow[];
  /** Sum of the song counts the server reports after the run. */
  roomSum: number;
}

export interface Consistency {
  /** Final ok acks, including those that arrived after the drive's 30 s ack wait. */
  acksOk: number;
  lateAcks: number;
  harnessSum: number;
  roomSum: number;
  postgresActiveVotes: number;
  postgresSumVoteCount: number;
  pass: boolean;
  problems: string[];
}

export interface BenchResult {
  startedAt: string;
  command: string;
  machine: MachineInfo;
  options: Record<string, unknown>;
  /** How the stack's tick was set: by the bench through .dev.vars, or unknown for --url. */
  stackTickMs: number | 'server config';
  /** Times wrangler reloaded the workers during the measured run (a reload drops every socket). */
  stackReloads: number;
  /** Which code the stack ran: commit, and whether uncommitted changes were included. */
  code: string;
  socketPath: string;
  fixture: { showId: string; voters: number; setlistSongs: number; timingsMs: Record<string, number> };
  stack: TargetRun & { postgres: PostgresFigures; consistency: Consistency; profile: ProfileSummary | undefined };
  baseline: (TargetRun & { durationS: number }) | undefined;
  /** The bare Durable Object room (do-baseline/) under the same load. */
  doBaseline: (TargetRun & { durationS: number }) | undefined;
  /** How the stack ran the room: ROOM_SHARDS, ROOM_SHARD_CAPACITY, the rooms in a process of their own (--split). */
  shards: { shards: string; shardCapacity: string; split: boolean };
  ratios: { throughput: number; p95: number; updatesPerS: number } | undefined;
  verdict: { sustained: boolean; reasons: string[]; warnings: string[] };
  phasesS: Record<string, number>;
}

type Percentile = 'p50Ms' | 'p95Ms' | 'p99Ms' | 'maxMs';

/** The named percentiles of a latency summary, as "p50 / p95 / max" figures. */
const ms = (summary: Partial<Record<Percentile, number>>, ...which: Percentile[]) =>
  which.map((p) => f(summary[p])).join(' / ');

const codes = (r: Record<string, number>) =>
  Object.keys(r).length
    ? Object.entries(r)
        .map(([k, v]) => `${k}:${v}`)
        .join(' ')
    : '0';

export function printReport(r: BenchResult): void {
  const s = r.stack;
  const b = r.baseline;
  const d = r.doBaseline;
  const o = r.options;
  const lines: string[] = [];
  lines.push('', '══ live room benchmark ══');
  lines.push(`command : ${r.command}`);
  lines.push(
    `machine : ${r.machine.cpus} × ${r.machine.cpuModel}, ${f(r.machine.memGiB)} GiB, ${r.machine.platform} ${r.machine.release}, node ${r.machine.node}`,
  );
  lines.push(
    `load    : ${o.sockets} sockets (${o.voters} voters), ${o.rate} votes/s for ${o.durationS} s, tick ${r.stackTickMs} ms, setlist ${r.fixture.setlistSongs} songs` +
      (b || d ? `; baselines ${(b ?? d)!.durationS} s` : '') +
      `; shards ${r.shards.shards}${r.shards.shardCapacity ? ` × ${r.shards.shardCapacity}` : ''}${r.shards.split ? ', rooms in a process of their own (--split)' : ''}`,
  );
  lines.push(`code    : ${r.code}`);
  lines.push(`show    : ${r.fixture.showId}; sockets ${r.socketPath}; stack reloads during the run: ${r.stackReloads}`);
  lines.push('');
  const cols: [string, TargetRun | undefined][] = [
    ['stack', s],
    ['bare DO', d],
    ['bare ws', b],
  ];
  const shown = cols.filter(([, t]) => t) as [string, TargetRun][];
  const pair = (get: (t: TargetRun) => string): string[] => shown.map(([, t]) => get(t));
  const ratio = (x: number, y: number | undefined) => (y && Number.isFinite(x / y) ? `${f(x / y, 2)}×` : '');
  const ratios = (get: (t: TargetRun) => number): string[] => [
    ...(d ? [ratio(get(s), get(d))] : []),
    ...(b ? [ratio(get(s), get(b))] : []),
  ];
  const blank = [...(d ? [''] : []), ...(b ? [''] : [])];
  const lat = (t: TargetRun) => t.drive.latency;
  const memPerSocket = (t: TargetRun) => {
    const rows = t.rss.filter((x) => x.role.startsWith('workerd') || x.role.startsWith('node bare'));
    const kib = rows
      .filter((x) => !x.role.includes('dev proxy'))
      .reduce((a, x) => a + ((x.connectedMiB ?? NaN) - (x.idleMiB ?? NaN)), 0);
    return (kib * 1024) / Math.max(1, t.connect.ok);
  };
  const join = (t: TargetRun) => t.drive.join;
  /** A row about the fans who joined during the drive: '–' for a run without them. */
  const joinRow = (label: string, cell: (j: NonNullable<ReturnType<typeof join>>) => string): string[] => [
    label,
    ...pair((t) => {
      const j = join(t);
      return j ? cell(j) : '–';
    }),
    ...blank,
  ];
  const rows: string[][] = [
    ['', ...shown.map(([n]) => n), ...(d ? ['stack/DO'] : []), ...(b ? ['stack/ws'] : [])],
    ['sockets connected / failed', ...pair((t) => `${t.connect.ok}/${t.connect.failed}`), ...blank],
    ['  connect failures', ...pair((t) => codes(t.connect.failures)), ...blank],
    ['  connect mode', ...pair((t) => `${t.connect.mode ?? ''}, ${t.connect.threads ?? 1} thr`), ...blank],
    [
      '  connect→snapshot p50 / p95 / max ms',
      ...pair((t) => ms(t.connect.snapshotMs, 'p50Ms', 'p95Ms', 'maxMs')),
      ...ratios((t) => t.connect.snapshotMs.p95Ms),
    ],
    ['  ramp-up wall s', ...pair((t) => f(t.connect.wallS)), ...blank],
    ['  server RSS per socket KiB (workerd / node)', ...pair((t) => f(memPerSocket(t))), ...blank],
    ['votes sent (skipped)', ...pair((t) => `${int(t.drive.votesSent)} (${t.drive.votesSkipped})`), ...blank],
    ['votes accepted /s (ok acks)', ...pair((t) => f(t.drive.acceptedPerS)), ...ratios((t) => t.drive.acceptedPerS)],
    ['acks failed, by code', ...pair((t) => codes(t.drive.acksFailed)), ...blank],
    ['votes unanswered', ...pair((t) => int(t.drive.unanswered)), ...blank],
    ['vote→update p50 ms', ...pair((t) => f(lat(t).p50Ms)), ...ratios((t) => lat(t).p50Ms)],
    ['vote→update p95 ms', ...pair((t) => f(lat(t).p95Ms)), ...ratios((t) => lat(t).p95Ms)],
    ['vote→update p99 ms', ...pair((t) => f(lat(t).p99Ms)), ...ratios((t) => lat(t).p99Ms)],
    ['vote→update max ms', ...pair((t) => f(lat(t).maxMs)), ...blank],
    ['  of which: vote→first arrival p50 / p95', ...pair((t) => ms(t.drive.firstArrival, 'p50Ms', 'p95Ms')), ...blank],
    ['  of which: broadcast spread p50 / p95', ...pair((t) => ms(t.drive.broadcastSpread, 'p50Ms', 'p95Ms')), ...blank],
    ['  samples (socket × vote)', ...pair((t) => int(lat(t).count)), ...blank],
    ['vote→ack p50 / p95 / p99 ms', ...pair((t) => ms(t.drive.ackLatency, 'p50Ms', 'p95Ms', 'p99Ms')), ...blank],
    [
      'updates delivered /s (all sockets)',
      ...pair((t) => int(t.drive.updatesPerS)),
      ...ratios((t) => t.drive.updatesPerS),
    ],
    ['  per socket /s', ...pair((t) => f(t.drive.updatesPerSocketPerS)), ...blank],
    ['distinct updates broadcast', ...pair((t) => int(t.drive.distinctUpdates)), ...blank],
    [
      '  votes / songs per update',
      ...pair((t) => `${f(t.drive.votesPerUpdate)} / ${f(t.drive.changesPerUpdate)}`),
      ...blank,
    ],
    ['seq gaps / missing deliveries', ...pair((t) => `${t.drive.seqGaps} / ${t.drive.missingDeliveries}`), ...blank],
    ['unexpected socket closes', ...pair((t) => codes(t.drive.unexpectedCloses)), ...blank],
  ];
  if (shown.some(([, t]) => join(t)))
    rows.push(
      joinRow('fans joining during the drive /s', (j) => `${j.rate} (${j.users} users)`),
      joinRow('  joined / planned', (j) => `${j.fansJoined}/${j.fansPlanned}`),
      joinRow('  join failures', (j) => codes(j.connectFailures)),
      joinRow('  connect→snapshot p50 / p95 / max ms', (j) => ms(j.snapshotMs, 'p50Ms', 'p95Ms', 'maxMs')),
      joinRow('  votes acked / sent (failed)', (j) => `${j.acksOk}/${j.votesSent} (${codes(j.acksFailed)})`),
      joinRow('  vote→ack p50 / p95 / max ms', (j) => ms(j.ackLatency, 'p50Ms', 'p95Ms', 'maxMs')),
    );
  rows.push(
    [
      'harness event-loop delay p50/p99/max ms',
      ...pair((t) => ms(t.drive.eventLoopDelay, 'p50Ms', 'p99Ms', 'maxMs')),
      ...blank,
    ],
    ['harness send lag p50 / p99 / max ms', ...pair((t) => ms(t.drive.sendLag, 'p50Ms', 'p99Ms', 'maxMs')), ...blank],
    ['harness CPU (% of one core)', ...pair((t) => f(t.cpu.harnessPct, 0)), ...blank],
    ['harness busiest thread run-queue wait %', ...pair((t) => f(t.cpu.harnessRunqWaitPct, 0)), ...blank],
    [
      'server processes CPU (% of one core)',
      ...pair((t) =>
        f(
          t.cpu.processes.reduce((a, p) => a + (p.avgPct || 0), 0),
          0,
        ),
      ),
      ...blank,
    ],
    ['other CPU on the machine (% of one core)', ...pair((t) => f(t.cpu.otherPct, 0)), ...blank],
    ['machine busy (% of one core, max 100×cores)', ...pair((t) => f(t.cpu.machineBusyPct, 0)), ...blank],
  );
  lines.push(table(rows, 1, false));
  lines.push('');
  lines.push(
    'server processes during the drive (CPU % of one core: avg / max 1-s sample; busiest thread: on-CPU % + run-queue wait %, i.e. starved; RSS MiB)',
  );
  const procRows = [['process', 'pid', 'avg', 'max', 'busiest thread (cpu+wait)', 'RSS idle', 'connected', 'after']];
  for (const [name, t] of cols) {
    if (!t) continue;
    for (const p of t.cpu.processes) {
      const rss = t.rss.find((x) => x.pid === p.pid);
      procRows.push([
        `${name}: ${p.role}`,
        String(p.pid),
        f(p.avgPct, 0),
        f(p.maxPct, 0),
        p.topThread ? `${p.topThread.name} ${f(p.topThread.avgPct, 0)}+${f(p.topThread.runqWaitPct, 0)}%` : '–',
        f(rss?.idleMiB, 0),
        f(rss?.connectedMiB, 0),
        f(rss?.afterMiB, 0),
      ]);
    }
  }
  lines.push(table(procRows, 1, false));
  lines.push('');
  const pg = s.postgres;
  lines.push(
    `postgres: ${pg.drained ? `caught up ${f(pg.drainMs / 1000)} s after the drive` : `NOT caught up after ${f(pg.drainMs / 1000)} s`}; ` +
      `round trips ${int(pg.roundTrips)} (HTTP /sql ${int(pg.workerSqlRequests)} + ws frames ${int(pg.wsFrames)}, ${pg.wsConnections} ws connections); ` +
      `vote rows ${int(pg.rowsWritten)}; ${f(pg.votesPerRoundTrip)} votes per round trip` +
      (pg.voteBatchRoundTrips !== undefined
        ? `\n  of which vote persistence (vote-events batches): ${int(pg.voteBatchRoundTrips)} round trips, ${f(pg.votesPerVoteBatch)} votes per round trip; the rest is what votes trigger elsewhere (milestone notifications)`
        : '') +
      pg.topStatements.map((t) => `\n    ${int(t.requests).padStart(6)}  ${t.statement}`).join(''),
  );
  const c = s.consistency;
  lines.push(
    `consistency: ${c.pass ? 'PASS' : 'FAIL'} — acked ok ${int(c.acksOk)}${c.lateAcks ? ` (${int(c.lateAcks)} acks arrived after the drive)` : ''} · harness Σ acked counts ${int(c.harnessSum)} · room Σ counts ${int(c.roomSum)} · ` +
      `postgres active votes ${int(c.postgresActiveVotes)} · Σ setlist_songs.vote_count ${int(c.postgresSumVoteCount)}` +
      (c.problems.length ? `\n  ${c.problems.join('\n  ')}` : ''),
  );
  if (s.profile) {
    const p = s.profile;
    lines.push(
      `profile of ${p.target} over ${f(p.durationMs / 1000)} s: isolate running ${f(p.busyPct, 0)} % of the wall time, not entered (no samples) ${f(p.outsideMs / 1000)} s; top functions by self time (${p.file}):`,
    );
    lines.push(
      table(
        [
          ['function', 'self ms', '% of wall', 'samples'],
          ...p.top.map((t) => [t.fn, f(t.selfMs, 0), f(t.selfPct), String(t.samples)]),
        ],
        1,
        false,
      ),
    );
  }
  const acked = (t: TargetRun) => t.drive.acksOk + (t.drive.join?.acksOk ?? 0);
  if (d) lines.push(`bare DO consistency: acked ok ${int(acked(d))} · server Σ counts ${int(d.roomSum)}`);
  if (b) lines.push(`bare ws consistency: acked ok ${int(acked(b))} · server Σ counts ${int(b.roomSum)}`);
  lines.push(
    `verdict: ${r.verdict.sustained ? 'SUSTAINED' : 'NOT SUSTAINED'} (p95 < 100 ms, nothing lost or refused, accepted ≥ 98 % of the offered rate)${r.verdict.reasons.length ? ` — ${r.verdict.reasons.join('; ')}` : ''}`,
  );
  if (r.verdict.warnings.length) lines.push(`WARNING: ${r.verdict.warnings.join('; ')}`);
  lines.push(
    `phases (s): ${Object.entries(r.phasesS)
      .map(([k, v]) => `${k} ${f(v)}`)
      .join(' · ')}`,
  );
  if (s.cpu.topSnapshot) lines.push('', 'top, mid-run (stack):', s.cpu.topSnapshot);
  console.log(lines.join('\n'));
}
