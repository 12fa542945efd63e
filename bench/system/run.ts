/**
 * One step of the show-night load: an open loop at `rate` requests/s for `seconds` (request n is due at
 * start + n / rate and its latency counts from that due time, as bench/read's open loop: a server that falls
 * behind shows its queueing instead of slowing the senders down). Each request's route is drawn from the
 * profile's mix. Per route: achieved rate, latency, outcomes; per process: CPU over the step.
 */

import { cpuSeconds, type ProcInfo } from '../lib/procs';
import { PostgresCpu } from '../read/postgres-cpu';
import { Histogram, type HistogramSummary, type RequestFigures, requestFigures } from '../room/histogram';
import { isError, type RouteName, type Traffic } from './traffic';

export interface RouteFigures extends RequestFigures {
  statuses: Record<string, number>;
  errors: number;
}

export interface ProcessFigures {
  role: string;
  cpuS: number;
  /** CPU per request of the step (all routes), in ms. */
  msPerRequest: number;
  /** % of one core over the step. */
  pct: number;
}

export interface StepFigures {
  rate: number;
  seconds: number;
  wallS: number;
  requests: number;
  perS: number;
  errors: number;
  all: HistogramSummary;
  sendLag: HistogramSummary;
  maxInFlight: number;
  routes: Partial<Record<RouteName, RouteFigures>>;
  processes: ProcessFigures[];
}

export function mixPicker(mix: Partial<Record<RouteName, number>>, random: () => number): () => RouteName {
  const entries = Object.entries(mix).filter(([, w]) => (w ?? 0) > 0) as [RouteName, number][];
  const total = entries.reduce((a, [, w]) => a + w, 0);
  return () => {
    let r = random() * total;
    for (const [route, w] of entries) {
      r -= w;
      if (r < 0) return route;
    }
    return entries[entries.length - 1]![0];
  };
}

export async function runStep(
  traffic: Traffic,
  pick: () => RouteName,
  rate: number,
  seconds: number,
  procs: ProcInfo[],
  seqBase: number,
  /** The stack uses a PostgreSQL server (--database-url): count the server's CPU too (the machine's only postmaster). */
  postgresServer = false,
): Promise<StepFigures> {
  const byRoute = new Map<RouteName, { h: Histogram; statuses: Record<string, number>; errors: number }>();
  const all = new Histogram();
  const sendLag = new Histogram();
  let errors = 0;
  let maxInFlight = 0;
  const pg = new PostgresCpu();
  const cpu0 = new Map(procs.map((p) => [p.pid, cpuSeconds(p.pid) ?? 0]));
  pg.start();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const pending = new Set<Promise<void>>();
  for (let n = 0; ; n++) {
    const due = started + (n * 1000) / rate;
    if (due >= deadline) break;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sendLag.record(Math.max(0, performance.now() - due));
    const route = pick();
    const request = traffic.send(route, seqBase + n).then((status) => {
      const ms = performance.now() - due;
      const s = byRoute.get(route) ?? { h: new Histogram(), statuses: {}, errors: 0 };
      byRoute.set(route, s);
      s.h.record(ms);
      s.statuses[status] = (s.statuses[status] ?? 0) + 1;
      all.record(ms);
      if (isError(status)) {
        s.errors++;
        errors++;
      }
    });
    const tracked = request.finally(() => pending.delete(tracked));
    pending.add(tracked);
    maxInFlight = Math.max(maxInFlight, pending.size);
  }
  await Promise.all(pending);
  const wallS = (performance.now() - started) / 1000;
  const pgPct = pg.stop();
  const requests = all.count;
  const processes: ProcessFigures[] = procs.map((p) => {
    const cpuS = (cpuSeconds(p.pid) ?? 0) - (cpu0.get(p.pid) ?? 0);
    return { role: p.role, cpuS, msPerRequest: (cpuS * 1000) / requests, pct: (cpuS / wallS) * 100 };
  });
  if (postgresServer && Number.isFinite(pgPct)) {
    const cpuS = (pgPct / 100) * wallS;
    processes.push({ role: 'postgres (server)', cpuS, msPerRequest: (cpuS * 1000) / requests, pct: pgPct });
  }
  const routes: StepFigures['routes'] = {};
  for (const [route, s] of byRoute)
    routes[route] = {
      ...requestFigures(s.h, wallS),
      statuses: s.statuses,
      errors: s.errors,
    };
  return {
    rate,
    seconds,
    wallS,
    requests,
    perS: requests / wallS,
    errors,
    all: all.summary(),
    sendLag: sendLag.summary(),
    maxInFlight,
    routes,
    processes,
  };
}
