/**
 * `npm run capacity`: what the roadmap's scenarios cost a month on Cloudflare + Neon, from the CPU per request
 * bench:system measured (bench/system/results/*.json) and the providers' published prices (PRICES below, with
 * the date they were read). Prints markdown: docs/capacity.md is this output plus its explanation.
 *
 *   npm run capacity                                    # from bench/system/results/idle2-mix-warn-logs.json
 *   npm run capacity -- --bench path/to/bench.json      # another run of bench:system
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');

/** Published prices, read 2026-12-07 from developers.cloudflare.com and neon.com (USD; "price list" figures). */
export const PRICES = {
  read: '2026-12-07',
  workers: {
    basePerMonth: 5,
    includedRequests: 10e6,
    perMillionRequests: 0.3,
    includedCpuMs: 30e6,
    perMillionCpuMs: 0.02,
  },
  durableObjects: {
    includedRequests: 1e6,
    perMillionRequests: 0.15,
    /** Incoming WebSocket messages are billed 20:1 as requests. */
    websocketMessagesPerRequest: 20,
    includedGbS: 400_000,
    perMillionGbS: 12.5,
    /** Duration is billed at the object's 128 MB, whatever it uses. */
    gbPerObject: 0.128,
    sqlite: { includedRowsWritten: 50e6, perMillionRowsWritten: 1.0, includedGb: 5, perGbMonth: 0.2 },
  },
  queues: { includedOperations: 1e6, perMillionOperations: 0.4, operationsPerMessage: 3 },
  analyticsEngine: { includedDataPoints: 10e6, perMillionDataPoints: 0.25 },
  /** Neon Launch plan: compute per CU-hour (1 CU = 1 vCPU + 4 GB), storage per GB-month. Scale: $0.222/CU-hour. */
  neon: { perCuHour: 0.106, perGbMonth: 0.35 },
} as const;

const SECONDS_PER_MONTH = 30 * 86_400;

interface BenchStep {
  rate: number;
  perS: number;
  errors: number;
  all: { p95Ms: number };
  processes: { role: string; msPerRequest: number }[];
}
interface BenchRun {
  label: string;
  code: string;
  steps: BenchStep[];
  sustainable: number;
}

/** Measured per request of the show-night mix (bench:system, the stack after the changes). */
export interface Measured {
  source: string;
  workerCpuMs: number;
  databaseCpuMs: number;
  sustainable: number;
}

export function measuredFrom(file: string): Measured {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as BenchRun | BenchRun[];
  const run = Array.isArray(parsed) ? parsed[parsed.length - 1]! : parsed;
  // The highest step that met the target, else the one with the lowest p95: CPU per request at a load the stack
  // sustains, not of requests queued behind each other.
  const passing = run.steps.filter((s) => s.all.p95Ms < 200 && s.errors === 0);
  const step = passing[passing.length - 1] ?? [...run.steps].sort((a, b) => a.all.p95Ms - b.all.p95Ms)[0]!;
  const cpu = (role: string) => step.processes.find((p) => p.role.startsWith(role))?.msPerRequest ?? 0;
  // The relay (+ PGlite, in the dev script's process) and, with --database-url, the PostgreSQL server.
  const database = cpu('node dev.ts') + cpu('postgres');
  return {
    source: `${file.replace(`${ROOT}/`, '')}: ${run.label} (${run.code}), step ${step.rate}/s`,
    workerCpuMs: cpu('workerd (workers)'),
    databaseCpuMs: database,
    sustainable: run.sustainable,
  };
}

/**
 * Per request of the mix, what reaches each billed service. Modelled from the code paths (bench/system's
 * profile shares and what each route does), not measured: see docs/capacity.md.
 */
export const PER_REQUEST = {
  /** Rate-limiter round trips: signed-in and uncached requests ask the object; cached reads report in batches of 50. */
  durableObjectRequests: 0.55,
  /** Votes over WebSocket: incoming messages (billed 20:1). Share of the mix: 20 %. */
  websocketMessages: 0.2,
  /** Queue messages: vote events (one per vote) and notifications/analytics, a few per 100 requests. */
  queueMessages: 0.25,
  /** Analytics Engine: request metrics are aggregated per isolate and flushed in batches. */
  analyticsDataPoints: 0.02,
  /** Room rows written (vote + outbox + counts) per vote, 20 % of the mix are votes. */
  roomRowsWritten: 0.2 * 3,
  /** The rate limiter writes its window (one row) on every counted round trip. */
  limiterRowsWritten: 0.55,
};

export interface Scenario {
  name: string;
  /** Peak requests/s. */
  peak: number;
  /** Requests in a month. */
  monthlyRequests: number;
  /** Durable Object duration: object-seconds in memory a month (live rooms). */
  objectSeconds: number;
  /** Postgres data, GB. */
  storageGb: number;
}

export interface Bill {
  workersRequests: number;
  workersCpu: number;
  doRequests: number;
  doDuration: number;
  doStorage: number;
  queues: number;
  analytics: number;
  neonCompute: number;
  neonStorage: number;
  total: number;
  perThousand: number;
}

const over = (used: number, included: number, perMillion: number) => (Math.max(0, used - included) / 1e6) * perMillion;

