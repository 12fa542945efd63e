/** Printing and saving the read benchmark's figures. */
import { f, int, table } from '../lib/format';
import type { MachineInfo } from '../lib/machine';
import type { HistogramSummary } from '../room/histogram';
import type { CpuReport } from '../room/sampler';
import { ENDPOINTS, type EndpointName, type ReadBenchOptions } from './args';
import type { PhaseFigures } from './load';
import type { ProbeRow } from './probe';

export interface WorkerTimes {
  /** The api worker's own durationMs (access log), per endpoint: all answers, and split by cache outcome. */
  endpoints: Partial<Record<EndpointName, { worker: HistogramSummary; outside: HistogramSummary; matched: number }>>;
}

export interface PhaseRun {
  figures: PhaseFigures;
  cpu: CpuReport | undefined;
  postgresCpuPct: number;
  worker: WorkerTimes | undefined;
  /** The relay's counters over the phase: Postgres connections the workers opened (one per WebSocket), /sql requests, frames. */
  relay: { wsConnections: number; sqlRequests: number; wsFrames: number; connectionsPerRequest: number } | undefined;
}

export interface Target {
  name: string;
  /** The load it was measured under: closed-loop clients, or an open-loop rate. */
  load: string;
  limitMs: number;
  actualMs: number;
  met: boolean;
}

export interface ReadBenchResult {
  startedAt: string;
  command: string;
  machine: MachineInfo & { busyBeforePct: number };
  code: string;
  target: { url: string; requestsTo: string; database: string; dataset: Record<string, number> };
  options: Omit<ReadBenchOptions, 'argv'>;
  keys: Record<EndpointName, number> & { feedUsers: number };
  notes: string[];
  stackReloads: number;
  cold: PhaseRun;
  warm: PhaseRun;
  targets: Target[];
  probe: ProbeRow[] | undefined;
  phasesS: Record<string, number>;
}

const PATHS: Record<EndpointName, string> = {
  show: 'GET /v1/shows/{id}',
  artist: 'GET /v1/artists/{slug}',
  search: 'GET /v1/search?q=',
  trending: 'GET /v1/trending/shows',
  feed: 'GET /v1/me/feed (signed in)',
};