export function bill(s: Scenario, m: Measured): Bill {
  const p = PRICES;
  const n = s.monthlyRequests;
  const workersRequests = p.workers.basePerMonth + over(n, p.workers.includedRequests, p.workers.perMillionRequests);
  const workersCpu = over(n * m.workerCpuMs, p.workers.includedCpuMs, p.workers.perMillionCpuMs);
  const doRequestCount =
    n * PER_REQUEST.durableObjectRequests +
    (n * PER_REQUEST.websocketMessages) / p.durableObjects.websocketMessagesPerRequest;
  const doRequests = over(doRequestCount, p.durableObjects.includedRequests, p.durableObjects.perMillionRequests);
  const doDuration = over(
    s.objectSeconds * p.durableObjects.gbPerObject,
    p.durableObjects.includedGbS,
    p.durableObjects.perMillionGbS,
  );
  const doStorage = over(
    n * (PER_REQUEST.roomRowsWritten + PER_REQUEST.limiterRowsWritten),
    p.durableObjects.sqlite.includedRowsWritten,
    p.durableObjects.sqlite.perMillionRowsWritten,
  );
  const queues = over(
    n * PER_REQUEST.queueMessages * p.queues.operationsPerMessage,
    p.queues.includedOperations,
    p.queues.perMillionOperations,
  );
  const analytics = over(
    n * PER_REQUEST.analyticsDataPoints,
    p.analyticsEngine.includedDataPoints,
    p.analyticsEngine.perMillionDataPoints,
  );
  // Postgres CPU per request as measured, run at 50 % utilisation, plus one always-on 1 CU primary.
  const cuHours = (n * m.databaseCpuMs) / 1000 / 3600 / 0.5 + 730;
  const neonCompute = cuHours * p.neon.perCuHour;
  const neonStorage = s.storageGb * p.neon.perGbMonth;
  const total =
    workersRequests + workersCpu + doRequests + doDuration + doStorage + queues + analytics + neonCompute + neonStorage;
  return {
    workersRequests,
    workersCpu,
    doRequests,
    doDuration,
    doStorage,
    queues,
    analytics,
    neonCompute,
    neonStorage,
    total,
    perThousand: (total / n) * 1000,
  };
}

/**
 * A month of show nights: the peak for 4 hours on 12 nights, and 10 % of the peak the rest of the time.
 * An assumption (the roadmap gives peaks only); the "peak all month" rows are the upper bound.
 */
export function showNights(peak: number): number {
  const peakSeconds = 12 * 4 * 3600;
  return peak * peakSeconds + peak * 0.1 * (SECONDS_PER_MONTH - peakSeconds);
}

export function scenarios(): Scenario[] {
  const rooms = (concurrent: number) => concurrent * 12 * 4 * 3600; // live rooms in memory during show nights
  return [
    {
      name: 'show night, 10,000 req/s peak',
      peak: 10_000,
      monthlyRequests: showNights(10_000),
      objectSeconds: rooms(20),
      storageGb: 50,
    },
    {
      name: 'show night, 25,000 req/s peak',
      peak: 25_000,
      monthlyRequests: showNights(25_000),
      objectSeconds: rooms(50),
      storageGb: 50,
    },
    {
      name: '10,000 fans in one room (3 h, 1,000 votes/s)',
      peak: 1_000,
      monthlyRequests: (1_000 * 3 * 3600 * 12) / 0.2,
      objectSeconds: rooms(1),
      storageGb: 50,
    },
    {
      name: '1 million registered fans (10 KB each)',
      peak: 10_000,
      monthlyRequests: showNights(10_000),
      objectSeconds: rooms(20),
      storageGb: 10,
    },
    {
      name: 'growth: 1,000 req/s (month 1)',
      peak: 1_000,
      monthlyRequests: showNights(1_000),
      objectSeconds: rooms(5),
      storageGb: 100,
    },
    {
      name: 'growth: 5,000 req/s (month 6, $1,000)',
      peak: 5_000,
      monthlyRequests: showNights(5_000),
      objectSeconds: rooms(10),
      storageGb: 500,
    },
    {
      name: 'growth: 10,000 req/s (month 12, $3,000)',
      peak: 10_000,
      monthlyRequests: showNights(10_000),
      objectSeconds: rooms(20),
      storageGb: 1000,
    },
    {
      name: 'growth: 25,000 req/s (month 24, $10,000)',
      peak: 25_000,
      monthlyRequests: showNights(25_000),
      objectSeconds: rooms(50),
      storageGb: 2500,
    },
    {
      name: 'upper bound: 25,000 req/s all month',
      peak: 25_000,
      monthlyRequests: 25_000 * SECONDS_PER_MONTH,
      objectSeconds: rooms(50),
      storageGb: 2500,
    },
  ];
}

const usd = (n: number) => `$${n < 10 ? n.toFixed(2) : Math.round(n).toLocaleString('en-US')}`;

export function report(m: Measured): string {
  const lines = [
    `Measured (bench:system, ${m.source}): workers CPU ${m.workerCpuMs.toFixed(2)} ms per request, database CPU ${m.databaseCpuMs.toFixed(2)} ms per request.`,
    `Prices: Cloudflare Workers Paid, Durable Objects, Queues, Analytics Engine; Neon Launch (read ${PRICES.read}).`,
    '',
    '| scenario | requests/month | Workers req | Workers CPU | DO req | DO duration | DO storage | Queues | Analytics | Neon compute | Neon storage | total/month | per 1,000 req |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of scenarios()) {
    const b = bill(s, m);
    lines.push(
      `| ${s.name} | ${(s.monthlyRequests / 1e9).toFixed(2)} B | ${usd(b.workersRequests)} | ${usd(b.workersCpu)} | ${usd(b.doRequests)} | ${usd(b.doDuration)} | ${usd(b.doStorage)} | ${usd(b.queues)} | ${usd(b.analytics)} | ${usd(b.neonCompute)} | ${usd(b.neonStorage)} | **${usd(b.total)}** | $${b.perThousand.toFixed(5)} |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { bench: { type: 'string', default: 'bench/system/results/idle2-mix-warn-logs.json' } },
  });
  console.log(report(measuredFrom(resolve(ROOT, values.bench))));
}