const cacheText = (c: Record<string, number>) =>
  Object.entries(c)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k === 'none' ? 'uncached' : k} ${int(v)}`)
    .join(' ');
const statusText = (s: Record<string, number>) => {
  const bad = Object.entries(s).filter(([k]) => k !== '200');
  return bad.length ? bad.map(([k, v]) => `${k === '0' ? 'neterr' : k}:${v}`).join(' ') : '0';
};

/** The p50, p95, p99 and max columns of the request table. */
const latencyCells = (l: HistogramSummary) => [f(l.p50Ms), f(l.p95Ms), f(l.p99Ms), f(l.maxMs)];

export function printReport(r: ReadBenchResult): void {
  const lines: string[] = [];
  lines.push('', '══ read endpoints benchmark ══');
  lines.push(`command : ${r.command}`);
  lines.push(
    `machine : ${r.machine.cpus} × ${r.machine.cpuModel}, ${f(r.machine.memGiB)} GiB, ${r.machine.platform} ${r.machine.release}, node ${r.machine.node}; busy before the run ${f(r.machine.busyBeforePct, 0)} % of one core`,
  );
  lines.push(
    `code    : ${r.code}; requests to ${r.target.requestsTo}; stack reloads during the run: ${r.stackReloads}`,
  );
  lines.push(
    `data    : ${r.target.database} — ${Object.entries(r.target.dataset)
      .map(([k, v]) => `${k} ${int(v)}`)
      .join(', ')}`,
  );
  const loadText = r.options.rate
    ? `open loop: WARM ${r.options.rate} requests/s, COLD ${r.options.coldRate ?? r.options.rate} requests/s (latency from each request's due time)`
    : `${r.options.concurrency} concurrent clients (closed loop)`;
  lines.push(
    `load    : ${loadText}; keys ${ENDPOINTS.map((e) => `${e} ${int(r.keys[e])}`).join(', ')} (feed: ${r.keys.feedUsers} signed-in users); ${r.options.ips} client addresses; ` +
      `mix ${ENDPOINTS.map((e) => `${e} ${Math.round(r.options.mix[e] * 100)}%`).join(' ')}`,
  );
  lines.push(
    `phases  : COLD = fresh stack (empty response cache, new rate-limit objects), each distinct URL once; WARM = the same URLs again for ${r.options.durationS} s, popular ones more often (Zipf)` +
      (r.options.url
        ? ''
        : `; response cache fresh for ${r.options.freshS} s (production: 15); LOG_LEVEL ${r.options.logLevel}`),
  );
  lines.push('');
  const rows = [
    [
      'endpoint',
      'phase',
      'requests',
      'req/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'max ms',
      'worker p50/p95',
      'response cache',
      'not 200',
    ],
  ];
  for (const e of ENDPOINTS) {
    for (const run of [r.cold, r.warm]) {
      const x = run.figures.endpoints[e];
      if (!x) continue;
      const w = run.worker?.endpoints[e];
      rows.push([
        run === r.cold ? PATHS[e] : '',
        run.figures.name,
        int(x.requests),
        f(x.perS),
        ...latencyCells(x.latency),
        w ? `${f(w.worker.p50Ms, 0)} / ${f(w.worker.p95Ms, 0)}` : '–',
        cacheText(x.cache),
        statusText(x.statuses),
      ]);
    }
  }
  for (const run of [r.cold, r.warm]) {
    const p = run.figures;
    rows.push([
      run === r.cold ? 'all' : '',
      p.name,
      int(p.requests),
      f(p.perS),
      ...latencyCells(p.all),
      '',
      `wall ${f(p.wallS)} s`,
      String(p.errors),
    ]);
  }
  lines.push(table(rows, 2, true));
  const latencyFrom = r.options.rate ? 'request due (open loop schedule)' : 'request sent';
  lines.push(
    `(latency: ${latencyFrom} → body read, at the client; worker: the api worker's own durationMs from its access log, which advances on I/O only)`,
  );
  for (const run of [r.cold, r.warm]) {
    const p = run.figures;
    if (p.rate && p.sendLag)
      lines.push(
        `${p.name} open loop: asked ${f(p.rate)} requests/s, achieved ${f(p.perS)}/s; sent late by p50/p95/max ${f(p.sendLag.p50Ms)} / ${f(p.sendLag.p95Ms)} / ${f(p.sendLag.maxMs)} ms; at most ${int(p.maxInFlight)} in flight`,
      );
  }
  lines.push('');
  const hitMiss = (run: PhaseRun, e: EndpointName) => {
    const x = run.figures.endpoints[e];
    if (!x) return '–';
    return `HIT p50/p95 ${f(x.hitLatency.p50Ms)} / ${f(x.hitLatency.p95Ms)} (${int(x.hitLatency.count)}) · not HIT ${f(x.missLatency.p50Ms)} / ${f(x.missLatency.p95Ms)} (${int(x.missLatency.count)})`;
  };
  for (const e of ['show', 'artist', 'trending'] as const)
    lines.push(`${PATHS[e].padEnd(24)} COLD ${hitMiss(r.cold, e)}  |  WARM ${hitMiss(r.warm, e)}`);
  for (const run of [r.cold, r.warm]) {
    const x = run.relay;
    if (x)
      lines.push(
        `${run.figures.name}: the workers opened ${int(x.wsConnections)} Postgres connections through the relay (${f(x.connectionsPerRequest, 2)} per request), ${int(x.wsFrames)} WebSocket frames, ${int(x.sqlRequests)} HTTP /sql requests`,
      );
  }
  lines.push('');
  lines.push('targets:');
  for (const t of r.targets)
    lines.push(`  ${t.met ? 'MET    ' : 'NOT MET'} ${t.name}: ${f(t.actualMs)} ms (< ${t.limitMs} ms) — ${t.load}`);

  lines.push('');
  lines.push('CPU during each phase (% of one core; machine max ' + r.machine.cpus * 100 + '):');
  const cpuRows = [['process', 'phase', 'avg', 'max 1-s', 'busiest thread (cpu+runq wait)']];
  for (const run of [r.cold, r.warm]) {
    if (!run.cpu) continue;
    for (const p of run.cpu.processes)
      cpuRows.push([
        p.role,
        run.figures.name,
        f(p.avgPct, 0),
        f(p.maxPct, 0),
        p.topThread ? `${p.topThread.name} ${f(p.topThread.avgPct, 0)}+${f(p.topThread.runqWaitPct, 0)}%` : '–',
      ]);
    cpuRows.push(['postgres (whole cluster)', run.figures.name, f(run.postgresCpuPct, 0), '', '']);
    cpuRows.push([
      'bench harness (this process)',
      run.figures.name,
      f(run.cpu.harnessPct, 0),
      '',
      `runq wait ${f(run.cpu.harnessRunqWaitPct, 0)}%`,
    ]);
    cpuRows.push([
      'other processes',
      run.figures.name,
      f(run.cpu.otherPct - (Number.isFinite(run.postgresCpuPct) ? run.postgresCpuPct : 0), 0),
      '',
      '',
    ]);
    cpuRows.push(['machine busy', run.figures.name, f(run.cpu.machineBusyPct, 0), '', '']);
  }
  lines.push(table(cpuRows, 2, true));

  if (r.probe?.length) {
    lines.push('');
    lines.push("where a show page's time goes (one request at a time, idle stack, shows the load never requested):");
    const probeRows = [['layer', 'path', 'p50 ms', 'p95 ms', 'p99 ms', 'n']];
    for (const p of r.probe)
      probeRows.push([
        p.layer,
        p.what,
        f(p.latency.p50Ms, 2),
        f(p.latency.p95Ms, 2),
        f(p.latency.p99Ms, 2),
        int(p.latency.count),
      ]);
    lines.push(table(probeRows, 2, true));
  }
  if (r.notes.length) {
    lines.push('');
    for (const n of r.notes) lines.push(`note: ${n}`);
  }
  lines.push(
    `phases (s): ${Object.entries(r.phasesS)
      .map(([k, v]) => `${k} ${f(v)}`)
      .join(' · ')}`,
  );
  console.log(lines.join('\n'));
}
